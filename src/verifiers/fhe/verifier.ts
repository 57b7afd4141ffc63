import { VerdictError, isVerdictError, parseWith, z, type Finding, type Hex, type Job } from '../../core/index.js';
import {
  auditCanaries,
  blobHash,
  canaryCommitment,
  canaryDetectionProbability,
  checkInputs,
  commitOutputs,
  loadSealBackend,
  paramsHash,
  parseFheEvidence,
  parseFheJobSpec,
  prepareEvaluation,
  validateCiphertext,
  type FheBackend,
  type FheEngine,
  type FheParams,
  type FheEvidence,
  type FheProgram,
  type ProgramEvaluator,
  type ValidatedCiphertext,
} from '../../fhe/index.js';
import { hypergeometricDetection, sampleWithoutReplacement, samplingDrbg } from '../../sampling/index.js';
import type { Verifier, VerifyContext } from '../types.js';

/** Where the job creator's secret key lives, for the canary check (a creator's node or its delegate). */
export interface FheKeyring {
  secretKeyFor(job: Job): Uint8Array | undefined | Promise<Uint8Array | undefined>;
}

export class MemoryFheKeyring implements FheKeyring {
  private readonly keys = new Map<string, Uint8Array>();
  set(jobId: string, secretKey: Uint8Array): this {
    this.keys.set(jobId, secretKey);
    return this;
  }
  secretKeyFor(job: Job): Uint8Array | undefined {
    return this.keys.get(job.id);
  }
}

export interface FheVerifierOptions {
  /** Loads the FHE backend (default: node-seal). Called lazily, and again if the WASM module aborted. */
  loadBackend?: () => Promise<FheBackend>;
  /** The creator's secret keys; without one the canary check is skipped. */
  keyring?: FheKeyring;
}

const optionsSchema = z
  .object({
    checks: z.array(z.enum(['rerun', 'canary'])).min(1).default(['rerun', 'canary']),
    /** Items the re-run re-evaluates, drawn with the challenge seed (all when the job has fewer). */
    sample: z.number().int().min(1).max(4096).default(8),
    /** Make the decision inconclusive when a listed check cannot run (no opening, no key). */
    requireAll: z.boolean().default(false),
  })
  .strict();

type CheckStatus = 'pass' | 'fail' | 'skipped' | 'invalid';

interface CheckResult {
  status: CheckStatus;
  reason: string;
  ms: number;
  details: Record<string, unknown>;
}

/** Fractions of faked items for which the Finding reports the detection probability. */
const REPORT_FRACTIONS = [0.1, 0.5] as const;

/**
 * The `fhe` verifier. Two checks on a job evaluated on SEAL ciphertexts:
 * 1. rerun: homomorphic evaluation is deterministic, so the verifier (holding no secret key) re-evaluates
 *    the committed program on a seed-drawn sample of the committed input ciphertexts and compares the
 *    sha256 of each canonical output ciphertext with the provider's commitment;
 * 2. canary: with the creator's key, decrypts only the canary items named by the committed opening and
 *    compares them with their known results (BFV exactly, CKKS within the declared tolerance).
 * What the creator committed (program, keys, inputs, canary opening) failing to match is not the
 * provider's fault: that makes the check invalid, not failed. What the provider committed (its outputs)
 * failing to parse, to match its commitment, the re-run or the canaries is a fail.
 */
export class FheVerifier implements Verifier<FheEvidence> {
  readonly id = 'fhe';
  readonly version = '1.0.0';
  private backend?: Promise<FheBackend>;
  /**
   * Idle engines by parameter hash. Building a SEAL context costs about as much as evaluating several
   * items (bench/README.md § FHE), so engines are kept between jobs; each verify() takes one for itself
   * (concurrent verifications never share one) and gives it back without the job's evaluation keys.
   */
  private readonly idle = new Map<string, { backend: FheBackend; engine: FheEngine }[]>();

  constructor(private readonly options: FheVerifierOptions = {}) {}

  private takeEngine(backend: FheBackend, params: FheParams): FheEngine {
    const list = this.idle.get(paramsHash(params));
    while (list && list.length > 0) {
      const kept = list.pop()!;
      if (kept.backend === backend && !backend.broken) return kept.engine;
      freeQuietly(kept.engine);
    }
    return backend.createEngine(params);
  }

  private returnEngine(backend: FheBackend, engine: FheEngine): void {
    try {
      if (backend.broken) throw new Error('backend aborted');
      engine.clearEvaluationKeys();
    } catch {
      freeQuietly(engine);
      return;
    }
    const key = paramsHash(engine.params);
    const list = this.idle.get(key) ?? [];
    const total = [...this.idle.values()].reduce((n, l) => n + l.length, 0);
    if (list.length >= MAX_IDLE_PER_PARAMS || total >= MAX_IDLE_ENGINES) {
      freeQuietly(engine);
      return;
    }
    list.push({ backend, engine });
    this.idle.set(key, list);
  }

  parseEvidence(raw: unknown): FheEvidence {
    return parseFheEvidence(raw);
  }

  private async getBackend(): Promise<FheBackend> {
    const current = this.backend ? await this.backend.catch(() => undefined) : undefined;
    if (current && !current.broken) return current;
    this.backend = (this.options.loadBackend ?? loadSealBackend)();
    return this.backend;
  }

  async verify(job: Job, evidence: FheEvidence, ctx: VerifyContext): Promise<Finding> {
    const started = performance.now();
    const opts = parseWith(optionsSchema, ctx.options, { source: 'fhe verifier options', code: 'BAD_CONFIG' });
    const finding = (outcome: Finding['outcome'], reason: string, details: Record<string, unknown> = {}, extra: Partial<Finding> = {}): Finding => ({
      verifier: this.id,
      outcome,
      reason,
      details,
      cost: { ms: Math.round((performance.now() - started) * 1000) / 1000 },
      ...extra,
    });
    let spec;
    try {
      spec = parseFheJobSpec(job, 'BAD_INPUT');
    } catch (e) {
      return finding('inconclusive', `the job is not a valid fhe-inference job: ${(e as Error).message}`, {}, { error: { code: 'BAD_INPUT', retryable: false } });
    }
    if (evidence.inputs.length !== spec.items) {
      return finding('inconclusive', `evidence has ${evidence.inputs.length} items, the job ${spec.items}`, {}, { error: { code: 'BAD_EVIDENCE', retryable: false } });
    }
    let backend: FheBackend;
    try {
      backend = await this.getBackend();
    } catch (e) {
      return finding('inconclusive', (e as Error).message, {}, { error: { code: 'EXECUTOR_FAILED', retryable: true } });
    }
    let engine: FheEngine | undefined;
    try {
      engine = this.takeEngine(backend, spec.params);
      // 1. What the creator committed: program, evaluation keys, inputs.
      let prepared;
      let inputs: ValidatedCiphertext[];
      try {
        prepared = prepareEvaluation(engine, spec, evidence.program, evidence.keys, 'BAD_EVIDENCE');
        inputs = checkInputs(job, prepared.evaluator, evidence.inputs, 'BAD_EVIDENCE');
      } catch (e) {
        prepared?.evaluator.dispose();
        if (!isVerdictError(e, 'BAD_EVIDENCE') && !isVerdictError(e, 'LIMIT_EXCEEDED')) throw e;
        return finding('inconclusive', `the creator's committed material does not check out: ${e.message}`, {}, { error: { code: e.code, retryable: false } });
      }
      const { evaluator } = prepared;
      try {
        // 2. What the provider committed: every output must parse at the program's output level and match the claim.
        const outputs: ValidatedCiphertext[] = [];
        for (let i = 0; i < evidence.outputs.length; i++) {
          try {
            outputs.push(validateCiphertext(evidence.outputs[i]!, engine.chain, evaluator.outputExpectation(), { code: 'BAD_EVIDENCE', what: `output ciphertext ${i}` }));
          } catch (e) {
            if (!isVerdictError(e, 'BAD_EVIDENCE') && !isVerdictError(e, 'LIMIT_EXCEEDED')) throw e;
            return finding('fail', e.message, { item: i }, { confidence: 1 });
          }
        }
        const inputHashes = inputs.map((x) => x.hash);
        const outputHashes = outputs.map((x) => x.hash);
        if (commitOutputs(job.id, inputHashes, outputHashes) !== ctx.claim.outputCommitment) {
          return finding('fail', "the output ciphertexts (or the inputs they are bound to) do not match the provider's output commitment", {}, { confidence: 1 });
        }
        const n = spec.items;
        const checks: Record<string, CheckResult> = {};
        const canaryCount = evidence.canary?.indices.length ?? 0;
        if (opts.checks.includes('rerun')) {
          checks['rerun'] = await this.rerun(job, evaluator, inputs, outputHashes, Math.min(opts.sample, n), ctx);
        }
        if (opts.checks.includes('canary')) {
          checks['canary'] = await this.canary(job, engine, evaluator.program, evaluator.analysis.depth, spec.canaryCommitment, evidence, n);
        }
        const ran = Object.entries(checks).filter(([, c]) => c.status === 'pass' || c.status === 'fail');
        const failed = ran.filter(([, c]) => c.status === 'fail');
        const notRun = Object.entries(checks).filter(([, c]) => c.status === 'skipped' || c.status === 'invalid');
        const details: Record<string, unknown> = {
          items: n,
          ...Object.fromEntries(Object.entries(checks).map(([k, c]) => [k, { status: c.status, reason: c.reason, ms: round(c.ms), ...c.details }])),
        };
        if (failed.length > 0) {
          return finding('fail', failed.map(([k, c]) => `${k}: ${c.reason}`).join('; '), details, { confidence: 1 });
        }
        if (ran.length === 0 || (opts.requireAll && notRun.length > 0)) {
          return finding('inconclusive', notRun.map(([k, c]) => `${k}: ${c.reason}`).join('; ') || 'no check ran', details, {
            error: { code: 'BAD_EVIDENCE', retryable: false },
          });
        }
        // Pass confidence: chance the checks that ran would have caught a provider faking 10% of the items.
        const k = checks['rerun']?.status === 'pass' ? Math.min(opts.sample, n) : 0;
        const kc = checks['canary']?.status === 'pass' ? canaryCount : 0;
        const bad = Math.max(1, Math.ceil(0.1 * n));
        const miss = (1 - hypergeometricDetection(n, bad, k)) * (1 - (kc > 0 ? canaryDetectionProbability(n, kc, bad) : 0));
        return finding('pass', ran.map(([k2, c]) => `${k2}: ${c.reason}`).join('; '), details, { confidence: round(1 - miss) });
      } finally {
        evaluator.dispose();
      }
    } catch (e) {
      const err = isVerdictError(e) ? e : new VerdictError('INTERNAL', `fhe verifier: ${(e as Error)?.message ?? e}`, { cause: e });
      if (err.code === 'BAD_EVIDENCE' || err.code === 'LIMIT_EXCEEDED') return finding('fail', err.message, {}, { confidence: 1 });
      return finding('inconclusive', err.message, {}, { error: { code: err.code, retryable: err.retryable } });
    } finally {
      if (engine) this.returnEngine(backend, engine);
    }
  }

  private async rerun(
    job: Job,
    evaluator: ProgramEvaluator,
    inputs: readonly ValidatedCiphertext[],
    committed: readonly Hex[],
    k: number,
    ctx: VerifyContext,
  ): Promise<CheckResult> {
    const started = performance.now();
    const n = inputs.length;
    const sample = sampleWithoutReplacement(samplingDrbg(ctx.seed, `fhe.rerun\u0000${job.id}`), n, k).sort((a, b) => a - b);
    const mismatches: number[] = [];
    for (const i of sample) {
      if (ctx.signal.aborted) throw new VerdictError('TIMEOUT', 'fhe re-run ran out of time');
      const out = evaluator.evaluate(inputs[i]!);
      if (blobHash(out) !== committed[i]) mismatches.push(i);
      await new Promise((r) => setImmediate(r));
    }
    const detection = Object.fromEntries(REPORT_FRACTIONS.map((f) => [`f${f}`, round(hypergeometricDetection(n, Math.max(1, Math.ceil(f * n)), k))]));
    const details = { sampled: sample, detection: { oneItem: round(hypergeometricDetection(n, 1, k)), ...detection } };
    const ms = performance.now() - started;
    if (mismatches.length > 0) {
      return {
        status: 'fail',
        reason: `re-evaluation of item${mismatches.length > 1 ? 's' : ''} ${mismatches.join(', ')} gives a different output ciphertext than committed`,
        ms,
        details: { ...details, mismatches },
      };
    }
    return { status: 'pass', reason: `${k} of ${n} items re-evaluated bit-identically`, ms, details };
  }

  private async canary(
    job: Job,
    engine: FheEngine,
    program: FheProgram,
    outputLevel: number,
    commitment: Hex | undefined,
    evidence: FheEvidence,
    n: number,
  ): Promise<CheckResult> {
    const started = performance.now();
    const ms = () => performance.now() - started;
    const opening = evidence.canary;
    if (!commitment) return { status: 'skipped', reason: 'the job has no canaries', ms: ms(), details: {} };
    if (!opening) return { status: 'skipped', reason: 'no canary opening in the evidence', ms: ms(), details: {} };
    if (canaryCommitment(opening) !== commitment) {
      return { status: 'invalid', reason: "the canary opening does not match the job's canary commitment", ms: ms(), details: {} };
    }
    if (opening.indices.some((i) => i >= n)) return { status: 'invalid', reason: 'a canary index is outside the job', ms: ms(), details: {} };
    const sk = await this.options.keyring?.secretKeyFor(job);
    if (!sk) return { status: 'skipped', reason: "no secret key for this job (the canary check runs where the creator's key is)", ms: ms(), details: {} };
    let report;
    try {
      report = auditCanaries(engine, program, outputLevel, sk, opening, evidence.outputs);
    } catch (e) {
      if (isVerdictError(e, 'BAD_INPUT')) return { status: 'invalid', reason: `the creator's key does not fit: ${e.message}`, ms: ms(), details: {} };
      throw e;
    }
    const k = opening.indices.length;
    const details = {
      canaries: k,
      maxError: report.maxError,
      tolerance: opening.tolerance,
      detection: {
        oneItem: round(canaryDetectionProbability(n, k, 1)),
        ...Object.fromEntries(REPORT_FRACTIONS.map((f) => [`f${f}`, round(canaryDetectionProbability(n, k, Math.max(1, Math.ceil(f * n))))])),
      },
    };
    if (!report.ok) {
      const items = [...new Set(report.failures.map((f) => f.index))];
      return {
        status: 'fail',
        reason: `canary item${items.length > 1 ? 's' : ''} ${items.join(', ')} decrypt${items.length > 1 ? '' : 's'} to wrong results (${report.failures[0]!.reason})`,
        ms: ms(),
        details: { ...details, failures: report.failures.slice(0, 10) },
      };
    }
    return { status: 'pass', reason: `${k} canar${k === 1 ? 'y' : 'ies'} decrypt to their known results (max error ${report.maxError.toExponential(2)})`, ms: ms(), details };
  }

  async dispose(): Promise<void> {
    for (const list of this.idle.values()) for (const { engine } of list) freeQuietly(engine);
    this.idle.clear();
    // The WASM module's memory is released with the module.
    this.backend = undefined;
  }

  /** Idle engines kept for later jobs (for tests and monitoring). */
  get idleEngines(): number {
    return [...this.idle.values()].reduce((n, l) => n + l.length, 0);
  }
}

/** Idle engines kept per parameter set, and in all (each holds its context's precomputed tables in WASM memory). */
const MAX_IDLE_PER_PARAMS = 2;
const MAX_IDLE_ENGINES = 4;

function freeQuietly(engine: FheEngine): void {
  try {
    engine.delete();
  } catch {
    // A module that aborted cannot free; it is dropped with its backend.
  }
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
