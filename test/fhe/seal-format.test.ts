import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import {
  PRESETS,
  SEAL_HEADER_SIZE,
  blobSizes,
  compressBlob,
  galoisElementForStep,
  loadSealBackend,
  validateCiphertext,
  validateGaloisKeys,
  validatePublicKey,
  validateRelinKeys,
  validateSecretKey,
  scoped,
  type FheBackend,
  type FheEngine,
  type KeySetBytes,
  type ValidatedCiphertext,
} from '../../src/fhe/index.js';
import { VerdictError } from '../../src/core/index.js';

let backend: FheBackend;
let engine: FheEngine;
let keys: KeySetBytes;
let ct: Uint8Array;
let ckks: FheEngine;
let ckksCt: Uint8Array;
const STEPS = [1, -2];

before(async () => {
  backend = await loadSealBackend();
  engine = backend.createEngine(PRESETS['bfv-4096']);
  keys = engine.keygen(STEPS);
  const enc = engine.encryptor(validatePublicKey(keys.publicKey, engine.chain));
  ct = enc.encrypt(BigInt64Array.from([1n, 2n, 3n]));
  enc.delete();
  ckks = backend.createEngine(PRESETS['ckks-8192-d3']);
  const k2 = ckks.keygen([]);
  const enc2 = ckks.encryptor(validatePublicKey(k2.publicKey, ckks.chain));
  ckksCt = enc2.encrypt(Float64Array.from([0.5, 1.5]));
  enc2.delete();
});

/** Refusal is a VerdictError with a code; anything else (TypeError, RangeError, WASM RuntimeError) fails the test. */
function refused(e: unknown): boolean {
  return e instanceof VerdictError && ['BAD_INPUT', 'BAD_EVIDENCE', 'LIMIT_EXCEEDED'].includes(e.code);
}

/** After any garbage, the WASM module must still work: load and save a good ciphertext. */
function moduleStillWorks(): void {
  assert.equal(backend.broken, false);
  scoped((arena) => {
    const v = validateCiphertext(ct, engine.chain, { level: 0 });
    const x = engine.loadCiphertext(v, arena);
    assert.deepEqual(Buffer.from(engine.saveCiphertext(x)), Buffer.from(v.bytes));
  });
}

test('expected sizes match what SEAL writes', () => {
  const sizes = blobSizes(engine.chain, STEPS.length);
  assert.equal(ct.length, sizes.ciphertextTop);
  assert.equal(keys.publicKey.length, sizes.publicKey);
  assert.equal(keys.secretKey.length, sizes.secretKey);
  assert.equal(keys.relinKeys.length, sizes.relinKeys);
  assert.equal(keys.galoisKeys!.length, sizes.galoisKeys);
  assert.equal(ckksCt.length, blobSizes(ckks.chain, 0).ciphertextTop);
});

test('valid objects validate; canonical form and hash do not depend on compression', () => {
  const v = validateCiphertext(ct, engine.chain, { level: 0 });
  const z = compressBlob(v.bytes);
  assert.ok(z.length < ct.length);
  const vz = validateCiphertext(z, engine.chain, { level: 0 });
  assert.equal(vz.hash, v.hash);
  assert.deepEqual(Buffer.from(vz.bytes), Buffer.from(ct));
  validatePublicKey(compressBlob(keys.publicKey), engine.chain);
  validateSecretKey(keys.secretKey, engine.chain);
  validateRelinKeys(keys.relinKeys, engine.chain);
  const g = validateGaloisKeys(keys.galoisKeys!, engine.chain, STEPS);
  assert.deepEqual(g.elements, STEPS.map((s) => galoisElementForStep(s, 4096)).sort((a, b) => a - b));
  assert.equal(validateCiphertext(ckksCt, ckks.chain, { level: 0, scale: 2 ** 35 }).scale, 2 ** 35);
});

const truncations = (bytes: Uint8Array) => fc.nat(bytes.length - 1).map((n) => bytes.slice(0, n));
const flips = (bytes: Uint8Array) =>
  fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
    const b = bytes.slice();
    b[i] = b[i]! ^ x;
    return b;
  });
/** Random bytes behind a plausible SEAL header, so the fuzz gets past the magic check. */
const headed = (size: number) =>
  fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 400 }), fc.constantFrom(0, 1, 2, 3)).map(([body, compr]) => {
    const b = new Uint8Array(SEAL_HEADER_SIZE + body.length);
    const v = new DataView(b.buffer);
    v.setUint16(0, 0xa15e, true);
    b[2] = 16;
    b[3] = 4;
    b[4] = 1;
    b[5] = compr;
    v.setBigUint64(8, BigInt(size < 0 ? b.length : size), true);
    b.set(body, 16);
    return b;
  });

test('malformed ciphertexts give VerdictError, never a crash or a WASM abort (property)', () => {
  const garbage = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }),
    truncations(ct),
    flips(ct),
    headed(-1),
    headed(2 ** 40),
    truncations(compressBlob(ct)),
    flips(compressBlob(ct)),
  );
  let loaded = 0;
  fc.assert(
    fc.property(garbage, (bytes) => {
      let v: ValidatedCiphertext;
      try {
        v = validateCiphertext(bytes, engine.chain, { level: 0 }, { code: 'BAD_EVIDENCE' });
      } catch (e) {
        assert.ok(refused(e), String(e));
        return;
      }
      // A flip inside a coefficient can leave a valid (different) ciphertext: SEAL must load it.
      scoped((arena) => engine.loadCiphertext(v, arena));
      loaded++;
    }),
    { numRuns: 600 },
  );
  moduleStillWorks();
  assert.ok(loaded < 600);
});

test('malformed keys give VerdictError (property)', () => {
  const cases: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ['public key', keys.publicKey, (b) => validatePublicKey(b, engine.chain)],
    ['secret key', keys.secretKey, (b) => validateSecretKey(b, engine.chain)],
    ['relin keys', keys.relinKeys, (b) => validateRelinKeys(b, engine.chain)],
    ['galois keys', keys.galoisKeys!, (b) => validateGaloisKeys(b, engine.chain, STEPS)],
  ];
  for (const [label, good, validate] of cases) {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1000 }), truncations(good), flips(good), headed(-1), headed(good.length)), (bytes) => {
        try {
          validate(bytes);
        } catch (e) {
          assert.ok(refused(e), `${label}: ${String(e)}`);
        }
      }),
      { numRuns: 150 },
    );
  }
  // Keys that pass validation load into SEAL.
  engine.setEvaluationKeys({ relin: validateRelinKeys(keys.relinKeys, engine.chain), galois: validateGaloisKeys(keys.galoisKeys!, engine.chain, STEPS) });
  moduleStillWorks();
});

test('Galois keys must be exactly the ones the program needs', () => {
  assert.throws(() => validateGaloisKeys(keys.galoisKeys!, engine.chain, [1]), (e) => refused(e) && /entry|needs|bytes/.test((e as Error).message));
  assert.throws(() => validateGaloisKeys(keys.galoisKeys!, engine.chain, [1, -2, 4]), refused);
  assert.throws(() => galoisElementForStep(2048, 4096), (e) => e instanceof VerdictError);
});

test('an oversized header or a zlib bomb is refused before anything large is allocated', () => {
  const huge = ct.slice();
  new DataView(huge.buffer).setBigUint64(8, 2n ** 50n, true);
  assert.throws(() => validateCiphertext(huge, engine.chain, { level: 0 }), (e) => refused(e) && /header says/.test((e as Error).message));
  // 64 MiB of zeros deflate to ~64 KiB: it must be cut off at the expected ciphertext size.
  const bomb = deflateSync(new Uint8Array(64 << 20), { level: 9 });
  const blob = new Uint8Array(SEAL_HEADER_SIZE + bomb.length);
  blob.set(ct.subarray(0, SEAL_HEADER_SIZE));
  blob[5] = 1;
  new DataView(blob.buffer).setBigUint64(8, BigInt(blob.length), true);
  blob.set(bomb, SEAL_HEADER_SIZE);
  const rss = process.memoryUsage().rss;
  assert.throws(() => validateCiphertext(blob, engine.chain, { level: 0 }), (e) => refused(e) && /inflates beyond/.test((e as Error).message));
  assert.ok(process.memoryUsage().rss - rss < 32 << 20, 'inflating was not bounded');
  const zstd = ct.slice();
  zstd[5] = 2;
  assert.throws(() => validateCiphertext(zstd, engine.chain, { level: 0 }), (e) => refused(e) && /zstd/.test((e as Error).message));
});

test('ciphertexts of other parameters, levels or sizes are refused with the reason', () => {
  assert.throws(() => validateCiphertext(ckksCt, engine.chain, { level: 0 }), refused);
  // Same byte length as a level-0 CKKS ciphertext but another parameter set's parms_id.
  const other = backend.createEngine(PRESETS['ckks-8192-d4']);
  try {
    const k = other.keygen([]);
    const enc = other.encryptor(validatePublicKey(k.publicKey, other.chain));
    const foreign = enc.encrypt(Float64Array.from([1]));
    enc.delete();
    assert.throws(() => validateCiphertext(foreign, ckks.chain, { level: 0 }), refused);
    // A level-1 ciphertext of d4 has 4 primes, like a level-0 one of d3: same size, other parms_id.
    const lower = scoped((arena) => {
      const x = other.loadCiphertext(validateCiphertext(foreign, other.chain, { level: 0 }), arena);
      return other.saveCiphertext(other.modSwitchTo(x, 1, arena));
    });
    assert.equal(lower.length, ckksCt.length);
    assert.throws(() => validateCiphertext(lower, ckks.chain, { level: 0 }), (e) => refused(e) && /other encryption parameters/.test((e as Error).message));
  } finally {
    other.delete();
  }
  const down = scoped((arena) => ckks.saveCiphertext(ckks.modSwitchTo(ckks.loadCiphertext(validateCiphertext(ckksCt, ckks.chain, { level: 0 }), arena), 2, arena)));
  assert.throws(() => validateCiphertext(down, ckks.chain, { level: 0 }), refused);
  assert.throws(() => validateCiphertext(compressBlob(down), ckks.chain, { level: 1 }), refused);
  assert.equal(validateCiphertext(down, ckks.chain, { level: 2 }).level, 2);
  assert.throws(() => validateCiphertext(ckksCt, ckks.chain, { level: 0, scale: 2 ** 30 }), (e) => refused(e) && /scale/.test((e as Error).message));
  assert.throws(() => validateCiphertext(ct, engine.chain, { level: 0, size: 3 }), refused);
});

test('without validation, SEAL aborts its WASM module on truncated bytes: the adapter reports it and marks the module broken', async () => {
  const b2 = await loadSealBackend();
  const e2 = b2.createEngine(PRESETS['bfv-4096']);
  const forged = { kind: 'ciphertext', bytes: ct.slice(0, 1000), hash: '0x', validated: true, level: 0, size: 2, scale: 1 } as unknown as ValidatedCiphertext;
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => errors.push(a); // emscripten prints "Aborted()"
  try {
    assert.throws(() => scoped((arena) => e2.loadCiphertext(forged, arena)), (e) => e instanceof VerdictError && e.code === 'EXECUTOR_FAILED');
  } finally {
    console.error = original;
  }
  assert.equal(b2.broken, true);
  assert.throws(() => b2.createEngine(PRESETS['bfv-4096']), (e) => e instanceof VerdictError && e.code === 'EXECUTOR_FAILED');
  // The other module instance is unaffected.
  moduleStillWorks();
});
