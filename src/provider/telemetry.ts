import { VerdictError, silentLogger, systemClock, type Clock, type Hex, type Job, type Logger } from '../core/index.js';
import {
  NvidiaSmiSource,
  deviceProfile,
  recordTrace,
  type EnergyCounter,
  type RecordResult,
  type SignedTrace,
  type TelemetrySource,
  type TraceSigner,
  type TraceWork,
} from '../telemetry/index.js';
import { nonceFromJobSpec } from '../verifiers/telemetry/index.js';

export interface TelemetrySessionOptions {
  job: Job;
  /** The nonce the verifier issued at job start; default job.spec.telemetry.{nonce, nonceIssuedAt}. */
  nonce?: { nonce: Hex; issuedAt: number };
  /** The provider's key: the same secp256k1 key that identifies it on-chain. */
  signer: TraceSigner;
  /** Device profile id the provider claims (src/telemetry/profiles.ts), e.g. "h100-sxm". */
  device: string;
  /** Default: nvidia-smi on PATH, sampling `gpu` every `periodMs`. */
  source?: TelemetrySource;
  periodMs?: number;
  /** GPU index or UUID the job runs on (nvidia-smi -i). */
  gpu?: string;
  /** NVML energy counter reader (e.g. dcgmExporterEnergy). */
  energy?: EnergyCounter;
  clock?: Clock;
  logger?: Logger;
}

/**
 * Provider side of telemetry: start a session when the job starts (after receiving the verifier's nonce), stop
 * it when the job ends, hand the signed trace in as the `telemetry` evidence item.
 *
 *   const session = await TelemetrySession.start({ job, signer, device: 'h100-sxm', gpu: '0' });
 *   … run the job …
 *   const { trace } = await session.stop({ tokens });
 *   bundle.items.telemetry = telemetryEvidence(trace);
 */
export class TelemetrySession {
  private readonly controller = new AbortController();
  private endedAt: number | undefined;
  private work: TraceWork | undefined;
  private readonly done: Promise<RecordResult>;

  private constructor(private readonly options: TelemetrySessionOptions & { startedAt: number; nonceRecord: { nonce: Hex; issuedAt: number } }) {
    const periodMs = options.periodMs ?? 250;
    const source =
      options.source ??
      new NvidiaSmiSource({
        periodMs,
        ...(options.gpu !== undefined ? { gpu: options.gpu } : {}),
        ...(options.energy ? { energy: options.energy } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
    this.done = recordTrace({
      jobId: options.job.id,
      nonce: options.nonceRecord.nonce,
      nonceIssuedAt: options.nonceRecord.issuedAt,
      signer: options.signer,
      source,
      periodMs,
      signal: this.controller.signal,
      device: { profile: options.device },
      run: () => ({ startedAt: options.startedAt, ...(this.endedAt !== undefined ? { endedAt: this.endedAt } : {}) }),
      work: () => this.work,
      logger: options.logger ?? silentLogger,
    });
    // a failure is reported by stop(); keep it from being an unhandled rejection meanwhile
    this.done.catch(() => {});
  }

  static async start(options: TelemetrySessionOptions): Promise<TelemetrySession> {
    deviceProfile(options.device);
    const nonceRecord = options.nonce ?? (await nonceFromJobSpec(options.job));
    if (!nonceRecord) throw new VerdictError('BAD_INPUT', `job ${options.job.id} carries no telemetry nonce (spec.telemetry.nonce); the verifier must issue one at job start`);
    if (options.signer.address.toLowerCase() !== options.job.provider.toLowerCase()) {
      throw new VerdictError('BAD_INPUT', `telemetry signer ${options.signer.address} is not the job's provider ${options.job.provider}`);
    }
    const clock = options.clock ?? systemClock;
    return new TelemetrySession({ ...options, startedAt: clock.now(), nonceRecord });
  }

  /** Ends the recording; resolves to the signed trace and the recorder's statistics. */
  async stop(work?: TraceWork): Promise<RecordResult> {
    this.endedAt ??= (this.options.clock ?? systemClock).now();
    this.work = work;
    this.controller.abort();
    return this.done;
  }
}

/** The trace as plain JSON, ready for `bundle.items.telemetry`. */
export function telemetryEvidence(trace: SignedTrace): unknown {
  return JSON.parse(JSON.stringify(trace));
}
