import { VerdictError } from '../core/index.js';
import { minCheckProbability } from '../sampling/economics.js';
import { betaQuantile, wilsonLowerBound } from './beta.js';
import { economicsFor, type ReputationConfig } from './config.js';

/**
 * The reputation model as pure functions over plain records; the scorer (scorer.ts) adds the clock and the store.
 * Wire/storage format: docs/reputation.md § Records.
 */

/**
 * What a mediator decided about one checked job. `inconclusive` is kept for the record but never moves the score.
 * A `pass` may be *flagged* (ApplyOptions.flagged): accepted, but with failing optional findings.
 */
export type ReputationOutcome = 'pass' | 'fail' | 'inconclusive';

/** One provider's standing for one job type (format v1). */
export interface ReputationRecord {
  v: 1;
  provider: string;
  jobType: string;
  /** Decayed, weighted evidence of honest work (passes × passWeight × stake factor). */
  pass: number;
  /** Decayed, weighted evidence against (fails × failWeight). */
  fail: number;
  /** Decayed, unweighted count of fails: the suspension rule asks for several, never one. */
  recentFails: number;
  /** Index of the decay period (⌊t / periodMs⌋) the decayed counts are expressed at. */
  epoch: number;
  /** Lifetime counts, never decayed. */
  passes: number;
  fails: number;
  inconclusive: number;
  /** Fails confirmed as cheating (after which the provider is banned). */
  cheats: number;
  /** Clean passes in a row since the last fail or flagged pass (the name predates flagged passes). */
  passesSinceFail: number;
  probation: boolean;
  /** Suspended for this job type until this time (ms since the epoch); 0 when not suspended. */
  suspendedUntil: number;
  updatedAt: number;
}

/** A provider's identity-wide state: stake and ban (a confirmed cheat on any job type bans the identity). */
export interface ProviderRecord {
  v: 1;
  provider: string;
  /** Current slashable stake, in the unit of the job economics. */
  stake: number;
  /** Total slashed so far. */
  slashed: number;
  banned: boolean;
  bannedAt: number;
  updatedAt: number;
}

export type Tier = 'new' | 'standard' | 'trusted' | 'probation' | 'suspended' | 'banned';

export interface ReputationScore {
  /** Posterior mean of the Beta(α, β) reputation, in [0, 1]. */
  mean: number;
  /** Lower confidence bound at config.confidence, in [0, mean]. */
  lower: number;
  alpha: number;
  beta: number;
}

export interface Assessment {
  provider: string;
  jobType: string;
  tier: Tier;
  /** Probability that this provider's next job of this type is checked, in [floor, 1]. */
  checkProbability: number;
  /** economicMargin × G/(d·(R+S)) for this provider's stake (may exceed 1: no rate deters; raise the stake). */
  economicMinimum: number;
  /** False when even checking every job cannot make cheating unprofitable at this stake. */
  deterrent: boolean;
  /** False while suspended or banned: the provider should not be given jobs of this type. */
  eligible: boolean;
  score: ReputationScore;
}

export interface OutcomeActions {
  /** Amount to slash now (the whole remaining stake) — only on a confirmed cheat. */
  slash: number;
  /** Set when this outcome suspended the provider: until when (Infinity for a ban). */
  suspendedUntil?: number;
  banned: boolean;
}

export function newRecord(provider: string, jobType: string, now: number, config: ReputationConfig): ReputationRecord {
  return {
    v: 1,
    provider,
    jobType,
    pass: 0,
    fail: 0,
    recentFails: 0,
    epoch: epochOf(now, config),
    passes: 0,
    fails: 0,
    inconclusive: 0,
    cheats: 0,
    passesSinceFail: 0,
    probation: false,
    suspendedUntil: 0,
    updatedAt: now,
  };
}

export function newProvider(provider: string, now: number, stake = 0): ProviderRecord {
  return { v: 1, provider, stake, slashed: 0, banned: false, bannedAt: 0, updatedAt: now };
}

export function epochOf(now: number, config: ReputationConfig): number {
  return Math.floor(now / config.decay.periodMs);
}

/**
 * Applies the forgetting factor for every period boundary crossed since the record's epoch: counts × λ^k.
 * A clock that went backwards does not un-forget (k is never negative).
 */
export function decayRecord(record: ReputationRecord, now: number, config: ReputationConfig): ReputationRecord {
  const epoch = epochOf(now, config);
  const k = epoch - record.epoch;
  if (k <= 0) return record;
  const factor = Math.pow(config.decay.lambda, k);
  return { ...record, pass: record.pass * factor, fail: record.fail * factor, recentFails: record.recentFails * factor, epoch };
}

export function stakeFactor(stake: number, config: ReputationConfig): number {
  return Math.min(1, Math.max(config.stake.minFactor, stake / config.stake.reference));
}

export function scoreOf(record: ReputationRecord, config: ReputationConfig): ReputationScore {
  const alpha = config.prior.alpha + record.pass;
  const beta = config.prior.beta + record.fail;
  const mean = alpha / (alpha + beta);
  const level = 1 - config.confidence;
  const lower =
    config.bound === 'beta'
      ? betaQuantile(level, alpha, beta)
      : wilsonLowerBound(alpha, alpha + beta, config.confidence);
  return { mean, lower: Math.min(lower, mean), alpha, beta };
}

/** The economic minimum check probability for this job type at this stake, with the configured margin. */
export function economicMinimum(jobType: string, stake: number, config: ReputationConfig): number {
  return config.economicMargin * minCheckProbability({ ...economicsFor(config, jobType), stake: Math.max(0, stake) });
}

/**
 * Check probability and tier:
 * - banned / suspended: not eligible for jobs (rate 1 should one be given anyway);
 * - new (fewer than newcomerJobs adjudicated outcomes): every job;
 * - otherwise max(floor, distrustGain × (1 − lower bound)), raised to probation.rate while on probation;
 * - never below the economic minimum; capped at 1.
 * `trusted` means the floor is what binds.
 */
export function assess(
  record: ReputationRecord,
  provider: ProviderRecord,
  now: number,
  config: ReputationConfig,
  score: ReputationScore = scoreOf(record, config),
  econ: number = economicMinimum(record.jobType, provider.stake, config),
): Assessment {
  let tier: Tier;
  let rate: number;
  let eligible = true;
  if (provider.banned) {
    tier = 'banned';
    rate = 1;
    eligible = false;
  } else if (record.suspendedUntil > now) {
    tier = 'suspended';
    rate = 1;
    eligible = false;
  } else if (record.passes + record.fails < config.newcomerJobs) {
    tier = 'new';
    rate = 1;
  } else {
    rate = Math.max(config.floor, Math.min(1, config.distrustGain * (1 - score.lower)));
    tier = rate <= config.floor ? 'trusted' : 'standard';
    if (record.probation) {
      rate = Math.max(rate, config.probation.rate);
      tier = 'probation';
    }
    if (econ > rate) {
      rate = Math.min(1, econ);
      if (tier === 'trusted') tier = 'standard';
    }
  }
  return {
    provider: record.provider,
    jobType: record.jobType,
    tier,
    checkProbability: rate,
    economicMinimum: econ,
    deterrent: econ <= 1,
    eligible,
    score,
  };
}

export interface ApplyOptions {
  /** A fail upheld as deliberate cheating (e.g. on appeal, or by a proof): slashing and a ban follow. */
  confirmed?: boolean;
  /**
   * A pass whose decision carried failing optional findings (e.g. a forged telemetry trace below the reject
   * weight). It is not a fail — no fail evidence, no suspension, no slashing — but not clean either: it adds no
   * pass evidence and puts the provider on probation until `probation.passes` clean passes in a row.
   */
  flagged?: boolean;
}

/**
 * Folds one adjudicated outcome into the record (already decayed to `now`). Returns the new records and what
 * the caller must enforce (slash, suspension). Inputs are not mutated.
 */
export function applyOutcome(
  record: ReputationRecord,
  provider: ProviderRecord,
  outcome: ReputationOutcome,
  now: number,
  config: ReputationConfig,
  options: ApplyOptions = {},
): { record: ReputationRecord; provider: ProviderRecord; actions: OutcomeActions } {
  if (record.provider !== provider.provider) {
    throw new VerdictError('INTERNAL', `record of ${record.provider} applied with provider ${provider.provider}`);
  }
  if (options.confirmed && outcome !== 'fail') {
    throw new VerdictError('BAD_INPUT', `only a fail can be confirmed as cheating, got "${outcome}"`);
  }
  if (options.flagged && outcome !== 'pass') {
    throw new VerdictError('BAD_INPUT', `only a pass can be flagged, got "${outcome}"`);
  }
  const r = { ...decayRecord(record, now, config), updatedAt: now };
  let p = provider;
  const actions: OutcomeActions = { slash: 0, banned: false };
  switch (outcome) {
    case 'inconclusive':
      r.inconclusive += 1;
      break;
    case 'pass':
      r.passes += 1;
      if (options.flagged) {
        // suspicious but not faulty: more checks until clean passes follow, and no credit for this one
        r.passesSinceFail = 0;
        r.probation = true;
        break;
      }
      r.pass += config.passWeight * stakeFactor(provider.stake, config);
      r.passesSinceFail += 1;
      if (r.probation && r.passesSinceFail >= config.probation.passes) r.probation = false;
      break;
    case 'fail': {
      r.fail += config.failWeight;
      r.recentFails += 1;
      r.fails += 1;
      r.passesSinceFail = 0;
      r.probation = true;
      if (options.confirmed) {
        r.cheats += 1;
        actions.slash = provider.stake;
        actions.banned = true;
        actions.suspendedUntil = Number.POSITIVE_INFINITY;
        p = { ...provider, stake: 0, slashed: provider.slashed + provider.stake, banned: true, bannedAt: now, updatedAt: now };
      } else {
        const score = scoreOf(r, config);
        if (r.recentFails >= config.suspension.minFails && score.mean < config.suspension.belowScore) {
          r.suspendedUntil = now + config.suspension.durationMs;
          actions.suspendedUntil = r.suspendedUntil;
        }
      }
      break;
    }
    default:
      throw new VerdictError('BAD_INPUT', `unknown reputation outcome "${String(outcome)}"`);
  }
  return { record: r, provider: p, actions };
}
