import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  generate, prefill, sampleFromLogits, samplingUniform, logSoftmax, topK, argmax, SAMPLING_PRNG,
} from '../../src/inference/index.js';
import { requireModel, PROMPT, NEEDS_MODEL } from './helpers.js';

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i);

/** Independent implementation of verdict-ctr-sha256-v1 (node:crypto + BigInt), to cross-check. */
function referenceUniform(seed: Uint8Array, t: number): number {
  const msg = Buffer.alloc(40);
  msg.set(seed, 0);
  msg.writeBigUInt64BE(BigInt(t), 32);
  const d = createHash('sha256').update(msg).digest();
  return Number(d.readBigUInt64BE(0) >> 11n) / 2 ** 53;
}

test('verdict-ctr-sha256-v1 test vectors (also in docs/inference.md)', () => {
  assert.equal(SAMPLING_PRNG, 'verdict-ctr-sha256-v1');
  assert.equal(samplingUniform(SEED, 0), 0.6634352803605258);
  assert.equal(samplingUniform(SEED, 1), 0.3764917981875231);
  assert.equal(samplingUniform(SEED, 5), 0.6887372545836437);
  assert.equal(samplingUniform(SEED, 2 ** 32 + 7), 0.3782434734105067);
  const r = sampleFromLogits([1, 2, 3, 0.5], 0.7, samplingUniform(SEED, 5));
  assert.deepEqual(r, { token: 2, lo: 0.2241803570556756, hi: 0.9787838256321109, probability: 0.7546034685764352 });
});

test('samplingUniform matches an independent implementation and lies in [0, 1)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.maxSafeNat(), (seed, t) => {
      const u = samplingUniform(seed, t);
      assert.equal(u, referenceUniform(seed, t));
      assert.ok(u >= 0 && u < 1);
    }),
    { numRuns: 300 },
  );
  assert.throws(() => samplingUniform(new Uint8Array(31), 0), { code: 'BAD_INPUT' });
  assert.throws(() => samplingUniform(SEED, -1), { code: 'BAD_INPUT' });
  assert.throws(() => samplingUniform(SEED, 1.5), { code: 'BAD_INPUT' });
});

const rowArb = fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 40 });

test('sampleFromLogits: the chosen token is the one whose CDF interval holds u', () => {
  fc.assert(
    fc.property(rowArb, fc.double({ min: 0.05, max: 5, noNaN: true }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (row, temp, u) => {
      const r = sampleFromLogits(row, temp, u);
      assert.ok(r.lo <= u && u < r.hi, `${r.lo} <= ${u} < ${r.hi}`);
      assert.ok(r.token >= 0 && r.token < row.length);
      assert.ok(Math.abs(r.hi - r.lo - r.probability) < 1e-12);
      // Walking the intervals from u = 0 visits increasing tokens whose intervals tile [0, 1) without gaps.
      let v = 0;
      let last = -1;
      let total = 0;
      for (;;) {
        const s = sampleFromLogits(row, temp, v);
        assert.equal(s.lo, v);
        assert.ok(s.token > last);
        last = s.token;
        total += s.probability;
        if (s.hi === 1) break;
        v = s.hi;
      }
      assert.ok(Math.abs(total - 1) < 1e-9);
    }),
    { numRuns: 200 },
  );
});

test('temperature 0 is greedy; bad inputs are VerdictErrors', () => {
  assert.deepEqual(sampleFromLogits([0, 5, 5, 1], 0, 0.9), { token: 1, lo: 0, hi: 1, probability: 1 });
  assert.equal(argmax([3, 1, 3]), 0);
  for (const [row, temp, u] of [
    [[], 1, 0.5], [[1, NaN], 1, 0.5], [[1, Infinity], 1, 0.5], [[1, 2], -1, 0.5], [[1, 2], 1, 1], [[1, 2], 1, -0.1], [[1, 2], NaN, 0.5],
  ] as Array<[number[], number, number]>) {
    assert.throws(() => sampleFromLogits(row, temp, u), { code: 'BAD_INPUT' }, JSON.stringify([row, temp, u]));
  }
});

test('logSoftmax and topK', () => {
  const lp = logSoftmax([1, 3, 2, 3]);
  assert.ok(Math.abs(lp.reduce((s, v) => s + Math.exp(v), 0) - 1) < 1e-12);
  assert.deepEqual(topK(lp, 3).map((x) => x.token), [1, 3, 2]);
  assert.deepEqual(topK(lp, 0), []);
  assert.equal(topK(lp, 10).length, 4);
});

test('seeded generation replays at every position from an independent prefill', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const prompt = m.tokenizer.encode(PROMPT, { bos: true });
  const seed = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
  const g = generate(m, prompt, { maxTokens: 120, temperature: 0.9, seed, stopAtEos: false });
  const greedy = generate(m, prompt, { maxTokens: 120 });
  assert.notDeepEqual(g.completion, greedy.completion, 'sampling should leave the greedy path');
  const p = prefill(m, g.tokens, { from: prompt.length });
  for (const s of g.steps) {
    const u = samplingUniform(seed, s.position);
    assert.equal(s.u, u);
    const r = sampleFromLogits(p.row(s.position), 0.9, u);
    assert.equal(r.token, s.token, `position ${s.position}`);
    assert.equal(r.lo, s.lo);
    assert.equal(r.hi, s.hi);
  }
  // Another seed or temperature gives another sequence (these are cheats the verifier must see).
  const other = generate(m, prompt, { maxTokens: 120, temperature: 0.9, seed: new Uint8Array(32), stopAtEos: false });
  assert.notDeepEqual(other.completion, g.completion);
  const hot = generate(m, prompt, { maxTokens: 120, temperature: 1.3, seed, stopAtEos: false });
  assert.notDeepEqual(hot.completion, g.completion);
});

test('a float32 provider replays from float64 logits wherever u is not within 1e-3 of an interval edge', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const prompt = m.tokenizer.encode('Tom had a red ball', { bos: true });
  const seed = Uint8Array.from({ length: 32 }, (_, i) => (i * 37) & 255);
  const g = generate(m, prompt, { maxTokens: 150, temperature: 1, seed, accumulation: 'float32', stopAtEos: false });
  const p = prefill(m, g.tokens, { from: prompt.length, accumulation: 'float64' });
  let clear = 0;
  for (const s of g.steps) {
    const r = sampleFromLogits(p.row(s.position), 1, s.u!);
    const ambiguous = Math.min(s.u! - r.lo, r.hi - s.u!) < 1e-3;
    if (!ambiguous) {
      clear++;
      assert.equal(r.token, s.token, `position ${s.position}`);
    }
  }
  assert.ok(clear > 120, `only ${clear} unambiguous positions`);
});

test('generate validates its options', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  assert.throws(() => generate(m, [1], { maxTokens: 3, temperature: 0.5 }), { code: 'BAD_INPUT' });
  assert.throws(() => generate(m, [1], { maxTokens: -1 }), { code: 'BAD_INPUT' });
  assert.throws(() => generate(m, [], { maxTokens: 1 }), { code: 'BAD_INPUT' });
  assert.throws(() => generate(m, [1, 9999], { maxTokens: 1 }), { code: 'BAD_INPUT' });
  const capped = generate(m, [1], { maxTokens: 2000, stopAtEos: false });
  assert.equal(capped.tokens.length, 512);
  assert.equal(capped.stopReason, 'length');
  const ac = new AbortController();
  ac.abort();
  assert.throws(() => generate(m, [1], { maxTokens: 5, signal: ac.signal }), { code: 'TIMEOUT' });
});
