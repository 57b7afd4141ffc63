import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropLayers, generate, perturbWeights, prefill, tokenLogprob } from '../../src/inference/index.js';
import { maxAbsDiff, requireModel, PROMPT, NEEDS_MODEL } from './helpers.js';

test('perturbWeights: seeded, every weight moved by about the relative amount, outputs measurably off', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const p = perturbWeights(m, 0.01, 1);
  const again = perturbWeights(m, 0.01, 1);
  const other = perturbWeights(m, 0.01, 2);
  assert.deepEqual(p.weights.w1, again.weights.w1);
  assert.notDeepEqual(p.weights.w1, other.weights.w1);
  assert.equal(p.digest, undefined);
  assert.match(p.label, /perturbed/);
  // Relative change of each weight ~ N(0, 0.01²): its RMS is close to 0.01.
  let ss = 0;
  let n = 0;
  for (let i = 0; i < m.weights.wq.length; i++) {
    const w = m.weights.wq[i]!;
    if (w === 0) continue;
    ss += ((p.weights.wq[i]! - w) / w) ** 2;
    n++;
  }
  const rms = Math.sqrt(ss / n);
  assert.ok(rms > 0.009 && rms < 0.011, `rms ${rms}`);
  assert.equal(p.weights.classifier, p.weights.embedding);
  // Logits move far more than honest float noise (~2e-5).
  const seq = generate(m, m.tokenizer.encode(PROMPT, { bos: true }), { maxTokens: 40 }).tokens;
  const a = prefill(m, seq, { from: 5 });
  const b = prefill(p, seq, { from: 5 });
  let worst = 0;
  for (let t = 5; t < seq.length; t++) worst = Math.max(worst, maxAbsDiff(a.row(t), b.row(t)));
  assert.ok(worst > 1e-2, `perturbed logits differ by only ${worst}`);
  assert.deepEqual(perturbWeights(m, 0, 3).weights.wo, m.weights.wo);
  assert.throws(() => perturbWeights(m, -1), { code: 'BAD_INPUT' });
});

test('dropLayers: fewer layers, different outputs; bad layer lists are refused', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const d = dropLayers(m, [2, 4]);
  assert.equal(d.config.numLayers, 3);
  assert.deepEqual(d.weights.wq.subarray(2 * 64 * 64, 3 * 64 * 64), m.weights.wq.subarray(3 * 64 * 64, 4 * 64 * 64));
  const prompt = m.tokenizer.encode(PROMPT, { bos: true });
  const honest = generate(m, prompt, { maxTokens: 64 });
  const cheat = generate(d, prompt, { maxTokens: 64 });
  assert.notDeepEqual(cheat.completion, honest.completion);
  // The honest model finds the cheat's tokens much less likely than its own.
  const p = prefill(m, cheat.tokens, { from: 5 });
  let lp = 0;
  for (let t = 5; t < cheat.tokens.length; t++) lp += tokenLogprob(p.row(t), cheat.tokens[t]!);
  const own = honest.steps.reduce((s, x) => s + x.logprob, 0);
  assert.ok(lp < own - 10, `cheat ${lp} vs honest ${own}`);
  assert.throws(() => dropLayers(m, [0, 1, 2, 3, 4]), { code: 'BAD_INPUT' });
  assert.throws(() => dropLayers(m, [5]), { code: 'BAD_INPUT' });
  assert.throws(() => dropLayers(m, [1.5]), { code: 'BAD_INPUT' });
});
