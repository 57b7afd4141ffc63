import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { derivePositions, sampleStratified, sampleWithoutReplacement, samplingDrbg, strataBounds } from '../../src/sampling/index.js';
import { VerdictError } from '../../src/core/index.js';

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const sizesArb = fc.integer({ min: 0, max: 5000 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: Math.min(n, 300) })));

test('uniform sample: k distinct items in [0, n), deterministic for a seed', () => {
  fc.assert(
    fc.property(seedArb, sizesArb, (seed, [n, k]) => {
      const a = sampleWithoutReplacement(samplingDrbg(seed, 'x'), n, k);
      assert.equal(a.length, k);
      assert.equal(new Set(a).size, k, 'no duplicates');
      for (const x of a) assert.ok(Number.isSafeInteger(x) && x >= 0 && x < n);
      assert.deepEqual(sampleWithoutReplacement(samplingDrbg(seed, 'x'), n, k), a);
    }),
    { numRuns: 150 },
  );
});

test('uniform sample of all n items is a permutation; huge populations use O(k) memory', () => {
  const all = sampleWithoutReplacement(samplingDrbg(new Uint8Array(32), 'p'), 50, 50);
  assert.deepEqual([...all].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  const big = sampleWithoutReplacement(samplingDrbg(new Uint8Array(32), 'p'), 2 ** 48, 1000);
  assert.equal(new Set(big).size, 1000);
});

test('uniform sample is uniform over k-subsets (chi-square, n = 6, k = 2: 15 subsets)', () => {
  const counts = new Map<string, number>();
  const drbg = samplingDrbg(new Uint8Array(32).fill(3), 'subsets');
  const N = 15_000;
  for (let i = 0; i < N; i++) {
    const key = sampleWithoutReplacement(drbg, 6, 2).sort().join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 15);
  const e = N / 15;
  const chi = [...counts.values()].reduce((s, c) => s + (c - e) ** 2 / e, 0);
  assert.ok(chi < 36.1, `chi-square ${chi} with 14 degrees of freedom (p = 0.001 bound 36.1)`);
});

test('every item is equally likely to be sampled (position marginals over 2,000 seeds, n = 40, k = 5)', () => {
  const hits = new Array(40).fill(0);
  for (let s = 0; s < 2000; s++) {
    const seed = new Uint8Array(32);
    new DataView(seed.buffer).setUint32(0, s);
    for (const p of derivePositions(seed, { population: 40, size: 5, method: 'uniform' }, 'marginals')) hits[p]++;
  }
  const e = (2000 * 5) / 40;
  const chi = hits.reduce((sum: number, c: number) => sum + (c - e) ** 2 / e, 0);
  assert.ok(chi < 72.1, `chi-square ${chi} with 39 degrees of freedom (p = 0.001 bound 72.1)`);
});

test('stratified sample: exactly perStratum distinct items inside each stratum', () => {
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 3 }), (seed, n, strata, per) => {
      fc.pre(strata * per <= n && Math.floor(n / strata) >= per);
      const s = sampleStratified(samplingDrbg(seed, 's'), n, strata, per);
      const bounds = strataBounds(n, strata);
      assert.equal(s.length, strata * per);
      assert.equal(new Set(s).size, s.length);
      for (let i = 0; i < strata; i++) {
        const inside = s.filter((x) => x >= bounds[i]! && x < bounds[i + 1]!);
        assert.equal(inside.length, per, `stratum ${i}`);
      }
    }),
    { numRuns: 150 },
  );
});

test('derivePositions: sorted, distinct, capped at the population, separated by purpose and method', () => {
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 200 }), fc.constantFrom('uniform' as const, 'stratified' as const), (seed, n, k, method) => {
      const p = derivePositions(seed, { population: n, size: k, method }, 'llm.tokens');
      assert.equal(p.length, Math.min(n, k));
      for (let i = 1; i < p.length; i++) assert.ok(p[i - 1]! < p[i]!);
      assert.deepEqual(derivePositions(seed, { population: n, size: k, method }, 'llm.tokens'), p);
    }),
    { numRuns: 150 },
  );
  const seed = new Uint8Array(32).fill(9);
  const a = derivePositions(seed, { population: 10_000, size: 20, method: 'uniform' }, 'a');
  assert.notDeepEqual(derivePositions(seed, { population: 10_000, size: 20, method: 'uniform' }, 'b'), a);
  assert.notDeepEqual(derivePositions(seed, { population: 10_000, size: 20, method: 'stratified' }, 'a'), a);
});

test('samplers refuse impossible requests with VerdictError', () => {
  const d = samplingDrbg(new Uint8Array(32), 'bad');
  for (const [n, k] of [[5, 6], [-1, 0], [1.5, 1], [10, -1], [2 ** 49, 1], [10, 0.5]] as const) {
    assert.throws(() => sampleWithoutReplacement(d, n, k), VerdictError, `n=${n} k=${k}`);
  }
  assert.throws(() => sampleStratified(d, 10, 0), VerdictError);
  assert.throws(() => sampleStratified(d, 10, 4, 3), VerdictError);
});

test('uniform positions are prefix-stable: the sample for k is inside the sample for any larger k', () => {
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (seed, n, a, b) => {
      const [small, large] = a <= b ? [a, b] : [b, a];
      const s = derivePositions(seed, { population: n, size: small, method: 'uniform' }, 'llm.tokens');
      const l = new Set(derivePositions(seed, { population: n, size: large, method: 'uniform' }, 'llm.tokens'));
      for (const x of s) assert.ok(l.has(x));
    }),
    { numRuns: 100 },
  );
});
