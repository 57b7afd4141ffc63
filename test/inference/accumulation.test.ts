import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, prefill, ForwardState, type Accumulation } from '../../src/inference/index.js';
import { maxAbsDiff, requireModel, PROMPT, NEEDS_MODEL } from './helpers.js';

/** Smallest gap between the best and second-best logit of a row. */
function margin(row: ArrayLike<number>): number {
  let a = -Infinity;
  let b = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (v > a) [a, b] = [v, a];
    else if (v > b) b = v;
  }
  return a - b;
}

for (const acc of ['float32', 'f32x8'] as Accumulation[]) {
  test(`${acc} and float64 agree on every greedy token of a 200-token continuation, logits within 1e-4`, { skip: NEEDS_MODEL }, async () => {
    const m = await requireModel();
    const prompt = m.tokenizer.encode(PROMPT, { bos: true });
    const ref = generate(m, prompt, { maxTokens: 200, keepLogits: true, stopAtEos: false });
    const other = generate(m, prompt, { maxTokens: 200, keepLogits: true, stopAtEos: false, accumulation: acc });
    assert.equal(ref.completion.length, 200);
    assert.deepEqual(other.completion, ref.completion);
    let worst = 0;
    let minMargin = Infinity;
    ref.logits!.forEach((row, i) => {
      worst = Math.max(worst, maxAbsDiff(row, other.logits![i]!));
      minMargin = Math.min(minMargin, margin(row));
    });
    assert.ok(worst < 1e-4, `max |Δlogit| = ${worst}`);
    // Honest providers are not bit-identical: the difference must exist, or this test tests nothing.
    assert.ok(worst > 0, 'float32 should not be bit-identical to float64');
    assert.ok(other.logits![0] instanceof Float32Array);
    assert.ok(minMargin > worst, `greedy margin ${minMargin} vs noise ${worst}`);
  });
}

test('an unknown accumulation is refused', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  assert.throws(() => new ForwardState(m, 'bfloat16' as Accumulation), { code: 'BAD_INPUT' });
  assert.throws(() => prefill(m, [1, 2], { accumulation: 'x' as Accumulation }), { code: 'BAD_INPUT' });
});
