/**
 * The Llama-2 forward pass with a KV cache (llama2.c's `forward`, block-wise over positions):
 * RMSNorm (eps 1e-5) → q,k,v → RoPE on interleaved pairs → grouped-query attention → wo → residual →
 * RMSNorm → SwiGLU FFN → residual; final RMSNorm → classifier.
 *
 * A block of consecutive positions goes through each layer together (teacher-forced prefill); generation
 * feeds blocks of one. Results do not depend on the block size (see kernels.ts), so prefill logits equal
 * step-by-step logits exactly for the same accumulation.
 */
import { VerdictError } from '../core/errors.js';
import { F32, F32X8, F64, type Kernels, type Vec } from './kernels.js';
import type { Accumulation, Model, PrefillResult } from './types.js';
import { ACCUMULATIONS } from './types.js';

export const RMS_EPS = 1e-5;
/** Positions per block in prefill: buffers stay small (a few hundred KB) and weights stay in cache. */
export const PREFILL_BLOCK = 32;

function kernelsFor(acc: Accumulation): Kernels<Vec> {
  switch (acc) {
    case 'float64':
      return F64 as unknown as Kernels<Vec>;
    case 'float32':
      return F32 as unknown as Kernels<Vec>;
    case 'f32x8':
      return F32X8 as unknown as Kernels<Vec>;
    default:
      throw new VerdictError('BAD_INPUT', `unknown accumulation ${String(acc)}; expected one of ${ACCUMULATIONS.join(', ')}`);
  }
}

export function checkTokens(model: Model, tokens: readonly number[]): void {
  const V = model.config.vocabSize;
  if (!Array.isArray(tokens)) throw new VerdictError('BAD_INPUT', 'tokens must be an array');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= V) {
      throw new VerdictError('BAD_INPUT', `token ${i} (${String(t)}) is not an id in [0, ${V})`, { details: { index: i } });
    }
  }
}

/**
 * A forward-pass state: KV cache for `capacity` positions and scratch buffers for one block.
 * Not thread-safe; one per concurrent sequence. All buffers are allocated once.
 */
export class ForwardState {
  readonly accumulation: Accumulation;
  readonly capacity: number;
  /** Number of positions already in the KV cache. */
  position = 0;
  private readonly k: Kernels<Vec>;
  private readonly x: Vec;
  private readonly xb: Vec;
  private readonly xb2: Vec;
  private readonly q: Vec;
  private readonly hb: Vec;
  private readonly hb2: Vec;
  private readonly att: Vec;
  private readonly keys: Vec;
  private readonly values: Vec;
  private readonly cos: Vec;
  private readonly sin: Vec;
  private readonly block: number;

  constructor(
    readonly model: Model,
    accumulation: Accumulation = 'float64',
    capacity: number = model.config.maxSequenceLength,
    block: number = PREFILL_BLOCK,
  ) {
    this.accumulation = accumulation;
    this.k = kernelsFor(accumulation);
    const c = model.config;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > c.maxSequenceLength) {
      throw new VerdictError('LIMIT_EXCEEDED', `capacity ${capacity} outside [1, ${c.maxSequenceLength}] (the model's maximum sequence length)`);
    }
    this.capacity = capacity;
    this.block = Math.max(1, Math.min(block, capacity));
    const B = this.block;
    const D = c.hiddenSize;
    const I = c.intermediateSize;
    this.x = this.k.alloc(B * D);
    this.xb = this.k.alloc(B * D);
    this.xb2 = this.k.alloc(B * D);
    this.q = this.k.alloc(B * D);
    this.hb = this.k.alloc(B * I);
    this.hb2 = this.k.alloc(B * I);
    this.att = this.k.alloc(capacity);
    this.keys = this.k.alloc(c.numLayers * capacity * model.kvDim);
    this.values = this.k.alloc(c.numLayers * capacity * model.kvDim);
    const t = this.k.ropeTables(capacity, model.headSize);
    this.cos = t.cos;
    this.sin = t.sin;
  }

  /** Forgets the sequence (the cache is overwritten, not cleared: attention only reads positions < position). */
  reset(): void {
    this.position = 0;
  }

  /**
   * Feeds `tokens` at positions position.. and writes, for every fed token whose index i (within `tokens`)
   * is >= logitsFrom, the logits predicting the next position into out[(i - logitsFrom)·V ...].
   */
  feed(tokens: readonly number[], out: Vec | null, logitsFrom = 0): void {
    const m = this.model;
    const c = m.config;
    if (this.position + tokens.length > this.capacity) {
      throw new VerdictError('LIMIT_EXCEEDED', `sequence of ${this.position + tokens.length} tokens exceeds the capacity ${this.capacity}`);
    }
    checkTokens(m, tokens);
    const K = this.k;
    const w = m.weights;
    const D = c.hiddenSize;
    const I = c.intermediateSize;
    const V = c.vocabSize;
    const kvDim = m.kvDim;
    const hs = m.headSize;
    const cap = this.capacity;
    const kvMul = c.numQueryHeads / c.numKeyValueHeads;
    for (let start = 0; start < tokens.length; start += this.block) {
      const n = Math.min(this.block, tokens.length - start);
      const pos0 = this.position;
      const { x, xb, xb2, q, hb, hb2 } = this;
      for (let p = 0; p < n; p++) x.set(w.embedding.subarray(tokens[start + p]! * D, (tokens[start + p]! + 1) * D), p * D);
      for (let l = 0; l < c.numLayers; l++) {
        const layerOff = l * cap * kvDim;
        const kvOff = layerOff + pos0 * kvDim;
        K.rmsnorm(xb, x, n, w.attentionNorm, l * D, D, RMS_EPS);
        K.matmul(q, 0, xb, 0, n, w.wq, l * D * D, D, D);
        // k and v go straight into the cache rows of these positions.
        K.matmul(this.keys, kvOff, xb, 0, n, w.wk, l * kvDim * D, D, kvDim);
        K.matmul(this.values, kvOff, xb, 0, n, w.wv, l * kvDim * D, D, kvDim);
        K.rope(q, D, this.keys, kvOff, kvDim, n, pos0, this.cos, this.sin, hs);
        K.attention(xb, q, this.keys, this.values, layerOff, n, pos0, this.att, c.numQueryHeads, kvMul, hs, kvDim, D);
        K.matmul(xb2, 0, xb, 0, n, w.wo, l * D * D, D, D);
        K.add(x, xb2, n * D);
        K.rmsnorm(xb, x, n, w.ffnNorm, l * D, D, RMS_EPS);
        K.matmul(hb, 0, xb, 0, n, w.w1, l * I * D, D, I);
        K.matmul(hb2, 0, xb, 0, n, w.w3, l * I * D, D, I);
        K.swiglu(hb, hb2, n * I);
        K.matmul(xb2, 0, hb, 0, n, w.w2, l * D * I, I, D);
        K.add(x, xb2, n * D);
      }
      this.position += n;
      if (out === null) continue;
      // Classifier only for the rows that were asked for.
      const first = Math.max(0, logitsFrom - start);
      if (first >= n) continue;
      K.rmsnorm(xb, x, n, w.finalNorm, 0, D, RMS_EPS);
      K.matmul(out, (start + first - logitsFrom) * V, xb, first * D, n - first, w.classifier, 0, D, V);
    }
  }
}

/** Reusable prefill buffers keyed by nothing but size: callers may pass one to avoid reallocation. */
export interface PrefillOptions {
  /** First position whose logits are wanted (>= 1, default 1). */
  from?: number;
  accumulation?: Accumulation;
  /** A state to reuse (same model and accumulation, capacity >= tokens.length); it is reset. */
  state?: ForwardState;
}

/**
 * Teacher-forced pass over a whole sequence: row(t) holds the logits of tokens[t] given tokens[<t], for
 * from <= t <= tokens.length (the last row predicts the token after the sequence).
 */
export function prefill(model: Model, tokens: readonly number[], options: PrefillOptions = {}): PrefillResult {
  const T = tokens.length;
  const from = options.from ?? 1;
  const accumulation = options.accumulation ?? options.state?.accumulation ?? 'float64';
  if (T < 1) throw new VerdictError('BAD_INPUT', 'prefill needs at least one token');
  if (!Number.isInteger(from) || from < 1 || from > T) throw new VerdictError('BAD_INPUT', `from must be in [1, ${T}], got ${from}`);
  let state = options.state;
  if (state === undefined || state.model !== model || state.accumulation !== accumulation || state.capacity < T) {
    state = new ForwardState(model, accumulation, Math.min(model.config.maxSequenceLength, Math.max(T, 1)));
  }
  state.reset();
  const V = model.config.vocabSize;
  const rows = T - from + 1;
  const data: Vec = accumulation === 'float64' ? new Float64Array(rows * V) : new Float32Array(rows * V);
  // Row for position t comes from feeding token t-1, i.e. token index >= from - 1.
  state.feed(tokens, data, from - 1);
  return {
    length: T,
    vocabSize: V,
    from,
    accumulation,
    row(t: number) {
      if (!Number.isInteger(t) || t < from || t > T) throw new VerdictError('BAD_INPUT', `no logits for position ${t} (have ${from}..${T})`);
      return data.subarray((t - from) * V, (t - from + 1) * V);
    },
  };
}
