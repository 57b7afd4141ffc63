import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, prefill, tokenLogprob, parameterCount } from '../../src/inference/index.js';
import { requireModel, STORIES260K_SHA256, PROMPT, NEEDS_MODEL } from './helpers.js';

// Golden vectors from ../shared/models/stories260k/README.md.
const GREEDY_32 = [
  432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385,
  328, 432, 358, 394,
];
const TEXT_32 = ', there was a little girl named Lily. She loved to play outside in the park. One day, she saw';
const LOGPROBS_5 = [-0.0317, -0.0684, -0.016, -0.0008, -0.494];

test('the shared model file is the one the README describes', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  assert.equal(m.digest, STORIES260K_SHA256);
  assert.equal(parameterCount(m.config), 260_032);
  assert.deepEqual(
    { ...m.config },
    {
      version: 1, modelType: 'llama', hiddenSize: 64, intermediateSize: 172, maxSequenceLength: 512, vocabSize: 512,
      numLayers: 5, numQueryHeads: 8, numKeyValueHeads: 4, sharedOutputWeight: true,
    },
  );
  assert.equal(m.kvDim, 32);
});

test('encode("Once upon a time") with BOS', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  assert.deepEqual(m.tokenizer.encode(PROMPT, { bos: true }), [1, 403, 407, 261, 378]);
});

test('greedy continuation: first 32 ids, text and the first five log-probabilities', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const r = generate(m, m.tokenizer.encode(PROMPT, { bos: true }), { maxTokens: 32 });
  assert.deepEqual(r.completion, GREEDY_32);
  assert.equal(r.text, TEXT_32);
  assert.equal(m.tokenizer.decode(GREEDY_32), TEXT_32);
  r.steps.slice(0, 5).forEach((s, i) => assert.ok(Math.abs(s.logprob - LOGPROBS_5[i]!) < 1e-4, `logprob ${i}: ${s.logprob}`));
  // Step records: position t is the PRNG counter and the prefill row of that token.
  assert.deepEqual(r.steps.map((s) => s.position), GREEDY_32.map((_, i) => 5 + i));
});

test('the golden log-probabilities also come out of a teacher-forced prefill', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const seq = [1, 403, 407, 261, 378, ...GREEDY_32];
  const p = prefill(m, seq, { from: 5 });
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(tokenLogprob(p.row(5 + i), seq[5 + i]!) - LOGPROBS_5[i]!) < 1e-4);
});
