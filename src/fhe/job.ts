import {
  MerkleTree,
  VerdictError,
  bindCommitment,
  canonicalBytes,
  fromHex,
  hexSchema,
  parseWith,
  z,
  type Hex,
  type Job,
} from '../core/index.js';
import type { FheEngine } from './backend.js';
import { toBase64, fromBase64 } from './codec.js';
import { ProgramEvaluator } from './evaluator.js';
import { parseParams, paramsHash, type FheParams } from './params.js';
import { analyzeProgram, parseProgram, programHash, type FheProgram, type ProgramAnalysis } from './program.js';
import {
  validateCiphertext,
  validateGaloisKeys,
  validateRelinKeys,
  type ValidatedBlob,
  type ValidatedCiphertext,
  type ValidatedGaloisKeys,
} from './seal-format.js';
import { parseCanaryOpening, type CanaryOpening } from './canary.js';

/**
 * Job-level formats of the `fhe-inference` job type (docs/formats.md § FHE):
 * - the job spec (`job.spec.fhe`): parameters, program hash, evaluation-key hashes, item count and the
 *   creator's canary commitment; `job.inputCommitment` binds the input ciphertexts;
 * - the provider's claim: `outputCommitment` binds (index, input hash, output hash) of every item;
 * - the evidence (`items.fhe`): program, evaluation keys, input and output ciphertexts, and optionally
 *   the creator's canary opening.
 * Every hash of a SEAL object is sha256 of its canonical (uncompressed) serialization.
 */
export const JOB_TYPE = 'fhe-inference';

export interface FheJobSpec {
  format: 'verdict-fhe-job';
  v: 1;
  params: FheParams;
  programHash: Hex;
  keys: { relin?: Hex; galois?: Hex };
  /** Rotation steps of the Galois keys (must equal what the program needs). */
  galoisSteps: number[];
  /** Number of input ciphertexts. */
  items: number;
  /** sha256 of the canonical canary opening; hides which items are canaries. */
  canaryCommitment?: Hex;
}

export const MAX_ITEMS = 4096;

const specSchema = z
  .object({
    format: z.literal('verdict-fhe-job'),
    v: z.literal(1),
    params: z.unknown(),
    programHash: hexSchema(32),
    keys: z.object({ relin: hexSchema(32).optional(), galois: hexSchema(32).optional() }).strict(),
    galoisSteps: z.array(z.number().int()).max(256),
    items: z.number().int().min(1).max(MAX_ITEMS),
    canaryCommitment: hexSchema(32).optional(),
  })
  .strict();

export function parseFheJobSpec(job: Job, code: 'BAD_INPUT' | 'BAD_EVIDENCE' = 'BAD_INPUT'): FheJobSpec {
  const raw = (job.spec as Record<string, unknown>)['fhe'];
  if (raw === undefined) throw new VerdictError(code, `job ${job.id}: spec.fhe is missing`);
  const spec = parseWith(specSchema, raw, { source: `job ${job.id} spec.fhe`, code }) as FheJobSpec;
  spec.params = parseParams(spec.params, `job ${job.id} spec.fhe.params`, code);
  if (!job.inputCommitment) throw new VerdictError(code, `job ${job.id}: inputCommitment is missing`);
  return spec;
}

/** Commitment to the input ciphertexts: Merkle root over their hashes, bound to the job and the count. */
export function commitInputs(jobId: string, inputHashes: readonly Hex[]): Hex {
  const tree = MerkleTree.fromLeaves(inputHashes.map((h) => fromHex(h, 'input hash', 32)));
  return bindCommitment(jobId, tree.root, inputHashes.length);
}

/** Leaf of item i in the output commitment. */
export function outputLeaf(index: number, inputHash: Hex, outputHash: Hex): Uint8Array {
  return canonicalBytes({ t: 'verdict-fhe-item', i: index, input: inputHash, output: outputHash });
}

export function commitOutputs(jobId: string, inputHashes: readonly Hex[], outputHashes: readonly Hex[]): Hex {
  if (inputHashes.length !== outputHashes.length) throw new VerdictError('BAD_INPUT', 'input and output counts differ');
  const tree = MerkleTree.fromLeaves(outputHashes.map((o, i) => outputLeaf(i, inputHashes[i]!, o)));
  return bindCommitment(jobId, tree.root, outputHashes.length);
}

/** What a provider receives to run a job (besides the job itself). */
export interface FheJobPackage {
  program: FheProgram;
  keys: { relin?: Uint8Array; galois?: Uint8Array };
  inputs: Uint8Array[];
}

/** Raw evidence for the `fhe` verifier, as JSON. */
export interface FheEvidenceWire {
  format: 'verdict-fhe-evidence';
  v: 1;
  program: FheProgram;
  keys: { relin?: string; galois?: string };
  inputs: string[];
  outputs: string[];
  canary?: CanaryOpening;
}

export interface FheEvidence {
  program: FheProgram;
  keys: { relin?: Uint8Array; galois?: Uint8Array };
  inputs: Uint8Array[];
  outputs: Uint8Array[];
  canary?: CanaryOpening;
}

/** Upper bounds applied while decoding base64, before any exact, parameter-aware check. */
export const EVIDENCE_LIMITS = Object.freeze({ ciphertextBytes: 16 << 20, keyBytes: 1 << 30 });

const evidenceSchema = z
  .object({
    format: z.literal('verdict-fhe-evidence'),
    v: z.literal(1),
    program: z.unknown(),
    keys: z.object({ relin: z.string().optional(), galois: z.string().optional() }).strict(),
    inputs: z.array(z.string()).min(1).max(MAX_ITEMS),
    outputs: z.array(z.string()).min(1).max(MAX_ITEMS),
    canary: z.unknown().optional(),
  })
  .strict();

/** Validates untrusted evidence (code BAD_EVIDENCE): structure, program, base64, size bounds, canary opening. */
export function parseFheEvidence(raw: unknown): FheEvidence {
  const w = parseWith(evidenceSchema, raw, { source: 'evidence.fhe', code: 'BAD_EVIDENCE' });
  if (w.inputs.length !== w.outputs.length) {
    throw new VerdictError('BAD_EVIDENCE', `evidence.fhe: ${w.inputs.length} inputs but ${w.outputs.length} outputs`);
  }
  const ct = (s: string, what: string) => fromBase64(s, what, EVIDENCE_LIMITS.ciphertextBytes);
  const ev: FheEvidence = {
    program: parseProgram(w.program, 'evidence.fhe.program', 'BAD_EVIDENCE'),
    keys: {},
    inputs: w.inputs.map((s, i) => ct(s, `evidence.fhe.inputs[${i}]`)),
    outputs: w.outputs.map((s, i) => ct(s, `evidence.fhe.outputs[${i}]`)),
  };
  if (w.keys.relin !== undefined) ev.keys.relin = fromBase64(w.keys.relin, 'evidence.fhe.keys.relin', EVIDENCE_LIMITS.keyBytes);
  if (w.keys.galois !== undefined) ev.keys.galois = fromBase64(w.keys.galois, 'evidence.fhe.keys.galois', EVIDENCE_LIMITS.keyBytes);
  if (w.canary !== undefined) ev.canary = parseCanaryOpening(w.canary, 'evidence.fhe.canary', 'BAD_EVIDENCE');
  return ev;
}

export function encodeFheEvidence(ev: FheEvidence): FheEvidenceWire {
  return {
    format: 'verdict-fhe-evidence',
    v: 1,
    program: ev.program,
    keys: {
      ...(ev.keys.relin ? { relin: toBase64(ev.keys.relin) } : {}),
      ...(ev.keys.galois ? { galois: toBase64(ev.keys.galois) } : {}),
    },
    inputs: ev.inputs.map(toBase64),
    outputs: ev.outputs.map(toBase64),
    ...(ev.canary ? { canary: ev.canary } : {}),
  };
}

/**
 * Checks a program and evaluation keys against the job spec, loads the keys into the engine and returns
 * an evaluator. Shared by providers (before they compute) and verifiers (before they re-run).
 */
export function prepareEvaluation(
  engine: FheEngine,
  spec: FheJobSpec,
  program: FheProgram,
  keys: { relin?: Uint8Array; galois?: Uint8Array },
  code: 'BAD_INPUT' | 'BAD_EVIDENCE',
): { evaluator: ProgramEvaluator; analysis: ProgramAnalysis; keyHashes: { relin?: Hex; galois?: Hex } } {
  const bad = (why: string): never => {
    throw new VerdictError(code, why);
  };
  if (paramsHash(engine.params) !== paramsHash(spec.params)) bad('engine parameters differ from the job parameters');
  if (programHash(program) !== spec.programHash) bad('program does not match the job (programHash differs)');
  const analysis = analyzeProgram(program, spec.params, code);
  if (analysis.galoisSteps.join(',') !== spec.galoisSteps.join(',')) {
    bad(`job declares Galois steps ${JSON.stringify(spec.galoisSteps)}, the program needs ${JSON.stringify(analysis.galoisSteps)}`);
  }
  let relin: ValidatedBlob | undefined;
  let galois: ValidatedGaloisKeys | undefined;
  if (analysis.needsRelin || spec.keys.relin) {
    if (!keys.relin) bad('relinearization keys are missing');
    relin = validateRelinKeys(keys.relin!, engine.chain, { code, what: 'relinearization keys' });
    if (relin.hash !== spec.keys.relin) bad('relinearization keys do not match the job (hash differs)');
  }
  if (analysis.galoisSteps.length > 0 || spec.keys.galois) {
    if (!keys.galois) bad('Galois keys are missing');
    galois = validateGaloisKeys(keys.galois!, engine.chain, analysis.galoisSteps, { code, what: 'Galois keys' });
    if (galois.hash !== spec.keys.galois) bad('Galois keys do not match the job (hash differs)');
  }
  engine.setEvaluationKeys({ ...(relin ? { relin } : {}), ...(galois ? { galois } : {}) });
  const evaluator = new ProgramEvaluator(engine, program);
  return { evaluator, analysis, keyHashes: { ...(relin ? { relin: relin.hash } : {}), ...(galois ? { galois: galois.hash } : {}) } };
}

/** Validates input ciphertexts against the job: parameters, level, scale, and the input commitment. */
export function checkInputs(job: Job, evaluator: ProgramEvaluator, inputs: readonly Uint8Array[], code: 'BAD_INPUT' | 'BAD_EVIDENCE'): ValidatedCiphertext[] {
  const validated = inputs.map((b, i) =>
    validateCiphertext(b, evaluator.engine.chain, evaluator.inputExpectation(), { code, what: `input ciphertext ${i}` }),
  );
  const commitment = commitInputs(
    job.id,
    validated.map((v) => v.hash),
  );
  if (commitment !== job.inputCommitment) throw new VerdictError(code, 'input ciphertexts do not match the job input commitment');
  return validated;
}
