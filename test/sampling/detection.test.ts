import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  badCount,
  binomialDetection,
  finiteDetection,
  hypergeometricDetection,
  minDetectableFractionBinomial,
  minDetectableFractionHypergeometric,
  samplesNeeded,
  samplesNeededBinomial,
  samplesNeededHypergeometric,
  stratifiedDetection,
  strataBounds,
  stratifiedDetectionLowerBound,
  planDetection,
} from '../../src/sampling/index.js';
import { VerdictError } from '../../src/core/index.js';

const fArb = fc.double({ min: 0, max: 1, noNaN: true });
const targetArb = fc.double({ min: 0, max: 0.999999, noNaN: true });

function choose(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
}

test('known figures: 44 samples catch a 10% cheat with ≥ 99%, 43 do not', () => {
  assert.equal(samplesNeededBinomial(0.1, 0.99), 44);
  assert.ok(binomialDetection(0.1, 44) >= 0.99 && binomialDetection(0.1, 43) < 0.99);
  assert.ok(Math.abs(binomialDetection(0.5, 3) - 0.875) < 1e-15);
  // 256 tokens, ≥ 10% bad = 26 tokens: without replacement needs fewer.
  const k = samplesNeededHypergeometric(256, 0.1, 0.99);
  assert.ok(k < 44 && finiteDetection(256, 0.1, k) >= 0.99 && finiteDetection(256, 0.1, k - 1) < 0.99, `k=${k}`);
  assert.equal(samplesNeeded(0.1, 0.99), 44);
  assert.equal(samplesNeeded(0.1, 0.99, 256), k);
});

test('hypergeometric matches 1 − C(N−B,k)/C(N,k) computed directly', () => {
  for (const [N, B, k] of [[10, 3, 4], [20, 1, 5], [30, 10, 10], [12, 12, 1], [9, 0, 3], [15, 5, 11]] as const) {
    const direct = k > N - B ? 1 : 1 - choose(N - B, k) / choose(N, k);
    assert.ok(Math.abs(hypergeometricDetection(N, B, k) - direct) < 1e-12, `${N},${B},${k}`);
  }
});

test('detection is a probability, monotone in k and in f (binomial)', () => {
  fc.assert(
    fc.property(fArb, fArb, fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), (f1, f2, k1, k2) => {
      const [fl, fh] = f1 <= f2 ? [f1, f2] : [f2, f1];
      const [kl, kh] = k1 <= k2 ? [k1, k2] : [k2, k1];
      const p = binomialDetection(fl, kl);
      assert.ok(p >= 0 && p <= 1);
      assert.ok(binomialDetection(fh, kl) >= p);
      assert.ok(binomialDetection(fl, kh) >= p);
    }),
  );
});

test('hypergeometric: bounded, monotone in k and B, never below the binomial with f = B/N', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 400 }), fc.nat(), fc.nat(), (N, b, kk) => {
      const B = b % (N + 1);
      const k = kk % (N + 1);
      const p = hypergeometricDetection(N, B, k);
      assert.ok(p >= 0 && p <= 1);
      if (k < N) assert.ok(hypergeometricDetection(N, B, k + 1) >= p - 1e-15);
      if (B < N) assert.ok(hypergeometricDetection(N, B + 1, k) >= p - 1e-15);
      assert.ok(p >= binomialDetection(B / N, k) - 1e-12, `N=${N} B=${B} k=${k}`);
    }),
    { numRuns: 300 },
  );
});

test('samples needed is the smallest k reaching the target (binomial and hypergeometric)', () => {
  fc.assert(
    fc.property(fc.double({ min: 0.001, max: 1, noNaN: true }), targetArb, (f, target) => {
      const k = samplesNeededBinomial(f, target);
      assert.ok(binomialDetection(f, k) >= target);
      if (k > 0) assert.ok(binomialDetection(f, k - 1) < target);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0.001, max: 1, noNaN: true }), targetArb, (N, f, target) => {
      const k = samplesNeededHypergeometric(N, f, target);
      const B = badCount(N, f);
      assert.ok(k <= N && hypergeometricDetection(N, B, k) >= target);
      if (k > 0) assert.ok(hypergeometricDetection(N, B, k - 1) < target);
      assert.ok(k <= samplesNeededBinomial(B / N, target), 'finite populations never need more');
    }),
    { numRuns: 300 },
  );
  assert.equal(samplesNeededBinomial(0, 0.5), Infinity);
  assert.equal(samplesNeededHypergeometric(100, 0, 0.5), Infinity);
  assert.equal(samplesNeededBinomial(0.3, 0), 0);
});

test('inverse: the smallest detectable fraction for k samples', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0.01, max: 0.9999, noNaN: true }), (k, target) => {
      const f = minDetectableFractionBinomial(k, target);
      assert.ok(f > 0 && f <= 1);
      assert.ok(Math.abs(binomialDetection(f, k) - target) < 1e-9);
      assert.equal(samplesNeededBinomial(Math.min(1, f * (1 + 1e-9)), target) <= k, true);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 600 }), fc.nat(), fc.double({ min: 0.01, max: 0.9999, noNaN: true }), (N, kk, target) => {
      const k = 1 + (kk % N);
      const f = minDetectableFractionHypergeometric(N, k, target);
      const B = Math.round(f * N);
      assert.ok(hypergeometricDetection(N, B, k) >= target);
      if (B > 1) assert.ok(hypergeometricDetection(N, B - 1, k) < target);
    }),
    { numRuns: 300 },
  );
});

test('stratified detection with equal strata is at least 1 − (1 − f)^k for any placement of the bad items', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 20 }), fc.array(fc.nat(), { minLength: 30, maxLength: 30 }), (strata, size, raw) => {
      const sizes = new Array(strata).fill(size);
      const bad = sizes.map((s: number, i: number) => raw[i]! % (s + 1));
      const f = bad.reduce((a: number, b: number) => a + b, 0) / (strata * size);
      assert.ok(stratifiedDetection(sizes, bad) >= binomialDetection(f, strata) - 1e-12);
    }),
    { numRuns: 300 },
  );
  // A provider honest for the first 90% of 256 tokens, one sample per stratum of 16: the tail spans ≥ 1 whole stratum.
  const bounds = strataBounds(256, 16);
  const sizes = bounds.slice(1).map((b, i) => b - bounds[i]!);
  const bad = sizes.map((s, i) => Math.max(0, Math.min(s, bounds[i + 1]! - 230)));
  assert.equal(stratifiedDetection(sizes, bad), 1);
});

test('the stratified lower bound holds for every placement of the bad items (strata of unequal size too)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.array(fc.nat(), { minLength: 300, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, kk, raw, f) => {
      const k = 1 + (kk % Math.min(n, 40));
      const bounds = strataBounds(n, k);
      const sizes = bounds.slice(1).map((b, i) => b - bounds[i]!);
      // An adversary places B bad items stratum by stratum, in an arbitrary order of strata.
      let left = badCount(n, f);
      const bad = sizes.map(() => 0);
      const order = sizes.map((_, i) => i).sort((a, b) => raw[a]! - raw[b]! || a - b);
      for (const s of order) {
        const take = Math.min(left, sizes[s]!, raw[s]! % (sizes[s]! + 1) || sizes[s]!);
        bad[s] = take;
        left -= take;
      }
      for (const s of order) {
        const take = Math.min(left, sizes[s]! - bad[s]!);
        bad[s]! += take;
        left -= take;
      }
      assert.equal(left, 0);
      assert.ok(stratifiedDetection(sizes, bad) >= stratifiedDetectionLowerBound(n, k, f) - 1e-12);
      assert.equal(planDetection('stratified', n, k, f), stratifiedDetectionLowerBound(n, k, f));
      assert.equal(planDetection('uniform', n, k, f), finiteDetection(n, f, k));
    }),
    { numRuns: 300 },
  );
});

test('garbage arguments give VerdictError', () => {
  const calls: Array<() => unknown> = [
    () => binomialDetection(-0.1, 3),
    () => binomialDetection(NaN, 3),
    () => binomialDetection(0.1, 2.5),
    () => hypergeometricDetection(10, 11, 2),
    () => hypergeometricDetection(10, 2, 11),
    () => samplesNeededBinomial(0.1, 1),
    () => samplesNeededHypergeometric(10, 2, 0.5),
    () => minDetectableFractionHypergeometric(10, 11, 0.5),
    () => stratifiedDetection([1, 2], [1]),
  ];
  for (const c of calls) assert.throws(c, VerdictError);
});
