import { VerdictError, isVerdictError, toVerdictError, type Finding, type Job } from '../../core/index.js';
import {
  DEVICE_PROFILES,
  normaliseAddress,
  parseSignedTrace,
  type DeviceProfile,
  type ParseTraceOptions,
  type SignedTrace,
} from '../../telemetry/index.js';
import type { Verifier, VerifyContext } from '../types.js';
import { CheckLog, checkCoverage, checkIdentity, checkIntegrity, checkPhysics, type CheckResult } from './checks.js';
import { BIN_SAMPLES, compareFingerprints, fingerprintPower, toStoredFingerprint } from './fingerprint.js';
import { checkForgerySigns } from './forgery.js';
import { nonceFromJobSpec, type NonceLookup } from './nonce.js';
import { jobTelemetry, parseTelemetryOptions } from './options.js';
import { toSeries } from './series.js';
import {
  InMemoryDeviceWindowStore,
  InMemoryTraceSimilarityStore,
  type DeviceWindowStore,
  type TraceSimilarityStore,
} from './stores.js';

export const TELEMETRY_VERIFIER_ID = 'telemetry';
export const TELEMETRY_VERIFIER_VERSION = '1.0.0';

/**
 * Telemetry is reported by software on the provider's own machine, so it is weak evidence and its Findings
 * say so through `confidence` (policies weigh telemetry by weight × confidence):
 * - a pass is never more than 0.3: a careful forger can produce a trace that passes every check;
 * - a broken chain or signature, a wrong job or nonce are cryptographic facts about the evidence: 0.95;
 * - a device claimed twice or samples not covering the run are facts about what the provider signed: 0.85;
 * - physics and forgery signs are statistical: 0.6.
 */
export const TELEMETRY_CONFIDENCE = { pass: 0.3, integrity: 0.95, bound: 0.85, statistical: 0.6 } as const;

export interface TelemetryVerifierConfig {
  /** Finds the nonce issued when the job started (default: job.spec.telemetry.nonce / nonceIssuedAt). */
  nonces?: NonceLookup;
  /** Device windows seen so far (default: in memory, per verifier instance). */
  windows?: DeviceWindowStore;
  /** Fingerprints of traces seen so far (default: in memory, per verifier instance). */
  similarity?: TraceSimilarityStore;
  profiles?: readonly DeviceProfile[];
  parse?: ParseTraceOptions;
}

type CheckName = 'integrity' | 'coverage' | 'identity' | 'physics' | 'forgery';

export class TelemetryVerifier implements Verifier<SignedTrace> {
  readonly id = TELEMETRY_VERIFIER_ID;
  readonly version = TELEMETRY_VERIFIER_VERSION;
  private readonly nonces: NonceLookup;
  private readonly windows: DeviceWindowStore;
  private readonly similarity: TraceSimilarityStore;
  private readonly profiles: readonly DeviceProfile[];
  private readonly parseOptions: ParseTraceOptions;

  constructor(config: TelemetryVerifierConfig = {}) {
    this.nonces = config.nonces ?? nonceFromJobSpec;
    this.windows = config.windows ?? new InMemoryDeviceWindowStore();
    this.similarity = config.similarity ?? new InMemoryTraceSimilarityStore();
    this.profiles = config.profiles ?? DEVICE_PROFILES;
    this.parseOptions = config.parse ?? {};
  }

  parseEvidence(raw: unknown): SignedTrace {
    return parseSignedTrace(raw, this.parseOptions);
  }

  async verify(job: Job, trace: SignedTrace, ctx: VerifyContext): Promise<Finding> {
    const started = performance.now();
    const options = parseTelemetryOptions(ctx.options);
    const expected = jobTelemetry(job);
    const store = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (e) {
        throw isVerdictError(e) ? e : new VerdictError('STORE_ERROR', `telemetry ${what}: ${(e as Error)?.message ?? e}`, { cause: e });
      }
    };
    try {
      const nonce = await store('nonce lookup', () => this.nonces(job));
      if (!nonce) {
        return {
          verifier: this.id,
          outcome: 'inconclusive',
          reason: `no telemetry nonce was issued for job ${job.id}, so the trace's freshness cannot be checked`,
          error: { code: 'NOT_FOUND', retryable: false },
        };
      }
      const series = toSeries(trace.samples);
      const profile = this.profiles.find((p) => p.id === trace.summary.device.profile);
      const checks = {} as Record<CheckName, CheckResult>;
      checks.integrity = checkIntegrity(job, trace, nonce, ctx.clock.now(), options);
      checks.coverage = checkCoverage(job, trace, series, options, ctx.claim?.completedAt);
      const provider = normaliseAddress(job.provider) ?? job.provider;
      const uuid = trace.summary.device.uuid;
      const windows = await store('device windows', () => this.windows.windowsFor(uuid));
      checks.identity = checkIdentity(job, trace, profile, expected, windows, provider, options);
      checks.physics = checkPhysics(trace, series, profile, expected, options);

      const forgery = checkForgerySigns(trace, series, profile, options, new CheckLog());
      const phases = Array.from({ length: BIN_SAMPLES }, (_, k) => fingerprintPower(series.power, k));
      const fp = phases[0]!;
      const keys = [...new Set(phases.flatMap((p) => p.keys))];
      const candidates = await store('similarity index', () => this.similarity.candidates(keys, 5));
      let bestCopy = 0;
      for (const { fingerprint, shared } of candidates) {
        if (fingerprint.jobId === job.id || shared < 2) continue;
        let best = { correlation: 0, overlap: 0, lag: 0 };
        for (const p of phases) {
          const minOverlap = Math.max(32, Math.floor(0.6 * Math.min(p.bins.length, fingerprint.bins.length)));
          const cmp = compareFingerprints(p, fingerprint, minOverlap);
          if (cmp.correlation > best.correlation) best = cmp;
        }
        bestCopy = Math.max(bestCopy, best.correlation);
        if (best.correlation >= options.copyCorrelation) {
          forgery.fail(
            `power trace copies the one submitted for job ${fingerprint.jobId} by ${fingerprint.provider} (r = ${best.correlation.toFixed(2)} over ${best.overlap} bins)`,
          );
        }
      }
      forgery.m('copyCorrelation', bestCopy);
      checks.forgery = forgery.result();

      // Only what the provider verifiably signed for this job enters the indexes: a forger cannot pollute them
      // with traces it did not sign, and an honest provider's re-verification does not conflict with itself.
      if (checks.integrity.status === 'pass') {
        await store('device windows', () =>
          this.windows.record({ uuid, provider, jobId: job.id, start: trace.summary.startedAt, end: trace.summary.endedAt }),
        );
        if (fp.keys.length) await store('similarity index', () => this.similarity.add(toStoredFingerprint(fp, { jobId: job.id, provider, uuid })));
      }
      return this.finding(trace, checks, profile, started);
    } catch (e) {
      const err = toVerdictError(e, 'INTERNAL');
      if (err.code === 'INTERNAL') throw e;
      if (err.code === 'BAD_EVIDENCE') return { verifier: this.id, outcome: 'fail', reason: err.message, confidence: TELEMETRY_CONFIDENCE.integrity };
      return { verifier: this.id, outcome: 'inconclusive', reason: err.message, error: { code: err.code, retryable: err.retryable } };
    }
  }

  private finding(trace: SignedTrace, checks: Record<CheckName, CheckResult>, profile: DeviceProfile | undefined, started: number): Finding {
    const failed = (Object.keys(checks) as CheckName[]).filter((k) => checks[k].status === 'fail');
    const runS = (trace.summary.endedAt - trace.summary.startedAt) / 1000;
    const details = {
      checks,
      device: { profile: trace.summary.device.profile, uuid: trace.summary.device.uuid, label: profile?.label ?? null },
      samples: trace.samples.length,
      runS,
      weakEvidence: 'telemetry is reported by the provider\'s own software; a pass is weak evidence (docs/threat-model.md)',
    };
    const cost = { ms: Math.round((performance.now() - started) * 1000) / 1000 };
    if (failed.length === 0) {
      return {
        verifier: this.id,
        outcome: 'pass',
        reason: `${trace.samples.length} samples over ${runS.toFixed(0)} s on ${profile?.label ?? trace.summary.device.profile}: bound to the job, complete, consistent and physically plausible`,
        confidence: TELEMETRY_CONFIDENCE.pass,
        details,
        cost,
      };
    }
    const confidence = failed.includes('integrity')
      ? TELEMETRY_CONFIDENCE.integrity
      : failed.includes('coverage') || failed.includes('identity')
        ? TELEMETRY_CONFIDENCE.bound
        : TELEMETRY_CONFIDENCE.statistical;
    const reasons = failed.flatMap((k) => checks[k].reasons.slice(0, 2).map((r) => `${k}: ${r}`));
    return { verifier: this.id, outcome: 'fail', reason: reasons.slice(0, 4).join('; '), confidence, details, cost };
  }
}

export function createTelemetryVerifier(config: TelemetryVerifierConfig = {}): TelemetryVerifier {
  return new TelemetryVerifier(config);
}
