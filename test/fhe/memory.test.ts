import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Arena,
  PRESETS,
  ProgramEvaluator,
  loadSealBackend,
  scoped,
  validateCiphertext,
  validateGaloisKeys,
  validatePublicKey,
  validateRelinKeys,
  type FheBackend,
} from '../../src/fhe/index.js';
import { bfvProgram } from './fixtures.js';

async function setup(backend: FheBackend) {
  const engine = backend.createEngine(PRESETS['bfv-4096']);
  const keys = engine.keygen([1]);
  engine.setEvaluationKeys({ relin: validateRelinKeys(keys.relinKeys, engine.chain), galois: validateGaloisKeys(keys.galoisKeys!, engine.chain, [1]) });
  const enc = engine.encryptor(validatePublicKey(keys.publicKey, engine.chain));
  const input = validateCiphertext(enc.encrypt(BigInt64Array.from([1n, 2n, 3n])), engine.chain, { level: 0 });
  enc.delete();
  return { engine, input };
}

/** Six homomorphic operations: load, rotate, add, encode, multiply-plain, multiply-relinearize (+ save). */
const OPS_PER_ROUND = 6;

test('WASM memory stays flat over 10,000 homomorphic operations (every object is freed)', async () => {
  const backend = await loadSealBackend();
  const { engine, input } = await setup(backend);
  const round = () =>
    scoped((a) => {
      const x = engine.loadCiphertext(input, a);
      const r = engine.rotate(x, 1, a);
      const s = engine.add(x, r, a);
      const p = engine.encodeInt(BigInt64Array.from([3n, 1n, 4n]), a);
      const m = engine.mulPlain(s, p, a);
      engine.saveCiphertext(engine.mulRelin(m, x, a));
    });
  const rounds = Math.ceil(10_000 / OPS_PER_ROUND);
  for (let i = 0; i < 50; i++) round(); // let SEAL's memory pool reach its working size
  const heapBefore = backend.heapBytes()!;
  const rssBefore = process.memoryUsage().rss;
  for (let i = 50; i < rounds; i++) round();
  const heapAfter = backend.heapBytes()!;
  const rssAfter = process.memoryUsage().rss;
  assert.ok(heapBefore > 0);
  assert.equal(heapAfter, heapBefore, `WASM heap grew from ${heapBefore} to ${heapAfter} bytes over ${rounds * OPS_PER_ROUND} operations`);
  assert.ok(rssAfter - rssBefore < 64 << 20, `RSS grew by ${(rssAfter - rssBefore) >> 20} MiB`);
  engine.delete();
});

test('whole program evaluations do not grow memory either', async () => {
  const backend = await loadSealBackend();
  const engine = backend.createEngine(PRESETS['bfv-8192']);
  const program = bfvProgram();
  const ev0 = new ProgramEvaluator(engine, program);
  const steps = ev0.analysis.galoisSteps;
  ev0.dispose();
  const keys = engine.keygen(steps);
  engine.setEvaluationKeys({ relin: validateRelinKeys(keys.relinKeys, engine.chain), galois: validateGaloisKeys(keys.galoisKeys!, engine.chain, steps) });
  const enc = engine.encryptor(validatePublicKey(keys.publicKey, engine.chain));
  const input = validateCiphertext(enc.encrypt(BigInt64Array.from([1n, 2n, 3n, 4n])), engine.chain, { level: 0 });
  enc.delete();
  const ev = new ProgramEvaluator(engine, program);
  for (let i = 0; i < 3; i++) ev.evaluate(input);
  const before = backend.heapBytes()!;
  for (let i = 0; i < 8; i++) ev.evaluate(input);
  assert.equal(backend.heapBytes(), before);
  ev.dispose();
  engine.delete();
});

test('control: the same loop without freeing makes the heap grow, so the measurement can fail', async () => {
  const backend = await loadSealBackend();
  const { engine, input } = await setup(backend);
  const leak = new Arena(); // never disposed inside the loop
  const before = backend.heapBytes()!;
  for (let i = 0; i < 200; i++) {
    const x = engine.loadCiphertext(input, leak);
    engine.add(x, engine.rotate(x, 1, leak), leak);
  }
  assert.ok(backend.heapBytes()! > before, 'leaking 600 ciphertexts must grow the WASM heap');
  leak.dispose();
  engine.delete();
});
