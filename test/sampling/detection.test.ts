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

// ---- tolerated mismatches (maxMismatches = m): detection is P[X > m] ----

function bigChoose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 0; i < k; i++) r = (r * BigInt(n - i)) / BigInt(i + 1);
  return r;
}

/** P[X > m] for X ~ hypergeometric(N, B, k), in exact rational arithmetic, returned as a double. */
function exactHypergeometricTail(n: number, bad: number, k: number, m: number): number {
  let atMost = 0n;
  for (let x = 0; x <= m; x++) atMost += bigChoose(bad, x) * bigChoose(n - bad, k - x);
  const total = bigChoose(n, k);
  const SCALE = 10n ** 30n;
  return Number(((total - atMost) * SCALE) / total) / 1e30;
}

test('with m tolerated mismatches the detection is P[X > m], against exact rational arithmetic', () => {
  // The reviewer's figure: N = 256, k = 40, f = 0.1 (B = 26), m = 1.
  assert.ok(Math.abs(hypergeometricDetection(256, 26, 40, 1) - exactHypergeometricTail(256, 26, 40, 1)) < 1e-12);
  assert.equal(Math.round(hypergeometricDetection(256, 26, 40, 1) * 1000) / 1000, 0.94);
  assert.equal(finiteDetection(256, 0.1, 40, 1), hypergeometricDetection(256, 26, 40, 1));
  assert.equal(planDetection('uniform', 256, 40, 0.1, 1), hypergeometricDetection(256, 26, 40, 1));
  assert.ok(planDetection('uniform', 256, 40, 0.1, 1) < planDetection('uniform', 256, 40, 0.1) - 0.05);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 120 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 6 }), (n, bb, kk, m) => {
      const bad = bb % (n + 1);
      const k = kk % (n + 1);
      const got = hypergeometricDetection(n, bad, k, m);
      assert.ok(Math.abs(got - exactHypergeometricTail(n, bad, k, m)) < 1e-9, `N=${n} B=${bad} k=${k} m=${m}: ${got}`);
      if (m === 0) assert.equal(got, hypergeometricDetection(n, bad, k));
      if (m > 0) assert.ok(got <= hypergeometricDetection(n, bad, k, m - 1) + 1e-15);
    }),
    { numRuns: 400 },
  );
  // Binomial: P[Bin(k, f) > m] against the sum of exact terms.
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 5 }), (f, k, m) => {
      let atMost = 0;
      for (let x = 0; x <= Math.min(m, k); x++) atMost += choose(k, x) * f ** x * (1 - f) ** (k - x);
      const got = binomialDetection(f, k, m);
      assert.ok(Math.abs(got - Math.max(0, 1 - atMost)) < 1e-9, `f=${f} k=${k} m=${m}: ${got} vs ${1 - atMost}`);
      if (m === 0) assert.equal(got, binomialDetection(f, k));
    }),
    { numRuns: 400 },
  );
  assert.equal(binomialDetection(1, 5, 4), 1);
  assert.equal(binomialDetection(1, 5, 5), 0);
  assert.equal(hypergeometricDetection(10, 10, 5, 5), 0, 'never more than k mismatches');
  assert.equal(hypergeometricDetection(10, 9, 5, 3), 1, 'at least 4 of 5 draws are bad');
});

test('sample sizes with m tolerated mismatches: the smallest k whose P[X > m] reaches the target', () => {
  const k1 = samplesNeededHypergeometric(256, 0.1, 0.99, 1);
  assert.ok(k1 > samplesNeededHypergeometric(256, 0.1, 0.99));
  assert.ok(finiteDetection(256, 0.1, k1, 1) >= 0.99 && finiteDetection(256, 0.1, k1 - 1, 1) < 0.99, `k = ${k1}`);
  const b1 = samplesNeededBinomial(0.1, 0.99, 1);
  assert.ok(binomialDetection(0.1, b1, 1) >= 0.99 && binomialDetection(0.1, b1 - 1, 1) < 0.99, `k = ${b1}`);
  assert.equal(samplesNeeded(0.1, 0.99, undefined, 1), b1);
  assert.equal(samplesNeeded(0.1, 0.99, 256, 1), k1);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 0, max: 4 }), (n, f, target, m) => {
      const k = samplesNeededHypergeometric(n, f, target, m);
      if (!Number.isFinite(k)) {
        assert.ok(badCount(n, f) <= m, 'unreachable only when the bad items fit in the tolerance');
        return;
      }
      assert.ok(k <= n && finiteDetection(n, f, k, m) >= target);
      if (k > 1) assert.ok(finiteDetection(n, f, k - 1, m) < target);
      const kb = samplesNeededBinomial(f, target, m);
      assert.ok(binomialDetection(f, kb, m) >= target && (kb <= 1 || binomialDetection(f, kb - 1, m) < target));
    }),
    { numRuns: 200 },
  );
});

// ---- stratified: exact worst case (m = 0), a correct bound (m > 0) ----

/** Every placement of `bad` bad items over strata of the given sizes. */
function* placements(sizes: readonly number[], bad: number, from = 0): Generator<number[]> {
  if (from === sizes.length) {
    if (bad === 0) yield [];
    return;
  }
  for (let b = 0; b <= Math.min(bad, sizes[from]!); b++) for (const rest of placements(sizes, bad - b, from + 1)) yield [b, ...rest];
}

/** P[more than m strata hit] for one placement: independent Bernoulli(b_s/n_s), by dynamic programming. */
function stratifiedTail(sizes: readonly number[], bad: readonly number[], m: number): number {
  let dist = [1];
  for (let s = 0; s < sizes.length; s++) {
    const p = bad[s]! / sizes[s]!;
    const next = new Array(dist.length + 1).fill(0);
    dist.forEach((q, x) => {
      next[x] += q * (1 - p);
      next[x + 1] += q * p;
    });
    dist = next;
  }
  return 1 - dist.slice(0, m + 1).reduce((a, b) => a + b, 0);
}

test('stratified: the reported detection is the exact worst case over placements (m = 0) and a true lower bound (m > 0)', () => {
  // The reviewer's case: every one of 32 positions checked, detection is certain.
  assert.equal(stratifiedDetectionLowerBound(32, 32, 0.1), 1);
  assert.equal(planDetection('stratified', 32, 32, 0.1), 1);
  assert.equal(stratifiedDetectionLowerBound(32, 32, 0.1, 3), 1, 'B = 4 > m = 3 checked with certainty');
  assert.equal(stratifiedDetectionLowerBound(32, 32, 0.1, 4), 0);
  for (let n = 1; n <= 13; n++) {
    for (let k = 1; k <= Math.min(n, 6); k++) {
      const bounds = strataBounds(n, k);
      const sizes = bounds.slice(1).map((b, i) => b - bounds[i]!);
      for (let bad = 0; bad <= n; bad++) {
        const f = bad / n;
        assert.equal(badCount(n, f), bad);
        for (let m = 0; m <= 2; m++) {
          let worst = 1;
          for (const p of placements(sizes, bad)) worst = Math.min(worst, stratifiedTail(sizes, p, m));
          const reported = stratifiedDetectionLowerBound(n, k, f, m);
          assert.ok(reported <= worst + 1e-12, `N=${n} k=${k} B=${bad} m=${m}: reported ${reported} > worst case ${worst}`);
          if (m === 0) assert.ok(Math.abs(reported - worst) < 1e-12, `N=${n} k=${k} B=${bad}: ${reported} is not the worst case ${worst}`);
        }
      }
    }
  }
});

test('stratified with equal strata is at least the binomial figure; with unequal strata it can be below it', () => {
  // The comment in samplers.ts claims exactly this much: equal strata (k divides N) never do worse than 1 − (1 − f)^k.
  for (const [n, k] of [[256, 32], [100, 10], [60, 12]] as const) {
    for (let bad = 0; bad <= n; bad += 3) assert.ok(stratifiedDetectionLowerBound(n, k, bad / n) >= binomialDetection(bad / n, k) - 1e-12);
  }
  // N = 5, k = 2 (strata of 2 and 3), B = 1: the worst case puts the bad item in the stratum of 3.
  assert.ok(Math.abs(stratifiedDetectionLowerBound(5, 2, 0.2) - 1 / 3) < 1e-12);
  assert.ok(stratifiedDetectionLowerBound(5, 2, 0.2) < binomialDetection(0.2, 2));
});
