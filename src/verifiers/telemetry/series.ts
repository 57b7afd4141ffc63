import type { TelemetrySample } from '../../telemetry/index.js';

/** A trace as columns, with missing values (`[N/A]`) carried forward so the math sees no holes. */
export interface Series {
  n: number;
  t: Float64Array;
  power: Float64Array;
  util: Float64Array;
  utilMem: Float64Array;
  temp: Float64Array;
  clock: Float64Array;
  memUsed: Float64Array;
  /** Fraction of samples in which each field was reported. */
  present: { power: number; util: number; temp: number; clock: number; memUsed: number };
}

type NumKey = 'powerW' | 'utilGpuPct' | 'utilMemPct' | 'tempC' | 'smClockMHz' | 'memUsedMiB';

function column(samples: readonly TelemetrySample[], key: NumKey): { values: Float64Array; present: number } {
  const out = new Float64Array(samples.length);
  let first = NaN;
  for (const s of samples) {
    const v = s[key];
    if (v !== null) {
      first = v;
      break;
    }
  }
  let last = Number.isNaN(first) ? 0 : first;
  let present = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]![key];
    if (v !== null) {
      last = v;
      present++;
    }
    out[i] = last;
  }
  return { values: out, present: samples.length ? present / samples.length : 0 };
}

export function toSeries(samples: readonly TelemetrySample[]): Series {
  const t = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) t[i] = samples[i]!.t;
  const power = column(samples, 'powerW');
  const util = column(samples, 'utilGpuPct');
  const utilMem = column(samples, 'utilMemPct');
  const temp = column(samples, 'tempC');
  const clock = column(samples, 'smClockMHz');
  const mem = column(samples, 'memUsedMiB');
  return {
    n: samples.length,
    t,
    power: power.values,
    util: util.values,
    utilMem: utilMem.values,
    temp: temp.values,
    clock: clock.values,
    memUsed: mem.values,
    present: { power: power.present, util: util.present, temp: temp.present, clock: clock.present, memUsed: mem.present },
  };
}

/** ∫ power dt over the samples (trapezoid), joules. */
export function integratePowerJ(s: Series): number {
  let e = 0;
  for (let i = 1; i < s.n; i++) e += ((s.power[i]! + s.power[i - 1]!) / 2) * ((s.t[i]! - s.t[i - 1]!) / 1000);
  return e;
}

/** ∫ utilisation dt: seconds during which a kernel was running. */
export function busySeconds(s: Series): number {
  let b = 0;
  for (let i = 1; i < s.n; i++) b += (s.util[i]! / 100) * ((s.t[i]! - s.t[i - 1]!) / 1000);
  return b;
}
