import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../../../src/inference/index.js';
import { finiteDetection } from '../../../src/sampling/index.js';
import { ALL_CHEATS, honest, honestPrefixOnly, makeLlmJob, type LlmStrategy } from '../../../src/demo/spot-sample.js';
import { check, defaultVerifier, note, world } from './helpers.js';

const STARTS = ['Once upon a time', 'The cat', 'Lily saw a bird', 'Tom was sad', 'The sun was hot', 'A little boy', 'She wanted', 'One day, a dog'];
const WORDS = ['big', 'red', 'ball', 'tree', 'happy', 'mom', 'park', 'fish', 'cake', 'rain', 'friend', 'toy', 'sky', 'car'];

/** Prompt i of a seeded family: a story opening plus 0–3 words, so jobs differ in prompt, length and context. */
function promptFor(rng: Xoshiro128): string {
  const words = Array.from({ length: rng.nextInt(4) }, () => WORDS[rng.nextInt(WORDS.length)]!);
  return [STARTS[rng.nextInt(STARTS.length)]!, ...words].join(' ');
}

test('1,000 honest jobs from providers that are not bit-identical (float32, f32x8): zero false rejections', async (t) => {
  const w = await world();
  const v = await defaultVerifier();
  const maxTokens = 10;
  // Check every position of every job: the strictest setting for false rejections.
  const options = { samples: maxTokens };
  const saved = w.policyOptions;
  w.policyOptions = options;
  const rng = new Xoshiro128('honest-jobs', 1);
  let positions = 0;
  let ambiguous = 0;
  let sampledJobs = 0;
  const started = performance.now();
  try {
    for (let i = 0; i < 1000; i++) {
      const accumulation = i % 2 === 0 ? 'float32' : 'f32x8';
      const temperature = i % 5 < 2 ? 0 : [0.3, 0.7, 1, 1.3][rng.nextInt(4)]!;
      if (temperature > 0) sampledJobs++;
      const job = makeLlmJob(w, { id: `honest-${i}`, provider: '0xa11ce', prompt: promptFor(rng), maxTokens, temperature });
      const f = await check(v, job, honest(accumulation).run(w, job), options);
      assert.equal(f.outcome, 'pass', `job ${i} (${accumulation}, T=${temperature}): ${f.reason}`);
      const d = f.details as { checked: number; ambiguous: number };
      positions += d.checked;
      ambiguous += d.ambiguous;
    }
  } finally {
    w.policyOptions = saved;
  }
  t.diagnostic(
    `1000 honest jobs (${sampledJobs} sampled, ${1000 - sampledJobs} greedy), ${positions} positions checked, ${ambiguous} ambiguous, 0 rejected, ${Math.round(performance.now() - started)} ms${note(w)}`,
  );
});

test('measured detection rate of every cheat with the policy default sample (≥ 99% against a 10% cheater)', async (t) => {
  const w = await world();
  const v = await defaultVerifier();
  const M = 20;
  const rng = new Xoshiro128('cheat-jobs', 2);
  for (const cheat of ALL_CHEATS) {
    let caught = 0;
    let mismatchShare = 0;
    let k = 0;
    for (let i = 0; i < M; i++) {
      const job = makeLlmJob(w, { id: `rate-${cheat.name}-${i}`, provider: '0xbad', prompt: promptFor(rng), maxTokens: 32, temperature: cheat.sampledOnly ? 0.8 : 0 });
      const f = await check(v, job, cheat.run(w, job));
      if (f.outcome === 'fail') caught++;
      const d = f.details as { checked?: number; mismatches?: number } | undefined;
      if (d?.checked) {
        mismatchShare += d.mismatches! / d.checked;
        k = d.checked;
      }
    }
    const rate = caught / M;
    t.diagnostic(`${cheat.name}: caught ${caught}/${M} = ${rate}${k ? `; mean share of sampled positions mismatching ${(mismatchShare / M).toFixed(3)} (k = ${k})` : ' (commitment check)'}${note(w)}`);
    assert.ok(rate >= 0.95, `${cheat.name}: measured detection ${rate}`);
  }
});

test('measured detection at small samples agrees with the hypergeometric prediction (half the positions faked)', async (t) => {
  const w = await world();
  const v = await defaultVerifier();
  const N = 32;
  const cheat: LlmStrategy = honestPrefixOnly(0.5); // its last 16 tokens come from a 1-layer model with its own logprobs
  const rng = new Xoshiro128('small-k', 3);
  for (const k of [1, 2]) {
    const options = { samples: k };
    const saved = w.policyOptions;
    w.policyOptions = options;
    const M = 120;
    let caught = 0;
    try {
      for (let i = 0; i < M; i++) {
        const job = makeLlmJob(w, { id: `small-${k}-${i}`, provider: '0xbad', prompt: promptFor(rng), maxTokens: N });
        if ((await check(v, job, cheat.run(w, job), options)).outcome === 'fail') caught++;
      }
    } finally {
      w.policyOptions = saved;
    }
    const predicted = finiteDetection(N, 0.5, k);
    const sigma = Math.sqrt((predicted * (1 - predicted)) / M);
    t.diagnostic(`k = ${k}: measured ${(caught / M).toFixed(3)}, predicted 1 − C(16,k)/C(32,k) = ${predicted.toFixed(3)} (σ = ${sigma.toFixed(3)})${note(w)}`);
    assert.ok(Math.abs(caught / M - predicted) <= 4 * sigma + 0.02, `k = ${k}: measured ${caught / M}, predicted ${predicted}`);
  }
});
