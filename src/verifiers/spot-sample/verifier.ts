import { VerdictError, isVerdictError, type Finding, type Hex, type Job, type JsonValue } from '../../core/index.js';
import { samplingUniform, type InferenceBackend, type Model, type PositionScore, type Accumulation } from '../../inference/index.js';
import { LocalBackend } from '../../inference/index.js';
import {
  commitmentMatches,
  contextChain,
  outputDigest,
  requestDigest,
  verifyChallenge,
  verifyRequestOpening,
  verifyTokenOpening,
  type ChallengeSpec,
  type ChallengeTranscript,
} from '../../sampling/index.js';
import type { Verifier, VerifyContext } from '../types.js';
import { cdfMarginFor, checkGreedy, checkSampled, logitsOf, logprobWithin, type PositionVerdict } from './checks.js';
import { parseSpotSampleEvidence, type BatchEvidence, type LlmTokensEvidence, type RequestOutput, type SpotSampleEvidence } from './evidence.js';
import { PURPOSE_REQUESTS, PURPOSE_TOKENS, selectSample, type SelectedSample } from './plan.js';
import { checkFitsContext, parseLlmSpec, parseSpotSampleOptions, type Generation, type LlmBatchSpec, type LlmSingleSpec, type SpotSampleOptions } from './spec.js';

/** What the verifier needs to recompute for one model. */
export interface ModelEndpoint {
  backend: InferenceBackend;
  /** Encodes prompt text with BOS; needed for jobs that give `prompt` as text. */
  encode?: (text: string) => number[];
  /** sha256 (0x-hex) of the model the backend serves; matched against job.spec.model.sha256. */
  digest?: string;
  /** The model's context (prompt + completion tokens); jobs that do not fit it are inconclusive (BAD_INPUT). */
  maxSequenceLength?: number;
}

export type ModelResolver = (ref: { id: string; sha256?: Hex | undefined }) => ModelEndpoint | undefined;

/** Resolver over in-process models keyed by id, each scored by a LocalBackend (float64 unless told otherwise). */
export function localModelResolver(models: Readonly<Record<string, Model>>, options: { accumulation?: Accumulation } = {}): ModelResolver {
  const endpoints = new Map<string, ModelEndpoint>();
  for (const [id, model] of Object.entries(models)) {
    const endpoint: ModelEndpoint = {
      backend: new LocalBackend(model, { accumulation: options.accumulation ?? 'float64' }),
      encode: (text) => model.tokenizer.encode(text, { bos: true }),
      maxSequenceLength: model.config.maxSequenceLength,
    };
    if (model.digest !== undefined) endpoint.digest = model.digest;
    endpoints.set(id, endpoint);
  }
  return (ref) => endpoints.get(ref.id);
}

/** Chain facts for beacon challenges; the mediator's chain adapter implements it. */
export interface ChainBeaconSource {
  /** Hash of block `n`, or undefined when the chain has no such block yet. */
  blockHash(n: number, signal?: AbortSignal): Promise<Hex | undefined>;
  /**
   * Number of the first block that recorded this output commitment for the job, or undefined when none did.
   * The beacon is block (this + the job's distance): recording the commitment again later must not move it.
   */
  commitmentBlock(jobId: string, outputCommitment: Hex, signal?: AbortSignal): Promise<number | undefined>;
}

export interface SpotSampleVerifierConfig {
  models: ModelResolver;
  chain?: ChainBeaconSource;
}

/** What one checked item (a token position, or a whole request) came to. */
interface ItemResult {
  verdict: PositionVerdict;
  why?: string;
}

class Outcome extends Error {
  constructor(readonly finding: Omit<Finding, 'verifier' | 'cost'>) {
    super(finding.reason);
  }
}

function failWith(reason: string, details: Record<string, unknown> = {}): never {
  throw new Outcome({ outcome: 'fail', reason, confidence: 1, details });
}

function inconclusive(reason: string, code: string, retryable: boolean, details: Record<string, unknown> = {}): never {
  throw new Outcome({ outcome: 'inconclusive', reason, error: { code, retryable }, details });
}

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Spot-sample verifier for `llm-inference` jobs (docs/sampling.md).
 *
 * The provider committed to every output (a Merkle root over token positions, or over batch requests)
 * before a seed it could not predict picked the items to check. The verifier re-derives that seed,
 * checks the openings against the commitment, and recomputes only what the sample needs: one
 * teacher-forced prefill of the claimed sequence up to the last sampled position (single mode), or one
 * prefill per sampled request (batch mode). It never re-runs the whole job.
 */
export class SpotSampleVerifier implements Verifier<SpotSampleEvidence> {
  readonly id = 'spot-sample';
  readonly version = '1.0.0';

  constructor(private readonly config: SpotSampleVerifierConfig) {}

  parseEvidence(raw: unknown): SpotSampleEvidence {
    return parseSpotSampleEvidence(raw);
  }

  async verify(job: Job, evidence: SpotSampleEvidence, ctx: VerifyContext): Promise<Finding> {
    const started = performance.now();
    const cost = () => ({ ms: round(performance.now() - started, 3) });
    try {
      let options: SpotSampleOptions;
      let spec;
      try {
        options = parseSpotSampleOptions(ctx.options);
        spec = parseLlmSpec(job.spec);
      } catch (e) {
        if (isVerdictError(e)) inconclusive(e.message, e.code, false);
        throw e;
      }
      const finding =
        spec.mode === 'batch'
          ? await this.verifyBatch(job, spec as LlmBatchSpec, evidence, options, ctx)
          : await this.verifySingle(job, spec as LlmSingleSpec, evidence, options, ctx);
      return { verifier: this.id, ...finding, cost: cost() };
    } catch (e) {
      if (e instanceof Outcome) return { verifier: this.id, ...e.finding, cost: cost() };
      if (isVerdictError(e, 'BAD_EVIDENCE')) return { verifier: this.id, outcome: 'fail', reason: e.message, confidence: 1, cost: cost() };
      if (isVerdictError(e)) {
        return { verifier: this.id, outcome: 'inconclusive', reason: e.message, error: { code: e.code, retryable: e.retryable }, cost: cost() };
      }
      throw e;
    }
  }

  // ---- shared steps ----

  private async challengeSeed(job: Job, challenge: ChallengeSpec, transcript: ChallengeTranscript, ctx: VerifyContext): Promise<Uint8Array> {
    const outputCommitment = ctx.claim.outputCommitment;
    // The pure checks first (pinned beacon block, reveals, seed): the provider's mistakes fail before any chain lookup.
    let seed: Uint8Array;
    try {
      seed = verifyChallenge(transcript, { jobId: job.id, outputCommitment, spec: challenge, excludedParties: [job.provider] });
    } catch (e) {
      // A party that has not revealed is not the provider's fault: undecided until it does.
      if (isVerdictError(e, 'NOT_FOUND')) inconclusive(e.message, e.code, e.retryable, e.details);
      throw e;
    }
    if (transcript.kind === 'chain') {
      const chain = this.config.chain;
      if (!chain) inconclusive('the job uses a chain-beacon challenge and this verifier has no chain source', 'UNSUPPORTED', false);
      let recorded: number | undefined;
      let hash: Hex | undefined;
      try {
        recorded = await chain!.commitmentBlock(job.id, outputCommitment, ctx.signal);
        hash = await chain!.blockHash(transcript.beaconBlock, ctx.signal);
      } catch (e) {
        const err = isVerdictError(e) ? e : new VerdictError('CHAIN_ERROR', `chain source failed: ${(e as Error)?.message ?? e}`, { cause: e });
        inconclusive(err.message, err.code, err.retryable);
      }
      if (recorded === undefined) inconclusive('the output commitment is not recorded on chain (yet)', 'CHAIN_ERROR', true);
      if (recorded !== transcript.commitBlock) failWith(`challenge: the commitment was recorded in block ${recorded}, the transcript says ${transcript.commitBlock}`);
      if (hash === undefined) inconclusive(`beacon block ${transcript.beaconBlock} is not on chain yet`, 'CHAIN_ERROR', true);
      if (hash!.toLowerCase() !== transcript.beaconHash.toLowerCase()) failWith(`challenge: ${transcript.beaconHash} is not the hash of block ${transcript.beaconBlock}`);
    }
    return seed!;
  }

  private endpoint(spec: { model: { id: string; sha256?: Hex | undefined } }): ModelEndpoint {
    const endpoint = this.config.models(spec.model);
    if (!endpoint) return inconclusive(`no inference backend for model "${spec.model.id}"`, 'NOT_FOUND', false);
    if (spec.model.sha256 && endpoint.digest?.toLowerCase() !== spec.model.sha256.toLowerCase()) {
      return inconclusive(`the backend for "${spec.model.id}" does not serve the model with sha256 ${spec.model.sha256}`, 'NOT_FOUND', false);
    }
    return endpoint;
  }

  private promptTokens(g: Generation, endpoint: ModelEndpoint): number[] {
    if (g.promptTokens) return g.promptTokens;
    if (!endpoint.encode) return inconclusive('the job gives its prompt as text and the backend has no tokenizer', 'UNSUPPORTED', false);
    const tokens = endpoint.encode(g.prompt ?? '');
    if (tokens.length < 1) inconclusive('the prompt encodes to no tokens', 'BAD_INPUT', false);
    return tokens;
  }

  /** A job that does not fit the model's context cannot be honoured: not the provider's fault, not a pass. */
  private fitsContext(g: Generation, promptLength: number, endpoint: ModelEndpoint): void {
    if (endpoint.maxSequenceLength === undefined) return;
    try {
      checkFitsContext(g, promptLength, endpoint.maxSequenceLength);
    } catch (e) {
      if (isVerdictError(e)) inconclusive(e.message, e.code, false);
      throw e;
    }
  }

  /** One teacher-forced pass over prompt ++ completion, scoring positions from `from` (backend failures → inconclusive). */
  private async score(endpoint: ModelEndpoint, tokens: number[], from: number, needRows: boolean, ctx: VerifyContext): Promise<PositionScore[]> {
    const backend = endpoint.backend;
    const run = async (topK: number) => {
      try {
        return await backend.score(tokens, from, { topK, signal: ctx.signal });
      } catch (e) {
        const err = isVerdictError(e) ? e : new VerdictError('EXECUTOR_FAILED', `inference backend failed: ${(e as Error)?.message ?? e}`, { cause: e });
        // A backend that answers garbage is the verifier's infrastructure problem, not the provider's fault.
        return inconclusive(`recomputation failed: ${err.message}`, err.code === 'BAD_EVIDENCE' ? 'EXECUTOR_FAILED' : err.code, err.code === 'BAD_EVIDENCE' ? true : err.retryable);
      }
    };
    let scores = await run(1);
    if (needRows && scores.some((s) => logitsOf(s, backend.vocabSize) === undefined)) scores = await run(backend.vocabSize);
    if (scores.length !== tokens.length - from || scores.some((s, i) => s.position !== from + i || s.token !== tokens[from + i])) {
      inconclusive('the inference backend returned scores for other positions than asked', 'EXECUTOR_FAILED', true);
    }
    return scores;
  }

  /** Checks the claimed token (and log-probability) at one scored position. */
  private checkPosition(
    g: Generation,
    seed: Uint8Array | undefined,
    s: PositionScore,
    claimedLogprob: number | undefined,
    options: SpotSampleOptions,
    vocabSize: number,
  ): ItemResult & { margin: number } {
    let verdict: PositionVerdict;
    let margin: number;
    let expected: number;
    if (g.temperature === 0) {
      ({ verdict, margin, expected } = checkGreedy(s, options.nearTieMargin));
    } else {
      const logits = logitsOf(s, vocabSize);
      if (!logits) return inconclusive('the inference backend returns neither logits nor the full distribution, needed to replay sampling', 'UNSUPPORTED', false);
      const u = samplingUniform(seed!, s.position);
      ({ verdict, margin, expected } = checkSampled(logits, g.temperature, u, s.token, cdfMarginFor(options.cdfMargin, g.temperature)));
    }
    let why = verdict === 'mismatch' ? `token ${s.token} claimed, the model gives ${expected}` : undefined;
    if (claimedLogprob !== undefined && !logprobWithin(claimedLogprob, s.logprob, options.logprobTolerance)) {
      verdict = 'mismatch';
      why = `${why ? `${why}; ` : ''}logprob ${claimedLogprob} claimed, recomputed ${round(s.logprob)}`;
    }
    return why === undefined ? { verdict, margin } : { verdict, margin, why };
  }

  private decide(
    kind: string,
    sample: SelectedSample,
    results: Array<ItemResult & { item: number }>,
    options: SpotSampleOptions,
    details: Record<string, unknown>,
  ): Omit<Finding, 'verifier' | 'cost'> {
    const mismatches = results.filter((r) => r.verdict === 'mismatch');
    const ambiguous = results.filter((r) => r.verdict === 'ambiguous').length;
    const summary = {
      ...details,
      checked: results.length,
      mismatches: mismatches.length,
      ambiguous,
      mismatched: mismatches.slice(0, 20).map((r) => ({ item: r.item, why: r.why ?? '' })),
      sample: { method: sample.method, population: sample.population, size: sample.size },
      detection: { cheatFraction: options.cheatFraction, maxMismatches: options.maxMismatches, probability: round(sample.detection) },
    };
    if (mismatches.length > options.maxMismatches) {
      const first = mismatches[0]!;
      return {
        outcome: 'fail',
        reason: `${mismatches.length} of ${results.length} sampled ${kind} do not match the recomputation (first: ${kind === 'positions' ? 'position' : 'request'} ${first.item}: ${first.why})`,
        confidence: 1,
        details: summary,
      };
    }
    if (results.length > 0 && ambiguous / results.length > options.maxAmbiguousFraction) {
      return {
        outcome: 'inconclusive',
        reason: `${ambiguous} of ${results.length} sampled ${kind} are within the numeric margin: too ambiguous to judge`,
        details: summary,
      };
    }
    return {
      outcome: 'pass',
      reason: `${results.length} sampled ${kind} match (${ambiguous} near ties); detects a provider cheating on ≥ ${options.cheatFraction * 100}% with probability ${round(sample.detection, 4)}${options.maxMismatches > 0 ? ` (more than ${options.maxMismatches} bad items sampled)` : ''}`,
      confidence: sample.detection,
      details: summary,
    };
  }

  // ---- single completion: per-token leaves ----

  private async verifySingle(job: Job, spec: LlmSingleSpec, evidence: SpotSampleEvidence, options: SpotSampleOptions, ctx: VerifyContext) {
    if (evidence.kind !== 'llm-tokens') return failWith(`evidence of kind "${evidence.kind}" for a single-completion job`);
    const ev: LlmTokensEvidence = evidence;
    if (!commitmentMatches(ctx.claim.outputCommitment, job.id, ev.root, ev.size)) {
      failWith('the evidence root and size do not open the claimed output commitment', { root: ev.root, size: ev.size });
    }
    if (ev.size > spec.maxTokens) failWith(`the commitment has ${ev.size} tokens, more than the job's maxTokens ${spec.maxTokens}`);
    const seed = await this.challengeSeed(job, spec.challenge, ev.challenge, ctx);
    const endpoint = this.endpoint(spec);
    const prompt = this.promptTokens(spec, endpoint);
    this.fitsContext(spec, prompt.length, endpoint);
    const sample = selectSample(seed, options, ev.size, PURPOSE_TOKENS);
    // A completion that ended early claims the model chose to stop: that last position is always checked.
    const checked = new Set(sample.positions);
    const endedEarly = ev.size < spec.maxTokens;
    if (endedEarly) checked.add(ev.size - 1);
    const positions = [...checked].sort((a, b) => a - b);
    const last = positions[positions.length - 1]!;

    const byT = new Map<number, LlmTokensEvidence['openings'][number]>();
    for (const o of ev.openings) {
      if (byT.has(o.leaf.t)) failWith(`the evidence opens position ${o.leaf.t} twice`);
      byT.set(o.leaf.t, o);
    }
    const missing = positions.filter((t) => !byT.has(t));
    if (missing.length) failWith(`the evidence does not open ${missing.length} of the ${positions.length} sampled positions (first: ${missing[0]})`, { missing: missing.slice(0, 20) });
    if (ev.completion.length < last + 1) failWith(`the completion is revealed up to position ${ev.completion.length - 1}, the sample needs ${last}`);
    const completion = ev.completion.slice(0, last + 1);
    const chain = contextChain(prompt, completion);
    for (const t of positions) {
      const o = byT.get(t)!;
      if (!verifyTokenOpening(ev.root, ev.size, o)) failWith(`commitment mismatch: the opening of position ${t} does not verify against the root`);
      if (o.leaf.token !== completion[t]) failWith(`commitment mismatch: position ${t} commits token ${o.leaf.token}, the revealed completion has ${completion[t]}`);
      if (o.leaf.ctx.toLowerCase() !== chain[t]) failWith(`commitment mismatch: the committed context of position ${t} is not the revealed prompt and prefix`);
      if ((o.leaf.logprob !== undefined) !== spec.logprobs) failWith(`position ${t} ${spec.logprobs ? 'lacks' : 'has'} a logprob; the job ${spec.logprobs ? 'asks for' : 'does not ask for'} logprobs`);
    }
    if (endedEarly && !(spec.stopAtEos && spec.stopTokens.includes(completion[ev.size - 1]!))) {
      failWith(`the completion ends after ${ev.size} of ${spec.maxTokens} tokens without a stop token`);
    }
    // The revealed prefix is bound by the opened contexts (all of it when the completion ended early).
    const early = earlyStop(spec, completion, ev.size);
    if (early) failWith(early.why, { position: early.position, stopToken: early.token });

    const vocab = endpoint.backend.vocabSize;
    const outside = completion.findIndex((token) => token >= vocab);
    if (outside >= 0) failWith(`position ${outside} claims token ${completion[outside]}, outside the model's vocabulary of ${vocab}`);
    const seedBytes = spec.temperature > 0 ? hexBytes(spec.seed!) : undefined;
    const tokens = [...prompt, ...completion];
    const from = prompt.length + positions[0]!;
    const recomputeStarted = performance.now();
    const scores = await this.score(endpoint, tokens, from, spec.temperature > 0, ctx);
    const results = positions.map((t) => {
      const r = this.checkPosition(spec, seedBytes, scores[prompt.length + t - from]!, byT.get(t)!.leaf.logprob, options, endpoint.backend.vocabSize);
      return { item: t, ...r };
    });
    return this.decide('positions', sample, results, options, {
      mode: spec.temperature > 0 ? 'sampled' : 'greedy',
      backend: endpoint.backend.id,
      recompute: { tokens: tokens.length, scoredFrom: from, ms: round(performance.now() - recomputeStarted, 3) },
      positions: positions.length <= 64 ? positions : positions.slice(0, 64),
    });
  }

  // ---- batch: per-request leaves ----

  private async verifyBatch(job: Job, spec: LlmBatchSpec, evidence: SpotSampleEvidence, options: SpotSampleOptions, ctx: VerifyContext) {
    if (evidence.kind !== 'batch') return failWith(`evidence of kind "${evidence.kind}" for a batch job`);
    const ev: BatchEvidence = evidence;
    const population = spec.requests.length;
    if (ev.size !== population) failWith(`the commitment has ${ev.size} leaves for ${population} requests`);
    if (!commitmentMatches(ctx.claim.outputCommitment, job.id, ev.root, ev.size)) {
      failWith('the evidence root and size do not open the claimed output commitment', { root: ev.root, size: ev.size });
    }
    const seed = await this.challengeSeed(job, spec.challenge, ev.challenge, ctx);
    const endpoint = this.endpoint(spec);
    const sample = selectSample(seed, options, population, PURPOSE_REQUESTS);
    const rawRequests = (job.spec as { requests: JsonValue[] }).requests;
    const byI = new Map<number, BatchEvidence['openings'][number]>();
    for (const o of ev.openings) {
      if (byI.has(o.leaf.i)) failWith(`the evidence opens request ${o.leaf.i} twice`);
      byI.set(o.leaf.i, o);
    }
    const missing = sample.positions.filter((i) => !byI.has(i));
    if (missing.length) failWith(`the evidence does not open ${missing.length} of the ${sample.positions.length} sampled requests (first: ${missing[0]})`);
    for (const i of sample.positions) {
      const o = byI.get(i)!;
      if (!verifyRequestOpening(ev.root, ev.size, o)) failWith(`commitment mismatch: the opening of request ${i} does not verify against the root`);
      if (o.leaf.input !== requestDigest(rawRequests[i]!)) failWith(`commitment mismatch: request ${i}'s leaf commits to another request`);
      if (o.leaf.output !== outputDigest(o.output as unknown as JsonValue)) failWith(`commitment mismatch: request ${i}'s revealed output is not the committed one`);
    }
    const recomputeStarted = performance.now();
    let positionsChecked = 0;
    let tokensPrefilled = 0;
    const results: Array<ItemResult & { item: number }> = [];
    for (const i of sample.positions) {
      const r = await this.checkRequest(spec, spec.requests[i]!, byI.get(i)!.output, endpoint, options, ctx);
      positionsChecked += r.positions;
      tokensPrefilled += r.tokens;
      results.push({ item: i, verdict: r.verdict, ...(r.why ? { why: r.why } : {}) });
    }
    return this.decide('requests', sample, results, options, {
      mode: 'batch',
      backend: endpoint.backend.id,
      recompute: { requests: sample.positions.length, positions: positionsChecked, tokens: tokensPrefilled, ms: round(performance.now() - recomputeStarted, 3) },
    });
  }

  /** Re-checks one whole request: every position of its completion from one prefill, log-probabilities within tolerance. */
  private async checkRequest(
    spec: LlmBatchSpec,
    g: Generation,
    output: RequestOutput,
    endpoint: ModelEndpoint,
    options: SpotSampleOptions,
    ctx: VerifyContext,
  ): Promise<ItemResult & { positions: number; tokens: number }> {
    const { completion, logprobs } = output;
    const base = { positions: 0, tokens: 0 };
    // Before the stop/length rules: a request the model's context cannot hold makes the job undecidable.
    const prompt = this.promptTokens(g, endpoint);
    this.fitsContext(g, prompt.length, endpoint);
    if ((logprobs !== undefined) !== spec.logprobs) return { ...base, verdict: 'mismatch', why: spec.logprobs ? 'logprobs missing' : 'unexpected logprobs' };
    if (logprobs && logprobs.length !== completion.length) return { ...base, verdict: 'mismatch', why: `${logprobs.length} logprobs for ${completion.length} tokens` };
    if (completion.length > g.maxTokens) return { ...base, verdict: 'mismatch', why: `${completion.length} tokens, more than maxTokens ${g.maxTokens}` };
    if (completion.length < g.maxTokens && !(g.stopAtEos && completion.length > 0 && g.stopTokens.includes(completion[completion.length - 1]!))) {
      return { ...base, verdict: 'mismatch', why: `ends after ${completion.length} of ${g.maxTokens} tokens without a stop token` };
    }
    const early = earlyStop(g, completion, completion.length);
    if (early) return { ...base, verdict: 'mismatch', why: early.why };
    if (completion.length === 0) return { ...base, verdict: 'match' };
    const tokens = [...prompt, ...completion];
    const vocab = endpoint.backend.vocabSize;
    if (completion.some((t) => t >= vocab)) return { ...base, verdict: 'mismatch', why: `a token outside the vocabulary of ${vocab}` };
    const scores = await this.score(endpoint, tokens, prompt.length, g.temperature > 0, ctx);
    const seed = g.temperature > 0 ? hexBytes(g.seed!) : undefined;
    let ambiguous = false;
    for (let t = 0; t < completion.length; t++) {
      const r = this.checkPosition(g, seed, scores[t]!, logprobs?.[t], options, vocab);
      if (r.verdict === 'mismatch') return { positions: t + 1, tokens: tokens.length, verdict: 'mismatch', why: `position ${t}: ${r.why}` };
      if (r.verdict === 'ambiguous') ambiguous = true;
    }
    return { positions: completion.length, tokens: tokens.length, verdict: ambiguous ? 'ambiguous' : 'match' };
  }
}

/**
 * Generation ends right after a stop token, so in a completion of `size` tokens no position before the last
 * may hold one: a provider that kept generating past it computed (and charged for) tokens the job did not ask
 * for. The model would score those tokens as usual, so only this rule catches it. `revealed` may be a prefix.
 */
function earlyStop(g: Pick<Generation, 'stopAtEos' | 'stopTokens'>, revealed: readonly number[], size: number): { position: number; token: number; why: string } | undefined {
  if (!g.stopAtEos || g.stopTokens.length === 0) return undefined;
  const end = Math.min(revealed.length, size - 1);
  for (let t = 0; t < end; t++) {
    const token = revealed[t]!;
    if (g.stopTokens.includes(token)) {
      return { position: t, token, why: `position ${t} holds the stop token ${token} before the last position ${size - 1}: generation must end there` };
    }
  }
  return undefined;
}

function hexBytes(hex: Hex): Uint8Array {
  return new Uint8Array(Buffer.from(hex.slice(2), 'hex'));
}

export function createSpotSampleVerifier(config: SpotSampleVerifierConfig): SpotSampleVerifier {
  return new SpotSampleVerifier(config);
}
