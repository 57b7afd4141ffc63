import { VerdictError, type Claim, type Job, type JsonValue } from '../../core/index.js';
import { generate, type Accumulation, type Model } from '../../inference/index.js';
import {
  commitBatch,
  commitCompletion,
  openLeaves,
  type ChallengeTranscript,
  type Commitment,
  type RequestLeaf,
  type TokenLeaf,
} from '../../sampling/index.js';
import type { BatchEvidence, LlmTokensEvidence, RequestOutput } from './evidence.js';
import { PURPOSE_REQUESTS, PURPOSE_TOKENS, selectSample } from './plan.js';
import { checkFitsContext, parseLlmSpec, parseSpotSampleOptions, requireSeed, type Generation, type LlmBatchSpec, type LlmSingleSpec } from './spec.js';

/**
 * The provider's side of spot-sampling: commit to every output before the challenge, then open what the
 * challenge selects. Providers compute the sample with the same code and the same (public) policy options
 * as the verifier; opening more positions than needed is harmless.
 */

export interface LlmOutput {
  completion: number[];
  /** One per token, when the job asks for logprobs. */
  logprobs?: number[];
}

function singleSpec(job: Job): LlmSingleSpec {
  const spec = parseLlmSpec(job.spec);
  if (spec.mode !== 'single') throw new VerdictError('BAD_INPUT', `job ${job.id} is a batch job`);
  return spec as LlmSingleSpec;
}

function batchSpec(job: Job): LlmBatchSpec {
  const spec = parseLlmSpec(job.spec);
  if (spec.mode !== 'batch') throw new VerdictError('BAD_INPUT', `job ${job.id} is not a batch job`);
  return spec as LlmBatchSpec;
}

export function promptTokensOf(g: Pick<Generation, 'prompt' | 'promptTokens'>, encode: (text: string) => number[]): number[] {
  return g.promptTokens ?? encode(g.prompt ?? '');
}

/** Commitment over a completion, with logprobs in the leaves when the job asks for them. */
export function commitLlmOutput(job: Job, promptTokens: readonly number[], output: LlmOutput): Commitment<TokenLeaf> {
  const spec = singleSpec(job);
  if (spec.logprobs && !output.logprobs) throw new VerdictError('BAD_INPUT', 'the job asks for logprobs');
  return commitCompletion({
    jobId: job.id,
    promptTokens,
    tokens: output.completion,
    ...(spec.logprobs ? { logprobs: output.logprobs! } : {}),
  });
}

export function commitLlmBatch(job: Job, outputs: readonly RequestOutput[]): Commitment<RequestLeaf> {
  const spec = batchSpec(job);
  const requests = (job.spec as { requests: JsonValue[] }).requests;
  return commitBatch(
    job.id,
    requests,
    outputs.map((o): JsonValue => (spec.logprobs ? { completion: o.completion, logprobs: o.logprobs ?? [] } : { completion: o.completion })),
  );
}

export function claimFor(job: Job, commitment: Commitment<unknown>, completedAt?: number): Claim {
  const claim: Claim = { v: 1, jobId: job.id, provider: job.provider, outputCommitment: commitment.commitment };
  if (completedAt !== undefined) claim.completedAt = completedAt;
  return claim;
}

/** Opens the positions the challenge selects (plus the last one when the completion stopped early). */
export function respondLlm(job: Job, commitment: Commitment<TokenLeaf>, challenge: ChallengeTranscript, policyOptions: unknown = {}): LlmTokensEvidence {
  const spec = singleSpec(job);
  const options = parseSpotSampleOptions(policyOptions);
  const seed = new Uint8Array(Buffer.from(challenge.seed.slice(2), 'hex'));
  const positions = new Set(selectSample(seed, options, commitment.size, PURPOSE_TOKENS).positions);
  if (commitment.size < spec.maxTokens) positions.add(commitment.size - 1);
  const sorted = [...positions].sort((a, b) => a - b);
  return {
    v: 1,
    kind: 'llm-tokens',
    root: commitment.root,
    size: commitment.size,
    completion: commitment.leaves.map((l) => l.token),
    openings: openLeaves(commitment, sorted),
    challenge,
  };
}

export function respondBatch(job: Job, commitment: Commitment<RequestLeaf>, outputs: readonly RequestOutput[], challenge: ChallengeTranscript, policyOptions: unknown = {}): BatchEvidence {
  const spec = batchSpec(job);
  const options = parseSpotSampleOptions(policyOptions);
  const seed = new Uint8Array(Buffer.from(challenge.seed.slice(2), 'hex'));
  const { positions } = selectSample(seed, options, commitment.size, PURPOSE_REQUESTS);
  return {
    v: 1,
    kind: 'batch',
    root: commitment.root,
    size: commitment.size,
    openings: openLeaves(commitment, positions).map((o) => {
      const out = outputs[o.leaf.i]!;
      return { ...o, output: spec.logprobs ? { completion: out.completion, logprobs: out.logprobs ?? [] } : { completion: out.completion } };
    }),
    challenge,
  };
}

/**
 * An honest provider's generation for one request of the job (greedy or protocol sampling, as agreed): it
 * ends after maxTokens tokens or, with stopAtEos, right after the first of the job's `stopTokens` (kept); the
 * runtime computes nothing past it. Refuses (BAD_INPUT) a job whose prompt + maxTokens exceeds the model's
 * context (checkFitsContext).
 */
export function generateFor(model: Model, g: Generation, options: { accumulation?: Accumulation; signal?: AbortSignal } = {}): LlmOutput & { promptTokens: number[] } {
  const promptTokens = promptTokensOf(g, (text) => model.tokenizer.encode(text, { bos: true }));
  checkFitsContext(g, promptTokens.length, model.config.maxSequenceLength);
  const seed = requireSeed(g);
  const r = generate(model, promptTokens, {
    maxTokens: g.maxTokens,
    temperature: g.temperature,
    ...(seed ? { seed } : {}),
    stopTokens: g.stopAtEos ? g.stopTokens : [],
    accumulation: options.accumulation ?? 'float64',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { promptTokens, completion: r.completion, logprobs: r.steps.map((s) => s.logprob) };
}
