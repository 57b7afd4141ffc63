import type { Claim, Clock, Finding, Job, Logger } from '../core/index.js';

/** What a verifier gets besides the job and its evidence. All I/O is injected. */
export interface VerifyContext {
  /** The provider's claim the evidence is about. */
  claim: Claim;
  /** Aborted when the verifier's time budget runs out or the caller shuts down. */
  signal: AbortSignal;
  /** Milliseconds since the epoch after which the result will be discarded. */
  deadline: number;
  clock: Clock;
  logger: Logger;
  /**
   * Randomness the provider could not predict when it committed (a revealed challenge seed), for
   * verifiers that sample. 32 bytes. Verifiers derive everything random from it, never from Math.random.
   */
  seed: Uint8Array;
  /** The policy's options for this verifier (tolerances, sample sizes ...); the verifier validates them. */
  options: Readonly<Record<string, unknown>>;
}

/**
 * A verification module. `verify` never throws because evidence is bad or a provider cheated: that is a
 * `fail` Finding with a reason. Infrastructure trouble is an `inconclusive` Finding carrying a retryable
 * error code. It throws only on programmer error.
 */
export interface Verifier<E = unknown> {
  readonly id: string;
  readonly version: string;
  /** Validates untrusted evidence; throws VerdictError('BAD_EVIDENCE') with the field that is wrong. */
  parseEvidence(raw: unknown): E;
  verify(job: Job, evidence: E, ctx: VerifyContext): Promise<Finding>;
  /** Frees workers and WASM memory. */
  dispose?(): Promise<void>;
}

export type AnyVerifier = Verifier<any>;
