import { VerdictError } from '../core/index.js';

/**
 * Detection probability of spot-sampling. A provider cheats on a fraction f of the N committed items;
 * the verifier checks k of them, chosen by a seed the provider could not predict.
 *
 * - binomial (independent draws, or N → ∞):   P = 1 − (1 − f)^k
 * - hypergeometric (k distinct of N, B bad):  P = 1 − C(N−B, k) / C(N, k) = 1 − Π_{i<k} (N−B−i)/(N−i)
 *
 * Sampling without replacement never does worse than the binomial figure, so the binomial one is a safe
 * bound for any population. docs/sampling.md derives both and the inverses below.
 */

function checkFraction(f: number, what = 'cheating fraction'): void {
  if (typeof f !== 'number' || !(f >= 0 && f <= 1)) throw new VerdictError('BAD_INPUT', `${what} ${f} must be in [0, 1]`);
}

function checkCount(x: number, what: string): void {
  if (!Number.isSafeInteger(x) || x < 0) throw new VerdictError('BAD_INPUT', `${what} ${x} must be a non-negative integer`);
}

function checkTarget(p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new VerdictError('BAD_INPUT', `target detection probability ${p} must be in [0, 1)`);
}

/** 1 − (1 − f)^k, computed as −expm1(k·log1p(−f)) so small f and large k keep their precision. */
export function binomialDetection(f: number, k: number): number {
  checkFraction(f);
  checkCount(k, 'sample size');
  if (k === 0) return 0;
  if (f === 1) return 1;
  return -Math.expm1(k * Math.log1p(-f));
}

/** Number of bad items when at least a fraction f of N is bad: ceil(f·N), guarded against 0.1·30 = 3.0000000000000004. */
export function badCount(population: number, f: number): number {
  checkCount(population, 'population');
  checkFraction(f);
  return Math.min(population, Math.ceil(f * population - 1e-9));
}

/** 1 − C(N−B, k)/C(N, k): probability that k distinct draws from N items hit at least one of B bad ones. */
export function hypergeometricDetection(population: number, bad: number, k: number): number {
  checkCount(population, 'population');
  checkCount(bad, 'bad items');
  checkCount(k, 'sample size');
  if (bad > population) throw new VerdictError('BAD_INPUT', `bad items ${bad} exceed the population ${population}`);
  if (k > population) throw new VerdictError('BAD_INPUT', `sample size ${k} exceeds the population ${population}`);
  if (bad === 0 || k === 0) return 0;
  if (k > population - bad) return 1;
  let logMiss = 0;
  for (let i = 0; i < k; i++) logMiss += Math.log1p(-bad / (population - i));
  return -Math.expm1(logMiss);
}

/** Detection for a fraction f of a finite population (B = ceil(f·N)) with k distinct draws. */
export function finiteDetection(population: number, f: number, k: number): number {
  return hypergeometricDetection(population, badCount(population, f), k);
}

/** Smallest k with 1 − (1 − f)^k ≥ target; Infinity when f = 0 and target > 0. */
export function samplesNeededBinomial(f: number, target: number): number {
  checkFraction(f);
  checkTarget(target);
  if (target === 0) return 0;
  if (f === 0) return Infinity;
  if (f === 1) return 1;
  let k = Math.max(1, Math.ceil(Math.log1p(-target) / Math.log1p(-f)));
  // The closed form can be off by one in floating point; settle it against the forward formula.
  while (k > 1 && binomialDetection(f, k - 1) >= target) k--;
  while (binomialDetection(f, k) < target) k++;
  return k;
}

/**
 * Smallest k ≤ N with 1 − C(N−B,k)/C(N,k) ≥ target for B = ceil(f·N); Infinity when no k reaches it
 * (B = 0). Never more than samplesNeededBinomial(f, target).
 */
export function samplesNeededHypergeometric(population: number, f: number, target: number): number {
  checkTarget(target);
  const bad = badCount(population, f);
  if (target === 0) return 0;
  if (bad === 0) return Infinity;
  let logMiss = 0;
  for (let k = 1; k <= population; k++) {
    logMiss += Math.log1p(-bad / (population - (k - 1)));
    if (k > population - bad || -Math.expm1(logMiss) >= target) return k;
  }
  return population;
}

/** Samples needed for a target: hypergeometric when the population is known, binomial otherwise. */
export function samplesNeeded(f: number, target: number, population?: number): number {
  return population === undefined ? samplesNeededBinomial(f, target) : samplesNeededHypergeometric(population, f, target);
}

/** Inverse: the smallest cheating fraction that k independent samples detect with probability ≥ target: 1 − (1 − target)^(1/k). */
export function minDetectableFractionBinomial(k: number, target: number): number {
  checkCount(k, 'sample size');
  checkTarget(target);
  if (target === 0) return 0;
  if (k === 0) return Infinity;
  return -Math.expm1(Math.log1p(-target) / k);
}

/** Inverse for a finite population: the smallest B/N such that k distinct draws detect B bad items with probability ≥ target. */
export function minDetectableFractionHypergeometric(population: number, k: number, target: number): number {
  checkCount(population, 'population');
  checkCount(k, 'sample size');
  checkTarget(target);
  if (k > population) throw new VerdictError('BAD_INPUT', `sample size ${k} exceeds the population ${population}`);
  if (target === 0) return 0;
  if (k === 0) return Infinity;
  // Detection grows with B; binary search the smallest B that reaches the target (B = N − k + 1 always does).
  let lo = 1;
  let hi = population - k + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (hypergeometricDetection(population, mid, k) >= target) hi = mid;
    else lo = mid + 1;
  }
  return lo / population;
}

/** Detection of a stratified sample: Π over strata of the per-stratum miss probabilities (bad[s] of sizes[s], perStratum draws each). */
export function stratifiedDetection(sizes: readonly number[], bad: readonly number[], perStratum = 1): number {
  if (sizes.length !== bad.length) throw new VerdictError('BAD_INPUT', 'sizes and bad counts must have the same length');
  let logMiss = 0;
  for (let s = 0; s < sizes.length; s++) {
    const p = hypergeometricDetection(sizes[s]!, bad[s]!, perStratum);
    if (p === 1) return 1;
    logMiss += Math.log1p(-p);
  }
  return -Math.expm1(logMiss);
}

/**
 * Guaranteed detection of a stratified sample (k strata of [0, N), one item each) against any placement of
 * B = ceil(f·N) bad items: P(miss) = Π_s (1 − b_s/n_s) ≤ Π_s (1 − b_s/M) ≤ (1 − B/(k·M))^k with M = ceil(N/k)
 * the largest stratum (AM–GM), so P(detect) ≥ 1 − (1 − B/(k·M))^k.
 */
export function stratifiedDetectionLowerBound(population: number, k: number, f: number): number {
  checkCount(k, 'sample size');
  const bad = badCount(population, f);
  if (k === 0 || bad === 0) return 0;
  if (k > population) throw new VerdictError('BAD_INPUT', `sample size ${k} exceeds the population ${population}`);
  const M = Math.ceil(population / k);
  return binomialDetection(Math.min(1, bad / (k * M)), k);
}

/** The detection probability a plan guarantees against a provider cheating on a fraction f of the population. */
export function planDetection(method: 'uniform' | 'stratified', population: number, k: number, f: number): number {
  return method === 'stratified' ? stratifiedDetectionLowerBound(population, k, f) : finiteDetection(population, f, k);
}
