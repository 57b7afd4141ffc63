import {
  VerdictError,
  describeUnknown,
  isVerdictError,
  silentLogger,
  systemClock,
  type Claim,
  type Clock,
  type Finding,
  type Job,
  type Logger,
} from '../core/index.js';
import type { AnyVerifier, VerifyContext } from './types.js';

const ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface RunOptions {
  /** Time budget per verifier, in ms (default 60 s). */
  budgetMs?: number;
  seed: Uint8Array;
  signal?: AbortSignal;
  /** Per-verifier options from the policy, by verifier id. */
  options?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * The verifiers a process knows, by id. An instance, not a global: a mediator and a test can each have their
 * own. Built-in and third-party verifiers register the same way.
 */
export class VerifierRegistry {
  private readonly verifiers = new Map<string, AnyVerifier>();
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(options: { clock?: Clock; logger?: Logger } = {}) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  register(verifier: AnyVerifier): this {
    if (!verifier || typeof verifier.verify !== 'function' || typeof verifier.parseEvidence !== 'function') {
      throw new VerdictError('BAD_INPUT', 'a verifier needs id, version, parseEvidence() and verify()');
    }
    if (typeof verifier.id !== 'string' || !ID_RE.test(verifier.id)) {
      throw new VerdictError('BAD_INPUT', `verifier id "${String(verifier.id)}" must match ${ID_RE}`);
    }
    if (this.verifiers.has(verifier.id)) {
      throw new VerdictError('DUPLICATE', `a verifier with id "${verifier.id}" is already registered`);
    }
    this.verifiers.set(verifier.id, verifier);
    return this;
  }

  has(id: string): boolean {
    return this.verifiers.has(id);
  }

  get(id: string): AnyVerifier {
    const v = this.verifiers.get(id);
    if (!v) throw new VerdictError('NOT_FOUND', `no verifier registered with id "${id}" (known: ${this.ids().join(', ') || 'none'})`);
    return v;
  }

  ids(): string[] {
    return [...this.verifiers.keys()].sort();
  }

  /**
   * Runs one verifier on raw evidence within a time budget. Always resolves to a Finding:
   * bad evidence → fail; timeout or infrastructure error → inconclusive with the error code.
   */
  async run(id: string, job: Job, claim: Claim, rawEvidence: unknown, options: RunOptions): Promise<Finding> {
    const verifier = this.get(id);
    const started = performance.now();
    const cost = () => ({ ms: Math.round((performance.now() - started) * 1000) / 1000 });
    const log = this.logger.child({ verifier: id, jobId: job.id });
    if (rawEvidence === undefined) {
      return { verifier: id, outcome: 'fail', reason: `no evidence supplied for verifier "${id}"`, cost: cost() };
    }
    const budgetMs = options.budgetMs ?? 60_000;
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const evidence = verifier.parseEvidence(rawEvidence);
      const ctx: VerifyContext = {
        claim,
        signal: controller.signal,
        deadline: this.clock.now() + budgetMs,
        clock: this.clock,
        logger: log,
        seed: options.seed,
        options: options.options?.[id] ?? {},
      };
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new VerdictError('TIMEOUT', `verifier "${id}" exceeded its budget of ${budgetMs} ms`);
          controller.abort(err);
          reject(err);
        }, budgetMs);
      });
      const finding = await Promise.race([verifier.verify(job, evidence, ctx), timeout]);
      return { ...finding, verifier: id, cost: finding.cost ?? cost() };
    } catch (e) {
      if (isVerdictError(e, 'BAD_EVIDENCE') || isVerdictError(e, 'LIMIT_EXCEEDED')) {
        return { verifier: id, outcome: 'fail', reason: e.message, cost: cost(), error: { code: e.code, retryable: false } };
      }
      const err = isVerdictError(e) ? e : new VerdictError('INTERNAL', `verifier "${id}" threw: ${(e as Error)?.message ?? e}`, { cause: e });
      log[err.code === 'INTERNAL' ? 'error' : 'warn']({ err: err.toJSON() }, 'verifier did not finish');
      return {
        verifier: id,
        outcome: 'inconclusive',
        reason: err.message,
        cost: cost(),
        error: { code: err.code, retryable: err.retryable },
      };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onOuterAbort);
    }
  }

  /** Runs several verifiers one after another (they share the machine's cores) and collects their Findings. */
  async runAll(ids: readonly string[], job: Job, claim: Claim, items: Record<string, unknown>, options: RunOptions): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const id of ids) findings.push(await this.run(id, job, claim, items[id], options));
    return findings;
  }

  /** Disposes every verifier; errors are logged, not thrown, so one bad module cannot block shutdown. */
  async dispose(): Promise<void> {
    for (const v of this.verifiers.values()) {
      try {
        await v.dispose?.();
      } catch (e) {
        this.logger.error({ verifier: v.id, err: describeUnknown(e) }, 'dispose failed');
      }
    }
  }
}
