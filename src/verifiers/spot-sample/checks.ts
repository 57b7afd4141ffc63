import { VerdictError } from '../../core/index.js';
import { sampleFromLogits, type PositionScore } from '../../inference/index.js';

/**
 * Per-position checks of a claimed token against the verifier's own recomputation (pure functions).
 *
 * Honest providers are not bit-identical (another accumulation order moves logits by ~2e-5), so a
 * recomputed decision that lands within a margin of the claimed one is "ambiguous" — neither evidence of
 * cheating nor of honesty — instead of a mismatch.
 */

export type PositionVerdict = 'match' | 'ambiguous' | 'mismatch';

export interface TokenCheck {
  verdict: PositionVerdict;
  /** The token the verifier's recomputation picks. */
  expected: number;
  /** Greedy: top logit − claimed token's logit. Sampled: distance from u to the claimed token's CDF interval. */
  margin: number;
}

/**
 * Greedy: the claimed token must be the argmax. When it is not, but its logit is within `nearTieMargin`
 * of the top one (logprob differences equal logit differences), the position is a near tie: ambiguous.
 */
export function checkGreedy(score: PositionScore, nearTieMargin: number): TokenCheck {
  const top = score.top[0];
  if (!top) throw new VerdictError('INTERNAL', 'greedy check needs the top-1 token of the position');
  if (top.token === score.token) return { verdict: 'match', expected: top.token, margin: 0 };
  const margin = top.logprob - score.logprob;
  return { verdict: margin < nearTieMargin ? 'ambiguous' : 'mismatch', expected: top.token, margin };
}

/**
 * CDF interval [lo, hi) of `token` under softmax(logits / T), float64 in ascending id order: the same sums
 * as sampleFromLogits (docs/inference.md), so an honest replay lands in exactly this interval.
 */
export function cdfInterval(logits: ArrayLike<number>, temperature: number, token: number): { lo: number; hi: number } {
  const n = logits.length;
  if (!Number.isInteger(token) || token < 0 || token >= n) throw new VerdictError('BAD_INPUT', `token ${token} outside the vocabulary of ${n}`);
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, logits[i]! / temperature);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(logits[i]! / temperature - m);
  let c = 0;
  let lo = 0;
  for (let i = 0; i <= token; i++) {
    lo = c / s;
    c += Math.exp(logits[i]! / temperature - m);
  }
  return { lo, hi: c / s };
}

/**
 * Sampled: replay the protocol with the agreed u. If the replayed token differs from the claimed one but u
 * lies within `margin` of the claimed token's interval (the CDF boundary moved by rounding), ambiguous.
 */
export function checkSampled(logits: ArrayLike<number>, temperature: number, u: number, claimed: number, margin: number): TokenCheck {
  const replay = sampleFromLogits(logits, temperature, u);
  if (replay.token === claimed) return { verdict: 'match', expected: claimed, margin: 0 };
  const { lo, hi } = cdfInterval(logits, temperature, claimed);
  const distance = u < lo ? lo - u : u >= hi ? u - hi : 0;
  return { verdict: distance <= margin ? 'ambiguous' : 'mismatch', expected: replay.token, margin: distance };
}

/** The CDF margin for a temperature: a logit error ε moves z/T by ε/T, so the margin grows as T shrinks below 1. */
export function cdfMarginFor(base: number, temperature: number): number {
  return base * Math.max(1, 1 / temperature);
}

/** Full logit row of a scored position: the backend's row, or the full top-k list when it covers the vocabulary. */
export function logitsOf(score: PositionScore, vocabSize: number): ArrayLike<number> | undefined {
  if (score.logits && score.logits.length === vocabSize) return score.logits;
  if (score.top.length !== vocabSize) return undefined;
  // Log-probabilities are the logits shifted by a constant, which softmax(z / T) ignores.
  const row = new Float64Array(vocabSize).fill(NaN);
  for (const { token, logprob } of score.top) row[token] = logprob;
  return row.some(Number.isNaN) ? undefined : row;
}

/** |claimed − recomputed| ≤ tolerance. */
export function logprobWithin(claimed: number, recomputed: number, tolerance: number): boolean {
  return Math.abs(claimed - recomputed) <= tolerance;
}
