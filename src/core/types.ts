import type { Hex } from './bytes.js';
import type { JsonValue } from './canonical.js';

/** Version of every wire format in this file; old versions keep loading when it moves. */
export const FORMAT_VERSION = 1 as const;

/**
 * What the job creator asked for. Its fields are interpreted by the verifiers of the job type
 * (for a re-run job: the program, its arguments and inputs; for an LLM job: model, prompt, sampling).
 */
export type JobSpec = { [key: string]: JsonValue };

export interface Job {
  v: 1;
  /** Unique id (for Lilypad, the deal id). Bound into every commitment, proof and verdict. */
  id: string;
  /** Selects the policy: 'wasi', 'llm-inference', 'zk-inference', 'fhe-inference', or a network's own. */
  type: string;
  /** The provider's identity (an 0x address where it lives on-chain). */
  provider: string;
  creator?: string;
  spec: JobSpec;
  /** Hash of the inputs, where the job type commits to them separately from `spec`. */
  inputCommitment?: Hex;
  /** Milliseconds since the epoch. */
  createdAt?: number;
}

/** One output file a provider claims to have produced. */
export interface OutputRef {
  path: string;
  size: number;
  sha256: Hex;
}

/** What the provider claims: a commitment to all outputs, made before any challenge is known. */
export interface Claim {
  v: 1;
  jobId: string;
  provider: string;
  /** Root of the Merkle commitment over the outputs (see docs/formats.md for each job type's leaves). */
  outputCommitment: Hex;
  outputs?: OutputRef[];
  completedAt?: number;
  meta?: { [key: string]: JsonValue };
}

/** Everything a mediator needs to re-check a job: the claim and, per verifier id, raw untrusted evidence. */
export interface EvidenceBundle {
  v: 1;
  jobId: string;
  claim: Claim;
  items: { [verifierId: string]: unknown };
}

export type FindingOutcome = 'pass' | 'fail' | 'inconclusive';

export interface Finding {
  verifier: string;
  outcome: FindingOutcome;
  reason: string;
  /** How strongly this finding supports its outcome, in [0, 1] (e.g. a sample's detection probability). */
  confidence?: number;
  details?: Record<string, unknown>;
  cost?: { ms: number };
  /** For inconclusive findings caused by infrastructure: the VerdictError code, and whether to retry. */
  error?: { code: string; retryable: boolean };
}

export type DecisionOutcome = 'accept' | 'reject' | 'inconclusive';

export interface Decision {
  v: 1;
  jobId: string;
  jobType: string;
  outcome: DecisionOutcome;
  reasons: string[];
  findings: Finding[];
  /** Verifiers the policy lists that were not drawn to run for this job. */
  skipped: string[];
  policy: { id: string; version: string; hash: Hex };
  decidedAt: number;
}

export type VerdictOutcome = 'ProviderCorrect' | 'ProviderFaulty' | 'Inconclusive';

/** The mediator's signed statement about a job, as posted on-chain. */
export interface Verdict {
  v: 1;
  jobId: string;
  outcome: VerdictOutcome;
  /** Hash of the canonical Decision. */
  decisionHash: Hex;
  /** Hash (or content id) of the evidence bundle the decision was made on. */
  evidenceHash: Hex;
  mediator: string;
  issuedAt: number;
  signature?: Hex;
}

export function verdictOutcome(outcome: DecisionOutcome): VerdictOutcome {
  switch (outcome) {
    case 'accept':
      return 'ProviderCorrect';
    case 'reject':
      return 'ProviderFaulty';
    case 'inconclusive':
      return 'Inconclusive';
  }
}
