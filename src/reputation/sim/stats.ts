/** Small statistics helpers for the simulator's report (pure). */

/** The q-quantile of `values` (nearest rank: the smallest value with at least q of the data at or below it). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Standard error of the mean. */
export function standardError(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) * (v - m);
  return Math.sqrt(s / (values.length - 1) / values.length);
}

/** Empirical CDF points (x, fraction ≤ x) of the finite values, over a denominator that counts the infinite ones too. */
export function empiricalCdf(values: readonly number[]): Array<[number, number]> {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = values.length;
  const points: Array<[number, number]> = [];
  for (let i = 0; i < finite.length; i++) {
    if (i + 1 < finite.length && finite[i + 1] === finite[i]) continue;
    points.push([finite[i]!, (i + 1) / n]);
  }
  return points;
}
