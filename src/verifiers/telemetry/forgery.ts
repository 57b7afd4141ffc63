import type { DeviceProfile, SignedTrace } from '../../telemetry/index.js';
import { CheckLog } from './checks.js';
import type { TelemetryOptions } from './options.js';
import type { Series } from './series.js';
import { autocorrelation, blockMeans, detrend, linearFit, mean, median, pearson, quantile, robustStd, std } from './stats.js';

/**
 * Thresholds of the forgery signs. Each was set from the honest synthetic corpus with a wide margin (the
 * honest value distribution and the false-positive rate are printed by bench/telemetry.ts), and each targets
 * one naive forgery; a forger who models all of them at once is out of reach of telemetry (docs/threat-model.md).
 */
export const FORGERY_THRESHOLDS = {
  /** Relative short-term power noise below this is "too smooth" (honest boards: ≥ ~0.5% sensor noise). */
  minRelPowerNoise: 0.0015,
  /** Fraction of busy samples repeating the previous utilisation exactly, above which util is "stuck". */
  maxUtilRepeat: 0.9,
  /** Autocorrelation of detrended power at a lag and at twice it, above which the trace repeats itself. */
  maxPeriodicScore: 0.45,
  /** Median sample interval over declared period must lie in this band. */
  intervalRatio: [0.85, 1.25] as const,
  /** Minimal correlation of utilisation and power (1 s bins) when utilisation moves. */
  minUtilPowerCorrelation: 0.4,
  /** The thermal model is checked when the power history should move the temperature by at least this. */
  minThermalSwingC: 6,
  /** Minimal R² of the first-order thermal model when power moves. */
  minThermalR2: 0.5,
  /** Fitted °C/W must be within this factor of the profile's. */
  thermalSlopeFactor: 4,
} as const;

const THERMAL_TAUS_S = [5, 10, 20, 40, 80, 160, 320];

/** Forgery signs that need only the trace itself (the copy check, which needs the store, is in verifier.ts). */
export function checkForgerySigns(trace: SignedTrace, s: Series, profile: DeviceProfile | undefined, options: TelemetryOptions, log = new CheckLog()): CheckLog {
  const T = FORGERY_THRESHOLDS;
  const c = log;
  if (s.n < 40) {
    c.skip('fewer than 40 samples: too short for statistics');
    return c;
  }
  // --- too smooth: short-term noise of power, and utilisation stuck on one value
  const resid = detrend(s.power, 2);
  const relNoise = robustStd(resid) / Math.max(mean(s.power), 1e-9);
  c.m('relPowerNoise', relNoise);
  if (relNoise < T.minRelPowerNoise) c.fail(`power is too smooth: short-term noise ${(relNoise * 100).toFixed(3)}% of the mean (real sensors ≥ ~0.5%)`);
  let busy = 0;
  let repeats = 0;
  for (let i = 1; i < s.n; i++) {
    if (s.util[i]! >= 50) {
      busy++;
      if (s.util[i] === s.util[i - 1]) repeats++;
    }
  }
  if (busy >= 40) {
    c.m('utilRepeatFraction', repeats / busy);
    if (repeats / busy > T.maxUtilRepeat) c.fail(`utilisation repeats the same value in ${((repeats / busy) * 100).toFixed(0)}% of busy samples`);
  }

  // --- periodic: the detrended power (1 s-ish bins) correlates with itself at some lag L and again at 2L
  // (a looped segment repeats many times; a chance peak of bursty honest load does not repeat)
  const binSize = Math.max(1, Math.round(1000 / trace.genesis.periodMs));
  const pBins = blockMeans(s.power, binSize);
  const detr = detrend(pBins, 15);
  const maxLag = Math.min(Math.floor(pBins.length / 4), 900);
  let score = 0;
  let peakLag = 0;
  if (maxLag >= 6) {
    const acf = autocorrelation(detr, 2 * maxLag + 2);
    for (let lag = 4; lag < maxLag; lag++) {
      const v = acf[lag]!;
      if (v <= score || v < acf[lag - 1]! || v < acf[lag + 1]!) continue;
      let again = -1;
      for (let k = 2 * lag - 2; k <= 2 * lag + 2; k++) again = Math.max(again, acf[k] ?? -1);
      const sc = Math.min(v, again);
      if (sc > score) {
        score = sc;
        peakLag = lag;
      }
    }
  }
  const periodS = (peakLag * binSize * trace.genesis.periodMs) / 1000;
  c.m('periodicScore', score);
  c.m('periodicLagS', periodS);
  if (score > T.maxPeriodicScore) c.fail(`power repeats itself every ~${periodS.toFixed(0)} s (autocorrelation ≥ ${score.toFixed(2)} at one and two periods)`);

  // --- time-stretched: interval statistics vs the declared (and the required) period
  const intervals = new Float64Array(s.n - 1);
  for (let i = 1; i < s.n; i++) intervals[i - 1] = s.t[i]! - s.t[i - 1]!;
  const medInterval = median(intervals);
  const ratio = medInterval / trace.genesis.periodMs;
  c.m('medianIntervalMs', medInterval);
  c.m('intervalToPeriod', ratio);
  if (options.periodMs !== undefined && trace.genesis.periodMs !== options.periodMs) {
    c.fail(`trace declares a ${trace.genesis.periodMs} ms period; the policy requires ${options.periodMs} ms`);
  }
  if (ratio < T.intervalRatio[0] || ratio > T.intervalRatio[1]) {
    c.fail(`samples are ${medInterval.toFixed(0)} ms apart (median) but the recorder ran at ${trace.genesis.periodMs} ms: timestamps were stretched or squeezed`);
  }

  // --- utilisation, power and temperature must move together
  const uBins = blockMeans(s.util, binSize);
  const uStd = std(uBins);
  c.m('utilStdPct', uStd);
  if (uStd >= 5) {
    const r = pearson(uBins, pBins);
    c.m('utilPowerCorrelation', r);
    if (r < T.minUtilPowerCorrelation) c.fail(`utilisation and power do not move together (r = ${r.toFixed(2)})`);
  }
  if (profile) {
    const tBins = blockMeans(s.temp, binSize);
    const binDtS = (binSize * medInterval) / 1000;
    const ema = (tau: number) => {
      const alpha = 1 - Math.exp(-binDtS / tau);
      const f = new Float64Array(pBins.length);
      let acc = pBins[0]!;
      for (let i = 0; i < pBins.length; i++) {
        acc += alpha * (pBins[i]! - acc);
        f[i] = acc;
      }
      return f;
    };
    // Applicable when the power history should have moved the temperature by several degrees (through the
    // board's own time constant): otherwise 1 °C quantisation dominates and no fit is meaningful.
    const filtered = ema(profile.thermal.tauS);
    const expectedSwingC = (quantile(filtered, 0.95) - quantile(filtered, 0.05)) * profile.thermal.resistanceCPerW;
    c.m('expectedThermalSwingC', expectedSwingC);
    if (expectedSwingC >= T.minThermalSwingC) {
      let best = { r2: -1, b: 0, tau: 0 };
      for (const tau of THERMAL_TAUS_S) {
        const fit = linearFit(ema(tau), tBins);
        if (fit.r2 > best.r2) best = { r2: fit.r2, b: fit.b, tau };
      }
      c.m('thermalR2', best.r2);
      c.m('thermalCPerW', best.b);
      c.m('thermalTauS', best.tau);
      const R = profile.thermal.resistanceCPerW;
      const k = T.thermalSlopeFactor;
      if (best.r2 < T.minThermalR2) c.fail(`temperature does not follow power through any first-order thermal lag (best R² ${best.r2.toFixed(2)})`);
      else if (best.b < R / k || best.b > R * k) {
        c.fail(`temperature rises ${best.b.toFixed(3)} °C per W; a ${profile.label} rises ~${R} °C/W`);
      }
    }
  }
  return c;
}
