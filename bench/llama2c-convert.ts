/**
 * Converts a llama2.ts model (src/inference) into the files Karpathy's llama2.c `run.c` reads, so the
 * benchmark can run the reference C implementation on the same weights:
 *
 * - checkpoint (legacy version-0 format): 7 × int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 *   vocab_size — negative when the classifier is not shared —, seq_len), then float32 tensors in the order
 *   token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, two unused RoPE tables of
 *   seq_len·head_size/2 floats each, and the classifier when not shared. (Note w2 before w3: the llama2.ts
 *   file stores w3 before w2.)
 * - tokenizer: int32 max_token_length, then per token float32 score, int32 length, bytes, with '▁'
 *   replaced by ' ' and BOS/EOS spelled "\n<s>\n" / "\n</s>\n" as llama2.c's tokenizer export does.
 *
 * Usage: npx tsx bench/llama2c-convert.ts <out-dir>   (reads $VERDICT_MODEL or the shared model)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadModel, pieceText, type Model } from '../src/inference/index.js';

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
  const pieces = model.vocab.map((v, i) => (i === 1 ? enc.encode('\n<s>\n') : i === 2 ? enc.encode('\n</s>\n') : pieceText(v.bytes)));
  const maxLen = Math.max(...pieces.map((p) => p.length));
  const size = 4 + pieces.reduce((n, p) => n + 8 + p.length, 0);
  const out = new Uint8Array(size);
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

/** Writes model.bin and tokenizer.bin into dir; returns their paths. */
export function writeLlama2cFiles(model: Model, dir: string): { checkpoint: string; tokenizer: string } {
  mkdirSync(dir, { recursive: true });
  const checkpoint = join(dir, 'model.bin');
  const tokenizer = join(dir, 'tokenizer.bin');
  writeFileSync(checkpoint, toLlama2cCheckpoint(model));
  writeFileSync(tokenizer, toLlama2cTokenizer(model));
  return { checkpoint, tokenizer };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npx tsx bench/llama2c-convert.ts <out-dir>');
    process.exit(2);
  }
  const files = writeLlama2cFiles(await loadModel(), dir);
  console.log(`wrote ${files.checkpoint} and ${files.tokenizer}`);
}
