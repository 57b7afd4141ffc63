/** Small, allocation-light statistics over numeric series. Pure functions; NaN-free inputs assumed. */

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : 0;
}

export function variance(xs: ArrayLike<number>, m = mean(xs)): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return xs.length > 1 ? s / (xs.length - 1) : 0;
}

export const std = (xs: ArrayLike<number>): number => Math.sqrt(variance(xs));

export function quantile(xs: ArrayLike<number>, q: number): number {
  if (xs.length === 0) return NaN;
  const a = Float64Array.from(xs as ArrayLike<number>).sort();
  const pos = (a.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return a[lo]! + (a[hi]! - a[lo]!) * (pos - lo);
}

export const median = (xs: ArrayLike<number>): number => quantile(xs, 0.5);

/** Median absolute deviation scaled to σ for normal data. */
export function robustStd(xs: ArrayLike<number>): number {
  if (xs.length === 0) return 0;
  const m = median(xs);
  const dev = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) dev[i] = Math.abs(xs[i]! - m);
  return 1.4826 * median(dev);
}

/** Pearson correlation; 0 when either series is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  if (n < 3) return 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Means of consecutive blocks of `size` values (the last partial block is dropped). */
export function blockMeans(xs: ArrayLike<number>, size: number): Float64Array {
  const n = Math.floor(xs.length / size);
  const out = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    let s = 0;
    for (let i = b * size; i < (b + 1) * size; i++) s += xs[i]!;
    out[b] = s / size;
  }
  return out;
}

/** Centred moving average with a window of 2h+1 (shrinking at the edges), by prefix sums: O(n). */
export function movingAverage(xs: ArrayLike<number>, h: number): Float64Array {
  const n = xs.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + xs[i]!;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - h);
    const hi = Math.min(n, i + h + 1);
    out[i] = (prefix[hi]! - prefix[lo]!) / (hi - lo);
  }
  return out;
}

/** xs minus its centred moving average: removes trends slower than ~2h+1 samples. */
export function detrend(xs: ArrayLike<number>, h: number): Float64Array {
  const ma = movingAverage(xs, h);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i]! - ma[i]!;
  return out;
}

/** (x − mean)/σ; all zeros for a constant series. */
export function zNormalise(xs: ArrayLike<number>): Float64Array {
  const m = mean(xs);
  const s = Math.sqrt(variance(xs, m));
  const out = new Float64Array(xs.length);
  if (s > 0) for (let i = 0; i < xs.length; i++) out[i] = (xs[i]! - m) / s;
  return out;
}

/**
 * Normalised autocorrelation for lags 0..maxLag (direct O(n·maxLag); maxLag is kept small by the caller).
 * Uses the biased estimator (divides by n at every lag), so values at long lags shrink towards 0.
 */
export function autocorrelation(xs: ArrayLike<number>, maxLag: number): Float64Array {
  const n = xs.length;
  const m = mean(xs);
  const d = new Float64Array(n);
  let c0 = 0;
  for (let i = 0; i < n; i++) {
    d[i] = xs[i]! - m;
    c0 += d[i]! * d[i]!;
  }
  const L = Math.min(maxLag, n - 1);
  const out = new Float64Array(Math.max(0, L + 1));
  if (c0 === 0) return out;
  for (let lag = 0; lag <= L; lag++) {
    let s = 0;
    for (let i = 0; i + lag < n; i++) s += d[i]! * d[i + lag]!;
    out[lag] = s / c0;
  }
  return out;
}

/** Ordinary least squares y ≈ a + b·x with its R². */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>): { a: number; b: number; r2: number } {
  const n = Math.min(x.length, y.length);
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  const r2 = sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 0;
  return { a: my - b * mx, b, r2 };
}

/** Shannon entropy (bits) of the values' histogram, values rounded to `resolution`. */
export function entropyBits(xs: ArrayLike<number>, resolution: number): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < xs.length; i++) {
    const k = Math.round(xs[i]! / resolution);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let h = 0;
  for (const c of counts.values()) {
    const p = c / xs.length;
    h -= p * Math.log2(p);
  }
  return h;
}
