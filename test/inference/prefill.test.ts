import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ForwardState, generate, prefill, randomModel, type Accumulation } from '../../src/inference/index.js';
import { requireModel, PROMPT, NEEDS_MODEL } from './helpers.js';

for (const acc of ['float64', 'float32', 'f32x8'] as Accumulation[]) {
  test(`${acc}: prefill logits equal step-by-step generation logits exactly`, { skip: NEEDS_MODEL }, async () => {
    const m = await requireModel();
    const prompt = m.tokenizer.encode(PROMPT, { bos: true });
    const g = generate(m, prompt, { maxTokens: 60, keepLogits: true, stopAtEos: false, accumulation: acc });
    const p = prefill(m, g.tokens, { from: prompt.length, accumulation: acc });
    assert.equal(p.length, g.tokens.length);
    g.logits!.forEach((row, i) => assert.deepEqual(p.row(prompt.length + i), row, `position ${prompt.length + i}`));
  });
}

test('logits do not depend on the block size, the from offset or state reuse', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const seq = generate(m, m.tokenizer.encode('The cat', { bos: true }), { maxTokens: 45, stopAtEos: false }).tokens;
  const full = prefill(m, seq);
  for (const block of [1, 3, 4, 7, 64]) {
    const st = new ForwardState(m, 'float64', seq.length, block);
    const out = new Float64Array((seq.length) * m.config.vocabSize);
    st.feed(seq, out, 0);
    for (let t = 1; t <= seq.length; t++) {
      assert.deepEqual(out.subarray((t - 1) * 512, t * 512), full.row(t), `block ${block} position ${t}`);
    }
  }
  const state = new ForwardState(m, 'float64', 128);
  prefill(m, [1, 400, 401], { state });
  const late = prefill(m, seq, { from: 30, state });
  for (let t = 30; t <= seq.length; t++) assert.deepEqual(late.row(t), full.row(t));
  assert.throws(() => late.row(29), { code: 'BAD_INPUT' });
  assert.throws(() => late.row(seq.length + 1), { code: 'BAD_INPUT' });
});

test('prefill refuses bad tokens and bad ranges with VerdictErrors', async () => {
  const m = randomModel();
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer(), fc.double(), fc.constant(NaN)), { maxLength: 8 }), fc.integer({ min: -2, max: 10 }), (toks, from) => {
      try {
        prefill(m, toks, { from });
      } catch (e) {
        assert.ok(['BAD_INPUT', 'LIMIT_EXCEEDED'].includes((e as { code?: string }).code ?? ''), String(e));
      }
    }),
    { numRuns: 200 },
  );
  assert.throws(() => prefill(m, []), { code: 'BAD_INPUT' });
  assert.throws(() => prefill(m, new Array(513).fill(1)), { code: 'LIMIT_EXCEEDED' });
});

test('prefill of chosen positions: same rows as a full prefill, only those rows, prefix only', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const seq = generate(m, m.tokenizer.encode(PROMPT, { bos: true }), { maxTokens: 60, stopAtEos: false }).tokens;
  const full = prefill(m, seq);
  const some = prefill(m, seq, { positions: [40, 7, 23, 7, 24] });
  for (const t of [7, 23, 24, 40]) assert.deepEqual(some.row(t), full.row(t));
  assert.equal(some.from, 7);
  assert.throws(() => some.row(8), { code: 'BAD_INPUT' });
  assert.throws(() => some.row(41), { code: 'BAD_INPUT' });
  assert.equal(prefill(m, seq, { positions: [] }).from, seq.length + 1);
  assert.throws(() => prefill(m, seq, { positions: [0] }), { code: 'BAD_INPUT' });
  assert.throws(() => prefill(m, seq, { positions: [seq.length + 1] }), { code: 'BAD_INPUT' });
  // Tokens after the last wanted position do not matter.
  const other = [...seq.slice(0, 41), ...seq.slice(41).map((t) => (t + 1) % 512)];
  assert.deepEqual(prefill(m, other, { positions: [40] }).row(40), full.row(40));
});

test('a position computed from imported KV records equals the full computation; a tampered record changes it', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const seq = generate(m, m.tokenizer.encode('The dog', { bos: true }), { maxTokens: 50, stopAtEos: false }).tokens;
  const full = prefill(m, seq);
  const a = new ForwardState(m);
  a.feed(seq, null);
  const t = 33;
  const records = [...Array(t).keys()].map((s) => a.readKV(s));
  assert.equal(records[0]!.length, a.kvWidth);
  assert.equal(a.kvWidth, 2 * 5 * 32);
  const b = new ForwardState(m, 'float64', 64);
  records.forEach((r, s) => b.writeKV(s, r));
  b.seek(t);
  const out = new Float64Array(512);
  b.feed([seq[t]!], out, 0);
  assert.deepEqual(out, full.row(t + 1));
  // The record of the position just fed equals the full computation's.
  assert.deepEqual(b.readKV(t), a.readKV(t));
  const tampered = Float64Array.from(records[10]!);
  tampered[3]! += 0.01;
  b.writeKV(10, tampered);
  b.seek(t);
  b.feed([seq[t]!], out, 0);
  assert.notDeepEqual(out, full.row(t + 1));
  assert.throws(() => b.writeKV(1, new Float64Array(3)), { code: 'BAD_INPUT' });
  assert.throws(() => b.writeKV(1, new Float64Array(320).fill(NaN)), { code: 'BAD_INPUT' });
  assert.throws(() => b.readKV(t + 1), { code: 'BAD_INPUT' });
  assert.throws(() => b.seek(65), { code: 'BAD_INPUT' });
});
