/**
 * Conversion between the llama2.ts model format and the two files Karpathy's llama2.c reads:
 *
 * - checkpoint (legacy version-0 format): 7 × int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 *   vocab_size — negative when the classifier is not shared —, seq_len), then float32 tensors in the order
 *   token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, two unused RoPE tables of
 *   seq_len·head_size/2 floats each, and the classifier when not shared (w2 before w3, unlike llama2.ts);
 * - tokenizer: int32 max_token_length, then per token float32 score, int32 length, bytes, with '▁' written
 *   as ' ' and BOS/EOS spelled "\n<s>\n" / "\n</s>\n", as llama2.c's tokenizer export does.
 *
 * Export lets the benchmark run llama2.c's run.c on the same weights; import lets a user build the model from
 * the published stories260K.bin + tok512.bin (https://huggingface.co/karpathy/tinyllamas, stories260K/).
 */
import { VerdictError } from '../core/errors.js';
import { modelFromParts, validateConfig, MODEL_LIMITS } from './model.js';
import { pieceText } from './tokenizer.js';
import type { Model, ModelConfig, ModelWeights, VocabEntry } from './types.js';

const BOS_TEXT = '\n<s>\n';
const EOS_TEXT = '\n</s>\n';

export function toLlama2cCheckpoint(model: Model): Uint8Array {
  const c = model.config;
  const w = model.weights;
  const rope = new Float32Array((c.maxSequenceLength * model.headSize) / 2);
  const tensors = [w.embedding, w.attentionNorm, w.wq, w.wk, w.wv, w.wo, w.ffnNorm, w.w1, w.w2, w.w3, w.finalNorm, rope, rope];
  if (!c.sharedOutputWeight) tensors.push(w.classifier);
  const floats = tensors.reduce((n, t) => n + t.length, 0);
  const out = new Uint8Array(28 + floats * 4);
  const dv = new DataView(out.buffer);
  const header = [c.hiddenSize, c.intermediateSize, c.numLayers, c.numQueryHeads, c.numKeyValueHeads, c.sharedOutputWeight ? c.vocabSize : -c.vocabSize, c.maxSequenceLength];
  header.forEach((v, i) => dv.setInt32(i * 4, v, true));
  let at = 28;
  for (const t of tensors) {
    for (let i = 0; i < t.length; i++, at += 4) dv.setFloat32(at, t[i]!, true);
  }
  return out;
}

export function toLlama2cTokenizer(model: Model): Uint8Array {
  const enc = new TextEncoder();
  const pieces = model.vocab.map((v, i) => (i === 1 ? enc.encode(BOS_TEXT) : i === 2 ? enc.encode(EOS_TEXT) : pieceText(v.bytes)));
  const maxLen = Math.max(...pieces.map((p) => p.length));
  const out = new Uint8Array(4 + pieces.reduce((n, p) => n + 8 + p.length, 0));
  const dv = new DataView(out.buffer);
  dv.setInt32(0, maxLen, true);
  let at = 4;
  pieces.forEach((p, i) => {
    dv.setFloat32(at, model.vocab[i]!.score, true);
    dv.setInt32(at + 4, p.length, true);
    out.set(p, at + 8);
    at += 8 + p.length;
  });
  return out;
}

function bad(message: string): VerdictError {
  return new VerdictError('BAD_INPUT', `llama2.c files: ${message}`);
}

/** Spaces back to '▁', and llama2.c's spelled-out BOS/EOS back to the SentencePiece names. */
function fromLlama2cPiece(bytes: Uint8Array, id: number): Uint8Array {
  const text = new TextDecoder('latin1').decode(bytes);
  if (id === 1 && text === BOS_TEXT) return new TextEncoder().encode('<s>');
  if (id === 2 && text === EOS_TEXT) return new TextEncoder().encode('</s>');
  const out: number[] = [];
  for (const b of bytes) {
    if (b === 0x20) out.push(0xe2, 0x96, 0x81);
    else out.push(b);
  }
  return Uint8Array.from(out);
}

/** Builds a Model from a llama2.c checkpoint and tokenizer; anything malformed is BAD_INPUT. */
export function parseLlama2c(checkpoint: Uint8Array, tokenizer: Uint8Array, label = 'llama2.c checkpoint'): Model {
  if (!(checkpoint instanceof Uint8Array) || !(tokenizer instanceof Uint8Array)) throw bad('expected bytes');
  if (checkpoint.length < 28) throw bad('truncated checkpoint header');
  const dv = new DataView(checkpoint.buffer, checkpoint.byteOffset, checkpoint.byteLength);
  const h = [...Array(7).keys()].map((i) => dv.getInt32(i * 4, true));
  const vocab = Math.abs(h[5]!);
  const config: ModelConfig = {
    version: 1,
    modelType: 'llama',
    hiddenSize: h[0]!,
    intermediateSize: h[1]!,
    numLayers: h[2]!,
    numQueryHeads: h[3]!,
    numKeyValueHeads: h[4]!,
    vocabSize: vocab,
    maxSequenceLength: h[6]!,
    sharedOutputWeight: h[5]! > 0,
  };
  const { headSize, kvDim } = validateConfig(config);
  const D = config.hiddenSize;
  const L = config.numLayers;
  const I = config.intermediateSize;
  const rope = (config.maxSequenceLength * headSize) / 2;
  const layout: Array<[keyof ModelWeights | 'rope', number]> = [
    ['embedding', vocab * D], ['attentionNorm', L * D], ['wq', L * D * D], ['wk', L * kvDim * D], ['wv', L * kvDim * D],
    ['wo', L * D * D], ['ffnNorm', L * D], ['w1', L * I * D], ['w2', L * D * I], ['w3', L * I * D], ['finalNorm', D],
    ['rope', rope], ['rope', rope],
  ]; // prettier-ignore
  if (!config.sharedOutputWeight) layout.push(['classifier', vocab * D]);
  const floats = layout.reduce((n, [, s]) => n + s, 0);
  if (checkpoint.length !== 28 + floats * 4) throw bad(`checkpoint has ${checkpoint.length} bytes, its header implies ${28 + floats * 4}`);
  const weights = {} as ModelWeights;
  let at = 28;
  for (const [name, size] of layout) {
    if (name !== 'rope') {
      const t = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const v = dv.getFloat32(at + i * 4, true);
        if (!Number.isFinite(v)) throw bad(`weight ${name}[${i}] is not finite`);
        t[i] = v;
      }
      weights[name] = t;
    }
    at += size * 4;
  }
  if (config.sharedOutputWeight) weights.classifier = weights.embedding;

  const tv = new DataView(tokenizer.buffer, tokenizer.byteOffset, tokenizer.byteLength);
  if (tokenizer.length < 4) throw bad('truncated tokenizer');
  let p = 4;
  const entries: VocabEntry[] = [];
  for (let i = 0; i < vocab; i++) {
    if (p + 8 > tokenizer.length) throw bad(`truncated tokenizer entry ${i}`);
    const score = tv.getFloat32(p, true);
    const len = tv.getInt32(p + 4, true);
    p += 8;
    if (!Number.isFinite(score)) throw bad(`tokenizer score ${i} is not finite`);
    if (len < 0 || len > MODEL_LIMITS.maxPieceBytes || p + len > tokenizer.length) throw bad(`tokenizer entry ${i} has length ${len}`);
    entries.push({ score, bytes: fromLlama2cPiece(tokenizer.subarray(p, p + len), i) });
    p += len;
  }
  if (p !== tokenizer.length) throw bad(`tokenizer has ${tokenizer.length - p} trailing bytes`);
  return modelFromParts(config, weights, entries, label);
}
