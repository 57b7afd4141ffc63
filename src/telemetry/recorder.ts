import { VerdictError, isVerdictError, silentLogger, type Hex, type Logger } from '../core/index.js';
import type { TelemetrySample } from './sample.js';
import type { TraceSigner } from './signer.js';
import type { TelemetrySource } from './sources.js';
import { TraceBuilder, type SignedTrace, type TraceWork } from './trace.js';

export interface RecordOptions {
  jobId: string;
  /** The nonce the verifier issued when the job started, and when. */
  nonce: Hex;
  nonceIssuedAt: number;
  signer: TraceSigner;
  source: TelemetrySource;
  periodMs: number;
  /** Stops recording (the job ended). */
  signal: AbortSignal;
  /** The device profile the provider claims (profiles.ts id). */
  device: { profile: string };
  /** The run window to claim; default the first and last sample. */
  run?: () => { startedAt?: number; endedAt?: number };
  work?: () => TraceWork | undefined;
  /** Stop by itself after this many samples (default 2,000,000). */
  maxSamples?: number;
  logger?: Logger;
}

export interface RecordResult {
  trace: SignedTrace;
  stats: {
    samples: number;
    /** Samples refused by the chain (not later than the previous one, or malformed). */
    dropped: number;
    /** Lines the source could not parse. */
    rejectedLines: number;
    /** Set when the source failed before the job ended: the trace holds what came before. */
    sourceError?: { code: string; message: string };
  };
}

/**
 * Records a job's telemetry: pulls samples from the source until the signal aborts, extends the hash chain
 * with each, and signs the head. If the source fails mid-job, the samples so far are still signed and the
 * failure is reported in `stats` (the verifier's coverage check will see the gap); with no sample at all it
 * throws.
 */
export async function recordTrace(options: RecordOptions): Promise<RecordResult> {
  const log = (options.logger ?? silentLogger).child({ jobId: options.jobId, component: 'telemetry-recorder' });
  const builder = new TraceBuilder({
    jobId: options.jobId,
    nonce: options.nonce,
    nonceIssuedAt: options.nonceIssuedAt,
    provider: options.signer.address,
    periodMs: options.periodMs,
    source: options.source.kind,
  });
  const maxSamples = options.maxSamples ?? 2_000_000;
  let dropped = 0;
  let sourceError: RecordResult['stats']['sourceError'];
  const inner = new AbortController();
  const onAbort = () => inner.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) inner.abort();
  try {
    for await (const sample of options.source.samples(inner.signal)) {
      if (sample.t < options.nonceIssuedAt) {
        dropped++; // recorded before the job's nonce existed: it could not be bound to this job
        continue;
      }
      try {
        builder.push(sample as TelemetrySample);
      } catch (e) {
        if (!isVerdictError(e)) throw e;
        dropped++;
        log.warn({ err: e.message }, 'sample dropped');
      }
      if (builder.count >= maxSamples) inner.abort();
    }
  } catch (e) {
    if (!isVerdictError(e)) throw e;
    sourceError = { code: e.code, message: e.message };
    log.error({ err: e.toJSON() }, 'telemetry source failed');
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
  if (builder.count === 0) {
    throw new VerdictError(sourceError ? 'EXECUTOR_FAILED' : 'BAD_INPUT', `no telemetry sample recorded for job ${options.jobId}${sourceError ? `: ${sourceError.message}` : ''}`);
  }
  const trace = await builder.finish(options.signer, {
    ...(options.run?.() ?? {}),
    device: options.device,
    ...(options.work?.() ? { work: options.work()! } : {}),
  });
  return {
    trace,
    stats: { samples: builder.count, dropped, rejectedLines: options.source.rejected, ...(sourceError ? { sourceError } : {}) },
  };
}
