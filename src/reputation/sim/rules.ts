import { ManualClock } from '../../core/index.js';
import type { ReputationConfig } from '../config.js';
import type { ReputationOutcome } from '../model.js';
import { ReputationScorer } from '../scorer.js';
import { MemoryReputationStore } from '../store.js';

/** How a check rule looks to the simulator: one fresh instance per simulated agent (agents are independent). */
export interface RuleAgent {
  readonly newcomerJobs: number;
  join(identity: string, stake: number, now: number): void;
  assess(identity: string, now: number): { rate: number; eligible: boolean; banned: boolean; tier: string };
  record(identity: string, outcome: ReputationOutcome, confirmed: boolean, now: number): void;
}

export interface CheckRule {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  agent(): RuleAgent;
}

/** This package's scorer: Beta reputation, tiers, probation, economic minimum (a fresh scorer per agent). */
export function reputationRule(config: ReputationConfig): CheckRule {
  return {
    name: 'reputation',
    label: 'verdict reputation',
    description: `Beta reputation (fail weight ${config.failWeight}, λ ${config.decay.lambda}/period), every job for the first ${config.newcomerJobs}, floor ${config.floor}, probation ${config.probation.rate}, ≥ ${config.economicMargin}× economic minimum`,
    agent(): RuleAgent {
      const clock = new ManualClock(0);
      const scorer = new ReputationScorer({ store: new MemoryReputationStore({ keepEvents: false }), clock, config });
      return {
        newcomerJobs: config.newcomerJobs,
        join(identity, stake, now) {
          clock.set(now);
          scorer.setStake(identity, stake);
        },
        assess(identity, now) {
          clock.set(now);
          const a = scorer.assess(identity, 'sim');
          return { rate: a.checkProbability, eligible: a.eligible, banned: a.tier === 'banned', tier: a.tier };
        },
        record(identity, outcome, confirmed, now) {
          clock.set(now);
          scorer.recordOutcome(identity, 'sim', outcome, { confirmed });
        },
      };
    },
  };
}

/**
 * BOINC adaptive replication: with CV consecutive valid results, replicate (check) every job while CV < threshold,
 * then with probability 1/CV; an invalid result zeroes CV. `minRate` > 0 caps CV at 1/minRate (the usual cap).
 * The same slashing as ours applies to confirmed cheats, so only the rate rule differs.
 */
export function boincRule(options: { threshold: number; minRate: number }): CheckRule {
  const { threshold, minRate } = options;
  const capped = minRate > 0;
  return {
    name: capped ? 'boinc-capped' : 'boinc',
    label: capped ? `BOINC 1/c, ≥ ${minRate}` : 'BOINC 1/c',
    description: capped
      ? `BOINC adaptive replication: every job until ${threshold} consecutive valid results, then 1/c, never below ${minRate}`
      : `BOINC adaptive replication: every job until ${threshold} consecutive valid results, then 1/c`,
    agent(): RuleAgent {
      const state = new Map<string, { cv: number; banned: boolean }>();
      const get = (id: string) => {
        let s = state.get(id);
        if (!s) state.set(id, (s = { cv: 0, banned: false }));
        return s;
      };
      return {
        newcomerJobs: threshold,
        join(identity) {
          get(identity);
        },
        assess(identity) {
          const s = get(identity);
          if (s.banned) return { rate: 1, eligible: false, banned: true, tier: 'banned' };
          if (s.cv < threshold) return { rate: 1, eligible: true, banned: false, tier: 'new' };
          return { rate: Math.max(1 / s.cv, minRate), eligible: true, banned: false, tier: 'trusted' };
        },
        record(identity, outcome, confirmed) {
          const s = get(identity);
          if (outcome === 'pass') s.cv += 1;
          else if (outcome === 'fail') {
            s.cv = 0;
            if (confirmed) s.banned = true;
          }
        },
      };
    },
  };
}
