import { VerdictError, isVerdictError, z, parseWith, type Claim, type Finding, type Job } from '../../core/index.js';
import type { Verifier, VerifyContext } from '../types.js';
import { findCircuit, PUBLIC_SIGNALS, type ProofScheme, type PublicSignalName } from './circuits.js';
import { parseZkEvidence, type ParsedZkEvidence } from './evidence.js';
import { verifyGroth16Batch, type BatchItem } from './batch.js';
import { hexToField, jobIdToField, fieldToHex } from './field.js';
import { checkInt8Vector, outputCommitment } from './model.js';
import { proofToSnarkjs, type Groth16VerificationKey } from './proof.js';
import { ZkKeyRegistry, type ZkKey } from './keys.js';
import { SnarkBackend } from './snark.js';

export const ZK_VERIFIER_ID = 'zk';
export const ZK_JOB_TYPE = 'zk-inference';

/**
 * What a zk-inference job names (docs/formats.md, "## ZK", zk-job v1): the circuit and the model the job creator
 * accepts, and the committed input (job.inputCommitment, or spec.inputCommitment).
 */
export interface ZkJobSpec {
  circuit: string;
  circuitVersion: number;
  modelCommitment: bigint;
  inputCommitment: bigint;
}

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 0x-prefixed hex of 32 bytes');
const specSchema = z.object({
  circuit: z.string().min(1).max(64),
  circuitVersion: z.number().int().min(1),
  modelCommitment: hex32,
  inputCommitment: hex32.optional(),
});

export function parseZkJobSpec(job: Job): ZkJobSpec {
  const spec = parseWith(specSchema, job.spec, { source: `job ${job.id} spec`, code: 'BAD_INPUT' });
  const inputHex = job.inputCommitment ?? spec.inputCommitment;
  if (inputHex === undefined) throw new VerdictError('BAD_INPUT', `job ${job.id}: a zk job needs an input commitment`);
  return {
    circuit: spec.circuit,
    circuitVersion: spec.circuitVersion,
    modelCommitment: hexToField(spec.modelCommitment, 'spec.modelCommitment'),
    inputCommitment: hexToField(inputHex, 'inputCommitment'),
  };
}

/** Policy options of the 'zk' verifier. */
const optionsSchema = z
  .object({
    /** Proof schemes this policy accepts (both by default). */
    schemes: z.array(z.enum(['groth16', 'plonk'])).min(1).default(['groth16', 'plonk']),
    /** Require the evidence to carry the outputs (checked against the claim's output commitment). */
    requireOutput: z.boolean().default(false),
  })
  .strict();
export type ZkVerifierOptions = z.infer<typeof optionsSchema>;

export interface ZkVerifierConfig {
  keys: ZkKeyRegistry;
  /** The snarkjs adapter; one is created when absent. dispose() terminates its curve workers. */
  backend?: SnarkBackend;
}

type Binding = { ok: true; key: ZkKey; expected: bigint[] } | { ok: false; finding: Omit<Finding, 'verifier'> };

const WHAT: Record<PublicSignalName, string> = {
  jobId: 'the proof is bound to another job (replayed proof)',
  modelCommitment: 'the proof is for another model than the job names',
  inputCommitment: 'the proof is for another input than the job committed',
  outputCommitment: 'the proof is for other outputs than the provider claimed',
};

/**
 * Verifies zero-knowledge proofs of model inference. A proof passes only if
 *  1. it is for the circuit and version the job names, with a scheme the policy accepts and a registered key;
 *  2. its public signals equal the job's statement: the job id, the model and input commitments of the job and the
 *     output commitment of the provider's claim (so a proof cannot be replayed for another job, model, input or
 *     output);
 *  3. the outputs it carries (if any) hash to that output commitment;
 *  4. the proof verifies under the key (snarkjs, after proof.ts validated every point).
 * Checks 1–3 are cheap and run before any pairing.
 */
export class ZkVerifier implements Verifier<ParsedZkEvidence> {
  readonly id = ZK_VERIFIER_ID;
  readonly version = '1.0.0';
  private readonly keys: ZkKeyRegistry;
  private readonly backend: SnarkBackend;

  constructor(config: ZkVerifierConfig) {
    this.keys = config.keys;
    this.backend = config.backend ?? new SnarkBackend();
  }

  /** Full validation, except pi_b's G2 subgroup check, which verify/verifyMany run on the WASM curve (proof.ts). */
  parseEvidence(raw: unknown): ParsedZkEvidence {
    return parseZkEvidence(raw, 'evidence.zk', { deferG2Subgroup: true });
  }

  /** Statement checks (1–3 above); no cryptography. */
  bind(job: Job, claim: Claim, ev: ParsedZkEvidence, options: ZkVerifierOptions): Binding {
    const fail = (reason: string, details: Record<string, unknown> = {}): Binding => ({ ok: false, finding: { outcome: 'fail', reason, details } });
    let spec: ZkJobSpec;
    try {
      spec = parseZkJobSpec(job);
    } catch (e) {
      if (!isVerdictError(e)) throw e;
      return { ok: false, finding: { outcome: 'inconclusive', reason: `the job does not name a valid zk statement: ${e.message}`, error: { code: e.code, retryable: false } } };
    }
    if (claim.jobId !== job.id) return fail(`the claim is for job "${claim.jobId}", not "${job.id}"`);
    if (ev.circuit !== spec.circuit || ev.circuitVersion !== spec.circuitVersion) {
      return fail(`the proof is for circuit ${ev.circuit} v${ev.circuitVersion}; the job asks for ${spec.circuit} v${spec.circuitVersion}`);
    }
    if (!options.schemes.includes(ev.scheme)) return fail(`the policy does not accept ${ev.scheme} proofs (accepted: ${options.schemes.join(', ')})`);
    const key = this.keys.get(job.type, ev.circuit, ev.circuitVersion, ev.scheme);
    if (!key) {
      const known = this.keys.schemes(job.type, ev.circuit, ev.circuitVersion);
      if (known.length > 0) return fail(`no ${ev.scheme} key for ${ev.circuit} v${ev.circuitVersion} (accepted: ${known.join(', ')})`);
      return {
        ok: false,
        finding: {
          outcome: 'inconclusive',
          reason: `this mediator has no verification key for ${job.type}/${ev.circuit} v${ev.circuitVersion}`,
          error: { code: 'NOT_FOUND', retryable: false },
        },
      };
    }
    let claimed: bigint;
    try {
      claimed = hexToField(claim.outputCommitment, 'claim.outputCommitment', 'BAD_EVIDENCE');
    } catch (e) {
      return fail(`the claim's output commitment is not a zk output commitment: ${(e as Error).message}`);
    }
    const expected = [jobIdToField(job.id), spec.modelCommitment, spec.inputCommitment, claimed];
    const mismatched = PUBLIC_SIGNALS.filter((_, i) => ev.publicSignals[i] !== expected[i]);
    if (mismatched.length > 0) {
      return fail(mismatched.map((n) => WHAT[n]).join('; '), {
        mismatched,
        expected: Object.fromEntries(PUBLIC_SIGNALS.map((n, i) => [n, fieldToHex(expected[i]!)])),
      });
    }
    if (ev.output !== undefined) {
      const def = findCircuit(ev.circuit, ev.circuitVersion);
      const nOut = def?.layers.at(-1)?.nOut;
      if (nOut !== undefined) {
        try {
          checkInt8Vector(ev.output, nOut, 'output');
        } catch (e) {
          return fail(`the evidence's output is malformed: ${(e as Error).message}`);
        }
      }
      if (outputCommitment(job.id, ev.output) !== claimed) return fail('the outputs in the evidence do not match the claimed output commitment');
    } else if (options.requireOutput) {
      return fail('the policy requires the outputs in the evidence');
    }
    return { ok: true, key, expected };
  }

  private options(ctx: Pick<VerifyContext, 'options'>): ZkVerifierOptions {
    return parseWith(optionsSchema, ctx.options ?? {}, { source: 'policy options of verifier "zk"', code: 'BAD_CONFIG' });
  }

  async verify(job: Job, ev: ParsedZkEvidence, ctx: VerifyContext): Promise<Finding> {
    const started = performance.now();
    const cost = () => ({ ms: Math.round((performance.now() - started) * 1000) / 1000 });
    let options: ZkVerifierOptions;
    try {
      options = this.options(ctx);
    } catch (e) {
      const err = e as VerdictError;
      return { verifier: this.id, outcome: 'inconclusive', reason: err.message, error: { code: err.code, retryable: false }, cost: cost() };
    }
    const bound = this.bind(job, ctx.claim, ev, options);
    if (!bound.ok) return { verifier: this.id, ...bound.finding, cost: cost() };
    if (ctx.signal.aborted) {
      return { verifier: this.id, outcome: 'inconclusive', reason: 'aborted before the proof was checked', error: { code: 'TIMEOUT', retryable: true }, cost: cost() };
    }
    let valid: boolean;
    try {
      if (ev.proof.scheme === 'groth16' && !ev.proof.bSubgroupChecked) {
        const engine = await this.backend.engine();
        if (!engine.g2InSubgroup(engine.g2(ev.proof.b))) {
          return {
            verifier: this.id,
            outcome: 'fail',
            reason: 'evidence.zk.proof.pi_b: not a point of the BN254 G2 subgroup',
            error: { code: 'BAD_EVIDENCE', retryable: false },
            cost: cost(),
          };
        }
      }
      const signals = ev.publicSignals.map(String);
      const proof = proofToSnarkjs(ev.proof);
      valid = ev.scheme === 'groth16' ? await this.backend.groth16Verify(bound.key.key.json, signals, proof) : await this.backend.plonkVerify(bound.key.key.json, signals, proof);
    } catch (e) {
      return {
        verifier: this.id,
        outcome: 'inconclusive',
        reason: `the proof checker failed: ${(e as Error).message}`,
        error: { code: 'INTERNAL', retryable: true },
        cost: cost(),
      };
    }
    const details = { scheme: ev.scheme, circuit: ev.circuit, circuitVersion: ev.circuitVersion, keyHash: bound.key.keyHash };
    return valid
      ? { verifier: this.id, outcome: 'pass', reason: `valid ${ev.scheme} proof of ${ev.circuit} v${ev.circuitVersion} for this job, model, input and output`, confidence: 1, details, cost: cost() }
      : { verifier: this.id, outcome: 'fail', reason: `the ${ev.scheme} proof does not verify (forged or corrupted)`, confidence: 1, details, cost: cost() };
  }

  /**
   * Verifies many jobs' proofs at once: statement checks per job, then one batched pairing check per Groth16 key
   * (bisection names the bad proofs), PLONK proofs one by one. Findings come back in input order.
   */
  async verifyMany(
    entries: readonly { job: Job; claim: Claim; evidence: ParsedZkEvidence }[],
    ctx: Pick<VerifyContext, 'options' | 'seed'> & { signal?: AbortSignal },
  ): Promise<Finding[]> {
    const started = performance.now();
    const findings = new Array<Finding | undefined>(entries.length);
    let options: ZkVerifierOptions;
    try {
      options = this.options(ctx);
    } catch (e) {
      const err = e as VerdictError;
      return entries.map(() => ({ verifier: this.id, outcome: 'inconclusive', reason: err.message, error: { code: err.code, retryable: false } }));
    }
    const groups = new Map<string, { key: ZkKey; idx: number[] }>();
    const singles: { i: number; key: ZkKey }[] = [];
    entries.forEach(({ job, claim, evidence }, i) => {
      const bound = this.bind(job, claim, evidence, options);
      if (!bound.ok) {
        findings[i] = { verifier: this.id, ...bound.finding };
        return;
      }
      if (evidence.scheme === 'groth16') {
        const g = groups.get(bound.key.keyHash) ?? { key: bound.key, idx: [] };
        g.idx.push(i);
        groups.set(bound.key.keyHash, g);
      } else {
        singles.push({ i, key: bound.key });
      }
    });
    if (groups.size > 0) {
      let engine;
      try {
        engine = await this.backend.engine();
      } catch (e) {
        for (const g of groups.values()) {
          for (const i of g.idx) findings[i] = { verifier: this.id, outcome: 'inconclusive', reason: `the proof checker failed: ${(e as Error).message}`, error: { code: 'INTERNAL', retryable: true } };
        }
      }
      if (engine) {
        for (const { key, idx } of groups.values()) {
          const items: BatchItem[] = idx.map((i) => {
            const ev = entries[i]!.evidence;
            return { proof: ev.proof as BatchItem['proof'], publicSignals: ev.publicSignals };
          });
          const res = await verifyGroth16Batch(engine, key.key as Groth16VerificationKey, items, { seed: ctx.seed });
          const badSet = new Set(res.bad.map((b) => idx[b]!));
          const outside = new Set((res.outsideSubgroup ?? []).map((b) => idx[b]!));
          for (const i of idx) {
            const ev = entries[i]!.evidence;
            const details = { scheme: ev.scheme, circuit: ev.circuit, circuitVersion: ev.circuitVersion, keyHash: key.keyHash, batchSize: idx.length, batchChecks: res.checks };
            findings[i] = outside.has(i)
              ? { verifier: this.id, outcome: 'fail', reason: 'evidence.zk.proof.pi_b: not a point of the BN254 G2 subgroup', error: { code: 'BAD_EVIDENCE', retryable: false }, details }
              : badSet.has(i)
              ? { verifier: this.id, outcome: 'fail', reason: 'the groth16 proof does not verify (forged or corrupted; found by batch bisection)', confidence: 1, details }
              : { verifier: this.id, outcome: 'pass', reason: `valid groth16 proof of ${ev.circuit} v${ev.circuitVersion} (batch of ${idx.length})`, confidence: 1, details };
          }
        }
      }
    }
    for (const { i, key } of singles) {
      const ev = entries[i]!.evidence;
      let valid: boolean;
      try {
        valid = await this.backend.plonkVerify(key.key.json, ev.publicSignals.map(String), proofToSnarkjs(ev.proof));
      } catch (e) {
        findings[i] = { verifier: this.id, outcome: 'inconclusive', reason: `the proof checker failed: ${(e as Error).message}`, error: { code: 'INTERNAL', retryable: true } };
        continue;
      }
      const details = { scheme: ev.scheme, circuit: ev.circuit, circuitVersion: ev.circuitVersion, keyHash: key.keyHash };
      findings[i] = valid
        ? { verifier: this.id, outcome: 'pass', reason: `valid plonk proof of ${ev.circuit} v${ev.circuitVersion}`, confidence: 1, details }
        : { verifier: this.id, outcome: 'fail', reason: 'the plonk proof does not verify (forged or corrupted)', confidence: 1, details };
    }
    const ms = Math.round(((performance.now() - started) / Math.max(1, entries.length)) * 1000) / 1000;
    return findings.map((f) => ({ ...f!, cost: { ms } }));
  }

  async dispose(): Promise<void> {
    await this.backend.dispose();
  }
}

/** A verifier with every key committed under circuits/build/ registered for the zk-inference job type. */
export function createZkVerifier(options: { jobType?: string; buildDir?: string; backend?: SnarkBackend } = {}): ZkVerifier {
  return new ZkVerifier({ keys: ZkKeyRegistry.fromManifest(options.jobType ?? ZK_JOB_TYPE, options.buildDir), backend: options.backend });
}
