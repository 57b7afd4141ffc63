import type { VerdictOutcome } from '../core/index.js';
import type { ReputationScorer, ReputationStore } from '../reputation/index.js';
import type { ReputationPort } from './ports.js';

export interface ScorerReputationOptions {
  /**
   * Treat a ProviderFaulty verdict as a confirmed cheat (slash and ban in the scorer) — the verdict is the
   * adjudicated, on-chain outcome of a dispute. Default true.
   */
  confirmFaulty?: boolean;
  /** How many of a provider's latest audit events to search for a job id before recording it (default 10,000). */
  dedupeWindow?: number;
}

/**
 * The reputation scorer (src/reputation) behind the engine's ReputationPort: its check probability feeds the
 * policy's adaptive rules, and every adjudicated verdict is recorded — once: a replay after a crash finds the
 * job id in the scorer's audit log and is skipped. A correct verdict with failing optional verifiers is recorded
 * as a flagged pass (probation, docs/reputation.md).
 */
export function scorerReputation(scorer: ReputationScorer, store: ReputationStore, options: ScorerReputationOptions = {}): ReputationPort {
  const confirmFaulty = options.confirmFaulty ?? true;
  const window = options.dedupeWindow ?? 10_000;
  return {
    checkProbability: (provider, jobType) => scorer.checkProbability(provider, jobType),
    record(e) {
      if (!e.checked) return; // nothing was verified: no evidence about the provider
      if (store.events(e.provider, window).some((x) => x.jobId === e.jobId)) return;
      const outcome = toReputationOutcome(e.outcome);
      // flags qualify a pass only; on another outcome the verdict itself already says more
      const flags = outcome === 'pass' ? (e.flags ?? []) : [];
      scorer.recordOutcome(e.provider, e.jobType, outcome, {
        jobId: e.jobId,
        confirmed: e.outcome === 'ProviderFaulty' && confirmFaulty,
        ...(flags.length > 0 ? { flags } : {}),
      });
    },
  };
}

function toReputationOutcome(o: VerdictOutcome): 'pass' | 'fail' | 'inconclusive' {
  return o === 'ProviderCorrect' ? 'pass' : o === 'ProviderFaulty' ? 'fail' : 'inconclusive';
}
