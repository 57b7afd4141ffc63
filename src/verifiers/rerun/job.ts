import { VerdictError, sha256, utf8, type Job, type OutputFile } from '../../core/index.js';
import type { BlobSource } from './blobs.js';
import { DEFAULT_LIMITS, type ExecLimits, type ExecRequest, type ExecResult, type Executor } from './executor.js';
import { parseRerunSpec, type RerunSpec } from './spec.js';

/**
 * The randomness a job's program sees (WASI random_get): a stream keyed by the job id, so provider and
 * verifier runs see the same bytes and nothing else can leak in.
 */
export function jobRandomSeed(jobId: string): Uint8Array {
  return sha256(utf8(`verdict.rerun.random.v1\u0000${jobId}`));
}

export type Executors = Partial<Record<RerunSpec['executor'], Executor>>;

/** Resolves a job's program and inputs and runs it: shared by providers (to produce) and verifiers (to check). */
export async function executeJob(
  job: Job,
  deps: { executors: Executors; blobs: BlobSource; maxLimits?: ExecLimits },
  signal?: AbortSignal,
): Promise<ExecResult & { spec: RerunSpec }> {
  const spec = parseRerunSpec(job.spec);
  const executor = deps.executors[spec.executor];
  if (!executor) throw new VerdictError('UNSUPPORTED', `no ${spec.executor} executor is configured on this node`);
  const max = deps.maxLimits ?? { wallMs: 600_000, memoryMb: 4096, maxOutputBytes: 1024 ** 3 };
  const limits: ExecLimits = {
    wallMs: Math.min(spec.limits.wallMs ?? DEFAULT_LIMITS.wallMs, max.wallMs),
    memoryMb: Math.min(spec.limits.memoryMb ?? DEFAULT_LIMITS.memoryMb, max.memoryMb),
    maxOutputBytes: Math.min(spec.limits.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes, max.maxOutputBytes),
  };
  const inputs: OutputFile[] = [];
  for (const input of spec.inputs) inputs.push({ path: input.path, data: await deps.blobs.get(input.sha256) });
  const request: ExecRequest = {
    args: spec.args,
    inputs,
    limits,
    determinism: { clockNs: BigInt(spec.clockNs), randomSeed: jobRandomSeed(job.id) },
    ...(spec.stdout ? { stdoutAs: spec.stdout } : {}),
  };
  if (spec.executor === 'wasi') request.program = await deps.blobs.get(spec.module);
  else if (spec.executor === 'process') request.command = spec.command;
  else request.command = spec.image;
  return { ...(await executor.run(request, signal)), spec };
}
