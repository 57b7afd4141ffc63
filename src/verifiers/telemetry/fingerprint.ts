import { blockMeans, detrend, median, pearson, robustStd } from './stats.js';
import type { TraceFingerprint } from './stores.js';

/**
 * Near-duplicate detection for traces (a replayed, re-timed, rescaled or lightly noised copy of a trace seen
 * before). The shape of the power series is what a copier keeps:
 *
 * 1. bins: means of BIN_SAMPLES consecutive samples (averages out added noise; binning by sample index, not by
 *    time, so re-timing or time-stretching the copy does not change it), detrended with a ±DETREND_BINS moving
 *    average (keeps the short-term fluctuations unique to one run, removes the load steps every job shares),
 *    robustly z-normalised (median/MAD: removes any affine rescaling, e.g. "scaled to a bigger GPU") and
 *    clipped to ±CLIP_Z so that a few large events (a load step) cannot dominate the comparison. A copy may
 *    start at any sample, so a new trace is binned at every phase 0..BIN_SAMPLES−1 and the best phase counts;
 * 2. shingles: the sign pattern of SHINGLE_BINS consecutive bins as an integer key, for every start bin (−1
 *    where the pattern is all-negative or all-positive, which says nothing) — an index from key to traces finds
 *    candidates in time independent of the number stored;
 * 3. confirmation: for a candidate, the alignment (lag) most matching keys agree on, and the Pearson correlation
 *    of the aligned bins; a copy correlates near 1, independent traces near 0.
 */
export const BIN_SAMPLES = 4;
export const DETREND_BINS = 3;
export const CLIP_Z = 3;
export const SHINGLE_BINS = 24;

export interface Fingerprint {
  bins: Float64Array;
  keys: number[];
}

/** Fingerprint of a power series, its bins starting at sample `phase`. */
export function fingerprintPower(power: Float64Array, phase = 0): Fingerprint {
  const raw = detrend(blockMeans(power.subarray(phase), BIN_SAMPLES), DETREND_BINS);
  const m = median(raw);
  const sd = robustStd(raw);
  const bins = new Float64Array(raw.length);
  if (sd > 0) for (let i = 0; i < raw.length; i++) bins[i] = Math.max(-CLIP_Z, Math.min(CLIP_Z, (raw[i]! - m) / sd));
  const keys: number[] = [];
  if (bins.length >= SHINGLE_BINS) {
    let key = 0;
    const mask = 2 ** SHINGLE_BINS - 1;
    for (let i = 0; i < bins.length; i++) {
      key = ((key * 2) % (mask + 1)) + (bins[i]! > 0 ? 1 : 0);
      // all-below / all-above patterns carry no information (flat or saturated stretches): not indexed
      if (i >= SHINGLE_BINS - 1) keys.push(key === 0 || key === mask ? -1 : key);
    }
  }
  return { bins, keys };
}

export interface SimilarityMatch {
  jobId: string;
  provider: string;
  uuid: string;
  correlation: number;
  overlapBins: number;
  lagBins: number;
  sharedKeys: number;
}

/** Best alignment of two fingerprints from their shared keys, and the correlation there. */
export function compareFingerprints(a: Fingerprint, b: { bins: ArrayLike<number>; keys: readonly number[] }, minOverlap: number): { correlation: number; overlap: number; lag: number } {
  const posB = new Map<number, number[]>();
  b.keys.forEach((k, i) => {
    if (k < 0) return;
    const l = posB.get(k);
    if (l) l.push(i);
    else posB.set(k, [i]);
  });
  const lagVotes = new Map<number, number>();
  a.keys.forEach((k, i) => {
    const ps = posB.get(k);
    if (ps && ps.length <= 8) for (const j of ps) lagVotes.set(i - j, (lagVotes.get(i - j) ?? 0) + 1);
  });
  const lags = [...lagVotes.entries()].sort((x, y) => y[1] - x[1]).slice(0, 3);
  let best = { correlation: 0, overlap: 0, lag: 0 };
  for (const [lag] of lags) {
    // bins a[i] ↔ b[i - lag]
    const start = Math.max(0, lag);
    const end = Math.min(a.bins.length, b.bins.length + lag);
    const overlap = end - start;
    if (overlap < minOverlap) continue;
    const r = pearson(a.bins.subarray(start, end), Array.prototype.slice.call(b.bins, start - lag, end - lag));
    if (r > best.correlation) best = { correlation: r, overlap, lag };
  }
  return best;
}

export function toStoredFingerprint(fp: Fingerprint, meta: { jobId: string; provider: string; uuid: string }): TraceFingerprint {
  return { ...meta, bins: Array.from(fp.bins, (x) => Math.round(x * 1000) / 1000), keys: fp.keys };
}
