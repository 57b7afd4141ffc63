import { sha256, toHex, utf8, type Claim, type EvidenceBundle, type Hex, type Job } from '../core/index.js';
import {
  deviceProfile,
  fabricateTrace,
  generateTrace,
  loopSegment,
  relabelAsBiggerGpu,
  replaySamples,
  scaleToBiggerGpu,
  signTrace,
  timeStretch,
  walletSigner,
  type SignedTrace,
  type SyntheticLoad,
  type SyntheticTrace,
  type TelemetrySample,
  type TraceSigner,
} from '../telemetry/index.js';
import { createTelemetryVerifier, type NonceRecord } from '../verifiers/telemetry/index.js';
import type { DemoCase, DemoContext, DemoModule } from './types.js';
import { demoProvider } from './accounts.js';

/**
 * Honest and forging GPU-telemetry providers. The helpers build telemetry evidence for any job type that
 * carries `spec.telemetry` (the llm-inference policy's blended check uses them); the DemoModule is a
 * "gpu-telemetry" market where telemetry is the evidence of a GPU rental: honest providers on several boards,
 * and every forgery the verifier is meant to catch. Tests and bench/telemetry.ts reuse the same builders.
 */

export const TELEMETRY_JOB_TYPE = 'gpu-telemetry';
/** The sampling period the demo policy requires. */
export const TELEMETRY_PERIOD_MS = 250;

/** Deterministic demo keys (never use outside demos and tests). */
export function demoSigner(name: string): TraceSigner {
  return walletSigner(toHex(sha256(utf8(`verdict demo telemetry key: ${name}`))));
}

/** A nonce as a verifier would issue it, derived from a label so demo runs are reproducible. */
export function demoNonce(jobId: string, issuedAt: number, label = 'demo'): NonceRecord {
  return { jobId, nonce: toHex(sha256(utf8(`verdict demo nonce\0${label}\0${jobId}`))), issuedAt };
}

/** What the job creator or network puts in job.spec.telemetry. */
export interface TelemetryExpectation {
  device: string | string[];
  nonce: NonceRecord;
  weightsMiB?: number;
  flops?: number;
}

export function telemetrySpec(e: TelemetryExpectation): Record<string, unknown> {
  return {
    device: e.device,
    nonce: e.nonce.nonce,
    nonceIssuedAt: e.nonce.issuedAt,
    ...(e.weightsMiB !== undefined ? { weightsMiB: e.weightsMiB } : {}),
    ...(e.flops !== undefined ? { flops: e.flops } : {}),
  };
}

export function telemetryJob(p: { id: string; provider: string; createdAt: number; expectation: TelemetryExpectation; type?: string }): Job {
  return {
    v: 1,
    id: p.id,
    type: p.type ?? TELEMETRY_JOB_TYPE,
    provider: p.provider,
    spec: { telemetry: telemetrySpec(p.expectation) as never },
    createdAt: p.createdAt,
  };
}

/** Signs samples as the job's trace (what an honest recorder does at the end of a job, and what a forger can do). */
export function signForJob(job: Job, nonce: NonceRecord, signer: TraceSigner, samples: readonly TelemetrySample[], profile: string): Promise<SignedTrace> {
  return signTrace(
    { jobId: job.id, nonce: nonce.nonce, nonceIssuedAt: nonce.issuedAt, provider: signer.address, periodMs: TELEMETRY_PERIOD_MS, source: 'nvidia-smi' },
    samples,
    signer,
    { device: { profile } },
  );
}

export interface HonestRun {
  job: Job;
  nonce: NonceRecord;
  trace: SignedTrace;
  synthetic: SyntheticTrace;
}

export interface HonestRunOptions {
  jobId: string;
  signer: TraceSigner;
  profile: string;
  load?: SyntheticLoad;
  startAt: number;
  durationS: number;
  seed: string;
  /** The device class the job asks for (default: the profile). */
  device?: string | string[];
  type?: string;
  /** Put the simulated work (FLOPs) and weights into the job, as a job creator who knows its model would. */
  withWork?: boolean;
}

/** An honest provider's run: the job (with its nonce), the synthetic board's samples, the signed trace. */
export async function honestRun(o: HonestRunOptions): Promise<HonestRun> {
  const nonce = demoNonce(o.jobId, o.startAt - 1000);
  const synthetic = generateTrace({ profile: o.profile, seed: o.seed, startAt: o.startAt, durationS: o.durationS, load: o.load ?? 'llm-serving', periodMs: TELEMETRY_PERIOD_MS });
  const job = telemetryJob({
    id: o.jobId,
    provider: o.signer.address,
    createdAt: o.startAt - 2000,
    type: o.type,
    expectation: {
      device: o.device ?? o.profile,
      nonce,
      ...(o.withWork ?? true ? { weightsMiB: synthetic.truth.weightsMiB, flops: Math.round(synthetic.truth.flops) } : {}),
    },
  });
  const trace = await signForJob(job, nonce, o.signer, synthetic.samples, o.profile);
  return { job, nonce, trace, synthetic };
}

export const TELEMETRY_FORGERIES = [
  'replayed',
  'scaled-to-bigger-gpu',
  'fabricated-smooth',
  'fabricated-noisy',
  'time-stretched',
  'time-stretched-declared',
  'time-stretched-interpolated',
  'smaller-gpu',
  'looped',
  'double-claim',
  'other-job',
  'old-nonce',
  'tampered',
] as const;
export type TelemetryForgery = (typeof TELEMETRY_FORGERIES)[number];

export interface ForgedRunOptions {
  jobId: string;
  signer: TraceSigner;
  /** The board the job pays for (what the forger claims). */
  claimed: string;
  startAt: number;
  durationS: number;
  seed: string;
  /**
   * An earlier honest run, for forgeries that reuse one: replayed, double-claim (overlapping the same
   * device), other-job. When absent one is generated (and never shown to the verifier).
   */
  previous?: HonestRun;
  /** The smaller board the forger actually has (scaled/smaller-gpu); default by claimed board. */
  actual?: string;
  /** A more careful forger: also rescales SM clocks when scaling to a bigger board. */
  careful?: boolean;
  type?: string;
}

function smallerBoard(claimed: string): string {
  return claimed.startsWith('h100') ? 'a100-sxm4-40gb' : claimed.startsWith('a100') ? 'a10' : 't4';
}

/**
 * A forging provider's run for one strategy. The forger holds its own key, so every trace is validly signed
 * by the job's provider: what gives it away is binding, coverage, identity, physics or statistics.
 */
export async function forgedRun(kind: TelemetryForgery, o: ForgedRunOptions): Promise<{ job: Job; nonce: NonceRecord; trace: SignedTrace }> {
  const nonce = demoNonce(o.jobId, o.startAt - 1000);
  const claimed = deviceProfile(o.claimed);
  const job = telemetryJob({
    id: o.jobId,
    provider: o.signer.address,
    createdAt: o.startAt - 2000,
    type: o.type,
    expectation: { device: claimed.id, nonce },
  });
  const own = (seed: string, profile = claimed.id, durationS = o.durationS, startAt = o.startAt) =>
    generateTrace({ profile, seed, startAt, durationS, load: 'llm-serving', periodMs: TELEMETRY_PERIOD_MS });
  const sign = (samples: readonly TelemetrySample[], n = nonce, j = job) => signForJob(j, n, o.signer, samples, claimed.id);
  switch (kind) {
    case 'replayed': {
      const prev = o.previous?.trace.samples ?? own(`${o.seed}/old`).samples;
      return { job, nonce, trace: await sign(replaySamples(prev, { startAt: o.startAt, noiseRel: 0.005, seed: o.seed })) };
    }
    case 'scaled-to-bigger-gpu': {
      const actual = o.actual ?? smallerBoard(claimed.id);
      return { job, nonce, trace: await sign(scaleToBiggerGpu(own(o.seed, actual).samples, actual, claimed, { seed: o.seed, scaleClocks: o.careful ?? false })) };
    }
    case 'smaller-gpu': {
      const actual = o.actual ?? (claimed.id.startsWith('h100') ? 'l4' : 't4');
      return { job, nonce, trace: await sign(relabelAsBiggerGpu(own(o.seed, actual).samples, claimed, { seed: o.seed })) };
    }
    case 'fabricated-smooth':
    case 'fabricated-noisy':
      return {
        job,
        nonce,
        trace: await sign(fabricateTrace({ profile: claimed, startAt: o.startAt, durationS: o.durationS, seed: o.seed, style: kind === 'fabricated-smooth' ? 'smooth' : 'noisy' })),
      };
    case 'time-stretched':
    case 'time-stretched-interpolated': {
      // worked 2/3 of the time, bills all of it; the careful variant resamples to the required period
      const real = own(o.seed, claimed.id, (o.durationS * 2) / 3);
      return { job, nonce, trace: await sign(timeStretch(real.samples, 1.5, { interpolate: kind === 'time-stretched-interpolated', periodMs: TELEMETRY_PERIOD_MS })) };
    }
    case 'time-stretched-declared': {
      // stretched, and the recorder's period declared as the stretched one
      const real = own(o.seed, claimed.id, (o.durationS * 2) / 3);
      const stretched = timeStretch(real.samples, 1.5);
      return {
        job,
        nonce,
        trace: await signTrace(
          { jobId: job.id, nonce: nonce.nonce, nonceIssuedAt: nonce.issuedAt, provider: o.signer.address, periodMs: Math.round(TELEMETRY_PERIOD_MS * 1.5), source: 'nvidia-smi' },
          stretched,
          o.signer,
          { device: { profile: claimed.id } },
        ),
      };
    }
    case 'looped': {
      const seg = own(o.seed, claimed.id, 90);
      const total = Math.floor((o.durationS * 1000) / TELEMETRY_PERIOD_MS);
      return { job, nonce, trace: await sign(loopSegment(seg.samples.slice(seg.samples.length - 240), 240, total, TELEMETRY_PERIOD_MS)) };
    }
    case 'double-claim': {
      // the device of an earlier job, claimed again for a job running at the same time (its own samples re-signed)
      const prev = o.previous ?? (await honestRun({ jobId: `${o.jobId}-first`, signer: o.signer, profile: claimed.id, startAt: o.startAt, durationS: o.durationS, seed: `${o.seed}/first` }));
      const first = prev.trace.samples[0]!.t;
      return { job, nonce, trace: await sign(prev.trace.samples.filter((s) => s.t >= first)) };
    }
    case 'other-job': {
      // a trace properly recorded and signed for another job, handed in unchanged
      const prev = o.previous ?? (await honestRun({ jobId: `${o.jobId}-other`, signer: o.signer, profile: claimed.id, startAt: o.startAt, durationS: o.durationS, seed: `${o.seed}/other` }));
      return { job, nonce, trace: prev.trace };
    }
    case 'old-nonce': {
      // recorded before the job's nonce was issued, bound to the nonce of an earlier attempt
      const old = demoNonce(o.jobId, o.startAt - 600_000, 'earlier attempt');
      const samples = own(o.seed, claimed.id, o.durationS, o.startAt - 590_000).samples;
      return { job, nonce, trace: await sign(samples, old) };
    }
    case 'tampered': {
      // an honest trace with its busiest minute edited upwards after signing
      const honest = await sign(own(o.seed).samples);
      const samples = honest.samples.map((s, i) => (i > 100 && i < 340 && s.powerW !== null ? { ...s, powerW: Math.round(s.powerW * 130) / 100 } : s));
      return { job, nonce, trace: { ...honest, samples } };
    }
  }
}

/** Evidence bundle for a telemetry-only job. */
export function telemetryBundle(job: Job, trace: SignedTrace): EvidenceBundle {
  const claim: Claim = { v: 1, jobId: job.id, provider: job.provider, outputCommitment: toHex(sha256(utf8(`no outputs: ${job.id}`))) as Hex, completedAt: trace.summary.endedAt + 500 };
  return { v: 1, jobId: job.id, claim, items: { telemetry: JSON.parse(JSON.stringify(trace)) } };
}

/**
 * For job types that blend telemetry with other checks (llm-inference): the `spec.telemetry` block to merge
 * into the job, and the `telemetry` evidence item, honest or forged. The job's other fields are the caller's.
 */
export async function telemetryForJob(
  base: Job,
  o: { signer: TraceSigner; profile: string; startAt: number; durationS: number; seed: string; forgery?: TelemetryForgery },
): Promise<{ job: Job; evidence: unknown }> {
  const made = o.forgery
    ? await forgedRun(o.forgery, { jobId: base.id, signer: o.signer, claimed: o.profile, startAt: o.startAt, durationS: o.durationS, seed: o.seed, type: base.type })
    : await honestRun({ jobId: base.id, signer: o.signer, profile: o.profile, startAt: o.startAt, durationS: o.durationS, seed: o.seed, type: base.type });
  const job: Job = { ...base, spec: { ...base.spec, telemetry: made.job.spec.telemetry! } };
  return { job, evidence: JSON.parse(JSON.stringify(made.trace)) };
}

/** The gpu-telemetry market of the demo: honest rentals first (they populate the verifier's indexes), then forgers. */
export function createTelemetryDemo(): DemoModule {
  return {
    jobType: TELEMETRY_JOB_TYPE,
    policyFile: 'policies/gpu-telemetry.yaml',
    verifiers: async () => [createTelemetryVerifier()],
    cases: async (ctx: DemoContext): Promise<DemoCase[]> => {
      const signer = (name: string) => walletSigner(demoProvider(ctx, name).privateKey);
      const honest = signer('carol');
      const now = ctx.clock.now();
      const hour = 3_600_000;
      const start = (k: number) => now - 12 * hour + k * 1_800_000;
      const cases: DemoCase[] = [];
      const push = (scenario: string, expected: DemoCase['expected'], job: Job, trace: SignedTrace) =>
        cases.push({ scenario, expected, job, bundle: telemetryBundle(job, trace) });

      const h100 = await honestRun({ jobId: 'tele-h100-serving', signer: honest, profile: 'h100-sxm', load: 'llm-serving', startAt: start(0), durationS: 600, seed: 'demo-1' });
      push('honest: H100 SXM serving an LLM', 'accept', h100.job, h100.trace);
      const a100 = await honestRun({ jobId: 'tele-a100-batch', signer: honest, profile: 'a100-sxm4-80gb', load: 'batch', startAt: start(1), durationS: 480, seed: 'demo-2' });
      push('honest: A100 80GB batch inference', 'accept', a100.job, a100.trace);
      const l4 = await honestRun({ jobId: 'tele-l4-light', signer: honest, profile: 'l4', load: 'light', startAt: start(2), durationS: 300, seed: 'demo-3' });
      push('honest: L4, light load', 'accept', l4.job, l4.trace);

      const forged = async (kind: TelemetryForgery, k: number, extra: Partial<ForgedRunOptions> = {}) => {
        const r = await forgedRun(kind, { jobId: `tele-cheat-${kind}`, signer: signer(`gpu cheat: ${kind}`), claimed: 'h100-sxm', startAt: start(k), durationS: 600, seed: `demo-cheat-${kind}`, ...extra });
        push(`cheat: ${kind}`, 'reject', r.job, r.trace);
      };
      await forged('replayed', 3, { previous: h100, jobId: 'tele-cheat-replayed' });
      await forged('scaled-to-bigger-gpu', 4);
      await forged('fabricated-smooth', 5);
      await forged('time-stretched', 6);
      await forged('smaller-gpu', 7);
      await forged('double-claim', 0, { previous: h100, startAt: start(0) });
      await forged('old-nonce', 9);
      return cases;
    },
  };
}

/**
 * The honest corpus the false-positive rate is measured on: `n` jobs round-robin over every device profile and
 * load, 60–240 s each (seeded durations), 20 honest providers, one hour apart so no two share a device window.
 */
export async function* honestCorpus(n: number, options: { seed?: string; start?: number; minS?: number; maxS?: number } = {}): AsyncGenerator<HonestRun & { profile: string; load: SyntheticLoad }> {
  const { DEVICE_PROFILES } = await import('../telemetry/index.js');
  const loads: SyntheticLoad[] = ['llm-serving', 'batch', 'light'];
  const signers = Array.from({ length: 20 }, (_, i) => demoSigner(`corpus provider ${i}`));
  const start = options.start ?? Date.UTC(2024, 0, 1);
  const minS = options.minS ?? 60;
  const maxS = options.maxS ?? 240;
  const seed = options.seed ?? 'corpus';
  for (let i = 0; i < n; i++) {
    const profile = DEVICE_PROFILES[i % DEVICE_PROFILES.length]!.id;
    const load = loads[Math.floor(i / DEVICE_PROFILES.length) % loads.length]!;
    const h = sha256(utf8(`${seed}/${i}`));
    const durationS = minS + ((h[0]! * 256 + h[1]!) % (maxS - minS + 1));
    const run = await honestRun({ jobId: `${seed}-${i}`, signer: signers[i % signers.length]!, profile, load, startAt: start + i * 3_600_000, durationS, seed: `${seed}-${i}` });
    yield { ...run, profile, load };
  }
}

/**
 * The blended check for llm-inference (the rule to list in policies/llm-inference.yaml once the llm-inference
 * demo registers the telemetry verifier and hands in `telemetry` evidence): never required, drawn as often as
 * reputation asks, and too light to reject on its own (0.5 × confidence ≤ 0.95 < rejectWeight 1).
 */
export const LLM_TELEMETRY_RULE = {
  id: 'telemetry',
  required: false,
  probability: 'adaptive',
  weight: 0.5,
  budgetMs: 30_000,
  options: { periodMs: TELEMETRY_PERIOD_MS },
} as const;
