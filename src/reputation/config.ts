import { parseWith, z } from '../core/index.js';

/**
 * Everything that tunes the scorer. The defaults are the parameters `verdict simulate` evaluates
 * (docs/reputation.md, bench/README.md); a network overrides them per deployment.
 */
const economicsParamsSchema = z
  .object({
    /** R: reward for an accepted job. */
    reward: z.number().finite().min(0),
    /** C: honest cost of a job. */
    cost: z.number().finite().min(0),
    /** G: what cheating on one job gains. */
    gain: z.number().finite().min(0),
    /** d: probability that a check of a cheated job detects it, in (0, 1]. */
    detection: z.number().gt(0).max(1),
  })
  .strict();

export const reputationConfigSchema = z
  .object({
    /** Beta prior pseudo-counts: what is believed about a provider nobody has checked yet. */
    prior: z.object({ alpha: z.number().gt(0).finite(), beta: z.number().gt(0).finite() }).strict(),
    /** Evidence one passed check adds (scaled by the stake factor). */
    passWeight: z.number().gt(0).finite(),
    /** Evidence one failed check adds; > passWeight makes the score fall faster than it rises. */
    failWeight: z.number().gt(0).finite(),
    /** Forgetting: at every period boundary both counts are multiplied by lambda (so old evidence fades toward the prior). */
    decay: z.object({ lambda: z.number().gt(0).max(1), periodMs: z.number().int().min(1) }).strict(),
    /** Confidence of the lower bound: the score's lower bound is the (1 − confidence) quantile. */
    confidence: z.number().gt(0.5).lt(1),
    /** How the lower bound is computed: the Beta posterior's quantile, or the Wilson score bound. */
    bound: z.enum(['beta', 'wilson']),
    /** A provider is checked on every job until it has this many adjudicated outcomes for the job type. */
    newcomerJobs: z.number().int().min(0),
    /** No established provider is checked less often than this. */
    floor: z.number().gt(0).max(1),
    /** Check rate from reputation = distrustGain × (1 − lower bound), i.e. proportional to the plausible failure rate. */
    distrustGain: z.number().min(0).finite(),
    /** After an (unconfirmed) fail, the rate is at least `rate` until `passes` checks in a row have passed. */
    probation: z.object({ rate: z.number().min(0).max(1), passes: z.number().int().min(0) }).strict(),
    /**
     * A provider whose jobs keep failing is suspended for `durationMs` when it has at least `minFails` recent
     * (decayed) fails and its expected score fell below `belowScore`. Confirmed cheats are suspended for good.
     */
    suspension: z
      .object({ minFails: z.number().min(1), belowScore: z.number().min(0).max(1), durationMs: z.number().int().min(0) })
      .strict(),
    /**
     * Stake weighting: a pass counts min(1, max(minFactor, stake / reference)) of passWeight, because a provider
     * with little at stake has less reason to stay honest and so earns trust more slowly.
     */
    stake: z.object({ reference: z.number().gt(0).finite(), minFactor: z.number().gt(0).max(1) }).strict(),
    /** Job economics (without the stake, which is per provider): the default and overrides per job type. */
    economics: z
      .object({ default: economicsParamsSchema, byJobType: z.record(z.string(), economicsParamsSchema) })
      .strict(),
    /** The rate is never below economicMargin × the economic minimum G/(d·(R+S)). */
    economicMargin: z.number().min(1).finite(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.failWeight < c.passWeight) {
      ctx.addIssue({ code: 'custom', path: ['failWeight'], message: 'a fail must weigh at least as much as a pass' });
    }
  });

export type ReputationConfig = z.infer<typeof reputationConfigSchema>;
export type EconomicsParams = ReputationConfig['economics']['default'];

const DAY = 86_400_000;

export const DEFAULT_REPUTATION_CONFIG: ReputationConfig = Object.freeze({
  prior: { alpha: 1, beta: 1 },
  passWeight: 1,
  failWeight: 5,
  decay: { lambda: 0.95, periodMs: DAY },
  confidence: 0.95,
  bound: 'beta',
  newcomerJobs: 50,
  floor: 0.04,
  distrustGain: 2,
  probation: { rate: 0.25, passes: 10 },
  suspension: { minFails: 3, belowScore: 0.5, durationMs: 6 * 3_600_000 },
  stake: { reference: 25, minFactor: 0.1 },
  economics: { default: { reward: 1, cost: 0.5, gain: 0.5, detection: 0.9 }, byJobType: {} },
  economicMargin: 1.5,
}) as ReputationConfig;

export type ReputationConfigInput = {
  [K in keyof ReputationConfig]?: ReputationConfig[K] extends Record<string, unknown> ? Partial<ReputationConfig[K]> : ReputationConfig[K];
};

/** Fills a partial config from the defaults (one level deep) and validates it; errors are VerdictError('BAD_CONFIG'). */
export function resolveReputationConfig(input: ReputationConfigInput = {}, source = 'reputation config'): ReputationConfig {
  const d = DEFAULT_REPUTATION_CONFIG;
  const merged: Record<string, unknown> = { ...d };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const base = (d as Record<string, unknown>)[key];
    merged[key] =
      base && typeof base === 'object' && value && typeof value === 'object' && !Array.isArray(value)
        ? { ...(base as object), ...(value as object) }
        : value;
  }
  return parseWith(reputationConfigSchema, merged, { source, code: 'BAD_CONFIG' });
}

export function economicsFor(config: ReputationConfig, jobType: string): EconomicsParams {
  return config.economics.byJobType[jobType] ?? config.economics.default;
}
