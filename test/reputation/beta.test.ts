import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VerdictError } from '../../src/core/index.js';
import {
  betaDensity,
  betaQuantile,
  logGamma,
  normalQuantile,
  regularizedIncompleteBeta,
  wilsonLowerBound,
} from '../../src/reputation/beta.js';

const shape = fc.double({ min: 0.05, max: 5000, noNaN: true });
const level = fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true });

test('logGamma matches factorials and Γ(1/2) = √π', () => {
  let fact = 1;
  for (let n = 1; n <= 30; n++) {
    assert.ok(Math.abs(logGamma(n) - Math.log(fact)) < 1e-10 * Math.max(1, Math.log(fact)), `n=${n}`);
    fact *= n;
  }
  assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-13);
  assert.ok(Math.abs(logGamma(0.1) - Math.log(9.513507698668732)) < 1e-12);
});

test('closed forms: Beta(1,1) is uniform, Beta(a,1) has CDF x^a, Beta(1,b) has CDF 1−(1−x)^b', () => {
  fc.assert(
    fc.property(level, fc.double({ min: 0.1, max: 2000, noNaN: true }), (q, a) => {
      assert.ok(Math.abs(betaQuantile(q, 1, 1) - q) < 1e-12);
      assert.ok(Math.abs(betaQuantile(q, a, 1) - Math.pow(q, 1 / a)) < 1e-10);
      assert.ok(Math.abs(betaQuantile(q, 1, a) - (1 - Math.pow(1 - q, 1 / a))) < 1e-10);
    }),
  );
});

test('the incomplete beta agrees with a numerical integral of the density', () => {
  for (const [a, b] of [[2, 3], [5, 1.5], [30, 4], [2.5, 40], [200, 12]] as const) {
    for (const x of [0.05, 0.3, 0.5, 0.8, 0.95]) {
      // Composite Simpson on 20,000 intervals.
      const n = 20_000;
      const h = x / n;
      let s = betaDensity(0, a, b) + betaDensity(x, a, b);
      for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * betaDensity(i * h, a, b);
      const integral = (s * h) / 3;
      assert.ok(Math.abs(regularizedIncompleteBeta(x, a, b) - integral) < 1e-8, `a=${a} b=${b} x=${x}`);
    }
  }
});

test('quantile inverts the CDF for shapes from 0.05 to 5000', () => {
  fc.assert(
    fc.property(level, shape, shape, (q, a, b) => {
      const x = betaQuantile(q, a, b);
      assert.ok(x >= 0 && x <= 1);
      const back = regularizedIncompleteBeta(x, a, b);
      // Where the CDF is extremely steep a representable x may not hit q exactly; compare in x then.
      if (Math.abs(back - q) > 1e-9) {
        const lo = regularizedIncompleteBeta(x * (1 - 1e-12), a, b);
        const hi = regularizedIncompleteBeta(Math.min(1, x * (1 + 1e-12) + 1e-300), a, b);
        assert.ok(lo <= q + 1e-9 && hi >= q - 1e-9, `q=${q} a=${a} b=${b} x=${x} I=${back}`);
      }
    }),
    { numRuns: 300 },
  );
});

test('symmetry I_x(a, b) = 1 − I_{1−x}(b, a), and the quantile is monotone in the shapes', () => {
  fc.assert(
    fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), shape, shape, (x, a, b) => {
      assert.ok(Math.abs(regularizedIncompleteBeta(x, a, b) - (1 - regularizedIncompleteBeta(1 - x, b, a))) < 1e-9);
    }),
  );
  fc.assert(
    fc.property(level, shape, shape, fc.double({ min: 0.01, max: 100, noNaN: true }), (q, a, b, more) => {
      assert.ok(betaQuantile(q, a + more, b) >= betaQuantile(q, a, b) - 1e-12);
      assert.ok(betaQuantile(q, a, b + more) <= betaQuantile(q, a, b) + 1e-12);
    }),
  );
});

test('Wilson bound: known value, within [0, p̂], and close to the Beta bound for large n', () => {
  // 50/51 at 95% one-sided: z = 1.6449.
  const z = 1.6448536269514722;
  const n = 51;
  const ph = 50 / 51;
  const expected = (ph + (z * z) / (2 * n) - z * Math.sqrt((ph * (1 - ph)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  assert.ok(Math.abs(wilsonLowerBound(50, 51, 0.95) - expected) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.95) - z) < 1e-8);
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1, max: 1e5, noNaN: true }), (frac, n) => {
      const w = wilsonLowerBound(frac * n, n, 0.95);
      assert.ok(w >= 0 && w <= frac + 1e-12);
    }),
  );
  const beta = betaQuantile(0.05, 9001, 1001);
  assert.ok(Math.abs(wilsonLowerBound(9000, 10000, 0.95) - beta) < 2e-3);
});

test('bad arguments are VerdictError BAD_INPUT', () => {
  for (const fn of [
    () => betaQuantile(0.5, 0, 1),
    () => betaQuantile(0.5, 1, Number.NaN),
    () => betaQuantile(1.5, 1, 1),
    () => regularizedIncompleteBeta(0.5, -1, 1),
    () => logGamma(0),
    () => normalQuantile(1),
    () => wilsonLowerBound(3, 2, 0.95),
  ]) {
    assert.throws(fn, (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
  }
});
