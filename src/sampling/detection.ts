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
 *
 * A verifier that tolerates up to m mismatching items (policy option maxMismatches) catches a cheat only when
 * more than m bad items are sampled: detection is then P[X > m], X the number of bad items in the sample
 * (binomial or hypergeometric). Every function taking `tolerated` computes that tail; tolerated = 0 is the
 * "at least one" figure above.
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

/** 1 − Σ exp(log p_x) over the lower tail, clamped to [0, 1]. */
function upperTail(logTerms: readonly number[]): number {
  let atMost = 0;
  for (const l of logTerms) atMost += Math.exp(l);
  return Math.min(1, Math.max(0, 1 - atMost));
}

/**
 * P[Bin(k, f) > tolerated]. With tolerated = 0 that is 1 − (1 − f)^k, computed as −expm1(k·log1p(−f)) so
 * small f and large k keep their precision.
 */
export function binomialDetection(f: number, k: number, tolerated = 0): number {
  checkFraction(f);
  checkCount(k, 'sample size');
  checkCount(tolerated, 'tolerated mismatches');
  if (k <= tolerated) return 0;
  if (f === 1) return 1;
  if (tolerated === 0) return -Math.expm1(k * Math.log1p(-f));
  if (f === 0) return 0;
  // log P[X = x], x = 0..m, by the ratio P[x+1]/P[x] = (k − x)/(x + 1) · f/(1 − f).
  const logOdds = Math.log(f) - Math.log1p(-f);
  const terms = [k * Math.log1p(-f)];
  for (let x = 0; x < tolerated; x++) terms.push(terms[x]! + Math.log((k - x) / (x + 1)) + logOdds);
  return upperTail(terms);
}

/** Number of bad items when at least a fraction f of N is bad: ceil(f·N), guarded against 0.1·30 = 3.0000000000000004. */
export function badCount(population: number, f: number): number {
  checkCount(population, 'population');
  checkFraction(f);
  return Math.min(population, Math.max(0, Math.ceil(f * population - 1e-9))); // max: never −0
}

/**
 * P[X > tolerated] for X ~ hypergeometric(N, B, k): the probability that k distinct draws from N items hit
 * more than `tolerated` of the B bad ones. With tolerated = 0: 1 − C(N−B, k)/C(N, k).
 */
export function hypergeometricDetection(population: number, bad: number, k: number, tolerated = 0): number {
  checkCount(population, 'population');
  checkCount(bad, 'bad items');
  checkCount(k, 'sample size');
  checkCount(tolerated, 'tolerated mismatches');
  if (bad > population) throw new VerdictError('BAD_INPUT', `bad items ${bad} exceed the population ${population}`);
  if (k > population) throw new VerdictError('BAD_INPUT', `sample size ${k} exceeds the population ${population}`);
  if (bad <= tolerated || k <= tolerated) return 0;
  const good = population - bad;
  // X is at least k − (N − B): that many draws cannot avoid the bad items.
  const lowest = Math.max(0, k - good);
  if (lowest > tolerated) return 1;
  if (tolerated === 0) {
    let logMiss = 0;
    for (let i = 0; i < k; i++) logMiss += Math.log1p(-bad / (population - i));
    return -Math.expm1(logMiss);
  }
  // log P[X = lowest] = log C(k, x) + Σ_{i<x} log((B − i)/(N − i)) + Σ_{j<k−x} log((N − B − j)/(N − x − j)), x = lowest,
  // then P[x+1]/P[x] = (B − x)(k − x) / ((x + 1)(N − B − k + x + 1)).
  let first = 0;
  for (let i = 0; i < lowest; i++) first += Math.log((k - i) / (i + 1)) + Math.log((bad - i) / (population - i));
  for (let j = 0; j < k - lowest; j++) first += Math.log1p(-(bad - lowest) / (population - lowest - j));
  const terms = [first];
  const top = Math.min(tolerated, bad, k);
  for (let x = lowest; x < top; x++) {
    terms.push(terms[terms.length - 1]! + Math.log(bad - x) + Math.log(k - x) - Math.log(x + 1) - Math.log(good - k + x + 1));
  }
  return upperTail(terms);
}

/** Detection for a fraction f of a finite population (B = ceil(f·N)) with k distinct draws, tolerating `tolerated` bad ones. */
export function finiteDetection(population: number, f: number, k: number, tolerated = 0): number {
  return hypergeometricDetection(population, badCount(population, f), k, tolerated);
}

/** Smallest k ≥ lo with reaches(k), for reaches monotone in k; doubles when hi is unknown (Infinity). */
function smallestReaching(lo: number, hi: number, reaches: (k: number) => boolean): number {
  if (reaches(lo)) return lo;
  let low = lo; // fails
  let high = hi;
  if (!Number.isFinite(high)) {
    high = Math.max(1, lo * 2);
    while (!reaches(high)) {
      low = high;
      high *= 2;
      if (high > Number.MAX_SAFE_INTEGER) throw new VerdictError('LIMIT_EXCEEDED', 'no practical sample size reaches the target');
    }
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (reaches(mid)) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * Smallest k with P[Bin(k, f) > tolerated] ≥ target (tolerated = 0: 1 − (1 − f)^k ≥ target); Infinity when
 * f = 0 and target > 0.
 */
export function samplesNeededBinomial(f: number, target: number, tolerated = 0): number {
  checkFraction(f);
  checkTarget(target);
  checkCount(tolerated, 'tolerated mismatches');
  if (target === 0) return 0;
  if (f === 0) return Infinity;
  if (f === 1) return tolerated + 1;
  let k = Math.max(1, Math.ceil(Math.log1p(-target) / Math.log1p(-f)));
  // The closed form can be off by one in floating point; settle it against the forward formula.
  while (k > 1 && binomialDetection(f, k - 1) >= target) k--;
  while (binomialDetection(f, k) < target) k++;
  if (tolerated === 0) return k;
  // The tail grows with k and never exceeds the m = 0 figure, so the answer is at least k.
  return smallestReaching(Math.max(k, tolerated + 1), Infinity, (n) => binomialDetection(f, n, tolerated) >= target);
}

/**
 * Smallest k ≤ N with P[X > tolerated] ≥ target, X ~ hypergeometric(N, B = ceil(f·N), k) (tolerated = 0:
 * 1 − C(N−B,k)/C(N,k) ≥ target); Infinity when no k reaches it (B ≤ tolerated). Never more than
 * samplesNeededBinomial(f, target, tolerated).
 */
export function samplesNeededHypergeometric(population: number, f: number, target: number, tolerated = 0): number {
  checkTarget(target);
  checkCount(tolerated, 'tolerated mismatches');
  const bad = badCount(population, f);
  if (target === 0) return 0;
  if (bad <= tolerated) return Infinity;
  let logMiss = 0;
  let k0 = population;
  for (let k = 1; k <= population; k++) {
    logMiss += Math.log1p(-bad / (population - (k - 1)));
    if (k > population - bad || -Math.expm1(logMiss) >= target) {
      k0 = k;
      break;
    }
  }
  if (tolerated === 0) return k0;
  // P[X > m] is non-decreasing in k (a larger sample contains a smaller one) and reaches 1 at k = N (B > m).
  return smallestReaching(Math.max(k0, tolerated + 1), population, (k) => hypergeometricDetection(population, bad, k, tolerated) >= target);
}

/** Samples needed for a target: hypergeometric when the population is known, binomial otherwise. */
export function samplesNeeded(f: number, target: number, population?: number, tolerated = 0): number {
  return population === undefined ? samplesNeededBinomial(f, target, tolerated) : samplesNeededHypergeometric(population, f, target, tolerated);
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
 * Guaranteed detection of a stratified sample (k strata of [0, N) as strataBounds cuts them, one item each)
 * against any placement of B = ceil(f·N) bad items, when more than `tolerated` bad samples are needed.
 *
 * tolerated = 0, exact: with g_s = n_s − b_s good items in stratum s, P(miss) = Π_s g_s/n_s. The denominator
 * is fixed, and Π g_s under Σ g_s = N − B, 0 ≤ g_s ≤ n_s is largest when the g_s are as equal as possible
 * (q = ⌊(N−B)/k⌋ or q + 1; that is feasible because strata sizes differ by at most 1). So the worst case is
 * P(detect) = 1 − q^(k−r)·(q+1)^r / Π_s n_s, r = (N − B) mod k — exactly 1 once some stratum must be all bad
 * (N − B < k, e.g. k = N).
 *
 * tolerated = m > 0, a lower bound: the number of bad samples is a sum of independent Bernoulli(b_s/n_s)
 * with mean μ ≥ μ_min (bad items packed into the largest strata first). By Hoeffding (1956, Theorem 4),
 * when m + 1 ≤ μ, P[X > m] is smallest when all the probabilities are equal, so
 * P(detect) ≥ P[Bin(k, μ_min/k) > m]. When m + 1 > μ_min nothing is guaranteed (a cheat packed into m
 * strata can escape) and the bound is 0.
 */
export function stratifiedDetectionLowerBound(population: number, k: number, f: number, tolerated = 0): number {
  checkCount(k, 'sample size');
  checkCount(tolerated, 'tolerated mismatches');
  const bad = badCount(population, f);
  if (k === 0 || bad <= tolerated) return 0;
  if (k > population) throw new VerdictError('BAD_INPUT', `sample size ${k} exceeds the population ${population}`);
  const small = Math.floor(population / k);
  const bigCount = population % k; // strata of size small + 1
  if (small === 1 && bigCount === 0) return 1; // k = N: every item checked, X = B > m
  if (tolerated === 0) {
    const good = population - bad;
    const q = Math.floor(good / k);
    const r = good % k;
    if (q === 0) return 1;
    const logMiss = (k - r) * Math.log(q) + r * Math.log(q + 1) - (k - bigCount) * Math.log(small) - bigCount * Math.log(small + 1);
    return Math.min(1, Math.max(0, -Math.expm1(logMiss)));
  }
  const inBig = Math.min(bad, bigCount * (small + 1));
  const mean = inBig / (small + 1) + (bad - inBig) / small;
  if (tolerated + 1 > mean) return 0;
  return binomialDetection(Math.min(1, mean / k), k, tolerated);
}

/**
 * The detection probability a plan guarantees against a provider cheating on a fraction f of the population,
 * when the verifier tolerates up to `tolerated` mismatching items (exact for uniform samples and for
 * stratified ones at tolerated = 0; a lower bound for stratified ones otherwise).
 */
export function planDetection(method: 'uniform' | 'stratified', population: number, k: number, f: number, tolerated = 0): number {
  return method === 'stratified' ? stratifiedDetectionLowerBound(population, k, f, tolerated) : finiteDetection(population, f, k, tolerated);
}
