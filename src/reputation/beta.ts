import { VerdictError } from '../core/index.js';

/**
 * Beta-distribution numerics for reputation bounds: log-gamma (Lanczos), the regularized incomplete beta
 * I_x(a, b) (continued fraction, modified Lentz), its inverse (safeguarded Halley), and the Wilson bound as a
 * closed-form alternative. Pure functions; no dependencies.
 */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new VerdictError('BAD_INPUT', `logGamma needs a finite x > 0, got ${x}`);
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1−x) = π / sin(πx)
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

const TINY = 1e-300;
const CF_EPS = 1e-15;

/** Continued fraction of I_x(a, b) (Numerical Recipes §6.4), converges quickly for x < (a+1)/(a+b+2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  // Iterations grow like sqrt(max(a, b)); the bound covers counts far beyond any reputation state.
  const maxIter = 10_000 + Math.ceil(10 * Math.sqrt(Math.max(a, b)));
  for (let m = 1; m <= maxIter; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < CF_EPS) return h;
  }
  throw new VerdictError('INTERNAL', `incomplete beta did not converge for a=${a}, b=${b}, x=${x}`);
}

function checkShape(a: number, b: number): void {
  if (!(a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b))) {
    throw new VerdictError('BAD_INPUT', `Beta shape parameters must be finite and > 0, got a=${a}, b=${b}`);
  }
}

/** I_x(a, b) = P(X ≤ x) for X ~ Beta(a, b). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  checkShape(a, b);
  if (Number.isNaN(x)) throw new VerdictError('BAD_INPUT', 'x is NaN');
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) return Math.exp(lnFront) * betaContinuedFraction(a, b, x) / a;
  return 1 - Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x) / b;
}

/** Density of Beta(a, b) at x ∈ (0, 1). */
export function betaDensity(x: number, a: number, b: number): number {
  checkShape(a, b);
  if (x <= 0 || x >= 1) return 0;
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logBeta(a, b));
}

/**
 * The q-quantile of Beta(a, b): the x with I_x(a, b) = q. Halley's method on I_x − q from a normal/power-law
 * starting guess, kept inside a shrinking bracket [lo, hi] (bisection whenever a step leaves it), so it always
 * converges; |I_x − q| is typically < 1e-12 after a handful of steps.
 */
export function betaQuantile(q: number, a: number, b: number): number {
  checkShape(a, b);
  if (!(q >= 0 && q <= 1)) throw new VerdictError('BAD_INPUT', `quantile level must be in [0, 1], got ${q}`);
  if (q === 0) return 0;
  if (q === 1) return 1;
  let x = initialGuess(q, a, b);
  let lo = 0;
  let hi = 1;
  const lnB = logBeta(a, b);
  for (let i = 0; i < 200; i++) {
    const err = regularizedIncompleteBeta(x, a, b) - q;
    if (err === 0) return x;
    if (err < 0) lo = x;
    else hi = x;
    const lnPdf = (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lnB;
    const pdf = Math.exp(lnPdf);
    let next: number;
    if (pdf > 0 && Number.isFinite(pdf)) {
      const u = err / pdf;
      // Halley correction uses f''/f' = (a−1)/x − (b−1)/(1−x) for the Beta density.
      const curvature = (a - 1) / x - (b - 1) / (1 - x);
      const denom = 1 - 0.5 * Math.min(1, Math.max(-1, u * curvature));
      next = x - u / denom;
    } else {
      next = Number.NaN;
    }
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= 1e-15 * Math.max(x, 1e-300) || hi - lo <= 1e-15 * Math.max(lo, 1e-300)) return next;
    x = next;
  }
  return x;
}

function initialGuess(q: number, a: number, b: number): number {
  if (a >= 1 && b >= 1) {
    // Abramowitz & Stegun 26.5.22 via a normal deviate (as in Numerical Recipes' invbetai).
    const pp = q < 0.5 ? q : 1 - q;
    const t = Math.sqrt(-2 * Math.log(pp));
    let z = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t;
    if (q < 0.5) z = -z;
    const al = (z * z - 3) / 6;
    const h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
    const w = (z * Math.sqrt(al + h)) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5 / 6 - 2 / (3 * h));
    const x = a / (a + b * Math.exp(2 * w));
    return Number.isFinite(x) && x > 0 && x < 1 ? x : 0.5;
  }
  const lna = Math.log(a / (a + b));
  const lnb = Math.log(b / (a + b));
  const t = Math.exp(a * lna) / a;
  const u = Math.exp(b * lnb) / b;
  const w = t + u;
  const x = q < t / w ? Math.pow(a * w * q, 1 / a) : 1 - Math.pow(b * w * (1 - q), 1 / b);
  return Number.isFinite(x) && x > 0 && x < 1 ? x : 0.5;
}

/** Standard normal quantile (Acklam's rational approximation; relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new VerdictError('BAD_INPUT', `normal quantile level must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let x: number;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - pl) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

/**
 * Wilson score lower bound for a proportion with `successes` out of `n` (weights allowed), one-sided at
 * confidence `level`. 0 when n = 0.
 */
export function wilsonLowerBound(successes: number, n: number, level: number): number {
  if (!(n >= 0) || !(successes >= 0) || successes > n + 1e-9) {
    throw new VerdictError('BAD_INPUT', `Wilson bound needs 0 ≤ successes ≤ n, got ${successes}/${n}`);
  }
  if (n === 0) return 0;
  const z = normalQuantile(level);
  const phat = Math.min(1, successes / n);
  const z2 = z * z;
  const centre = phat + z2 / (2 * n);
  const spread = z * Math.sqrt((phat * (1 - phat)) / n + z2 / (4 * n * n));
  return Math.max(0, Math.min(1, (centre - spread) / (1 + z2 / n)));
}
