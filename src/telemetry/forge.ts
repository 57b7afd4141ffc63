import { deviceProfile, type DeviceProfile } from './profiles.js';
import { Prng } from './prng.js';
import type { TelemetrySample } from './sample.js';
import { syntheticUuid } from './synthetic.js';

/**
 * Adversary models: how a provider holding its own signing key could fake telemetry. They produce samples; the
 * forger then signs them for the job it wants paid (signTrace), which it can always do. Tests, the benchmark
 * and the demo use them to measure what the verifier catches; nothing in the verification path imports them.
 */

/** A previously recorded honest trace replayed for a new job: re-timed, optionally with a little noise added. */
export function replaySamples(samples: readonly TelemetrySample[], options: { startAt: number; noiseRel?: number; seed?: string }): TelemetrySample[] {
  const rng = new Prng(`verdict.forge.replay\0${options.seed ?? ''}`);
  const shift = options.startAt - samples[0]!.t;
  const noise = options.noiseRel ?? 0;
  return samples.map((s) => {
    const out: TelemetrySample = { ...s, t: s.t + shift };
    if (noise > 0 && s.powerW !== null) out.powerW = round2(s.powerW * (1 + rng.normal(0, noise)));
    return out;
  });
}

/**
 * A trace from a smaller board passed off as a bigger one by rescaling: power (and the energy counter) scaled
 * by the ratio of the two boards' serving draw, name and memory.total rewritten, a UUID made up.
 * `scaleClocks` also rescales SM clocks to the bigger board's boost (a more careful forger).
 */
export function scaleToBiggerGpu(
  samples: readonly TelemetrySample[],
  from: DeviceProfile | string,
  to: DeviceProfile | string,
  options: { seed?: string; scaleClocks?: boolean; uuid?: string } = {},
): TelemetrySample[] {
  const a = typeof from === 'string' ? deviceProfile(from) : from;
  const b = typeof to === 'string' ? deviceProfile(to) : to;
  const k = (b.servingW[0] + b.servingW[1]) / (a.servingW[0] + a.servingW[1]);
  const clockK = b.maxSmClockMHz / a.maxSmClockMHz;
  const uuid = options.uuid ?? syntheticUuid(new Prng(`verdict.forge.scale\0${options.seed ?? ''}`));
  const e0 = samples[0]!.energyMilliJ;
  return samples.map((s) => ({
    ...s,
    uuid,
    name: b.names[0]!,
    memTotalMiB: b.memTotalMiB,
    powerW: s.powerW === null ? null : round2(s.powerW * k),
    smClockMHz: s.smClockMHz === null || !options.scaleClocks ? s.smClockMHz : Math.round((s.smClockMHz * clockK) / 15) * 15,
    ...(s.energyMilliJ !== undefined && e0 !== undefined ? { energyMilliJ: e0 + Math.round((s.energyMilliJ - e0) * k) } : {}),
  }));
}

/** A board's trace relabelled as a bigger board without touching the numbers (the lazy version of the above). */
export function relabelAsBiggerGpu(samples: readonly TelemetrySample[], to: DeviceProfile | string, options: { seed?: string; uuid?: string } = {}): TelemetrySample[] {
  const b = typeof to === 'string' ? deviceProfile(to) : to;
  const uuid = options.uuid ?? syntheticUuid(new Prng(`verdict.forge.relabel\0${options.seed ?? ''}`));
  return samples.map((s) => ({ ...s, uuid, name: b.names[0]!, memTotalMiB: b.memTotalMiB }));
}

export interface FabricateOptions {
  profile: DeviceProfile | string;
  startAt: number;
  durationS: number;
  periodMs?: number;
  seed?: string;
  uuid?: string;
  /**
   * 'smooth': plausible levels, a slow drift and almost no noise (what a script writes);
   * 'noisy': the same levels with realistic-amplitude white noise drawn independently per channel.
   */
  style?: 'smooth' | 'noisy';
}

/** A trace written from nothing: plausible levels for the board at ~90% utilisation. */
export function fabricateTrace(options: FabricateOptions): TelemetrySample[] {
  const p = typeof options.profile === 'string' ? deviceProfile(options.profile) : options.profile;
  const rng = new Prng(`verdict.forge.fabricate\0${options.seed ?? ''}`);
  const period = options.periodMs ?? 250;
  const uuid = options.uuid ?? syntheticUuid(rng);
  const noisy = options.style === 'noisy';
  const level = rng.uniform(p.servingW[0], p.servingW[1]);
  const idleC = (p.thermal.idleC[0] + p.thermal.idleC[1]) / 2;
  const n = Math.floor((options.durationS * 1000) / period);
  let e = rng.int(1e9, 5e11);
  const out: TelemetrySample[] = [];
  const ramp = Math.min(n, Math.round(20_000 / period)); // a load step at the start, like a job starting
  for (let i = 0; i < n; i++) {
    const x = i / n;
    const loaded = i >= ramp;
    const base = loaded ? level * (1 + 0.01 * Math.sin(2 * Math.PI * x * 1.3)) : (p.idleW[0] + p.idleW[1]) / 2;
    const powerW = noisy ? base * (1 + rng.normal(0, 0.03)) : base * (1 + rng.normal(0, 0.0003));
    const util = loaded ? (noisy ? Math.round(Math.min(100, Math.max(0, 91 + rng.normal(0, 4)))) : 92) : 0;
    const temp = noisy ? Math.round(idleC + 25 + rng.normal(0, 1.5)) : Math.round(idleC + (loaded ? 25 * (1 - Math.exp(-(i - ramp) / 160)) : 0));
    e += Math.round(powerW * period);
    out.push({
      t: options.startAt + i * period,
      uuid,
      serial: String(rng.int(1_320_000_000_000, 1_659_999_999_999)),
      name: p.names[0]!,
      powerW: round2(powerW),
      smClockMHz: loaded ? p.maxSmClockMHz : p.idleSmClockMHz,
      utilGpuPct: util,
      utilMemPct: loaded ? Math.round(util * 0.5) : 0,
      memUsedMiB: Math.round(p.memTotalMiB * 0.9),
      memTotalMiB: p.memTotalMiB,
      tempC: temp,
      pstate: 'P0',
      energyMilliJ: e,
    });
  }
  // one serial for the whole trace
  const serial = out[0]?.serial ?? null;
  for (const s of out) s.serial = serial;
  return out;
}

/**
 * Timestamps stretched by `factor` to bill more time. With `interpolate`, new samples are inserted by linear
 * interpolation so the spacing matches the original period again (hiding the stretch from interval checks).
 */
export function timeStretch(samples: readonly TelemetrySample[], factor: number, options: { interpolate?: boolean; periodMs?: number } = {}): TelemetrySample[] {
  const t0 = samples[0]!.t;
  const e0 = samples[0]!.energyMilliJ;
  // the energy counter is stretched too, so it keeps agreeing with the (stretched) integral of power
  const stretched = samples.map((s) => ({
    ...s,
    t: Math.round(t0 + (s.t - t0) * factor),
    ...(s.energyMilliJ !== undefined && e0 !== undefined ? { energyMilliJ: Math.round(e0 + (s.energyMilliJ - e0) * factor) } : {}),
  }));
  if (!options.interpolate) return stretched;
  const period = options.periodMs ?? 250;
  const out: TelemetrySample[] = [];
  let j = 0;
  for (let t = t0; t <= stretched[stretched.length - 1]!.t; t += period) {
    while (j + 1 < stretched.length && stretched[j + 1]!.t < t) j++;
    const a = stretched[j]!;
    const b = stretched[Math.min(j + 1, stretched.length - 1)]!;
    const w = b.t === a.t ? 0 : Math.min(1, Math.max(0, (t - a.t) / (b.t - a.t)));
    const lerp = (x: number | null, y: number | null, digits: number) =>
      x === null || y === null ? x : Math.round((x + (y - x) * w) * 10 ** digits) / 10 ** digits;
    out.push({
      ...a,
      t,
      powerW: lerp(a.powerW, b.powerW, 2),
      utilGpuPct: lerp(a.utilGpuPct, b.utilGpuPct, 0),
      utilMemPct: lerp(a.utilMemPct, b.utilMemPct, 0),
      tempC: lerp(a.tempC, b.tempC, 0),
      memUsedMiB: lerp(a.memUsedMiB, b.memUsedMiB, 0),
      ...(a.energyMilliJ !== undefined && b.energyMilliJ !== undefined ? { energyMilliJ: Math.round(a.energyMilliJ + (b.energyMilliJ - a.energyMilliJ) * w) } : {}),
    });
  }
  return out;
}

/** A short honest segment repeated to fill a longer run (a "looped" trace). */
export function loopSegment(samples: readonly TelemetrySample[], segment: number, total: number, periodMs = 250): TelemetrySample[] {
  const seg = samples.slice(0, segment);
  const out: TelemetrySample[] = [];
  const t0 = samples[0]!.t;
  const e0 = samples[0]!.energyMilliJ;
  let eAcc = e0 ?? 0;
  for (let i = 0; i < total; i++) {
    const s = seg[i % seg.length]!;
    const prev = out[out.length - 1];
    if (e0 !== undefined && prev && s.powerW !== null) eAcc += Math.round(s.powerW * periodMs);
    out.push({ ...s, t: t0 + i * periodMs, ...(e0 !== undefined ? { energyMilliJ: eAcc } : {}) });
  }
  return out;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
