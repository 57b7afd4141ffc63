import { VerdictError } from '../core/index.js';

/**
 * Proof-of-Sampling economics (Zhang et al., arXiv 2405.00295), generalised.
 *
 * One job, amounts in one currency unit (e.g. the job's reward). A provider either does the work (cost C) or
 * cheats: it returns a cheap result, saving G (G = C when it skips the work entirely; more when a wrong result
 * also benefits it). The job is checked with probability p; a check of a cheated job catches it with
 * probability d (a sampled check sees only part of the work, so d < 1 in general). A caught cheat is not paid
 * the reward R and loses its slashable stake S. Then, per job,
 *
 *   EV(honest) = R − C
 *   EV(cheat)  = (1 − p·d)·R − (C − G) − p·d·S
 *   EV(cheat) − EV(honest) = G − p·d·(R + S)
 *
 * so cheating does not pay iff p·d·(R + S) ≥ G, i.e. p ≥ p* = G / (d·(R + S)).
 * The paper's condition p·S ≥ (1 − p)·G (p* = G/(S + G)) is the special case d = 1, R = C = G: an honest job
 * breaks even and a cheat pockets the reward without working. docs/reputation.md has the derivation.
 * Everything here is a pure function of its arguments.
 */
export interface JobEconomics {
  /** R: what the provider is paid for an accepted job. */
  reward: number;
  /** C: the provider's cost of doing the job honestly. */
  cost: number;
  /** G: what cheating on one job gains (the saved cost, plus any side benefit). */
  gain: number;
  /** S: stake slashed when a cheat is confirmed. */
  stake: number;
  /** d ∈ (0, 1]: probability that a check of a cheated job detects it. */
  detection: number;
}

function finiteNonNegative(name: string, x: number): void {
  if (!Number.isFinite(x) || x < 0) throw new VerdictError('BAD_INPUT', `${name} must be a finite number ≥ 0, got ${x}`);
}

function probability(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new VerdictError('BAD_INPUT', `${name} must be a probability in [0, 1], got ${p}`);
}

/** Throws VerdictError('BAD_INPUT') unless every amount is finite and ≥ 0 and detection is in (0, 1]. */
export function validateEconomics(e: JobEconomics): JobEconomics {
  finiteNonNegative('reward', e.reward);
  finiteNonNegative('cost', e.cost);
  finiteNonNegative('gain', e.gain);
  finiteNonNegative('stake', e.stake);
  if (!(e.detection > 0 && e.detection <= 1)) {
    throw new VerdictError('BAD_INPUT', `detection must be in (0, 1], got ${e.detection}`);
  }
  return e;
}

/** EV(honest) per job with check probability p, when an honest job is wrongly confirmed as a cheat with probability `falseConfirm` per check. */
export function honestExpectedValue(e: JobEconomics, p: number, falseConfirm = 0): number {
  validateEconomics(e);
  probability('p', p);
  probability('falseConfirm', falseConfirm);
  const q = p * falseConfirm;
  return e.reward - e.cost - q * (e.reward + e.stake);
}

/** EV(cheat) per job with check probability p. */
export function cheatExpectedValue(e: JobEconomics, p: number): number {
  validateEconomics(e);
  probability('p', p);
  const q = p * e.detection;
  return (1 - q) * e.reward - (e.cost - e.gain) - q * e.stake;
}

/** EV(cheat) − EV(honest) per cheated job: G − p·d·(R + S). Negative means cheating does not pay. */
export function cheatingAdvantage(e: JobEconomics, p: number): number {
  validateEconomics(e);
  probability('p', p);
  return e.gain - p * e.detection * (e.reward + e.stake);
}

/**
 * Advantage per job of a provider that cheats on a fraction f of its jobs. Linear in f, so its sign does not
 * depend on f: a provider cannot make cheating pay by cheating rarely, only by facing a lower p.
 */
export function mixedCheatingAdvantage(e: JobEconomics, p: number, f: number): number {
  probability('f', f);
  return f * cheatingAdvantage(e, p);
}

/**
 * p* = G / (d·(R + S)): the smallest check probability at which cheating does not pay. It can exceed 1: then
 * no check rate deters cheating and the stake must be raised (see minStakeFor). 0 when there is nothing to gain.
 */
export function minCheckProbability(e: JobEconomics): number {
  validateEconomics(e);
  if (e.gain === 0) return 0;
  const loss = e.detection * (e.reward + e.stake);
  return loss === 0 ? Number.POSITIVE_INFINITY : e.gain / loss;
}

/** The paper's form, p* = G / (S + G) (d = 1, R = C = G). */
export function posMinCheckProbability(stake: number, gain: number): number {
  finiteNonNegative('stake', stake);
  finiteNonNegative('gain', gain);
  return gain === 0 ? 0 : gain / (stake + gain);
}

/** Whether check probability p deters cheating: p·d·(R + S) ≥ G. */
export function isDeterred(e: JobEconomics, p: number): boolean {
  return cheatingAdvantage(e, p) <= 0;
}

/** The smallest stake that makes check probability p deterrent: S ≥ G/(p·d) − R (never below 0). */
export function minStakeFor(e: Omit<JobEconomics, 'stake'>, p: number): number {
  validateEconomics({ ...e, stake: 0 });
  probability('p', p);
  if (e.gain === 0) return 0;
  if (p === 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, e.gain / (p * e.detection) - e.reward);
}

/**
 * The largest check probability at which an honest provider still earns ≥ 0 when each check wrongly confirms a
 * cheat with probability `falseConfirm`: p ≤ (R − C) / (falseConfirm·(R + S)). 1 when that bound is above 1.
 */
export function maxCheckProbabilityForParticipation(e: JobEconomics, falseConfirm: number): number {
  validateEconomics(e);
  probability('falseConfirm', falseConfirm);
  const margin = e.reward - e.cost;
  if (margin < 0) return 0;
  if (falseConfirm === 0) return 1;
  return Math.min(1, margin / (falseConfirm * (e.reward + e.stake)));
}

/**
 * Expected number of cheated jobs before the first detection when every cheat faces check probability p:
 * detections are Bernoulli(p·d) per cheat, so the count of undetected cheats is geometric with mean (1 − q)/q.
 */
export function expectedUndetectedCheats(p: number, detection: number): number {
  probability('p', p);
  if (!(detection > 0 && detection <= 1)) throw new VerdictError('BAD_INPUT', `detection must be in (0, 1], got ${detection}`);
  const q = p * detection;
  return q === 0 ? Number.POSITIVE_INFINITY : (1 - q) / q;
}
