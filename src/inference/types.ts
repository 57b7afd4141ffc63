/**
 * Public types of the llama2.c-style inference runtime. Everything a verifier needs to replay a
 * provider's generation lives behind these names; see docs/inference.md for the exact protocol.
 */

/** How dot products and element-wise ops are accumulated. 'float64' is the reference (golden vectors). */
export type Accumulation = 'float64' | 'float32' | 'f32x8';

export const ACCUMULATIONS: readonly Accumulation[] = ['float64', 'float32', 'f32x8'];

/** The header of a llama2.ts model file (version 1), plus the values derived from it. */
export interface ModelConfig {
  /** Format version of the file (1). */
  version: number;
  /** Model type string from the header ('llama'). */
  modelType: string;
  /** D: width of the residual stream. */
  hiddenSize: number;
  /** I: width of the SwiGLU hidden layer. */
  intermediateSize: number;
  maxSequenceLength: number;
  vocabSize: number;
  numLayers: number;
  numQueryHeads: number;
  numKeyValueHeads: number;
  /** The classifier is the embedding matrix (true for stories260K). */
  sharedOutputWeight: boolean;
}

/** float32 tensors, row-major, in the order of the file. Layer tensors are stacked along the first axis. */
export interface ModelWeights {
  /** [V, D] */
  embedding: Float32Array;
  /** [L, D] */
  attentionNorm: Float32Array;
  /** [L, D, D] (out, in) */
  wq: Float32Array;
  /** [L, kvDim, D] */
  wk: Float32Array;
  /** [L, kvDim, D] */
  wv: Float32Array;
  /** [L, D, D] */
  wo: Float32Array;
  /** [L, D] */
  ffnNorm: Float32Array;
  /** gate, [L, I, D] */
  w1: Float32Array;
  /** down, [L, D, I] */
  w2: Float32Array;
  /** up, [L, I, D] */
  w3: Float32Array;
  /** [D] */
  finalNorm: Float32Array;
  /** [V, D]; the same array as `embedding` when the output weight is shared. */
  classifier: Float32Array;
}

/** One vocabulary entry as stored in the file. */
export interface VocabEntry {
  /** Merge score: among adjacent pairs, the pair whose merged piece has the highest score merges first. */
  score: number;
  /** The piece's bytes as stored (U+2581 '▁' marks a space). */
  bytes: Uint8Array;
}

export interface Tokenizer {
  readonly vocabSize: number;
  /** llama2.c encoding: optional BOS, a dummy leading space for non-empty text, byte fallback, BPE merges. */
  encode(text: string, options?: { bos?: boolean; eos?: boolean }): number[];
  /** Same as encode, on raw bytes (need not be valid UTF-8). */
  encodeBytes(bytes: Uint8Array, options?: { bos?: boolean; eos?: boolean }): number[];
  /** Bytes of one token as it appears in text (byte fallbacks give their byte, specials give nothing). */
  tokenBytes(token: number, previous?: number): Uint8Array;
  /** Text of a token sequence (UTF-8 with replacement); the space after BOS is dropped as in llama2.c. */
  decode(tokens: readonly number[], previous?: number): string;
}

export interface Model {
  readonly config: ModelConfig;
  readonly weights: ModelWeights;
  readonly vocab: readonly VocabEntry[];
  readonly tokenizer: Tokenizer;
  /** Human-readable provenance: the file path, or 'random-weights (not the real model)', or a variant. */
  readonly label: string;
  /** sha256 of the model file (0x-hex) when loaded from bytes; identifies the model in evidence. */
  readonly digest?: string;
  /** KV width: numKeyValueHeads · headSize. */
  readonly kvDim: number;
  /** hiddenSize / numQueryHeads. */
  readonly headSize: number;
}

/** Options that select how the forward pass is computed (what honest-but-different providers vary). */
export interface ComputeOptions {
  /** Default 'float64'. */
  accumulation?: Accumulation;
}

/** Result of sampling one token from a logit row by the protocol of docs/inference.md. */
export interface SampleResult {
  token: number;
  /** CDF interval [lo, hi) of the chosen token: the token is chosen iff lo <= u < hi. Greedy: [0, 1). */
  lo: number;
  hi: number;
  /** Probability of the token at this temperature (hi - lo, computed as e_i / S). */
  probability: number;
}

/** One generated position. */
export interface GenerationStep {
  /** Index of the generated token in the full sequence (prompt included); the PRNG counter t. */
  position: number;
  token: number;
  /** log p(token | previous tokens) at temperature 1 (float64 log-softmax of the logits). */
  logprob: number;
  /** The uniform used (absent for greedy). */
  u?: number;
  lo: number;
  hi: number;
}

export interface GenerateOptions extends ComputeOptions {
  /** Number of tokens to generate at most. */
  maxTokens: number;
  /** 0 (default) = greedy (argmax, lowest id on ties). */
  temperature?: number;
  /** 32-byte seed of `verdict-ctr-sha256-v1`; required when temperature > 0. */
  seed?: Uint8Array;
  /**
   * The tokens that end generation: it stops right after emitting any of them (kept as the last token) and
   * computes nothing further. Empty: never stops early. Only emitted tokens count, not the prompt's. When
   * absent, `stopAtEos` decides; giving both is BAD_INPUT.
   */
  stopTokens?: Iterable<number>;
  /** Without stopTokens: stop after emitting BOS (1) or EOS (2), as llama2.c does (true, the default), or never (false). */
  stopAtEos?: boolean;
  /** Keep each step's full logit row (for tests and cheating providers). Default false. */
  keepLogits?: boolean;
  signal?: AbortSignal;
}

export interface GenerateResult {
  /** The full sequence: prompt followed by the generated tokens. */
  tokens: number[];
  promptLength: number;
  /** Only the generated tokens. */
  completion: number[];
  /** Decoded text of the completion. */
  text: string;
  steps: GenerationStep[];
  /** 'eos': ended at a stop token that is BOS (1) or EOS (2); 'stop': at another stop token; 'length': maxTokens or the model's context. */
  stopReason: 'eos' | 'stop' | 'length';
  /** Present when keepLogits: the logit row each step sampled from. */
  logits?: Array<Float32Array | Float64Array>;
}

/** Per-position logits of a teacher-forced pass over a whole sequence. */
export interface PrefillResult {
  /** Number of tokens fed (T). */
  length: number;
  vocabSize: number;
  /** First position with logits (>= 1). */
  from: number;
  accumulation: Accumulation;
  /**
   * Logits predicting position t (from <= t <= T), i.e. the distribution of tokens[t] given tokens[<t].
   * Position T is the prediction after the last token. The row is a view into one shared buffer.
   */
  row(t: number): Float32Array | Float64Array;
}

export interface TokenLogprob {
  token: number;
  logprob: number;
}

export interface PositionScore {
  /** index t in the scored sequence */
  position: number;
  /** tokens[t], the token actually present */
  token: number;
  /** log p(tokens[t] | tokens[<t]) at temperature 1 */
  logprob: number;
  /** top-k alternatives, logprob descending (ties: lower id first) */
  top: TokenLogprob[];
  /** full row when the backend has it (local) */
  logits?: Float32Array | Float64Array;
}

export interface ScoreOptions {
  topK: number;
  signal?: AbortSignal;
  /**
   * Only these positions (each in [from, tokens.length)); the result then holds exactly them, ascending and
   * without duplicates. The local backend skips the tokens after the last one and the other rows'
   * classifier; a remote backend filters its answer.
   */
  positions?: readonly number[];
}

export interface InferenceBackend {
  readonly id: string;
  readonly vocabSize: number;
  /** Teacher-forced scoring of tokens[from..] given the prefix; one pass. */
  score(tokens: readonly number[], from: number, options: ScoreOptions): Promise<PositionScore[]>;
  dispose?(): Promise<void>;
}
