import { canonicalBytes, z } from '../core/index.js';

/**
 * One reading of one GPU, as `nvidia-smi --query-gpu=...` reports it (see nvidia-smi.ts for the exact query).
 * A field the driver cannot report (`[N/A]`, `[Not Supported]`, ...) is `null`, never a made-up number.
 */
export interface TelemetrySample {
  /** Milliseconds since the epoch, UTC (nvidia-smi prints local time to the millisecond; see parseSmiTimestamp). */
  t: number;
  /** `GPU-xxxxxxxx-xxxx-...` (or `MIG-...`): stable per physical device. */
  uuid: string;
  /** Board serial; `[N/A]` on most consumer boards. */
  serial: string | null;
  /** Product name, e.g. "NVIDIA H100 80GB HBM3". */
  name: string;
  /** power.draw, W. */
  powerW: number | null;
  /** clocks.sm (clocks.current.sm), MHz. */
  smClockMHz: number | null;
  /** utilization.gpu: % of the sample period in which a kernel ran. */
  utilGpuPct: number | null;
  /** utilization.memory: % of the sample period in which device memory was read or written. */
  utilMemPct: number | null;
  memUsedMiB: number | null;
  memTotalMiB: number | null;
  tempC: number | null;
  /** Performance state, P0 (max) … P12 (min). */
  pstate: string | null;
  /** NVML total energy counter (nvmlDeviceGetTotalEnergyConsumption), mJ since the driver loaded; absent when not read. */
  energyMilliJ?: number;
}

const bounded = (min: number, max: number) => z.number().min(min).max(max);

/** Bounds are generous physical limits: they refuse garbage, not unusual hardware. */
export const telemetrySampleSchema = z
  .object({
    t: z.number().int().min(0).max(1e14),
    uuid: z.string().min(1).max(96).regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces'),
    serial: z.string().min(1).max(64).regex(/^[\x20-\x7e]+$/, 'expected printable ASCII').nullable(),
    name: z.string().min(1).max(96).regex(/^[\x20-\x7e]+$/, 'expected printable ASCII'),
    powerW: bounded(0, 5000).nullable(),
    smClockMHz: bounded(0, 10_000).nullable(),
    utilGpuPct: bounded(0, 100).nullable(),
    utilMemPct: bounded(0, 100).nullable(),
    memUsedMiB: bounded(0, 1e7).nullable(),
    memTotalMiB: bounded(0, 1e7).nullable(),
    tempC: bounded(-60, 200).nullable(),
    pstate: z.string().regex(/^P\d{1,2}$/, 'expected P0..P15').nullable(),
    energyMilliJ: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

/** The bytes a sample contributes to the hash chain: its canonical JSON (RFC 8785). */
export function sampleBytes(sample: TelemetrySample): Uint8Array {
  return canonicalBytes(sample as never);
}

const NUMERIC: readonly [keyof TelemetrySample, number, number][] = [
  ['powerW', 0, 5000],
  ['smClockMHz', 0, 10_000],
  ['utilGpuPct', 0, 100],
  ['utilMemPct', 0, 100],
  ['memUsedMiB', 0, 1e7],
  ['memTotalMiB', 0, 1e7],
  ['tempC', -60, 200],
];
const KEYS = new Set(['t', 'uuid', 'serial', 'name', 'pstate', 'energyMilliJ', ...NUMERIC.map(([k]) => k)]);
const UUID_RE = /^[\x21-\x7e]{1,96}$/;
const TEXT_RE = /^[\x20-\x7e]+$/;
const PSTATE_RE = /^P\d{1,2}$/;

/**
 * Exactly the rules of `telemetrySampleSchema`, written out by hand: hour-long traces have tens of thousands of
 * samples and this is ~10× faster than the schema (the two are property-tested to agree). Returns the sample
 * (a fresh object holding only its known keys) or the reason it is invalid.
 */
export function checkSample(raw: unknown): TelemetrySample | string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'expected an object';
  const r = raw as Record<string, unknown>;
  for (const k in r) if (!KEYS.has(k)) return `unknown field "${k}"`;
  const t = r.t;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 1e14) return 't: expected an integer in [0, 1e14]';
  if (typeof r.uuid !== 'string' || !UUID_RE.test(r.uuid)) return 'uuid: expected 1–96 printable ASCII characters without spaces';
  if (r.serial !== null && (typeof r.serial !== 'string' || r.serial.length < 1 || r.serial.length > 64 || !TEXT_RE.test(r.serial))) return 'serial: expected null or printable ASCII (1–64)';
  if (typeof r.name !== 'string' || r.name.length < 1 || r.name.length > 96 || !TEXT_RE.test(r.name)) return 'name: expected printable ASCII (1–96)';
  for (const [k, lo, hi] of NUMERIC) {
    const v = r[k];
    if (v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) return `${k}: expected null or a number in [${lo}, ${hi}]`;
  }
  if (r.pstate !== null && (typeof r.pstate !== 'string' || !PSTATE_RE.test(r.pstate))) return 'pstate: expected null or P0..P15';
  const e = r.energyMilliJ;
  if (e !== undefined && (typeof e !== 'number' || !Number.isSafeInteger(e) || e < 0)) return 'energyMilliJ: expected a non-negative safe integer';
  const out: TelemetrySample = {
    t,
    uuid: r.uuid,
    serial: r.serial as string | null,
    name: r.name,
    powerW: r.powerW as number | null,
    smClockMHz: r.smClockMHz as number | null,
    utilGpuPct: r.utilGpuPct as number | null,
    utilMemPct: r.utilMemPct as number | null,
    memUsedMiB: r.memUsedMiB as number | null,
    memTotalMiB: r.memTotalMiB as number | null,
    tempC: r.tempC as number | null,
    pstate: r.pstate as string | null,
  };
  if (e !== undefined) out.energyMilliJ = e as number;
  return out;
}
