import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BpeTokenizer, BOS, EOS, randomModel, type VocabEntry } from '../../src/inference/index.js';
import { requireModel, NEEDS_MODEL } from './helpers.js';

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

test('known encodings of the real vocabulary', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const tk = m.tokenizer;
  assert.deepEqual(tk.encode(''), []);
  assert.deepEqual(tk.encode('', { bos: true, eos: true }), [BOS, EOS]);
  assert.deepEqual(tk.encode('Once upon a time'), [403, 407, 261, 378]);
  // A character outside the vocabulary falls back to its UTF-8 bytes (3 + byte).
  const snow = tk.encode('\u2603');
  assert.deepEqual(snow.slice(-3), [3 + 0xe2, 3 + 0x98, 3 + 0x83]);
  assert.equal(tk.decode(snow, BOS), '\u2603');
  assert.equal(tk.decode([BOS, 403, 407], undefined), 'Once upon');
  assert.throws(() => tk.decode([512]), { code: 'BAD_INPUT' });
  assert.throws(() => tk.encode(42 as unknown as string), { code: 'BAD_INPUT' });
});

test('decode(encode(text)) is the text for any string (lone surrogates become U+FFFD)', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const tk = m.tokenizer;
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.lorem()), (text) => {
      const ids = tk.encode(text, { bos: true });
      assert.equal(ids[0], BOS);
      for (const id of ids) assert.ok(Number.isInteger(id) && id >= 0 && id < 512);
      const expected = new TextDecoder().decode(new TextEncoder().encode(text));
      assert.equal(tk.decode(ids.slice(1), BOS), expected);
    }),
    { numRuns: 300 },
  );
});

test('garbage bytes encode to valid ids whose bytes are the input (after the dummy space)', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const tk = m.tokenizer;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const ids = tk.encodeBytes(bytes);
      const back = concat(ids.map((id) => tk.tokenBytes(id)));
      assert.deepEqual(back, bytes.length === 0 ? new Uint8Array(0) : concat([Uint8Array.of(0x20), bytes]));
    }),
    { numRuns: 300 },
  );
});

test('merges follow scores: the highest-scoring adjacent pair merges first', () => {
  const enc = new TextEncoder();
  const base: VocabEntry[] = randomModel().vocab.slice(0, 259).map((v) => ({ ...v }));
  const add = (piece: string, score: number): number => base.push({ score, bytes: enc.encode(piece) }) - 1;
  const sp = add('\u2581', 0);
  const a = add('a', 0);
  const b = add('b', 0);
  const c = add('c', 0);
  const ab = add('ab', 1);
  const bc = add('bc', 5);
  const tk = new BpeTokenizer(base);
  // "abc": pairs ab (1) and bc (5): bc merges first, and "abc" is not a piece, so [sp, a, bc].
  assert.deepEqual(tk.encode('abc'), [sp, a, bc]);
  base[bc] = { score: -1, bytes: enc.encode('bc') };
  assert.deepEqual(new BpeTokenizer(base).encode('abc'), [sp, ab, c]);
  void b;
});

test('a vocabulary without the byte fallbacks is refused', () => {
  const vocab = randomModel().vocab.map((v) => ({ ...v }));
  vocab[3 + 65] = { score: 0, bytes: new TextEncoder().encode('<0x42>') };
  assert.throws(() => new BpeTokenizer(vocab), { code: 'BAD_INPUT' });
  assert.throws(() => new BpeTokenizer(vocab.slice(0, 200)), { code: 'BAD_INPUT' });
  const nan = randomModel().vocab.map((v) => ({ ...v }));
  nan[300] = { score: NaN, bytes: nan[300]!.bytes };
  assert.throws(() => new BpeTokenizer(nan), { code: 'BAD_INPUT' });
});
