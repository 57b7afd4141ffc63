/**
 * llama2.c BPE tokenizer (SentencePiece-style vocabulary with byte fallback).
 *
 * encode: [BOS] + piece of " " (dummy prefix, non-empty text only) + one token per UTF-8 code point
 * (its piece if the vocabulary has it, else one byte-fallback token 3 + byte per byte), then repeatedly
 * merge the adjacent pair whose concatenated piece exists with the highest score (leftmost on ties,
 * scores <= -1e10 never merge), then [EOS]. BOS is not part of the merge loop.
 */
import { VerdictError } from '../core/errors.js';
import type { Tokenizer, VocabEntry } from './types.js';

export const UNK = 0;
export const BOS = 1;
export const EOS = 2;
/** Byte b is token BYTE_FALLBACK_BASE + b. */
export const BYTE_FALLBACK_BASE = 3;

const SPACE_MARK = [0xe2, 0x96, 0x81]; // U+2581 '▁'
const MERGE_FLOOR = -1e10;

/** Replaces '▁' by ' ' as llama2.c's exported tokenizer does. */
export function pieceText(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === SPACE_MARK[0] && bytes[i + 1] === SPACE_MARK[1] && bytes[i + 2] === SPACE_MARK[2]) {
      out.push(0x20);
      i += 2;
    } else out.push(bytes[i]!);
  }
  return Uint8Array.from(out);
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function byteFallbackName(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/** Checks what the tokenizer relies on: specials at 0..2 and byte fallbacks <0x00>..<0xFF> at 3..258. */
export function validateVocab(vocab: readonly VocabEntry[]): void {
  if (vocab.length < BYTE_FALLBACK_BASE + 256) {
    throw new VerdictError('BAD_INPUT', `vocabulary has ${vocab.length} entries; byte fallback needs at least 259`);
  }
  for (let b = 0; b < 256; b++) {
    const got = latin1(vocab[BYTE_FALLBACK_BASE + b]!.bytes);
    if (got !== byteFallbackName(b)) {
      throw new VerdictError('BAD_INPUT', `vocabulary entry ${BYTE_FALLBACK_BASE + b} should be ${byteFallbackName(b)}`, {
        details: { id: BYTE_FALLBACK_BASE + b },
      });
    }
  }
  for (let i = 0; i < vocab.length; i++) {
    if (!Number.isFinite(vocab[i]!.score)) throw new VerdictError('BAD_INPUT', `vocabulary score ${i} is not finite`);
  }
}

export class BpeTokenizer implements Tokenizer {
  readonly vocabSize: number;
  private readonly pieces: string[]; // latin1 view of each piece's bytes, '▁' already replaced by ' '
  private readonly scores: Float64Array;
  private readonly lookup = new Map<string, number>();
  private readonly spaceId: number;

  constructor(vocab: readonly VocabEntry[]) {
    validateVocab(vocab);
    this.vocabSize = vocab.length;
    this.pieces = vocab.map((e) => latin1(pieceText(e.bytes)));
    this.scores = Float64Array.from(vocab, (e) => e.score);
    // Duplicated pieces resolve to the lowest id (llama2.c's bsearch leaves that unspecified).
    this.pieces.forEach((p, id) => {
      if (!this.lookup.has(p)) this.lookup.set(p, id);
    });
    this.spaceId = this.lookup.get(' ') ?? BYTE_FALLBACK_BASE + 0x20;
  }

  encode(text: string, options: { bos?: boolean; eos?: boolean } = {}): number[] {
    if (typeof text !== 'string') throw new VerdictError('BAD_INPUT', 'text to encode must be a string');
    return this.encodeBytes(new TextEncoder().encode(text), options);
  }

  encodeBytes(bytes: Uint8Array, options: { bos?: boolean; eos?: boolean } = {}): number[] {
    if (!(bytes instanceof Uint8Array)) throw new VerdictError('BAD_INPUT', 'bytes to encode must be a Uint8Array');
    const toks: number[] = [];
    if (bytes.length > 0) toks.push(this.spaceId);
    // One token per code point: a lead byte plus up to 3 continuation bytes, as llama2.c groups them.
    let start = 0;
    while (start < bytes.length) {
      let end = start + 1;
      while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80 && end - start < 4) end++;
      const id = this.lookup.get(latin1(bytes.subarray(start, end)));
      if (id !== undefined) toks.push(id);
      else for (let i = start; i < end; i++) toks.push(BYTE_FALLBACK_BASE + bytes[i]!);
      start = end;
    }
    this.merge(toks);
    if (options.bos) toks.unshift(BOS);
    if (options.eos) toks.push(EOS);
    return toks;
  }

  private pairScore(a: number, b: number): [number, number] {
    const id = this.lookup.get(this.pieces[a]! + this.pieces[b]!);
    return id === undefined ? [-1, MERGE_FLOOR] : [id, this.scores[id]!];
  }

  /** In-place BPE merges; pair scores are cached and only the neighbours of a merge are recomputed. */
  private merge(toks: number[]): void {
    const ids: number[] = [];
    const sc: number[] = [];
    for (let i = 0; i + 1 < toks.length; i++) {
      const [id, s] = this.pairScore(toks[i]!, toks[i + 1]!);
      ids.push(id);
      sc.push(s);
    }
    for (;;) {
      let best = -1;
      let bestScore = MERGE_FLOOR;
      for (let i = 0; i < sc.length; i++) {
        if (ids[i] !== -1 && sc[i]! > bestScore) {
          bestScore = sc[i]!;
          best = i;
        }
      }
      if (best < 0) return;
      toks[best] = ids[best]!;
      toks.splice(best + 1, 1);
      ids.splice(best, 1);
      sc.splice(best, 1);
      if (best > 0) [ids[best - 1], sc[best - 1]] = this.pairScore(toks[best - 1]!, toks[best]!);
      if (best < toks.length - 1) [ids[best], sc[best]] = this.pairScore(toks[best]!, toks[best + 1]!);
    }
  }

  tokenBytes(token: number, previous?: number): Uint8Array {
    if (!Number.isInteger(token) || token < 0 || token >= this.vocabSize) {
      throw new VerdictError('BAD_INPUT', `token ${token} outside the vocabulary of ${this.vocabSize}`);
    }
    if (token === UNK || token === BOS || token === EOS) return new Uint8Array(0);
    if (token >= BYTE_FALLBACK_BASE && token < BYTE_FALLBACK_BASE + 256) return Uint8Array.of(token - BYTE_FALLBACK_BASE);
    let p = this.pieces[token]!;
    if (previous === BOS && p.startsWith(' ')) p = p.slice(1);
    const out = new Uint8Array(p.length);
    for (let i = 0; i < p.length; i++) out[i] = p.charCodeAt(i);
    return out;
  }

  decode(tokens: readonly number[], previous?: number): string {
    const parts: Uint8Array[] = [];
    let size = 0;
    let prev = previous;
    for (const t of tokens) {
      const b = this.tokenBytes(t, prev);
      parts.push(b);
      size += b.length;
      prev = t;
    }
    const all = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return new TextDecoder('utf-8', { fatal: false }).decode(all);
  }
}
