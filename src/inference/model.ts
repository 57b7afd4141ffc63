/**
 * Loader of the llama2.ts binary model format (version 1), see docs/inference.md:
 * a 256-byte header, the vocabulary (score, length, bytes), then float32 tensors.
 * Every field and size is validated before anything is allocated: a truncated or garbage file gives
 * VerdictError('BAD_INPUT').
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../core/hash.js';
import { VerdictError } from '../core/errors.js';
import { Xoshiro128, type VariantSeed } from './rng.js';
import { BpeTokenizer } from './tokenizer.js';
import type { Model, ModelConfig, ModelWeights, VocabEntry } from './types.js';

export const MODEL_FORMAT_VERSION = 1;
export const HEADER_BYTES = 256;
export const RANDOM_WEIGHTS_LABEL = 'random-weights (not the real model)';
export const DEFAULT_MODEL_RELATIVE = '../shared/models/stories260k/tinystories_260k_v1.bin';

/** Bounds that keep a hostile header from asking for absurd allocations. */
export const MODEL_LIMITS = {
  maxDim: 1 << 14,
  maxLayers: 1024,
  maxVocab: 1 << 20,
  maxSequenceLength: 1 << 16,
  maxPieceBytes: 4096,
  maxModelTypeBytes: 64,
  maxFileBytes: 2 ** 31 - 1,
} as const;

/** The stories260K configuration (for randomModel on a fresh clone without the model file). */
export const STORIES260K_CONFIG: ModelConfig = Object.freeze({
  version: 1,
  modelType: 'llama',
  hiddenSize: 64,
  intermediateSize: 172,
  maxSequenceLength: 512,
  vocabSize: 512,
  numLayers: 5,
  numQueryHeads: 8,
  numKeyValueHeads: 4,
  sharedOutputWeight: true,
});

/** Repository root: this file lives in src/inference (or dist/inference after a build). */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** $VERDICT_MODEL (relative paths resolved against the repository root), else the shared stories260K file. */
export function defaultModelPath(env: NodeJS.ProcessEnv = process.env): string {
  const p = env['VERDICT_MODEL'];
  const chosen = p !== undefined && p.trim() !== '' ? p.trim() : DEFAULT_MODEL_RELATIVE;
  return isAbsolute(chosen) ? chosen : resolve(repoRoot(), chosen);
}

function bad(message: string, details: Record<string, unknown> = {}): VerdictError {
  return new VerdictError('BAD_INPUT', `model file: ${message}`, { details });
}

/** Validates a configuration (from a header, or given to randomModel) and returns the derived sizes. */
export function validateConfig(c: ModelConfig): { headSize: number; kvDim: number } {
  const ints: Array<[keyof ModelConfig, number]> = [
    ['hiddenSize', MODEL_LIMITS.maxDim],
    ['intermediateSize', MODEL_LIMITS.maxDim * 4],
    ['maxSequenceLength', MODEL_LIMITS.maxSequenceLength],
    ['vocabSize', MODEL_LIMITS.maxVocab],
    ['numLayers', MODEL_LIMITS.maxLayers],
    ['numQueryHeads', MODEL_LIMITS.maxDim],
    ['numKeyValueHeads', MODEL_LIMITS.maxDim],
  ];
  for (const [k, max] of ints) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      throw bad(`${k} must be an integer in [1, ${max}], got ${String(v)}`, { field: k });
    }
  }
  if (c.version !== MODEL_FORMAT_VERSION) throw bad(`unsupported version ${c.version}`, { field: 'version' });
  if (c.modelType !== 'llama') throw bad(`unsupported model type ${JSON.stringify(c.modelType)}`, { field: 'modelType' });
  if (c.hiddenSize % c.numQueryHeads !== 0) throw bad('hiddenSize is not a multiple of numQueryHeads');
  if (c.numQueryHeads % c.numKeyValueHeads !== 0) throw bad('numQueryHeads is not a multiple of numKeyValueHeads');
  const headSize = c.hiddenSize / c.numQueryHeads;
  if (headSize % 2 !== 0) throw bad('head size must be even for rotary embeddings');
  return { headSize, kvDim: c.numKeyValueHeads * headSize };
}

/** Tensor sizes in file order (float32 element counts). */
export function tensorLayout(c: ModelConfig): Array<[keyof ModelWeights, number]> {
  const { kvDim } = validateConfig(c);
  const D = c.hiddenSize;
  const L = c.numLayers;
  const I = c.intermediateSize;
  const layout: Array<[keyof ModelWeights, number]> = [
    ['embedding', c.vocabSize * D],
    ['attentionNorm', L * D],
    ['wq', L * D * D],
    ['wk', L * kvDim * D],
    ['wv', L * kvDim * D],
    ['wo', L * D * D],
    ['ffnNorm', L * D],
    ['w1', L * I * D],
    ['w3', L * I * D],
    ['w2', L * D * I],
    ['finalNorm', D],
  ];
  if (!c.sharedOutputWeight) layout.push(['classifier', c.vocabSize * D]);
  return layout;
}

export function parameterCount(c: ModelConfig): number {
  return tensorLayout(c).reduce((n, [, size]) => n + size, 0);
}

function assembleModel(config: ModelConfig, weights: ModelWeights, vocab: VocabEntry[], label: string, digest?: string): Model {
  const { headSize, kvDim } = validateConfig(config);
  const tokenizer = new BpeTokenizer(vocab);
  const model: Model = { config: Object.freeze({ ...config }), weights, vocab, tokenizer, label, kvDim, headSize };
  return digest === undefined ? model : { ...model, digest };
}

/** Parses a model file's bytes. Throws VerdictError('BAD_INPUT') on anything malformed. */
export function parseModel(bytes: Uint8Array, label = 'in-memory model'): Model {
  if (!(bytes instanceof Uint8Array)) throw bad('expected bytes');
  if (bytes.length > MODEL_LIMITS.maxFileBytes) throw bad('file too large', { size: bytes.length });
  if (bytes.length < HEADER_BYTES) throw bad(`truncated header (${bytes.length} < ${HEADER_BYTES} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const version = view.getUint8(at);
  at += 1;
  if (version !== MODEL_FORMAT_VERSION) throw bad(`unsupported version ${version}`, { field: 'version' });
  const typeLen = view.getInt32(at, true);
  at += 4;
  if (typeLen < 0 || typeLen > MODEL_LIMITS.maxModelTypeBytes) throw bad(`model type length ${typeLen} out of range`);
  let modelType: string;
  try {
    modelType = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at, at + typeLen));
  } catch (e) {
    throw new VerdictError('BAD_INPUT', 'model file: model type is not UTF-8', { cause: e });
  }
  at += typeLen;
  const ints: number[] = [];
  for (let i = 0; i < 7; i++) {
    ints.push(view.getInt32(at, true));
    at += 4;
  }
  const shared = view.getUint8(at);
  at += 1;
  if (shared > 1) throw bad(`sharedOutputWeight must be 0 or 1, got ${shared}`);
  for (let i = at; i < HEADER_BYTES; i++) {
    if (bytes[i] !== 0) throw bad(`non-zero header padding at byte ${i}`);
  }
  const config: ModelConfig = {
    version,
    modelType,
    hiddenSize: ints[0]!,
    intermediateSize: ints[1]!,
    maxSequenceLength: ints[2]!,
    vocabSize: ints[3]!,
    numLayers: ints[4]!,
    numQueryHeads: ints[5]!,
    numKeyValueHeads: ints[6]!,
    sharedOutputWeight: shared === 1,
  };
  validateConfig(config);
  // Every vocabulary entry takes at least 8 bytes: refuse a vocabSize the file cannot hold before looping.
  at = HEADER_BYTES;
  if ((bytes.length - at) / 8 < config.vocabSize) throw bad('truncated vocabulary', { vocabSize: config.vocabSize });
  const vocab: VocabEntry[] = [];
  for (let i = 0; i < config.vocabSize; i++) {
    if (at + 8 > bytes.length) throw bad(`truncated vocabulary entry ${i}`);
    const score = view.getFloat32(at, true);
    const len = view.getInt32(at + 4, true);
    at += 8;
    if (!Number.isFinite(score)) throw bad(`vocabulary score ${i} is not finite`);
    if (len < 0 || len > MODEL_LIMITS.maxPieceBytes) throw bad(`vocabulary entry ${i} has length ${len}`);
    if (at + len > bytes.length) throw bad(`truncated vocabulary entry ${i}`);
    vocab.push({ score, bytes: bytes.slice(at, at + len) });
    at += len;
  }
  const layout = tensorLayout(config);
  const floats = layout.reduce((n, [, size]) => n + size, 0);
  const need = floats * 4;
  if (bytes.length - at !== need) {
    throw bad(`weights section has ${bytes.length - at} bytes, the header implies ${need}`, { expected: need, actual: bytes.length - at });
  }
  // Copy into one aligned buffer (the weights start at an arbitrary offset), then view per tensor.
  const all = new Float32Array(floats);
  new Uint8Array(all.buffer).set(bytes.subarray(at, at + need));
  if (!littleEndianHost()) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset + at, need);
    for (let i = 0; i < floats; i++) all[i] = dv.getFloat32(i * 4, true);
  }
  for (let i = 0; i < floats; i++) {
    if (!Number.isFinite(all[i]!)) throw bad(`weight ${i} is not finite`, { index: i });
  }
  const weights = {} as ModelWeights;
  let off = 0;
  for (const [name, size] of layout) {
    weights[name] = all.subarray(off, off + size);
    off += size;
  }
  if (config.sharedOutputWeight) weights.classifier = weights.embedding;
  return assembleModel(config, weights, vocab, label, sha256Hex(bytes));
}

function littleEndianHost(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

/** Reads and parses a model file; a missing file is NOT_FOUND, a bad one BAD_INPUT. */
export async function loadModel(path: string = defaultModelPath()): Promise<Model> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new VerdictError(code === 'ENOENT' ? 'NOT_FOUND' : 'BAD_INPUT', `cannot read model file ${path}: ${(e as Error).message}`, {
      cause: e,
      details: { path, hint: 'set VERDICT_MODEL to the stories260K .bin file (see docs/inference.md)' },
    });
  }
  return parseModel(bytes, path);
}

/** Serializes a model back to the file format (round trip of parseModel; used for tests and converters). */
export function serializeModel(model: Model): Uint8Array {
  const c = model.config;
  const layout = tensorLayout(c);
  let vocabBytes = 0;
  for (const v of model.vocab) vocabBytes += 8 + v.bytes.length;
  const floats = layout.reduce((n, [, size]) => n + size, 0);
  const out = new Uint8Array(HEADER_BYTES + vocabBytes + floats * 4);
  const dv = new DataView(out.buffer);
  const type = new TextEncoder().encode(c.modelType);
  let at = 0;
  dv.setUint8(at, c.version);
  dv.setInt32(at + 1, type.length, true);
  out.set(type, at + 5);
  at = 5 + type.length;
  for (const v of [c.hiddenSize, c.intermediateSize, c.maxSequenceLength, c.vocabSize, c.numLayers, c.numQueryHeads, c.numKeyValueHeads]) {
    dv.setInt32(at, v, true);
    at += 4;
  }
  dv.setUint8(at, c.sharedOutputWeight ? 1 : 0);
  at = HEADER_BYTES;
  for (const v of model.vocab) {
    dv.setFloat32(at, v.score, true);
    dv.setInt32(at + 4, v.bytes.length, true);
    out.set(v.bytes, at + 8);
    at += 8 + v.bytes.length;
  }
  for (const [name, size] of layout) {
    const t = model.weights[name];
    for (let i = 0; i < size; i++) {
      dv.setFloat32(at, t[i]!, true);
      at += 4;
    }
  }
  return out;
}

/**
 * A synthetic vocabulary for random-weight models: the specials, the 256 byte fallbacks, then single
 * printable ASCII characters and frequent English pairs, so text round-trips through the tokenizer.
 */
function syntheticVocab(vocabSize: number): VocabEntry[] {
  const enc = new TextEncoder();
  const names = ['<unk>', '<s>', '</s>'];
  for (let b = 0; b < 256; b++) names.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const vocab: VocabEntry[] = names.map((n) => ({ score: 0, bytes: enc.encode(n) }));
  const seen = new Set<string>();
  const add = (piece: string, score: number): void => {
    if (vocab.length >= vocabSize || seen.has(piece)) return;
    seen.add(piece);
    vocab.push({ score, bytes: enc.encode(piece.replaceAll(' ', '\u2581')) });
  };
  for (let c = 0x20; c < 0x7f; c++) add(String.fromCharCode(c), -1000);
  const pairs = [' t', 'he', ' a', 'in', 'er', 'an', ' s', 'nd', ' w', 'ou', 'ed', 'on', 'at', 'en', 'it', 're', 'is', 'or', 'ar', 'as'];
  pairs.forEach((p, i) => add(p, -i));
  for (let n = 0; vocab.length < vocabSize; n++) add(`\u00a7${n}`, -2000 - n); // filler pieces that never occur in text
  return vocab.slice(0, vocabSize);
}

/**
 * A seeded random-weight model of the given architecture, for fresh clones without the real model.
 * Weights ~ N(0, 0.02²) (norm weights 1), labelled RANDOM_WEIGHTS_LABEL so nobody mistakes its output.
 */
export function randomModel(config: ModelConfig = STORIES260K_CONFIG, seed: VariantSeed = 0): Model {
  validateConfig(config);
  if (config.vocabSize < 259) throw new VerdictError('BAD_INPUT', 'randomModel needs vocabSize >= 259 (byte fallback)');
  const rng = new Xoshiro128('random-model', seed);
  const weights = {} as ModelWeights;
  for (const [name, size] of tensorLayout(config)) {
    const t = new Float32Array(size);
    if (name === 'attentionNorm' || name === 'ffnNorm' || name === 'finalNorm') t.fill(1);
    else for (let i = 0; i < size; i++) t[i] = 0.02 * rng.nextNormal() * Math.sqrt(64 / config.hiddenSize);
    weights[name] = t;
  }
  if (config.sharedOutputWeight) weights.classifier = weights.embedding;
  return assembleModel(config, weights, syntheticVocab(config.vocabSize), RANDOM_WEIGHTS_LABEL);
}

/** Builds a model from parts (used by the variants; validates sizes). */
export function modelFromParts(config: ModelConfig, weights: ModelWeights, vocab: VocabEntry[], label: string, digest?: string): Model {
  for (const [name, size] of tensorLayout(config)) {
    if (!(weights[name] instanceof Float32Array) || weights[name].length !== size) {
      throw new VerdictError('BAD_INPUT', `tensor ${name} must be a Float32Array of ${size}`);
    }
  }
  if (weights.classifier.length !== config.vocabSize * config.hiddenSize) throw new VerdictError('BAD_INPUT', 'classifier has the wrong size');
  return assembleModel(config, weights, vocab, label, digest);
}
