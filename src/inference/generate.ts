/**
 * Generation with a KV cache: greedy or protocol sampling (verdict-ctr-sha256-v1, see sampling.ts).
 * The token at sequence position t is drawn from the logits of position t with u_t = samplingUniform(seed, t).
 */
import { VerdictError, describeUnknown } from '../core/errors.js';
import { ForwardState } from './forward.js';
import { logSoftmax, sampleFromLogits, samplingUniform } from './sampling.js';
import { BOS, EOS } from './tokenizer.js';
import type { GenerateOptions, GenerateResult, GenerationStep, Model } from './types.js';

export function generate(model: Model, prompt: readonly number[], options: GenerateOptions): GenerateResult {
  const temperature = options.temperature ?? 0;
  const maxTokens = options.maxTokens;
  const accumulation = options.accumulation ?? 'float64';
  if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new VerdictError('BAD_INPUT', `maxTokens must be a non-negative integer, got ${maxTokens}`);
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new VerdictError('BAD_INPUT', `temperature must be >= 0, got ${temperature}`);
  if (temperature > 0 && !(options.seed instanceof Uint8Array && options.seed.length === 32)) {
    throw new VerdictError('BAD_INPUT', 'sampling with temperature > 0 needs a 32-byte seed');
  }
  if (prompt.length < 1) throw new VerdictError('BAD_INPUT', 'the prompt needs at least one token (BOS)');
  const total = Math.min(model.config.maxSequenceLength, prompt.length + maxTokens);
  if (prompt.length > model.config.maxSequenceLength) {
    throw new VerdictError('LIMIT_EXCEEDED', `prompt of ${prompt.length} tokens exceeds the model's ${model.config.maxSequenceLength}`);
  }
  const stops = stopSet(options);
  const state = new ForwardState(model, accumulation, Math.max(total, 1));
  const V = model.config.vocabSize;
  const logits = accumulation === 'float64' ? new Float64Array(V) : new Float32Array(V);
  const lp = new Float64Array(V);
  const tokens = [...prompt];
  const steps: GenerationStep[] = [];
  const kept: Array<Float32Array | Float64Array> = [];
  // The prompt in blocks, logits only for its last token.
  state.feed(prompt, logits, prompt.length - 1);
  let stopReason: GenerateResult['stopReason'] = 'length';
  while (tokens.length < total) {
    if (options.signal?.aborted) throw new VerdictError('TIMEOUT', 'generation aborted', { cause: options.signal.reason });
    const t = tokens.length;
    const u = temperature > 0 ? samplingUniform(options.seed!, t) : undefined;
    const s = sampleFromLogits(logits, temperature, u ?? 0);
    logSoftmax(logits, lp);
    const step: GenerationStep = { position: t, token: s.token, logprob: lp[s.token]!, lo: s.lo, hi: s.hi };
    if (u !== undefined) step.u = u;
    steps.push(step);
    if (options.keepLogits) kept.push(logits.slice());
    tokens.push(s.token);
    if (stops.has(s.token)) {
      stopReason = s.token === EOS || s.token === BOS ? 'eos' : 'stop';
      break;
    }
    if (tokens.length < total) state.feed([s.token], logits, 0);
  }
  const completion = tokens.slice(prompt.length);
  const result: GenerateResult = {
    tokens,
    promptLength: prompt.length,
    completion,
    text: model.tokenizer.decode(completion, prompt[prompt.length - 1]),
    steps,
    stopReason,
  };
  if (options.keepLogits) result.logits = kept;
  return result;
}

/** The tokens that end generation: `stopTokens` when given, else BOS and EOS unless `stopAtEos` is false. */
function stopSet(options: GenerateOptions): ReadonlySet<number> {
  if (options.stopTokens === undefined) return new Set(options.stopAtEos ?? true ? [BOS, EOS] : []);
  if (options.stopAtEos !== undefined) throw new VerdictError('BAD_INPUT', 'give either stopTokens or stopAtEos, not both');
  const stopTokens = options.stopTokens as unknown;
  if (stopTokens === null || typeof stopTokens !== 'object' || !(Symbol.iterator in stopTokens)) {
    throw new VerdictError('BAD_INPUT', 'stopTokens must be an array or a set of token ids');
  }
  const stops = new Set<number>();
  for (const token of stopTokens as Iterable<unknown>) {
    if (!Number.isSafeInteger(token) || (token as number) < 0) throw new VerdictError('BAD_INPUT', `stop token ${describeUnknown(token, 40)} is not a token id (an integer >= 0)`);
    stops.add(token as number);
  }
  return stops;
}

/** Convenience: encode text with BOS and generate. */
export function generateText(model: Model, text: string, options: GenerateOptions): GenerateResult {
  return generate(model, model.tokenizer.encode(text, { bos: true }), options);
}
