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
    this.feedRows(tokens, out, (i) => (i >= logitsFrom ? i - logitsFrom : -1));
  }

  /**
   * Feeds `tokens` at positions position..; for fed index i, rowOf(i) is the output row of its logits
   * (the prediction of the next position) in `out`, or -1 to skip the classifier for it.
   */
  feedRows(tokens: readonly number[], out: Vec | null, rowOf: (i: number) => number): void {
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
      for (let p = 0; p < n; p++) {
        const t = tokens[start + p]!;
        x.set(w.embedding.subarray(t * D, (t + 1) * D), p * D);
      }
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
      // Classifier only for the rows asked for, one matmul per run of consecutive output rows.
      let normed = false;
      for (let p = 0; p < n; ) {
        const row = rowOf(start + p);
        if (row < 0) {
          p++;
          continue;
        }
        let len = 1;
        while (p + len < n && rowOf(start + p + len) === row + len) len++;
        if (!normed) {
          K.rmsnorm(xb, x, n, w.finalNorm, 0, D, RMS_EPS);
          normed = true;
        }
        K.matmul(out, row * V, xb, p * D, len, w.classifier, 0, D, V);
        p += len;
      }
    }
  }

  /** Width of one position's KV record: keys then values, layer by layer (2 · numLayers · kvDim). */
  get kvWidth(): number {
    return 2 * this.model.config.numLayers * this.model.kvDim;
  }

  /** A copy of the cached keys (after RoPE) and values of one position, layer by layer, keys first. */
  readKV(position: number): Vec {
    this.checkKvPosition(position, this.position);
    const kvDim = this.model.kvDim;
    const L = this.model.config.numLayers;
    const out = this.k.alloc(this.kvWidth);
    for (let l = 0; l < L; l++) {
      const off = l * this.capacity * kvDim + position * kvDim;
      out.set(this.keys.subarray(off, off + kvDim), l * kvDim);
      out.set(this.values.subarray(off, off + kvDim), (L + l) * kvDim);
    }
    return out;
  }

  /**
   * Puts a KV record (as readKV returns it) into the cache at `position` (any position below the capacity).
   * With records for 0..t−1 in place, seek(t) then feed() computes position t without recomputing the prefix.
   */
  writeKV(position: number, record: ArrayLike<number>): void {
    this.checkKvPosition(position, this.capacity);
    if (record.length !== this.kvWidth) throw new VerdictError('BAD_INPUT', `KV record must have ${this.kvWidth} values, got ${record.length}`);
    const kvDim = this.model.kvDim;
    const L = this.model.config.numLayers;
    for (let i = 0; i < record.length; i++) {
      if (!Number.isFinite(record[i]!)) throw new VerdictError('BAD_INPUT', `KV record value ${i} is not finite`);
    }
    for (let l = 0; l < L; l++) {
      const off = l * this.capacity * kvDim + position * kvDim;
      for (let i = 0; i < kvDim; i++) {
        this.keys[off + i] = record[l * kvDim + i]!;
        this.values[off + i] = record[(L + l) * kvDim + i]!;
      }
    }
  }

  /** Moves to `position`: the cache must already hold (or be given by writeKV) positions below it. */
  seek(position: number): void {
    if (!Number.isInteger(position) || position < 0 || position > this.capacity) {
      throw new VerdictError('BAD_INPUT', `position ${position} outside [0, ${this.capacity}]`);
    }
    this.position = position;
  }

  private checkKvPosition(position: number, limit: number): void {
    if (!Number.isInteger(position) || position < 0 || position >= limit) {
      throw new VerdictError('BAD_INPUT', `KV position ${position} outside [0, ${limit})`);
    }
  }
}

export interface PrefillOptions {
  /** First position whose logits are wanted (>= 1, default 1). */
  from?: number;
  /**
   * Only these positions' logits (each in [1, tokens.length]); tokens after the largest are not fed and
   * the classifier runs only for these rows. Overrides `from`. What a spot-check verifier needs.
   */
  positions?: readonly number[];
  accumulation?: Accumulation;
  /** A state to reuse (same model and accumulation, capacity >= tokens.length); it is reset. */
  state?: ForwardState;
}

/**
 * Teacher-forced pass over a whole sequence: row(t) holds the logits of tokens[t] given tokens[<t], for
 * from <= t <= tokens.length (the last row predicts the token after the sequence), or for the listed positions.
 */
export function prefill(model: Model, tokens: readonly number[], options: PrefillOptions = {}): PrefillResult {
  const T = tokens.length;
  const accumulation = options.accumulation ?? options.state?.accumulation ?? 'float64';
  if (!Array.isArray(tokens) || T < 1) throw new VerdictError('BAD_INPUT', 'prefill needs at least one token');
  checkTokens(model, tokens);
  const V = model.config.vocabSize;
  // rowOfPosition[t] = output row of position t, or -1.
  let wanted: number[];
  if (options.positions !== undefined) {
    if (!Array.isArray(options.positions)) throw new VerdictError('BAD_INPUT', 'positions must be an array');
    wanted = [...new Set(options.positions)].sort((a, b) => a - b);
    for (const t of wanted) {
      if (!Number.isInteger(t) || t < 1 || t > T) throw new VerdictError('BAD_INPUT', `position ${String(t)} outside [1, ${T}]`);
    }
  } else {
    const from = options.from ?? 1;
    if (!Number.isInteger(from) || from < 1 || from > T) throw new VerdictError('BAD_INPUT', `from must be in [1, ${T}], got ${from}`);
    wanted = [];
    for (let t = from; t <= T; t++) wanted.push(t);
  }
  const rowOfPosition = new Int32Array(T + 1).fill(-1);
  wanted.forEach((t, r) => (rowOfPosition[t] = r));
  const fed = wanted.length === 0 ? 0 : wanted[wanted.length - 1]!; // tokens[0..fed-1]
  let state = options.state;
  if (state === undefined || state.model !== model || state.accumulation !== accumulation || state.capacity < fed) {
    state = new ForwardState(model, accumulation, Math.min(model.config.maxSequenceLength, Math.max(fed, 1)));
  }
  state.reset();
  const data: Vec = accumulation === 'float64' ? new Float64Array(wanted.length * V) : new Float32Array(wanted.length * V);
  // Feeding token i yields the logits of position i + 1.
  if (fed > 0) state.feedRows(fed === T ? tokens : tokens.slice(0, fed), data, (i) => rowOfPosition[i + 1]!);
  return {
    length: T,
    vocabSize: V,
    from: wanted.length === 0 ? T + 1 : wanted[0]!,
    accumulation,
    row(t: number) {
      const r = Number.isInteger(t) && t >= 0 && t <= T ? rowOfPosition[t]! : -1;
      if (r < 0) throw new VerdictError('BAD_INPUT', `no logits for position ${t}`);
      return data.subarray(r * V, (r + 1) * V);
    },
  };
}
