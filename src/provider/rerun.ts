import { commitOutputs, type Claim, type Job, type OutputFile } from '../core/index.js';
import { executeJob, rerunEvidence, type BlobSource, type Executors } from '../verifiers/rerun/index.js';

export interface RerunProviderResult {
  claim: Claim;
  /** Evidence for the 'rerun' verifier, to hand in when a dispute is raised. */
  evidence: ReturnType<typeof rerunEvidence>;
  outputs: OutputFile[];
  exitCode: number;
}

/**
 * Provider side of a deterministic job: run it in the same sandbox a verifier uses, commit to the outputs
 * (a Merkle root bound to the job id) and keep the evidence for a possible dispute.
 */
export async function runDeterministicJob(
  job: Job,
  deps: { executors: Executors; blobs: BlobSource },
  options: { completedAt?: number; signal?: AbortSignal } = {},
): Promise<RerunProviderResult> {
  const result = await executeJob(job, deps, options.signal);
  return { ...claimOutputs(job, result.outputs, result.exitCode, options.completedAt), exitCode: result.exitCode };
}

/** Commits to a set of output files (the provider's claim) and packages them as rerun evidence. */
export function claimOutputs(job: Job, outputs: OutputFile[], exitCode = 0, completedAt?: number): Omit<RerunProviderResult, 'exitCode'> {
  const { commitment, outputs: refs } = commitOutputs(job.id, outputs);
  const claim: Claim = {
    v: 1,
    jobId: job.id,
    provider: job.provider,
    outputCommitment: commitment,
    outputs: refs,
    ...(completedAt === undefined ? {} : { completedAt }),
  };
  return { claim, evidence: rerunEvidence(outputs, exitCode), outputs };
}
