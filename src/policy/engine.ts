import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  VerdictError,
  systemClock,
  utf8,
  type Claim,
  type Clock,
  type Decision,
  type Finding,
  type Job,
} from '../core/index.js';
import type { VerifierRegistry } from '../verifiers/index.js';
import { policyHash } from './load.js';
import type { Policy } from './schema.js';

/**
 * Deterministic draw in [0, 1) for "does verifier `id` run on job `jobId`": HMAC-SHA256(seed, tag ‖ jobId ‖ id).
 * With a seed the provider could not predict, the provider cannot know which jobs get checked.
 */
export function selectionDraw(seed: Uint8Array, jobId: string, verifierId: string): number {
  const mac = hmac(sha256, seed, utf8(`verdict.select.v1\u0000${jobId}\u0000${verifierId}`));
  const view = new DataView(mac.buffer, mac.byteOffset, 8);
  // 53 random bits → a double in [0, 1)
  return (view.getUint32(0) * 2 ** 21 + (view.getUint32(4) >>> 11)) / 2 ** 53;
}

export interface SelectOptions {
  seed: Uint8Array;
  /** Check probability for rules marked "adaptive" (from the reputation scorer); 1 when absent. */
  adaptiveProbability?: number;
}

export function selectVerifiers(policy: Policy, jobId: string, options: SelectOptions): { run: string[]; skipped: string[] } {
  const run: string[] = [];
  const skipped: string[] = [];
  for (const rule of policy.verifiers) {
    const p = rule.probability === 'adaptive' ? (options.adaptiveProbability ?? 1) : rule.probability;
    if (p >= 1 || selectionDraw(options.seed, jobId, rule.id) < p) run.push(rule.id);
    else skipped.push(rule.id);
  }
  return { run, skipped };
}

/**
 * Combines Findings into a Decision:
 * 1. a required verifier that failed rejects;
 * 2. failing optional verifiers reject when Σ weight·confidence ≥ combine.rejectWeight;
 * 3. a required verifier that was inconclusive makes the decision inconclusive;
 * 4. otherwise accept when Σ weight of passes ≥ combine.acceptWeight, else inconclusive.
 */
export function combineFindings(
  policy: Policy,
  job: Job,
  findings: readonly Finding[],
  skipped: readonly string[],
  clock: Clock = systemClock,
): Decision {
  const rules = new Map(policy.verifiers.map((r) => [r.id, r]));
  const reasons: string[] = [];
  let outcome: Decision['outcome'];

  const requiredFails = findings.filter((f) => f.outcome === 'fail' && rules.get(f.verifier)?.required);
  const optionalFails = findings.filter((f) => f.outcome === 'fail' && !rules.get(f.verifier)?.required);
  const failWeight = optionalFails.reduce((s, f) => s + (rules.get(f.verifier)?.weight ?? 1) * (f.confidence ?? 1), 0);
  const requiredInconclusive = findings.filter((f) => f.outcome === 'inconclusive' && rules.get(f.verifier)?.required);
  const passWeight = findings.filter((f) => f.outcome === 'pass').reduce((s, f) => s + (rules.get(f.verifier)?.weight ?? 1), 0);

  if (requiredFails.length > 0) {
    outcome = 'reject';
    for (const f of requiredFails) reasons.push(`required verifier ${f.verifier} failed: ${f.reason}`);
  } else if (optionalFails.length > 0 && failWeight >= policy.combine.rejectWeight) {
    outcome = 'reject';
    reasons.push(`failing verifiers reach weight ${round(failWeight)} ≥ ${policy.combine.rejectWeight}`);
    for (const f of optionalFails) reasons.push(`${f.verifier} failed: ${f.reason}`);
  } else if (requiredInconclusive.length > 0) {
    outcome = 'inconclusive';
    for (const f of requiredInconclusive) reasons.push(`required verifier ${f.verifier} was inconclusive: ${f.reason}`);
  } else if (passWeight >= policy.combine.acceptWeight) {
    outcome = 'accept';
    reasons.push(findings.length === 0 ? 'no verifier was drawn for this job' : `passing weight ${round(passWeight)} ≥ ${policy.combine.acceptWeight}`);
    for (const f of optionalFails) reasons.push(`${f.verifier} failed below the reject weight: ${f.reason}`);
  } else {
    outcome = 'inconclusive';
    reasons.push(`passing weight ${round(passWeight)} < ${policy.combine.acceptWeight}`);
  }

  return {
    v: 1,
    jobId: job.id,
    jobType: job.type,
    outcome,
    reasons,
    findings: [...findings],
    skipped: [...skipped],
    policy: { id: policy.id, version: policy.version, hash: policyHash(policy) },
    decidedAt: clock.now(),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export interface EvaluateOptions extends SelectOptions {
  clock?: Clock;
  signal?: AbortSignal;
}

/** Selects, runs and combines: the whole policy on one job. */
export async function evaluatePolicy(
  registry: VerifierRegistry,
  policy: Policy,
  job: Job,
  claim: Claim,
  items: Record<string, unknown>,
  options: EvaluateOptions,
): Promise<Decision> {
  if (job.type !== policy.jobType) {
    throw new VerdictError('BAD_CONFIG', `policy "${policy.id}" is for job type "${policy.jobType}", not "${job.type}"`);
  }
  const { run, skipped } = selectVerifiers(policy, job.id, options);
  const findings: Finding[] = [];
  for (const id of run) {
    const rule = policy.verifiers.find((r) => r.id === id)!;
    findings.push(
      await registry.run(id, job, claim, items[id], {
        seed: options.seed,
        budgetMs: rule.budgetMs ?? policy.budgetMs,
        options: { [id]: rule.options },
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
  }
  return combineFindings(policy, job, findings, skipped, options.clock);
}
