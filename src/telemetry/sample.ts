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
