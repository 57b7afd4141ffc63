import { VerdictError, silentLogger, systemClock, type Clock, type Decision, type Logger } from '../core/index.js';
import { resolveReputationConfig, type ReputationConfig, type ReputationConfigInput } from './config.js';
import {
  applyOutcome,
  assess,
  decayRecord,
  economicMinimum,
  newProvider,
  newRecord,
  scoreOf,
  type Assessment,
  type OutcomeActions,
  type ProviderRecord,
  type ReputationOutcome,
  type ReputationRecord,
  type ReputationScore,
} from './model.js';
import type { ReputationStore } from './store.js';

const MAX_CACHED_BOUNDS = 100_000;
/** At most this many flag names are kept per outcome (a policy has a handful of verifiers). */
const MAX_FLAGS = 64;

export interface ReputationScorerOptions {
  store: ReputationStore;
  clock?: Clock;
  /** A full config, or a partial one filled from DEFAULT_REPUTATION_CONFIG. */
  config?: ReputationConfigInput;
  logger?: Logger;
}

export interface RecordOptions {
  /** The fail was upheld as deliberate cheating: the stake is slashed and the identity banned. */
  confirmed?: boolean;
  jobId?: string;
  /**
   * Only with `pass`: the optional verifiers that failed although the decision accepted. Non-empty makes it a
   * flagged pass (model.ts ApplyOptions.flagged: probation, no pass credit, not a fail); kept in the audit event.
   */
  flags?: readonly string[];
}

export interface RecordResult {
  actions: OutcomeActions;
  assessment: Assessment;
}

/**
 * Reputation per (provider, job type) and the check probability it implies. Time comes from the injected clock,
 * state from the injected store; the maths is in model.ts.
 */
export class ReputationScorer {
  readonly config: ReputationConfig;
  private readonly store: ReputationStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** The lower bound only changes when the counts do; quantile inversions are cached per (provider, job type). */
  private readonly boundCache = new Map<string, { pass: number; fail: number; score: ReputationScore }>();
  private readonly econCache = new Map<string, number>();

  constructor(options: ReputationScorerOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.config = resolveReputationConfig(options.config ?? {});
  }

  /** Sets the provider's slashable stake (from the chain or the marketplace). */
  setStake(provider: string, stake: number): ProviderRecord {
    checkId('provider', provider);
    if (!Number.isFinite(stake) || stake < 0) throw new VerdictError('BAD_INPUT', `stake must be a finite number ≥ 0, got ${stake}`);
    const now = this.clock.now();
    const current = this.providerRecord(provider, now);
    if (current.banned) throw new VerdictError('BAD_INPUT', `provider ${provider} is banned; a new stake needs a new identity`);
    const next = { ...current, stake, updatedAt: now };
    this.store.write({ provider: next });
    return next;
  }

  providerRecord(provider: string, now = this.clock.now()): ProviderRecord {
    return this.store.getProvider(provider) ?? newProvider(provider, now);
  }

  /** The record decayed to now (not written back: decay is a pure function of time). */
  record(provider: string, jobType: string): ReputationRecord {
    const now = this.clock.now();
    const stored = this.store.getRecord(provider, jobType);
    return stored ? decayRecord(stored, now, this.config) : newRecord(provider, jobType, now, this.config);
  }

  score(provider: string, jobType: string): ReputationScore {
    return this.cachedScore(this.record(provider, jobType));
  }

  assess(provider: string, jobType: string): Assessment {
    const now = this.clock.now();
    const rec = this.record(provider, jobType);
    const prov = this.providerRecord(provider, now);
    return assess(rec, prov, now, this.config, this.cachedScore(rec), this.economicMinimum(jobType, prov.stake));
  }

  /** Probability that this provider's next job of this type is checked; use it as a policy's adaptiveProbability. */
  checkProbability(provider: string, jobType: string): number {
    return this.assess(provider, jobType).checkProbability;
  }

  /**
   * Records one adjudicated outcome. `inconclusive` is logged but does not move the score. A confirmed fail
   * returns `actions.slash` (the whole stake) and bans the identity; the caller enforces both (e.g. on-chain).
   * A pass with `flags` puts the provider on probation without counting as a fail.
   */
  recordOutcome(provider: string, jobType: string, outcome: ReputationOutcome, options: RecordOptions = {}): RecordResult {
    checkId('provider', provider);
    checkId('jobType', jobType);
    const flags = checkFlags(options.flags); // flags on anything but a pass: applyOutcome refuses them
    const now = this.clock.now();
    const stored = this.store.getRecord(provider, jobType) ?? newRecord(provider, jobType, now, this.config);
    const storedProvider = this.store.getProvider(provider);
    const prov = storedProvider ?? newProvider(provider, now);
    const { record, provider: nextProvider, actions } = applyOutcome(stored, prov, outcome, now, this.config, {
      ...(options.confirmed ? { confirmed: true } : {}),
      ...(flags.length > 0 ? { flagged: true } : {}),
    });
    this.store.write({
      ...(nextProvider !== storedProvider ? { provider: nextProvider } : {}),
      record,
      event: {
        at: now,
        provider,
        jobType,
        outcome,
        confirmed: options.confirmed === true,
        ...(options.jobId ? { jobId: options.jobId } : {}),
        ...(flags.length > 0 ? { flags } : {}),
      },
    });
    if (flags.length > 0) this.logger.info({ provider, jobType, flags, jobId: options.jobId }, 'flagged pass: probation');
    if (actions.banned) this.logger.warn({ provider, jobType, slash: actions.slash, jobId: options.jobId }, 'confirmed cheat: slash and ban');
    else if (actions.suspendedUntil !== undefined) this.logger.warn({ provider, jobType, until: actions.suspendedUntil }, 'provider suspended');
    const score = this.cachedScore(record);
    const econ = this.economicMinimum(jobType, nextProvider.stake);
    return { actions, assessment: assess(record, nextProvider, now, this.config, score, econ) };
  }

  /**
   * Records a policy Decision: accept → pass (flagged with the verifiers that failed, if any did: an accepted
   * decision's fails are optional ones below the reject weight), reject → fail, inconclusive → inconclusive.
   * A decision on which no verifier ran (none was drawn) is no evidence either way and is not recorded
   * (returns undefined).
   */
  recordDecision(decision: Decision, provider: string, options: Omit<RecordOptions, 'jobId' | 'flags'> = {}): RecordResult | undefined {
    if (decision.findings.length === 0) return undefined;
    const outcome: ReputationOutcome =
      decision.outcome === 'accept' ? 'pass' : decision.outcome === 'reject' ? 'fail' : 'inconclusive';
    const flags = outcome === 'pass' ? failingVerifiers(decision) : [];
    return this.recordOutcome(provider, decision.jobType, outcome, { ...options, jobId: decision.jobId, ...(flags.length > 0 ? { flags } : {}) });
  }

  /** Lifts a timed suspension early (e.g. an appeal overturned the fails behind it). Bans are not lifted. */
  reinstate(provider: string, jobType: string): Assessment {
    const now = this.clock.now();
    const stored = this.store.getRecord(provider, jobType);
    if (!stored) throw new VerdictError('NOT_FOUND', `no reputation for ${provider} on ${jobType}`);
    if (stored.suspendedUntil > now) this.store.write({ record: { ...stored, suspendedUntil: 0, updatedAt: now } });
    return this.assess(provider, jobType);
  }

  private economicMinimum(jobType: string, stake: number): number {
    const key = `${jobType}\u0000${stake}`;
    let econ = this.econCache.get(key);
    if (econ === undefined) {
      econ = economicMinimum(jobType, stake, this.config);
      if (this.econCache.size >= MAX_CACHED_BOUNDS) this.econCache.clear();
      this.econCache.set(key, econ);
    }
    return econ;
  }

  private cachedScore(rec: ReputationRecord): ReputationScore {
    const key = `${rec.provider}\u0000${rec.jobType}`;
    const hit = this.boundCache.get(key);
    if (hit && hit.pass === rec.pass && hit.fail === rec.fail) return hit.score;
    const score = scoreOf(rec, this.config);
    if (this.boundCache.size >= MAX_CACHED_BOUNDS) this.boundCache.clear();
    this.boundCache.set(key, { pass: rec.pass, fail: rec.fail, score });
    return score;
  }
}

/** The check probability a policy's `probability: adaptive` rules should use for this job. */
export function checkProbability(scorer: ReputationScorer, provider: string, jobType: string): number {
  return scorer.checkProbability(provider, jobType);
}

/** The ids of the verifiers whose findings failed, once each, in the order they ran. */
export function failingVerifiers(decision: Pick<Decision, 'findings'>): string[] {
  return [...new Set(decision.findings.filter((f) => f.outcome === 'fail').map((f) => f.verifier))];
}

/** Validates flag names (they reach the audit log) and drops repeats. */
function checkFlags(flags: readonly string[] | undefined): string[] {
  if (flags === undefined) return [];
  if (!Array.isArray(flags) || flags.length > MAX_FLAGS) {
    throw new VerdictError('BAD_INPUT', `flags must be an array of at most ${MAX_FLAGS} verifier ids`);
  }
  for (const f of flags) checkId('flag', f);
  return [...new Set(flags)];
}

function checkId(what: string, id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) {
    throw new VerdictError('BAD_INPUT', `${what} must be a non-empty string of at most 256 characters`);
  }
}
