/**
 * Provider strategies of the simulated marketplace. A strategy decides, before it knows whether the job will be
 * checked (the selection seed is revealed after the provider commits), whether to cheat on its next job.
 */

export const STRATEGY_NAMES = ['honest', 'noisy', 'always', 'rare', 'sleeper', 'poison', 'oscillate', 'whitewash'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface StrategyContext {
  /** Jobs this agent has done so far, across identities. */
  job: number;
  /** Jobs done under the current identity. */
  identityJob: number;
  /** Current tier under the check rule (e.g. 'new', 'probation'). */
  tier: string;
  /** Jobs a newcomer is checked on in full under the rule in force (public policy). */
  newcomerJobs: number;
}

export interface VerifierNoise {
  /** Fraction of checked honest jobs the verifier cannot decide (infrastructure trouble). */
  inconclusive: number;
  /** Fraction of checked honest jobs a verifier wrongly fails (e.g. hardware nondeterminism beyond tolerance). */
  falseFlag: number;
}

export interface Strategy {
  name: StrategyName;
  label: string;
  description: string;
  /** True for providers that never cheat: they count for wrongful slashing and suspension. */
  honest: boolean;
  noise: VerifierNoise;
  /** `u` is a uniform draw from the agent's behaviour stream for this job. */
  cheats(ctx: StrategyContext, u: number): boolean;
  /** After a ban: come back under a new identity (posting a new stake and paying the entry bond again). */
  rejoinsAfterBan: boolean;
  /** Leave and come back under a new identity instead of sitting out probation. */
  leavesOnProbation: boolean;
}

export interface StrategyParams {
  /** Benign noise of the `noisy` provider. */
  noise: VerifierNoise;
  /** Cheat probability per job of `rare`. */
  rareRate: number;
  /** `sleeper`: honest jobs first, then it cheats with probability sleeperRate per job. */
  sleeperAfter: number;
  sleeperRate: number;
  /** Honest jobs before `poison` starts cheating on every job. */
  poisonAfter: number;
  /** `oscillate`: cycle length and how many jobs at the end of each cycle it cheats on. */
  oscillatePeriod: number;
  oscillateBurst: number;
  /** Cheat probability per job of `whitewash` once its identity is past the newcomer period. */
  whitewashRate: number;
}

export const DEFAULT_STRATEGY_PARAMS: StrategyParams = {
  noise: { inconclusive: 0.005, falseFlag: 0.005 },
  rareRate: 0.05,
  sleeperAfter: 2000,
  sleeperRate: 0.05,
  poisonAfter: 2000,
  oscillatePeriod: 500,
  oscillateBurst: 50,
  whitewashRate: 0.1,
};

const QUIET: VerifierNoise = { inconclusive: 0, falseFlag: 0 };

export function makeStrategy(name: StrategyName, p: StrategyParams = DEFAULT_STRATEGY_PARAMS): Strategy {
  const base = { name, honest: false, noise: QUIET, rejoinsAfterBan: false, leavesOnProbation: false };
  switch (name) {
    case 'honest':
      return { ...base, honest: true, label: 'honest', description: 'never cheats', cheats: () => false };
    case 'noisy':
      return {
        ...base,
        honest: true,
        noise: p.noise,
        label: 'honest, benign noise',
        description: `never cheats; ${pct(p.noise.inconclusive)} of checks inconclusive, ${pct(p.noise.falseFlag)} wrongly failed by a verifier`,
        cheats: () => false,
      };
    case 'always':
      return { ...base, label: 'always cheats', description: 'cheats on every job', cheats: () => true };
    case 'rare':
      return {
        ...base,
        label: `cheats on ${pct(p.rareRate)}`,
        description: `cheats on each job with probability ${p.rareRate}`,
        cheats: (_c, u) => u < p.rareRate,
      };
    case 'sleeper':
      return {
        ...base,
        label: `established, then ${pct(p.sleeperRate)}`,
        description: `honest for ${p.sleeperAfter} jobs (an established, trusted provider), then cheats on each job with probability ${p.sleeperRate}`,
        cheats: (c, u) => c.job >= p.sleeperAfter && u < p.sleeperRate,
      };
    case 'poison':
      return {
        ...base,
        label: 'slow poisoning',
        description: `honest for ${p.poisonAfter} jobs to build reputation, then cheats on every job`,
        cheats: (c) => c.job >= p.poisonAfter,
      };
    case 'oscillate':
      return {
        ...base,
        label: 'oscillating',
        description: `cheats on the last ${p.oscillateBurst} of every ${p.oscillatePeriod} jobs`,
        cheats: (c) => c.job % p.oscillatePeriod >= p.oscillatePeriod - p.oscillateBurst,
      };
    case 'whitewash':
      return {
        ...base,
        label: 'whitewashing',
        description: `honest while a newcomer, then cheats on ${pct(p.whitewashRate)} of jobs; when banned or put on probation it rejoins under a new identity (new stake, new entry bond)`,
        cheats: (c, u) => c.identityJob >= c.newcomerJobs && u < p.whitewashRate,
        rejoinsAfterBan: true,
        leavesOnProbation: true,
      };
  }
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
