import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import {
  defaultModelPath, generate, loadModel, parseModel, randomModel, repoRoot, serializeModel, RANDOM_WEIGHTS_LABEL,
  STORIES260K_CONFIG, HEADER_BYTES, type ModelConfig,
} from '../../src/inference/index.js';
import { isVerdictError } from '../../src/core/index.js';
import { requireModel, NEEDS_MODEL } from './helpers.js';

/** Parsing must either succeed or throw VerdictError('BAD_INPUT'); anything else is a crash. */
function parseOrBadInput(bytes: Uint8Array): boolean {
  try {
    parseModel(bytes);
    return true;
  } catch (e) {
    assert.ok(isVerdictError(e, 'BAD_INPUT'), `unexpected ${String(e)}`);
    return false;
  }
}

const small: ModelConfig = { ...STORIES260K_CONFIG, hiddenSize: 16, intermediateSize: 24, maxSequenceLength: 32, vocabSize: 280, numLayers: 2, numQueryHeads: 4, numKeyValueHeads: 2 };
const smallBytes = serializeModel(randomModel(small, 'loader'));

test('the real file round-trips through parseModel and serializeModel byte for byte', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const bytes = new Uint8Array(readFileSync(defaultModelPath()));
  assert.deepEqual(serializeModel(m), bytes);
  assert.equal(m.weights.classifier, m.weights.embedding);
});

test('every truncation of a model file is BAD_INPUT', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: smallBytes.length - 1 }), (cut) => {
      assert.throws(() => parseModel(smallBytes.subarray(0, cut)), { code: 'BAD_INPUT' });
    }),
    { numRuns: 300 },
  );
  assert.throws(() => parseModel(new Uint8Array([...smallBytes, 0])), { code: 'BAD_INPUT' });
});

test('corrupted header and vocabulary bytes never crash the loader', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: HEADER_BYTES + 600 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
      const b = smallBytes.slice();
      b[at] = value;
      parseOrBadInput(b);
    }),
    { numRuns: 400 },
  );
});

test('random garbage is BAD_INPUT', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      assert.equal(parseOrBadInput(bytes), false);
    }),
    { numRuns: 300 },
  );
  // A valid-looking header whose sizes ask for terabytes is refused before any allocation.
  const huge = smallBytes.slice(0, HEADER_BYTES);
  new DataView(huge.buffer).setInt32(5 + 5 + 12, 1 << 20, true); // vocabSize
  assert.throws(() => parseModel(huge), { code: 'BAD_INPUT' });
});

test('header fields are each validated', () => {
  const cases: Array<[string, (dv: DataView) => void]> = [
    ['version', (dv) => dv.setUint8(0, 2)],
    ['type length', (dv) => dv.setInt32(1, -1, true)],
    ['model type', (dv) => dv.setUint8(5, 'x'.charCodeAt(0))],
    ['hidden size not a multiple of heads', (dv) => dv.setInt32(10, 18, true)],
    ['zero layers', (dv) => dv.setInt32(10 + 16, 0, true)],
    ['kv heads do not divide query heads', (dv) => dv.setInt32(10 + 24, 3, true)],
    ['shared flag', (dv) => dv.setUint8(10 + 28, 2)],
    ['padding', (dv) => dv.setUint8(200, 1)],
    ['NaN weight', (dv) => dv.setFloat32(dv.byteLength - 4, NaN, true)],
    ['negative piece length', (dv) => dv.setInt32(HEADER_BYTES + 4, -5, true)],
  ];
  for (const [name, mutate] of cases) {
    const b = smallBytes.slice();
    mutate(new DataView(b.buffer));
    assert.throws(() => parseModel(b), { code: 'BAD_INPUT' }, name);
  }
  assert.throws(() => parseModel('nope' as unknown as Uint8Array), { code: 'BAD_INPUT' });
});

test('loadModel: a missing file is NOT_FOUND with a hint; a garbage file is BAD_INPUT', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-inf-'));
  await assert.rejects(loadModel(join(dir, 'absent.bin')), (e) => isVerdictError(e, 'NOT_FOUND') && typeof e.details['hint'] === 'string');
  writeFileSync(join(dir, 'garbage.bin'), Buffer.from('not a model'));
  await assert.rejects(loadModel(join(dir, 'garbage.bin')), { code: 'BAD_INPUT' });
  writeFileSync(join(dir, 'small.bin'), smallBytes);
  const m = await loadModel(join(dir, 'small.bin'));
  assert.equal(m.label, join(dir, 'small.bin'));
  assert.match(m.digest ?? '', /^0x[0-9a-f]{64}$/);
});

test('defaultModelPath: VERDICT_MODEL, absolute or relative to the repository root', () => {
  assert.equal(defaultModelPath({}), resolve(repoRoot(), '../shared/models/stories260k/tinystories_260k_v1.bin'));
  assert.equal(defaultModelPath({ VERDICT_MODEL: '/x/m.bin' }), '/x/m.bin');
  assert.equal(defaultModelPath({ VERDICT_MODEL: 'models/m.bin' }), resolve(repoRoot(), 'models/m.bin'));
  assert.equal(defaultModelPath({ VERDICT_MODEL: '  ' }), defaultModelPath({}));
});

test('randomModel: seeded, labelled, same architecture, and it runs', () => {
  const a = randomModel(STORIES260K_CONFIG, 7);
  const b = randomModel(STORIES260K_CONFIG, 7);
  const c = randomModel(STORIES260K_CONFIG, 8);
  assert.equal(a.label, RANDOM_WEIGHTS_LABEL);
  assert.equal(a.label, 'random-weights (not the real model)');
  assert.equal(a.digest, undefined);
  assert.deepEqual(a.weights.wq, b.weights.wq);
  assert.notDeepEqual(a.weights.wq, c.weights.wq);
  const r = generate(a, a.tokenizer.encode('Once upon a time', { bos: true }), { maxTokens: 8, stopAtEos: false });
  assert.equal(r.completion.length, 8);
  // Its serialization parses back to the same model.
  const back = parseModel(serializeModel(a));
  assert.deepEqual(back.weights.w2, a.weights.w2);
  assert.equal(a.tokenizer.decode(a.tokenizer.encode('hello there', { bos: true }).slice(1), 1), 'hello there');
  assert.throws(() => randomModel({ ...STORIES260K_CONFIG, vocabSize: 100 }), { code: 'BAD_INPUT' });
  assert.throws(() => randomModel({ ...STORIES260K_CONFIG, numQueryHeads: 3 }), { code: 'BAD_INPUT' });
});
