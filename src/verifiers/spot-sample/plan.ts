import { VerdictError } from '../../core/index.js';
import { derivePositions, planDetection, samplesNeededHypergeometric, stratifiedDetectionLowerBound, type SampleMethod } from '../../sampling/index.js';
import type { SpotSampleOptions } from './spec.js';

/** Stream names of derivePositions: token positions of one completion, requests of a batch. */
export const PURPOSE_TOKENS = 'llm.tokens';
export const PURPOSE_REQUESTS = 'batch.requests';

type SizingOptions = Pick<SpotSampleOptions, 'samples' | 'cheatFraction' | 'targetDetection' | 'method'> & { maxMismatches?: number };

/**
 * Number of items to check in a population of `population`: the policy's fixed `samples`, or the smallest k
 * whose guaranteed detection of a cheating fraction f reaches the target, counting a cheat as detected only
 * when more than `maxMismatches` bad items are sampled (hypergeometric tail for uniform samples; the exact
 * worst case, or the Hoeffding bound when maxMismatches > 0, for stratified ones). N when no k reaches it.
 */
export function sampleSize(options: SizingOptions, population: number): number {
  if (!Number.isSafeInteger(population) || population < 1) throw new VerdictError('BAD_INPUT', `population ${population} must be a positive integer`);
  const tolerated = options.maxMismatches ?? 0;
  if (options.samples !== undefined) return Math.min(options.samples, population);
  if (options.targetDetection === 0) return Math.min(1, population);
  if (options.method === 'uniform') return Math.min(population, samplesNeededHypergeometric(population, options.cheatFraction, options.targetDetection, tolerated));
  for (let k = 1; k <= population; k++) {
    if (stratifiedDetectionLowerBound(population, k, options.cheatFraction, tolerated) >= options.targetDetection) return k;
  }
  return population;
}

export interface SelectedSample {
  method: SampleMethod;
  population: number;
  size: number;
  /** Sorted, distinct. */
  positions: number[];
  /** Guaranteed detection of a provider cheating on cheatFraction of the population, with maxMismatches tolerated. */
  detection: number;
}

export function selectSample(seed: Uint8Array, options: SpotSampleOptions, population: number, purpose: string): SelectedSample {
  const size = sampleSize(options, population);
  const positions = derivePositions(seed, { population, size, method: options.method }, purpose);
  const detection = planDetection(options.method, population, size, options.cheatFraction, options.maxMismatches);
  return { method: options.method, population, size, positions, detection };
}
