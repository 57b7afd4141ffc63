import { VerdictError } from '../core/errors.js';
import { ForwardState, checkTokens, prefill } from './forward.js';
import { logSoftmax, topK } from './sampling.js';
import type { Accumulation, InferenceBackend, Model, PositionScore, ScoreOptions } from './types.js';

export interface LocalBackendOptions {
  /** Default 'float64' (the reference). Other values simulate honest-but-different providers. */
  accumulation?: Accumulation;
  /** Attach the full logit row to every PositionScore (default true). */
  includeLogits?: boolean;
}

/** Validates the arguments every backend's score() shares. */
export function checkScoreArgs(tokens: readonly number[], from: number, options: ScoreOptions, vocabSize: number): void {
  if (!Array.isArray(tokens) || tokens.length < 1) throw new VerdictError('BAD_INPUT', 'score needs a non-empty token array');
  if (!Number.isInteger(from) || from < 1 || from > tokens.length) {
    throw new VerdictError('BAD_INPUT', `from must be in [1, ${tokens.length}], got ${from}`);
  }
  if (!options || !Number.isInteger(options.topK) || options.topK < 0 || options.topK > vocabSize) {
    throw new VerdictError('BAD_INPUT', `topK must be an integer in [0, ${vocabSize}]`);
  }
}

/** The positions a score() call returns: options.positions (checked, sorted, deduplicated) or from..length-1. */
export function scoredPositions(tokens: readonly number[], from: number, options: ScoreOptions): number[] {
  if (options.positions === undefined) return [...Array(tokens.length - from).keys()].map((i) => i + from);
  if (!Array.isArray(options.positions)) throw new VerdictError('BAD_INPUT', 'positions must be an array');
  const out = [...new Set(options.positions)].sort((a, b) => a - b);
  for (const t of out) {
    if (!Number.isInteger(t) || t < from || t >= tokens.length) throw new VerdictError('BAD_INPUT', `position ${String(t)} outside [${from}, ${tokens.length})`);
  }
  return out;
}

/** The in-process runtime as an InferenceBackend: one teacher-forced prefill per call. */
export class LocalBackend implements InferenceBackend {
  readonly id: string;
  readonly vocabSize: number;
  readonly accumulation: Accumulation;
  private readonly includeLogits: boolean;
  private state: ForwardState | undefined;

  constructor(
    readonly model: Model,
    options: LocalBackendOptions = {},
  ) {
    this.accumulation = options.accumulation ?? 'float64';
    this.includeLogits = options.includeLogits ?? true;
    this.vocabSize = model.config.vocabSize;
    this.id = `local:${this.accumulation}`;
  }

  async score(tokens: readonly number[], from: number, options: ScoreOptions): Promise<PositionScore[]> {
    checkScoreArgs(tokens, from, options, this.vocabSize);
    checkTokens(this.model, tokens);
    if (options.signal?.aborted) throw new VerdictError('TIMEOUT', 'scoring aborted', { cause: options.signal.reason });
    const positions = scoredPositions(tokens, from, options);
    if (positions.length === 0) return [];
    if (this.state === undefined || this.state.capacity < tokens.length) {
      this.state = new ForwardState(this.model, this.accumulation, Math.min(this.model.config.maxSequenceLength, Math.max(tokens.length, 64)));
    }
    const r = prefill(this.model, tokens, { positions, accumulation: this.accumulation, state: this.state });
    const lp = new Float64Array(this.vocabSize);
    const out: PositionScore[] = [];
    for (const t of positions) {
      const row = r.row(t);
      logSoftmax(row, lp);
      const token = tokens[t]!;
      const s: PositionScore = { position: t, token, logprob: lp[token]!, top: topK(lp, options.topK) };
      if (this.includeLogits) s.logits = row;
      out.push(s);
    }
    return out;
  }
}
