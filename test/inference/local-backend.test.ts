import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalBackend, generate, prefill, logSoftmax } from '../../src/inference/index.js';
import { requireModel, PROMPT, NEEDS_MODEL } from './helpers.js';

test('LocalBackend.score: one row per position from `from`, logprob and top-k of the prefill logits', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const seq = generate(m, m.tokenizer.encode(PROMPT, { bos: true }), { maxTokens: 30 }).tokens;
  const b = new LocalBackend(m);
  assert.equal(b.id, 'local:float64');
  assert.equal(b.vocabSize, 512);
  const scores = await b.score(seq, 5, { topK: 4 });
  const p = prefill(m, seq, { from: 5 });
  assert.deepEqual(scores.map((s) => s.position), [...Array(seq.length - 5).keys()].map((i) => i + 5));
  for (const s of scores) {
    const lp = logSoftmax(p.row(s.position));
    assert.equal(s.token, seq[s.position]);
    assert.equal(s.logprob, lp[s.token]);
    assert.deepEqual(s.logits, p.row(s.position));
    assert.equal(s.top.length, 4);
    for (let i = 1; i < 4; i++) assert.ok(s.top[i - 1]!.logprob >= s.top[i]!.logprob);
    // Greedy tokens are their position's top-1.
    assert.equal(s.top[0]!.token, s.token);
  }
  // A second call on a longer sequence reuses or regrows its state and gives the same answers.
  const again = await b.score(seq, 5, { topK: 4 });
  assert.deepEqual(again.map((s) => s.logprob), scores.map((s) => s.logprob));
  assert.deepEqual(await b.score(seq, seq.length, { topK: 1 }), []);
});

test('LocalBackend with float32 accumulation: close to float64 but not identical; no logits when asked', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const seq = generate(m, m.tokenizer.encode('Lily saw a dog', { bos: true }), { maxTokens: 40 }).tokens;
  const a = await new LocalBackend(m).score(seq, 1, { topK: 1 });
  const f = new LocalBackend(m, { accumulation: 'float32', includeLogits: false });
  assert.equal(f.id, 'local:float32');
  const b = await f.score(seq, 1, { topK: 1 });
  let worst = 0;
  a.forEach((s, i) => (worst = Math.max(worst, Math.abs(s.logprob - b[i]!.logprob))));
  assert.ok(worst > 0 && worst < 1e-4, `${worst}`);
  assert.equal(b[0]!.logits, undefined);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(f.score(seq, 1, { topK: 1, signal: ac.signal }), { code: 'TIMEOUT' });
  await assert.rejects(f.score(seq, 0, { topK: 1 }), { code: 'BAD_INPUT' });
  await assert.rejects(f.score([1, -3], 1, { topK: 1 }), { code: 'BAD_INPUT' });
  await assert.rejects(f.score(seq, 1, { topK: 513 }), { code: 'BAD_INPUT' });
});

test('score with positions: exactly those, same values as the full score, for both backends', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const seq = generate(m, m.tokenizer.encode(PROMPT, { bos: true }), { maxTokens: 30 }).tokens;
  const b = new LocalBackend(m);
  const all = await b.score(seq, 5, { topK: 3 });
  const some = await b.score(seq, 5, { topK: 3, positions: [20, 6, 20, 34] });
  assert.deepEqual(some.map((s) => s.position), [6, 20, 34]);
  for (const s of some) {
    const ref = all.find((x) => x.position === s.position)!;
    assert.equal(s.logprob, ref.logprob);
    assert.deepEqual(s.top, ref.top);
    assert.deepEqual(s.logits, ref.logits);
  }
  await assert.rejects(b.score(seq, 5, { topK: 3, positions: [4] }), { code: 'BAD_INPUT' });
  await assert.rejects(b.score(seq, 5, { topK: 3, positions: [seq.length] }), { code: 'BAD_INPUT' });
  assert.deepEqual(await b.score(seq, 5, { topK: 3, positions: [] }), []);
});
