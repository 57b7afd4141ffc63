import { VerdictError, hexSchema, parseWith, z, type Hex, type Job } from '../../core/index.js';
import { challengeSpecSchema, type ChallengeSpec } from '../../sampling/index.js';

/**
 * The `spec` of an `llm-inference` job (docs/formats.md, "Spot-sampling"). Unknown top-level fields are
 * kept out of the parsed value but allowed, so other verifiers of the job type (telemetry ...) can add theirs.
 */

export const MAX_PROMPT_CHARS = 64 * 1024;
export const MAX_SEQUENCE_TOKENS = 1 << 17;
export const MAX_BATCH_REQUESTS = 100_000;
const tokenId = z.number().int().min(0).max(2 ** 31 - 1);

export const modelRefSchema = z
  .object({
    /** Name the verifier's model resolver knows (e.g. "stories260k"). */
    id: z.string().min(1).max(128),
    /** sha256 of the model file; when present the verifier only accepts a backend with this digest. */
    sha256: hexSchema(32).optional(),
  })
  .strict();

const generation = {
  /** Prompt text, encoded by the model's tokenizer with BOS (as generateText does). */
  prompt: z.string().max(MAX_PROMPT_CHARS).optional(),
  /** Or the prompt as token ids (must not be empty). */
  promptTokens: z.array(tokenId).min(1).max(MAX_SEQUENCE_TOKENS).optional(),
  maxTokens: z.number().int().min(1).max(MAX_SEQUENCE_TOKENS),
  /** 0 = greedy; > 0 = protocol sampling (verdict-ctr-sha256-v1) with `seed`. */
  temperature: z.number().min(0).max(100).default(0),
  /** 32-byte sampling seed agreed with the job; required when temperature > 0. */
  seed: hexSchema(32).optional(),
  /** Generation ends early at the first of stopTokens it emits (the stop token is part of the output). */
  stopAtEos: z.boolean().default(true),
  /** The tokens that end generation early (llama2.c: BOS = 1, EOS = 2). */
  stopTokens: z.array(tokenId).max(16).default([1, 2]),
};

function refineGeneration(g: { prompt?: string | undefined; promptTokens?: number[] | undefined; temperature: number; seed?: Hex | undefined }, ctx: z.RefinementCtx): void {
  if ((g.prompt === undefined) === (g.promptTokens === undefined)) ctx.addIssue({ code: 'custom', message: 'expected exactly one of prompt, promptTokens' });
  if (g.temperature > 0 && g.seed === undefined) ctx.addIssue({ code: 'custom', path: ['seed'], message: 'a sampled job (temperature > 0) needs a 32-byte seed' });
}

export const generationSchema = z
  .object(generation)
  .strict()
  .superRefine(refineGeneration);

export type Generation = z.infer<typeof generationSchema>;

const common = {
  model: modelRefSchema,
  /** Whether token leaves commit to log-probabilities (checked within a tolerance). */
  logprobs: z.boolean().default(false),
  /** How the challenge seed is drawn; fixed before the provider runs. */
  challenge: challengeSpecSchema,
};

export const llmSingleSpecSchema = z
  .object({ mode: z.literal('single').default('single'), ...common, ...generation })
  .superRefine(refineGeneration);

export const llmBatchSpecSchema = z.object({
  mode: z.literal('batch'),
  ...common,
  requests: z.array(generationSchema).min(1).max(MAX_BATCH_REQUESTS),
});

export type LlmSingleSpec = z.infer<typeof llmSingleSpecSchema>;
export type LlmBatchSpec = z.infer<typeof llmBatchSpecSchema>;
export type LlmSpec = LlmSingleSpec | LlmBatchSpec;

export function parseLlmSpec(raw: unknown, source = 'job.spec'): LlmSpec {
  const mode = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).mode : undefined;
  return mode === 'batch'
    ? parseWith(llmBatchSpecSchema, raw, { source, code: 'BAD_INPUT' })
    : parseWith(llmSingleSpecSchema, raw, { source, code: 'BAD_INPUT' });
}

/** Policy options of the spot-sample verifier (ctx.options); docs/sampling.md explains each. */
export const spotSampleOptionsSchema = z
  .object({
    /** Fixed number of items to check; when absent it is computed from cheatFraction and targetDetection. */
    samples: z.number().int().min(1).max(10_000).optional(),
    /** f: the cheating fraction the sample is sized against (and reported for). */
    cheatFraction: z.number().gt(0).max(1).default(0.1),
    /** Detection probability wanted against a provider cheating on cheatFraction of the items. */
    targetDetection: z.number().min(0).lt(1).default(0.99),
    method: z.enum(['uniform', 'stratified']).default('uniform'),
    /** Greedy: a claimed token whose logit is within this of the top logit is ambiguous, not a mismatch. */
    nearTieMargin: z.number().min(0).max(10).default(1e-3),
    /** Sampled: u within this (× max(1, 1/T)) of the claimed token's CDF interval is ambiguous. */
    cdfMargin: z.number().min(0).max(0.5).default(1e-4),
    /** |claimed − recomputed| log-probability allowed (nats). */
    logprobTolerance: z.number().min(0).max(100).default(1e-3),
    /** More mismatching items than this fail the job. */
    maxMismatches: z.number().int().min(0).default(0),
    /** More ambiguous checked items than this fraction make the finding inconclusive. */
    maxAmbiguousFraction: z.number().min(0).max(1).default(0.5),
  })
  .strict();

export type SpotSampleOptions = z.infer<typeof spotSampleOptionsSchema>;

export function parseSpotSampleOptions(raw: unknown): SpotSampleOptions {
  return parseWith(spotSampleOptionsSchema, raw ?? {}, { source: 'policy options of spot-sample', code: 'BAD_CONFIG' });
}

/** A job whose challenge makes its own provider a committing party is refused: the provider could withhold its reveal. */
function refuseProviderAsParty(provider: string, challenge: ChallengeSpec): void {
  if (challenge.kind === 'commit-reveal' && challenge.commits.some((c) => c.party === provider)) {
    throw new VerdictError('BAD_INPUT', `the provider "${provider}" may not be one of the parties that draw its challenge`);
  }
}

/** Builds an llm-inference job (the job creator's side). */
export function llmJob(input: {
  id: string;
  provider: string;
  creator?: string;
  model: { id: string; sha256?: Hex };
  generation: Partial<Generation> & { maxTokens: number };
  logprobs?: boolean;
  challenge: ChallengeSpec;
  createdAt?: number;
}): Job {
  const spec: Record<string, unknown> = { mode: 'single', model: input.model, logprobs: input.logprobs ?? false, challenge: input.challenge, ...input.generation };
  const job: Job = { v: 1, id: input.id, type: 'llm-inference', provider: input.provider, spec: JSON.parse(JSON.stringify(spec)) };
  if (input.creator !== undefined) job.creator = input.creator;
  if (input.createdAt !== undefined) job.createdAt = input.createdAt;
  parseLlmSpec(job.spec);
  refuseProviderAsParty(input.provider, input.challenge);
  return job;
}

export function llmBatchJob(input: {
  id: string;
  provider: string;
  creator?: string;
  model: { id: string; sha256?: Hex };
  requests: Array<Partial<Generation> & { maxTokens: number }>;
  logprobs?: boolean;
  challenge: ChallengeSpec;
}): Job {
  const spec = { mode: 'batch', model: input.model, logprobs: input.logprobs ?? false, challenge: input.challenge, requests: input.requests };
  const job: Job = { v: 1, id: input.id, type: 'llm-inference', provider: input.provider, spec: JSON.parse(JSON.stringify(spec)) };
  if (input.creator !== undefined) job.creator = input.creator;
  parseLlmSpec(job.spec);
  refuseProviderAsParty(input.provider, input.challenge);
  return job;
}

/**
 * Refuses (BAD_INPUT) a generation whose prompt + maxTokens does not fit the model's context
 * (maxSequenceLength, 512 for stories260K). Such a job cannot be honoured: the model stops at its context
 * without a stop token, short of maxTokens. Providers refuse it before running, verifiers answer it
 * `inconclusive`; a completion that ends at the context limit is never accepted in its place.
 */
export function checkFitsContext(g: Pick<Generation, 'maxTokens'>, promptLength: number, maxSequenceLength: number): void {
  if (promptLength + g.maxTokens > maxSequenceLength) {
    throw new VerdictError(
      'BAD_INPUT',
      `the job asks for ${g.maxTokens} tokens after a ${promptLength}-token prompt: ${promptLength + g.maxTokens} exceeds the model's context of ${maxSequenceLength}`,
    );
  }
}

export function requireSeed(g: { temperature: number; seed?: Hex | undefined }): Uint8Array | undefined {
  if (g.temperature === 0) return undefined;
  if (!g.seed) throw new VerdictError('BAD_INPUT', 'a sampled job needs a seed');
  return new Uint8Array(Buffer.from(g.seed.slice(2), 'hex'));
}
