import { parseWith, z, type Job } from '../../core/index.js';

/**
 * Policy options of the telemetry verifier (policies/*.yaml → verifiers[].options). Every threshold has a
 * default measured against the synthetic honest corpus (bench/telemetry.ts prints the false-positive rate).
 */
export const telemetryOptionsSchema = z
  .object({
    /** Sampling period the provider must use, ms (when set, the trace's declared period must equal it). */
    periodMs: z.number().int().min(10).max(600_000).optional(),
    /** Largest gap allowed between samples inside the run, ms (default max(4 periods, 2 s)). */
    maxGapMs: z.number().int().min(1).optional(),
    /** How far the first/last sample may sit inside the claimed run, ms (default max(2 periods, 2 s)). */
    edgeToleranceMs: z.number().int().min(0).optional(),
    /** Clock skew tolerated between provider and verifier, ms. */
    clockSkewMs: z.number().int().min(0).default(5_000),
    /** Plausible fraction of peak FLOP/s a job achieves over its run: bounds energy per unit of work. */
    mfuRange: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.0005, 1]),
    /** Allowed relative disagreement between NVML's energy counter and integrated power.draw. */
    energyTolerance: z.number().min(0).max(1).default(0.15),
    /** Fail traces without the energy counter. */
    requireEnergyCounter: z.boolean().default(false),
    /** Correlation above which a trace counts as a copy of a stored one. */
    copyCorrelation: z.number().min(0).max(1).default(0.8),
    /** Fail when the same UUID was claimed by another provider at any time (not only overlapping). */
    uuidExclusiveToProvider: z.boolean().default(true),
  })
  .strict();

export type TelemetryOptions = z.infer<typeof telemetryOptionsSchema>;

export function parseTelemetryOptions(raw: unknown): TelemetryOptions {
  return parseWith(telemetryOptionsSchema, raw ?? {}, { source: 'telemetry verifier options', code: 'BAD_CONFIG' });
}

/**
 * What the job itself says (job.spec.telemetry, set by the job creator or the network, not the provider):
 * the device class it paid for, the weights the model needs resident, the work it needs, and optionally
 * the nonce (see nonce.ts). Values here take precedence over the provider's own statement of work.
 */
export const jobTelemetrySchema = z
  .object({
    device: z.union([z.string().min(1).max(64), z.array(z.string().min(1).max(64)).min(1).max(32)]).optional(),
    weightsMiB: z.number().min(0).max(1e7).optional(),
    flops: z.number().min(0).max(1e30).optional(),
    tokens: z.number().int().min(0).max(1e15).optional(),
    nonce: z.string().optional(),
    nonceIssuedAt: z.number().optional(),
  })
  .passthrough();

export type JobTelemetry = z.infer<typeof jobTelemetrySchema>;

export function jobTelemetry(job: Job): JobTelemetry {
  const raw = job.spec?.telemetry;
  if (raw === undefined) return {};
  return parseWith(jobTelemetrySchema, raw, { source: `job ${job.id} spec.telemetry`, code: 'BAD_INPUT' });
}
