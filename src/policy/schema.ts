import { z } from '../core/index.js';

/**
 * A policy tells, for one job type, which verifiers run, how often, and how their Findings become a Decision.
 * Networks write it as JSON or YAML; docs/policy.md explains every field.
 */
export const verifierRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a verifier id like "rerun"'),
    /** A failing required verifier rejects on its own; an inconclusive one makes the decision inconclusive. */
    required: z.boolean().default(false),
    /** Chance this verifier runs on a job, in [0, 1], or "adaptive" to take it from the reputation scorer. */
    probability: z.union([z.number().min(0).max(1), z.literal('adaptive')]).default(1),
    /** How much a pass or a fail of this verifier counts towards the thresholds below. */
    weight: z.number().min(0).max(1000).default(1),
    /** Passed to the verifier as ctx.options; the verifier validates it. */
    options: z.record(z.string(), z.unknown()).default({}),
    budgetMs: z.number().int().min(1).max(3_600_000).optional(),
  })
  .strict();

export const policySchema = z
  .object({
    v: z.literal(1),
    id: z.string().min(1).max(128),
    version: z.string().min(1).max(64).default('1'),
    jobType: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a job type like "llm-inference"'),
    description: z.string().max(2000).optional(),
    verifiers: z.array(verifierRuleSchema).min(1, 'expected at least one verifier'),
    combine: z
      .object({
        /** Reject when the summed weight·confidence of failing optional verifiers reaches this. */
        rejectWeight: z.number().min(0).default(1),
        /** Accept only when the summed weight of passing verifiers reaches this (0: no fail is enough). */
        acceptWeight: z.number().min(0).default(0),
      })
      .strict()
      .default({ rejectWeight: 1, acceptWeight: 0 }),
    /** Default time budget per verifier, ms. */
    budgetMs: z.number().int().min(1).max(3_600_000).default(60_000),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.verifiers.forEach((v, i) => {
      if (seen.has(v.id)) ctx.addIssue({ code: 'custom', path: ['verifiers', i, 'id'], message: `verifier "${v.id}" is listed twice` });
      seen.add(v.id);
    });
  });

export type Policy = z.infer<typeof policySchema>;
export type VerifierRule = z.infer<typeof verifierRuleSchema>;
export type PolicyInput = z.input<typeof policySchema>;
