/**
 * Protocol-defined token sampling, so that a verifier can replay any single position on its own:
 *
 *   PRNG `verdict-ctr-sha256-v1`: u_t = (first 53 bits of sha256(seed32 ‖ u64be(t))) / 2^53
 *   token = smallest id i with u_t < C_i, C_i = (Σ_{j<=i} e_j) / S, e_j = exp(z_j − max z), z = logits / T
 *
 * All arithmetic is float64 in ascending id order. See docs/inference.md.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { VerdictError } from '../core/errors.js';
import type { SampleResult, TokenLogprob } from './types.js';

export const SAMPLING_PRNG = 'verdict-ctr-sha256-v1' as const;

const TWO_POW_53 = 2 ** 53;
const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

function checkSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new VerdictError('BAD_INPUT', 'sampling seed must be 32 bytes', { details: { length: (seed as Uint8Array | undefined)?.length } });
  }
}

/** The uniform in [0, 1) for counter t (the position of the sampled token in the full sequence). */
export function samplingUniform(seed: Uint8Array, t: number): number {
  checkSeed(seed);
  if (!Number.isSafeInteger(t) || t < 0 || t > MAX_COUNTER) {
    throw new VerdictError('BAD_INPUT', `sampling counter must be a non-negative safe integer, got ${t}`);
  }
  const msg = new Uint8Array(40);
  msg.set(seed, 0);
  const view = new DataView(msg.buffer);
  view.setUint32(32, Math.floor(t / 2 ** 32), false);
  view.setUint32(36, t >>> 0, false);
  const d = sha256(msg);
  // First 53 bits, big-endian: 32 bits from bytes 0..3, then the top 21 bits of bytes 4..7.
  const hi = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
  const lo = (((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) >>> 0) >>> 11;
  return (hi * 2 ** 21 + lo) / TWO_POW_53;
}

/** Index of the largest logit, lowest id on ties; NaN rows are rejected. */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (Number.isNaN(v)) throw new VerdictError('BAD_INPUT', `logit ${i} is NaN`);
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  if (bestValue === -Infinity && logits.length > 0 && logits[0] === -Infinity) {
    throw new VerdictError('BAD_INPUT', 'all logits are -Infinity');
  }
  return best;
}

function checkLogits(logits: ArrayLike<number>): void {
  if (logits.length === 0) throw new VerdictError('BAD_INPUT', 'empty logit row');
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (!Number.isFinite(v)) throw new VerdictError('BAD_INPUT', `logit ${i} is not finite`);
  }
}

/**
 * Samples one token by the protocol. temperature 0 means greedy (interval [0, 1) so any u replays it).
 * Returns the token and its CDF interval so a verifier can apply an ambiguity margin around u.
 */
export function sampleFromLogits(logits: ArrayLike<number>, temperature: number, u: number): SampleResult {
  checkLogits(logits);
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new VerdictError('BAD_INPUT', `temperature must be a finite number >= 0, got ${temperature}`);
  }
  if (temperature === 0) return { token: argmax(logits), lo: 0, hi: 1, probability: 1 };
  if (!(u >= 0 && u < 1)) throw new VerdictError('BAD_INPUT', `u must be in [0, 1), got ${u}`);
  const n = logits.length;
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const z = logits[i]! / temperature;
    if (z > m) m = z;
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(logits[i]! / temperature - m);
  let c = 0;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[i]! / temperature - m);
    c += e;
    const hi = c / s; // equals 1 exactly at the last non-zero term (c and s are the same sums)
    if (u < hi) return { token: i, lo, hi, probability: e / s };
    lo = hi;
  }
  // Unreachable: the last non-empty interval ends at s / s = 1 > u.
  throw new VerdictError('INTERNAL', 'inverse CDF ran past the last token');
}

/** log-softmax of one row in float64 (temperature 1). */
export function logSoftmax(logits: ArrayLike<number>, out?: Float64Array): Float64Array {
  checkLogits(logits);
  const n = logits.length;
  const res = out ?? new Float64Array(n);
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i]! > m) m = logits[i]!;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(logits[i]! - m);
  const lse = m + Math.log(s);
  for (let i = 0; i < n; i++) res[i] = logits[i]! - lse;
  return res;
}

/** log p(token) under the row's softmax at temperature 1. */
export function tokenLogprob(logits: ArrayLike<number>, token: number): number {
  if (!Number.isInteger(token) || token < 0 || token >= logits.length) {
    throw new VerdictError('BAD_INPUT', `token ${token} outside the vocabulary of ${logits.length}`);
  }
  return logSoftmax(logits)[token]!;
}

/** The k most likely tokens, logprob descending, lower id first on ties. */
export function topK(logprobs: ArrayLike<number>, k: number): TokenLogprob[] {
  const n = logprobs.length;
  const kk = Math.max(0, Math.min(Math.floor(k), n));
  const out: TokenLogprob[] = [];
  if (kk === 0) return out;
  // Insertion into a small sorted list: k is small (<= 20 in practice) and V is 512.
  for (let i = 0; i < n; i++) {
    const v = logprobs[i]!;
    if (out.length === kk && !(v > out[kk - 1]!.logprob)) continue;
    let at = out.length;
    while (at > 0 && v > out[at - 1]!.logprob) at--;
    out.splice(at, 0, { token: i, logprob: v });
    if (out.length > kk) out.pop();
  }
  return out;
}
