import { VerdictError, type Claim, type Hex, type Job } from '../core/index.js';
import {
  checkInputs,
  commitOutputs,
  blobHash,
  compressBlob,
  encodeFheEvidence,
  parseFheJobSpec,
  prepareEvaluation,
  type FheBackend,
  type FheEvidenceWire,
  type FheJobPackage,
} from '../fhe/index.js';

/**
 * Provider side of an `fhe-inference` job: checks the package against the job (parameters, program,
 * evaluation keys, input commitment), evaluates the program on every input ciphertext without ever seeing
 * a secret key, and commits to (index, input hash, output hash) of every item before any challenge.
 */
export interface FheJobResult {
  /** Output ciphertexts as delivered (zlib-compressed SEAL blobs unless compress is false). */
  outputs: Uint8Array[];
  outputHashes: Hex[];
  claim: Claim;
  /** The `fhe` evidence a dispute needs (the creator adds its canary opening when it has one). */
  evidence: FheEvidenceWire;
  /** Wall time of the homomorphic evaluation alone, ms. */
  evalMs: number;
}

export interface RunFheJobOptions {
  compress?: boolean;
  completedAt?: number;
  signal?: AbortSignal;
}

export async function runFheJob(backend: FheBackend, job: Job, pkg: FheJobPackage, options: RunFheJobOptions = {}): Promise<FheJobResult> {
  const spec = parseFheJobSpec(job);
  if (pkg.inputs.length !== spec.items) throw new VerdictError('BAD_INPUT', `job has ${spec.items} items, package ${pkg.inputs.length}`);
  const engine = backend.createEngine(spec.params);
  try {
    const { evaluator } = prepareEvaluation(engine, spec, pkg.program, pkg.keys, 'BAD_INPUT');
    try {
      const inputs = checkInputs(job, evaluator, pkg.inputs, 'BAD_INPUT');
      const outputs: Uint8Array[] = [];
      const started = performance.now();
      for (const input of inputs) {
        if (options.signal?.aborted) throw new VerdictError('TIMEOUT', 'FHE job aborted');
        outputs.push(evaluator.evaluate(input));
        // Yield between items so a long job does not starve the event loop.
        await new Promise((r) => setImmediate(r));
      }
      const evalMs = performance.now() - started;
      return {
        ...claimFheOutputs(
          job,
          inputs.map((i) => i.hash),
          outputs,
          pkg,
          options,
        ),
        evalMs,
      };
    } finally {
      evaluator.dispose();
    }
  } finally {
    engine.delete();
  }
}

/**
 * Builds the claim and evidence for output ciphertexts given in canonical (uncompressed) SEAL form, as
 * FheEngine.saveCiphertext and ProgramEvaluator.evaluate return them. They travel zlib-compressed unless
 * `compress` is false; their hashes are over the canonical form, so the transport encoding does not matter.
 */
export function claimFheOutputs(
  job: Job,
  inputHashes: readonly Hex[],
  outputs: readonly Uint8Array[],
  pkg: FheJobPackage,
  options: RunFheJobOptions = {},
): Omit<FheJobResult, 'evalMs'> {
  const outputHashes = outputs.map((o) => blobHash(o));
  const wire = outputs.map((o) => (options.compress === false ? o : compressBlob(o)));
  const claim: Claim = {
    v: 1,
    jobId: job.id,
    provider: job.provider,
    outputCommitment: commitOutputs(job.id, inputHashes, outputHashes),
    ...(options.completedAt !== undefined ? { completedAt: options.completedAt } : {}),
  };
  const evidence = encodeFheEvidence({ program: pkg.program, keys: pkg.keys, inputs: pkg.inputs, outputs: wire });
  return { outputs: wire, outputHashes, claim, evidence };
}
