import { VerdictError } from '../core/index.js';
import { MAX_POPULATION, samplingDrbg, uniformInt, type HmacDrbg } from './drbg.js';

/**
 * Samplers: which items of a committed population [0, n) a verifier checks. Deterministic given the DRBG,
 * so the provider, the verifier and any later auditor derive the same sample from the same seed.
 */

/** Hard cap on a sample's size: a sample is something a verifier recomputes, never millions of items. */
export const MAX_SAMPLE = 100_000;

function checkSizes(n: number, k: number): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_POPULATION) throw new VerdictError('BAD_INPUT', `population ${n} must be an integer in [0, 2^48]`);
  if (!Number.isSafeInteger(k) || k < 0 || k > MAX_SAMPLE) throw new VerdictError('BAD_INPUT', `sample size ${k} must be an integer in [0, ${MAX_SAMPLE}]`);
  if (k > n) throw new VerdictError('BAD_INPUT', `cannot draw ${k} distinct items from a population of ${n}`);
}

/**
 * k distinct items of [0, n), uniformly among all k-subsets, in draw order: a partial Fisher–Yates shuffle
 * over a virtual array (only swapped slots are stored, so memory is O(k) even for n = 2^48).
 * Step i draws j = i + uniformInt(n − i) and swaps slots i and j.
 */
export function sampleWithoutReplacement(drbg: HmacDrbg, n: number, k: number): number[] {
  checkSizes(n, k);
  const swapped = new Map<number, number>();
  const at = (i: number) => swapped.get(i) ?? i;
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + uniformInt(drbg, n - i);
    const picked = at(j);
    swapped.set(j, at(i));
    out.push(picked);
  }
  return out;
}

/** Stratum boundaries: stratum s is [floor(s·n/strata), floor((s+1)·n/strata)); sizes differ by at most 1. */
export function strataBounds(n: number, strata: number): number[] {
  const bounds: number[] = [];
  for (let s = 0; s <= strata; s++) bounds.push(Math.floor((s * n) / strata));
  return bounds;
}

/**
 * Stratified sample: [0, n) is cut into `strata` contiguous strata of near-equal size and `perStratum`
 * distinct items are drawn uniformly from each (strata in order). Every region of the output is covered,
 * which catches "honest only at the start" cheats with certainty once the bad tail spans a whole stratum.
 * Against the worst placement of the bad items it is at least as good as the binomial figure 1 − (1 − f)^k
 * only when the strata are equal (k divides n); with unequal strata the adversary fills the larger ones and
 * can do worse (n = 5, k = 2, one bad item: 1/3 < 0.36). stratifiedDetectionLowerBound in detection.ts gives
 * the exact worst case (docs/sampling.md).
 */
export function sampleStratified(drbg: HmacDrbg, n: number, strata: number, perStratum = 1): number[] {
  if (!Number.isSafeInteger(strata) || strata < 1) throw new VerdictError('BAD_INPUT', `strata ${strata} must be a positive integer`);
  if (!Number.isSafeInteger(perStratum) || perStratum < 1) throw new VerdictError('BAD_INPUT', `perStratum ${perStratum} must be a positive integer`);
  checkSizes(n, strata * perStratum);
  const bounds = strataBounds(n, strata);
  const out: number[] = [];
  for (let s = 0; s < strata; s++) {
    const lo = bounds[s]!;
    const size = bounds[s + 1]! - lo;
    if (size < perStratum) throw new VerdictError('BAD_INPUT', `stratum ${s} has ${size} items, fewer than ${perStratum}`);
    for (const x of sampleWithoutReplacement(drbg, size, perStratum)) out.push(lo + x);
  }
  return out;
}

export type SampleMethod = 'uniform' | 'stratified';

export interface SamplePlan {
  /** Population size: the number of committed leaves. */
  population: number;
  /** Number of distinct items to check (capped at the population). */
  size: number;
  method: SampleMethod;
}

/**
 * The positions a seed selects for a plan, sorted ascending. `purpose` separates streams (for example
 * "llm.tokens" vs "batch.requests") so one seed never yields correlated samples for two uses.
 *
 * 'uniform' draws are prefix-stable: the personalization does not depend on the sample size, so the
 * positions for k are the first k draws of the stream and a provider that opens k' ≥ k positions covers any
 * verifier asking for k. 'stratified' uses k strata (one item each), so its positions depend on k.
 */
export function derivePositions(seed: Uint8Array, plan: SamplePlan, purpose: string): number[] {
  const k = Math.min(plan.size, plan.population);
  const stratified = plan.method === 'stratified';
  const drbg = samplingDrbg(seed, `${purpose}\u0000${plan.method}\u0000${plan.population}${stratified ? `\u0000${k}` : ''}`);
  const picked = stratified && k > 0 ? sampleStratified(drbg, plan.population, k, 1) : sampleWithoutReplacement(drbg, plan.population, k);
  return picked.sort((a, b) => a - b);
}
