import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cdfInterval, cdfMarginFor, checkGreedy, checkSampled, logitsOf } from '../../../src/verifiers/spot-sample/index.js';
import { logSoftmax, sampleFromLogits, topK, type PositionScore } from '../../../src/inference/index.js';

// Logits on a 1e-3 grid: values closer than float64 log-softmax can resolve would make "argmax" ill-defined.
const rowArb = fc.array(fc.integer({ min: -20_000, max: 20_000 }).map((x) => x / 1000), { minLength: 2, maxLength: 64 });

function scoreOf(logits: number[], token: number): PositionScore {
  const lp = logSoftmax(logits);
  return { position: 5, token, logprob: lp[token]!, top: topK(lp, 2), logits: Float64Array.from(logits) };
}

test('cdfInterval is exactly the interval sampleFromLogits picks from', () => {
  fc.assert(
    fc.property(rowArb, fc.double({ min: 0.05, max: 3, noNaN: true }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (row, T, u) => {
      const s = sampleFromLogits(row, T, u);
      const { lo, hi } = cdfInterval(row, T, s.token);
      assert.equal(lo, s.lo);
      assert.equal(hi, s.hi);
      assert.ok(lo <= u && u < hi);
    }),
    { numRuns: 300 },
  );
});

test('greedy: argmax matches, near ties are ambiguous, clear losers mismatch', () => {
  const row = [0, 5, 5.0004, 1];
  assert.equal(checkGreedy(scoreOf(row, 2), 1e-3).verdict, 'match');
  const tie = checkGreedy(scoreOf(row, 1), 1e-3);
  assert.equal(tie.verdict, 'ambiguous');
  assert.equal(tie.expected, 2);
  assert.ok(Math.abs(tie.margin - 0.0004) < 1e-9);
  assert.equal(checkGreedy(scoreOf(row, 3), 1e-3).verdict, 'mismatch');
  assert.equal(checkGreedy(scoreOf(row, 1), 1e-4).verdict, 'mismatch', 'a smaller margin makes the same position a mismatch');
});

test('greedy: a claimed token other than the argmax is never a match; margin ≥ 0', () => {
  fc.assert(
    fc.property(rowArb, fc.nat(), (row, k) => {
      const token = k % row.length;
      const r = checkGreedy(scoreOf(row, token), 1e-3);
      const best = row.indexOf(Math.max(...row));
      if (token === best) assert.equal(r.verdict, 'match');
      else {
        assert.notEqual(r.verdict, 'match');
        assert.ok(r.margin >= -1e-12);
        assert.equal(r.verdict === 'ambiguous', r.margin < 1e-3);
      }
    }),
    { numRuns: 300 },
  );
});

test('sampled: replay matches; u just across a boundary is ambiguous; far away mismatches', () => {
  const row = [1, 2, 3, 0.5];
  const T = 0.9;
  const { lo, hi } = cdfInterval(row, T, 2);
  const mid = (lo + hi) / 2;
  assert.equal(checkSampled(row, T, mid, 2, 1e-4).verdict, 'match');
  assert.equal(checkSampled(row, T, hi + 5e-5, 2, 1e-4).verdict, 'ambiguous');
  assert.equal(checkSampled(row, T, lo - 5e-5, 2, 1e-4).verdict, 'ambiguous');
  assert.equal(checkSampled(row, T, Math.min(0.999, hi + 0.05), 2, 1e-4).verdict, 'mismatch');
  // Honest float32 noise on the logits keeps the replayed token within the margin.
  fc.assert(
    fc.property(rowArb, fc.double({ min: 0.2, max: 2, noNaN: true }), fc.double({ min: 0, max: 0.999999, noNaN: true }), fc.array(fc.double({ min: -2e-5, max: 2e-5, noNaN: true }), { minLength: 64, maxLength: 64 }), (row, t, u, noise) => {
      const provider = sampleFromLogits(row.map((z, i) => z + noise[i]!), t, u);
      assert.notEqual(checkSampled(row, t, u, provider.token, cdfMarginFor(1e-4, t)).verdict, 'mismatch');
    }),
    { numRuns: 300 },
  );
});

test('logitsOf: the backend row, or a full top-k list, else nothing', () => {
  const row = [0.1, 0.2, 0.3];
  const lp = logSoftmax(row);
  assert.deepEqual(logitsOf({ position: 1, token: 0, logprob: lp[0]!, top: [], logits: Float64Array.from(row) }, 3), Float64Array.from(row));
  const full = logitsOf({ position: 1, token: 0, logprob: lp[0]!, top: topK(lp, 3) }, 3)!;
  assert.ok(Math.abs(sampleFromLogits(full, 1, 0.5).token - sampleFromLogits(row, 1, 0.5).token) === 0);
  assert.equal(logitsOf({ position: 1, token: 0, logprob: lp[0]!, top: topK(lp, 2) }, 3), undefined);
});
