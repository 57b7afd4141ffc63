import { commitOutputRefs, describeOutputs, isVerdictError, type Finding, type Job } from '../../core/index.js';
import type { Verifier, VerifyContext } from '../types.js';
import type { BlobSource } from './blobs.js';
import { compareFile, ruleFor, type FileComparison } from './compare.js';
import type { ExecLimits } from './executor.js';
import { executeJob, type Executors } from './job.js';
import { parseRerunEvidence, type RerunEvidence } from './spec.js';

export interface RerunVerifierOptions {
  executors: Executors;
  blobs: BlobSource;
  /** Upper bounds on what a job spec may ask for. */
  maxLimits?: ExecLimits;
}

/**
 * Deterministic re-run: checks that the claimed outputs are the ones committed to, re-executes the job in a
 * sandbox and compares every output with the reference run (exactly, or within the job's declared tolerance).
 */
export class RerunVerifier implements Verifier<RerunEvidence> {
  readonly id = 'rerun';
  readonly version = '1.0.0';

  constructor(private readonly options: RerunVerifierOptions) {}

  parseEvidence(raw: unknown): RerunEvidence {
    return parseRerunEvidence(raw);
  }

  async verify(job: Job, evidence: RerunEvidence, ctx: VerifyContext): Promise<Finding> {
    const started = performance.now();
    const cost = () => ({ ms: Math.round(performance.now() - started) });
    const fail = (reason: string, details: Record<string, unknown> = {}): Finding => ({
      verifier: this.id,
      outcome: 'fail',
      reason,
      confidence: 1,
      details,
      cost: cost(),
    });

    // 1. The outputs handed in must be exactly the ones committed to before any dispute.
    const claimedRefs = describeOutputs(evidence.outputs);
    const commitment = commitOutputRefs(job.id, claimedRefs);
    if (commitment !== ctx.claim.outputCommitment) {
      return fail('the output files do not match the claimed output commitment', { commitment, claimed: ctx.claim.outputCommitment });
    }

    // 2. Re-execute.
    let reference;
    try {
      reference = await executeJob(job, this.options, ctx.signal);
    } catch (e) {
      if (isVerdictError(e)) {
        ctx.logger.warn({ code: e.code, err: e.message }, 'reference run failed');
        return {
          verifier: this.id,
          outcome: 'inconclusive',
          reason: `reference run failed: ${e.message}`,
          error: { code: e.code, retryable: e.retryable },
          cost: cost(),
        };
      }
      throw e;
    }

    // 3. Compare exit code, file set, then each file under its rule.
    const details: Record<string, unknown> = { referenceWallMs: Math.round(reference.wallMs), referenceExitCode: reference.exitCode };
    if (reference.exitCode !== evidence.exitCode) {
      return fail(`exit code ${evidence.exitCode} claimed, reference run exited with ${reference.exitCode}`, details);
    }
    const refByPath = new Map(reference.outputs.map((o) => [o.path, o.data]));
    const claimedByPath = new Map(evidence.outputs.map((o) => [o.path, o.data]));
    const missing = [...refByPath.keys()].filter((p) => !claimedByPath.has(p) && ruleFor(p, reference.spec.compare).mode !== 'ignore');
    const extra = [...claimedByPath.keys()].filter((p) => !refByPath.has(p) && ruleFor(p, reference.spec.compare).mode !== 'ignore');
    if (missing.length || extra.length) {
      const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unexpected ${extra.join(', ')}` : ''];
      return fail(`output files differ from the reference run: ${parts.filter(Boolean).join('; ')}`, { ...details, missing, extra });
    }
    const files: FileComparison[] = [];
    for (const [path, expected] of refByPath) {
      const actual = claimedByPath.get(path);
      if (actual) files.push(compareFile(path, expected, actual, ruleFor(path, reference.spec.compare)));
    }
    details.files = files;
    const bad = files.filter((f) => !f.equal);
    if (bad.length) return fail(`${bad.length} output file(s) differ: ${bad.map((f) => `${f.path} (${f.detail})`).join('; ')}`, details);
    const tolerant = files.filter((f) => f.detail.startsWith('within')).length;
    return {
      verifier: this.id,
      outcome: 'pass',
      reason: `${files.length} output file(s) match the reference run${tolerant ? ` (${tolerant} within tolerance)` : ''}`,
      confidence: 1,
      details,
      cost: cost(),
    };
  }
}
