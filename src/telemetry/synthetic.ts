import { VerdictError, toHex } from '../core/index.js';
import { deviceProfile, type DeviceProfile } from './profiles.js';
import { Prng } from './prng.js';
import type { TelemetrySample } from './sample.js';

/**
 * A seeded generator of honest-looking GPU traces, calibrated to the device profiles (profiles.ts, which cites
 * the source of each number). It simulates the physical quantities on a fine time step and then "samples" them
 * the way nvidia-smi does:
 *
 * - load: LLM serving is a Poisson stream of requests with exponential service times whose concurrency sets
 *   the busy fraction (bursty, never periodic); "batch" is near-saturated with irregular short gaps between
 *   batches; "light" is sparse requests. A job starts with a model-load phase (memory fills, short bursts).
 * - power: idle + (operating point − idle) × busy^0.8 + slow drift, board-to-board offsets drawn from the
 *   profile's ranges; power.draw is reported as a ~0.5 s moving average plus 0.8% sensor noise, 2 decimals.
 * - temperature: first-order thermal model dT/dt = (T_idle + R·(P − P_idle) − T)/τ, reported in whole °C.
 * - SM clock: idle clock when no kernel ran in the window, max boost otherwise, pulled down in 15 MHz steps
 *   near the power limit.
 * - utilisation: busy fraction over the sample window, integer %; memory utilisation follows it.
 * - energy counter: exact integral of the true power, in mJ, from a random boot offset (NVML's counter).
 * - timestamps: nvidia-smi -lms drifts: each interval is the period plus a few ms of query time.
 */
export type SyntheticLoad = 'llm-serving' | 'batch' | 'light';

export interface SyntheticOptions {
  profile: DeviceProfile | string;
  seed: string;
  /** First sample time, ms since the epoch. */
  startAt: number;
  durationS: number;
  periodMs?: number;
  load?: SyntheticLoad;
  /** Model-load phase at the start, s (default 5–25 s at random). */
  warmupS?: number;
  /** Model weights resident during the job, MiB (default ~30% of the board's memory). */
  weightsMiB?: number;
  /** vLLM-style KV-cache preallocation to 90% of memory after load (default: at random). */
  kvPrealloc?: boolean;
  /** Record NVML's energy counter (default true). */
  energyCounter?: boolean;
  uuid?: string;
  serial?: string | null;
  /** Achieved fraction of peak FLOP/s while a kernel runs, for the work estimate (default by load). */
  mfuWhenBusy?: number;
}

export interface SyntheticTrace {
  samples: TelemetrySample[];
  profile: DeviceProfile;
  uuid: string;
  /** Ground truth of the simulation. */
  truth: { energyJ: number; busyS: number; flops: number; weightsMiB: number; startedAt: number; endedAt: number };
}

export function syntheticUuid(rng: Prng): string {
  const h = toHex(rng.bytes(16)).slice(2);
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const CONSUMER = new Set(['rtx-4090']);

export function generateTrace(options: SyntheticOptions): SyntheticTrace {
  const profile = typeof options.profile === 'string' ? deviceProfile(options.profile) : options.profile;
  const periodMs = options.periodMs ?? 250;
  if (!(options.durationS > 0) || !(periodMs >= 50)) throw new VerdictError('BAD_INPUT', 'synthetic trace: durationS > 0 and periodMs ≥ 50');
  const rng = new Prng(`verdict.synthetic.v1\0${options.seed}`);
  const load = options.load ?? 'llm-serving';
  const uuid = options.uuid ?? syntheticUuid(rng);
  const serial = options.serial !== undefined ? options.serial : CONSUMER.has(profile.id) ? null : String(rng.int(1_320_000_000_000, 1_659_999_999_999));
  const consumer = CONSUMER.has(profile.id);

  // Board and environment draws.
  const idleW = rng.uniform(profile.idleW[0] + 0.15 * (profile.idleW[1] - profile.idleW[0]), profile.idleW[1]);
  const serveW = rng.uniform(profile.servingW[0], profile.servingW[1]);
  const batchW = profile.tdpW * rng.uniform(0.82, 0.95);
  // Operating point such that the draw at 90% busy is the profile's serving figure (calibration: [ISSUE]).
  const opW = load === 'batch' ? batchW : Math.min(profile.tdpW, idleW + (serveW - idleW) / Math.pow(0.9, 0.8));
  const idleC = rng.uniform(profile.thermal.idleC[0], profile.thermal.idleC[1]);
  const rTh = profile.thermal.resistanceCPerW * rng.uniform(0.8, 1.25);
  const tauTh = profile.thermal.tauS * rng.uniform(0.75, 1.3);
  const memBase = rng.int(0, 4);
  const ctxMiB = rng.int(400, 700);
  const weightsMiB = options.weightsMiB ?? Math.round(profile.memTotalMiB * rng.uniform(0.15, 0.45));
  if (weightsMiB + ctxMiB > profile.memTotalMiB) throw new VerdictError('BAD_INPUT', `synthetic trace: ${weightsMiB} MiB of weights do not fit on ${profile.label}`);
  const prealloc = options.kvPrealloc ?? rng.next() < 0.5;
  const warmupS = options.warmupS ?? rng.uniform(5, 25);
  const mfu = options.mfuWhenBusy ?? (load === 'batch' ? rng.uniform(0.3, 0.5) : load === 'light' ? rng.uniform(0.03, 0.1) : rng.uniform(0.05, 0.2));
  const withEnergy = options.energyCounter ?? true;
  let energyMilliJ = rng.int(1e9, 5e11);

  // Load process state.
  const meanServiceS = load === 'light' ? rng.uniform(1, 4) : rng.uniform(2, 8);
  let rate = load === 'light' ? rng.uniform(0.03, 0.12) : rng.uniform(0.4, 2.5);
  const rateMean = rate;
  const active: number[] = []; // end times (s) of requests in flight
  const halfSat = rng.uniform(1.5, 4); // concurrency at which the GPU is ~63% busy
  let nextGapAt = rng.uniform(20, 60);
  let gapUntil = -1;

  const dt = Math.min(0.1, periodMs / 2500);
  const endS = options.durationS;
  let t = 0;
  let powerTrue = idleW;
  let powerAvg = idleW;
  let temp = idleC + rTh * 0.0;
  let drift = 0;
  let memUsed = memBase;
  let busyS = 0;
  let flops = 0;
  let energyJ = 0;
  const samples: TelemetrySample[] = [];
  let nextSampleS = rng.uniform(0.05, 0.3);
  let tsMs = options.startAt + Math.round(nextSampleS * 1000);
  let winBusy = 0;
  let winN = 0;
  let lastBusyAt = -10;

  while (nextSampleS <= endS) {
    // --- advance the physics by dt
    let busy: number;
    if (t < warmupS) {
      // model load: copy weights into memory, occasional short kernels (weight conversion, warm-up passes)
      const progress = Math.min(1, t / (warmupS * 0.8));
      memUsed = memBase + (t > 0.5 ? ctxMiB : 0) + weightsMiB * progress;
      busy = rng.next() < 0.08 ? rng.uniform(0.2, 0.9) : 0;
    } else {
      if (prealloc) memUsed = Math.round(profile.memTotalMiB * 0.9);
      else memUsed = memBase + ctxMiB + weightsMiB + active.length * 180;
      if (load === 'batch') {
        if (t >= nextGapAt) {
          gapUntil = t + rng.uniform(0.4, 2.5);
          nextGapAt = t + rng.exponential(40) + 5;
        }
        busy = t < gapUntil ? rng.uniform(0, 0.15) : Math.min(1, rng.uniform(0.93, 1.0));
      } else {
        rate = Math.max(0.01, rate + (rateMean - rate) * dt / 120 + rng.normal(0, 0.04 * rateMean * Math.sqrt(dt)));
        if (rng.next() < rate * dt) active.push(t + rng.exponential(meanServiceS));
        for (let i = active.length - 1; i >= 0; i--) if (active[i]! <= t) active.splice(i, 1);
        const c = active.length;
        const cap = load === 'light' ? rng.uniform(0.3, 0.6) : 1;
        busy = c === 0 ? 0 : cap * Math.min(1, (1 - Math.exp(-c / halfSat)) * rng.uniform(0.85, 1.08));
      }
    }
    busy = Math.max(0, Math.min(1, busy));
    if (busy > 0.02) lastBusyAt = t;
    drift += (-drift * dt) / 60 + rng.normal(0, 0.02 * Math.sqrt(dt / 60));
    const target = idleW + (opW - idleW) * Math.pow(busy, 0.8) * (1 + drift) + rng.normal(0, 0.01 * opW);
    powerTrue = Math.max(0.85 * idleW, Math.min(profile.tdpW, target));
    powerAvg += (powerTrue - powerAvg) * (1 - Math.exp(-dt / 0.5));
    temp += ((idleC + rTh * (powerTrue - idleW) - temp) * dt) / tauTh;
    energyJ += powerTrue * dt;
    busyS += busy * dt;
    flops += busy * mfu * profile.peakDenseTflops * 1e12 * dt;
    winBusy += busy;
    winN++;
    t += dt;

    // --- emit a sample when its time has come
    if (t >= nextSampleS) {
      const util = winN ? winBusy / winN : 0;
      const utilPct = Math.round(Math.max(0, Math.min(100, util * 100 + (util > 0 ? rng.normal(0, 1.2) : 0))));
      const memUtil = Math.round(Math.max(0, Math.min(100, util * (load === 'batch' ? 38 : 52) + (util > 0 ? rng.normal(0, 1.5) : 0))));
      const running = t - lastBusyAt < 1.0;
      let clock = running ? profile.maxSmClockMHz : profile.idleSmClockMHz;
      if (running && powerAvg > 0.94 * profile.tdpW) clock -= 15 * rng.int(2, 10);
      else if (running && rng.next() < 0.05) clock -= 15 * rng.int(1, 3);
      const pstate = consumer ? (running ? 'P2' : 'P8') : 'P0';
      const reported = Math.max(0, powerAvg * (1 + rng.normal(0, 0.008)));
      const sample: TelemetrySample = {
        t: tsMs,
        uuid,
        serial,
        name: profile.names[0]!,
        powerW: Math.round(reported * 100) / 100,
        smClockMHz: clock,
        utilGpuPct: utilPct,
        utilMemPct: memUtil,
        memUsedMiB: Math.round(memUsed),
        memTotalMiB: profile.memTotalMiB,
        tempC: Math.round(temp + rng.normal(0, 0.15)),
        pstate,
      };
      if (withEnergy) sample.energyMilliJ = energyMilliJ + Math.round(energyJ * 1000);
      samples.push(sample);
      winBusy = 0;
      winN = 0;
      const interval = periodMs + 2 + Math.abs(rng.normal(0, 3));
      nextSampleS += interval / 1000;
      tsMs += Math.round(interval);
    }
  }
  const last = samples[samples.length - 1]!;
  return {
    samples,
    profile,
    uuid,
    truth: { energyJ, busyS, flops, weightsMiB, startedAt: samples[0]!.t, endedAt: last.t },
  };
}
