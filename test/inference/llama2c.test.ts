import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseLlama2c, serializeModel, toLlama2cCheckpoint, toLlama2cTokenizer, randomModel, STORIES260K_CONFIG } from '../../src/inference/index.js';
import { isVerdictError } from '../../src/core/index.js';
import { requireModel, NEEDS_MODEL } from './helpers.js';

test('llama2.c export then import gives back the same model file, byte for byte', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const ckpt = toLlama2cCheckpoint(m);
  const tok = toLlama2cTokenizer(m);
  // Header as llama2.c reads it: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab (positive: shared), seq_len.
  const dv = new DataView(ckpt.buffer);
  assert.deepEqual([...Array(7).keys()].map((i) => dv.getInt32(i * 4, true)), [64, 172, 5, 8, 4, 512, 512]);
  // w2 comes before w3 in llama2.c's order.
  const w2At = 28 + 4 * (512 * 64 + 5 * 64 + 5 * 64 * 64 + 2 * 5 * 32 * 64 + 5 * 64 * 64 + 5 * 64 + 5 * 172 * 64);
  assert.equal(dv.getFloat32(w2At, true), m.weights.w2[0]);
  const back = parseLlama2c(ckpt, tok);
  assert.deepEqual(serializeModel(back), serializeModel(m));
  assert.deepEqual(back.tokenizer.encode('Once upon a time', { bos: true }), [1, 403, 407, 261, 378]);
});

test('an unshared classifier survives the round trip', () => {
  const m = randomModel({ ...STORIES260K_CONFIG, sharedOutputWeight: false, numLayers: 2 }, 3);
  const back = parseLlama2c(toLlama2cCheckpoint(m), toLlama2cTokenizer(m));
  assert.equal(back.config.sharedOutputWeight, false);
  assert.deepEqual(back.weights.classifier, m.weights.classifier);
  assert.notEqual(back.weights.classifier, back.weights.embedding);
});

test('truncated or corrupted llama2.c files are BAD_INPUT', () => {
  const m = randomModel({ ...STORIES260K_CONFIG, numLayers: 1, maxSequenceLength: 16 }, 1);
  const ckpt = toLlama2cCheckpoint(m);
  const tok = toLlama2cTokenizer(m);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: ckpt.length - 1 }), fc.integer({ min: 0, max: tok.length - 1 }), fc.integer({ min: 0, max: 27 }), fc.integer({ min: 0, max: 255 }), (cutC, cutT, at, v) => {
      assert.throws(() => parseLlama2c(ckpt.subarray(0, cutC), tok), { code: 'BAD_INPUT' });
      assert.throws(() => parseLlama2c(ckpt, tok.subarray(0, cutT === 0 ? 0 : cutT)), { code: 'BAD_INPUT' });
      const c = ckpt.slice();
      c[at] = v;
      try {
        parseLlama2c(c, tok);
      } catch (e) {
        assert.ok(isVerdictError(e, 'BAD_INPUT'), String(e));
      }
    }),
    { numRuns: 150 },
  );
});
