import { silentLogger, systemClock, type Claim, type Finding, type Job } from '../../../src/core/index.js';
import type { VerifyContext } from '../../../src/verifiers/index.js';
import { createLlmWorld, isRandomFallback, spotSampleVerifierFor, type LlmRun, type LlmWorld } from '../../../src/demo/spot-sample.js';
import type { SpotSampleEvidence, SpotSampleVerifier } from '../../../src/verifiers/spot-sample/index.js';

let shared: Promise<LlmWorld> | undefined;

/** The real stories260K model (VERDICT_MODEL or ../shared/models/...), or the labelled random-weight fallback. */
export function world(): Promise<LlmWorld> {
  return (shared ??= createLlmWorld());
}

export function note(w: LlmWorld): string {
  return isRandomFallback(w) ? ' [random-weight fallback: set VERDICT_MODEL for the real model]' : '';
}

export function ctxFor(claim: Claim, options: Record<string, unknown> = {}): VerifyContext {
  return { claim, signal: new AbortController().signal, deadline: Number.MAX_SAFE_INTEGER, clock: systemClock, logger: silentLogger, seed: new Uint8Array(32), options };
}

/** Runs evidence through a JSON round trip and the verifier's own parser, as a mediator would. */
export async function check(v: SpotSampleVerifier, job: Job, run: LlmRun | { claim: Claim; evidence: SpotSampleEvidence }, options: Record<string, unknown> = {}): Promise<Finding> {
  const evidence = v.parseEvidence(JSON.parse(JSON.stringify(run.evidence)));
  return v.verify(job, evidence, ctxFor(run.claim, options));
}

let verifier: SpotSampleVerifier | undefined;
export async function defaultVerifier(): Promise<SpotSampleVerifier> {
  return (verifier ??= spotSampleVerifierFor(await world()));
}
