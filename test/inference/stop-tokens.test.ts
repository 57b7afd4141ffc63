import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, type Model } from '../../src/inference/index.js';
import { NEEDS_MODEL, PROMPT, requireModel } from './helpers.js';

// Greedy "Once upon a time" (golden vectors): ", there was a little girl named Lily." — the first "." (426) is
// completion index 10, " named" (395) index 8, " a" (261) index 3 (261 is also in the prompt).
const PERIOD = 426;
const NAMED = 395;
// "The cat" (greedy) ends its story with BOS (1) at completion index 209 and never emits EOS (2) before.
const CAT = 'The cat';

/** A signal that counts how often generation polls it: once per generated token, so it measures the work done. */
function countingSignal(): { signal: AbortSignal; polls: () => number } {
  let polls = 0;
  const signal = new AbortController().signal;
  Object.defineProperty(signal, 'aborted', { get: () => (polls++, false) });
  return { signal, polls: () => polls };
}

function prompt(m: Model, text: string): number[] {
  return m.tokenizer.encode(text, { bos: true });
}

test('generation stops right after the first emitted token of stopTokens, keeps it, and computes nothing past it', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const free = generate(m, prompt(m, PROMPT), { maxTokens: 40, stopTokens: [] });
  assert.equal(free.completion.indexOf(PERIOD), 10);
  const { signal, polls } = countingSignal();
  const r = generate(m, prompt(m, PROMPT), { maxTokens: 40, stopTokens: [PERIOD], signal });
  assert.deepEqual(r.completion, free.completion.slice(0, 11));
  assert.equal(r.text, ', there was a little girl named Lily.');
  assert.deepEqual(r.steps, free.steps.slice(0, 11));
  assert.equal(r.stopReason, 'stop');
  assert.equal(polls(), 11, 'one step per emitted token, none after the stop token');
  // Any token of the set stops it: " named" comes first.
  assert.deepEqual(generate(m, prompt(m, PROMPT), { maxTokens: 40, stopTokens: [PERIOD, NAMED] }).completion, free.completion.slice(0, 9));
  // Only emitted tokens count: " a" (261) is in the prompt, and generation stops where the model emits it.
  assert.deepEqual(generate(m, prompt(m, PROMPT), { maxTokens: 40, stopTokens: [261] }).completion, free.completion.slice(0, 4));
  // A stop token the model never emits within maxTokens: the full length.
  const none = generate(m, prompt(m, PROMPT), { maxTokens: 40, stopTokens: [2, 7] });
  assert.deepEqual(none.completion, free.completion);
  assert.equal(none.stopReason, 'length');
});

test('sampled generation stops at the first stop token of its own sampled path', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const seed = Uint8Array.from({ length: 32 }, (_, i) => 7 * i + 1);
  const options = { maxTokens: 120, temperature: 0.8, seed };
  const free = generate(m, prompt(m, PROMPT), { ...options, stopTokens: [] });
  const at = free.completion.indexOf(PERIOD);
  assert.ok(at > 0 && at < 100, `the sampled story ends a sentence early (first "." at ${at})`);
  const r = generate(m, prompt(m, PROMPT), { ...options, stopTokens: [PERIOD] });
  assert.deepEqual(r.completion, free.completion.slice(0, at + 1));
  assert.deepEqual(r.steps, free.steps.slice(0, at + 1));
});

test('an empty stop set never stops early: it runs past the BOS the model emits, to maxTokens', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const r = generate(m, prompt(m, CAT), { maxTokens: 260, stopTokens: [] });
  assert.equal(r.completion.length, 260);
  assert.equal(r.completion.indexOf(1), 209);
  assert.equal(r.stopReason, 'length');
  assert.deepEqual(generate(m, prompt(m, CAT), { maxTokens: 260, stopAtEos: false }).completion, r.completion);
});

test('the default is unchanged: stop after BOS or EOS, like stopAtEos: true and stopTokens [1, 2]', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  const byDefault = generate(m, prompt(m, CAT), { maxTokens: 260 });
  assert.equal(byDefault.completion.length, 210);
  assert.equal(byDefault.completion[209], 1);
  assert.equal(byDefault.stopReason, 'eos');
  assert.deepEqual(generate(m, prompt(m, CAT), { maxTokens: 260, stopAtEos: true }), byDefault);
  const explicit = generate(m, prompt(m, CAT), { maxTokens: 260, stopTokens: [1, 2] });
  assert.deepEqual(explicit, byDefault);
  // EOS alone does not stop at the BOS.
  assert.equal(generate(m, prompt(m, CAT), { maxTokens: 260, stopTokens: [2] }).completion.length, 260);
});

test('stopTokens are validated: integers >= 0, and not together with stopAtEos', { skip: NEEDS_MODEL }, async () => {
  const m = await requireModel();
  for (const stopTokens of [[-1], [1.5], [Number.NaN], ['2' as unknown as number], 'ab' as unknown as number[]]) {
    assert.throws(() => generate(m, [1], { maxTokens: 3, stopTokens }), { code: 'BAD_INPUT' }, JSON.stringify(stopTokens));
  }
  assert.throws(() => generate(m, [1], { maxTokens: 3, stopTokens: [2], stopAtEos: false }), { code: 'BAD_INPUT' });
  assert.throws(() => generate(m, [1], { maxTokens: 3, stopTokens: [], stopAtEos: true }), { code: 'BAD_INPUT' });
  // A Set is accepted, and an id outside the vocabulary simply never occurs.
  assert.equal(generate(m, [1], { maxTokens: 3, stopTokens: new Set([100_000]) }).completion.length, 3);
});
