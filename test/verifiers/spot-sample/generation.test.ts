import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isVerdictError, type Hex } from '../../../src/core/index.js';
import { generate } from '../../../src/inference/index.js';
import { commitRevealTranscript, commitSecret } from '../../../src/sampling/index.js';
import {
  checkFitsContext,
  claimFor,
  commitLlmOutput,
  generateFor,
  llmJob,
  parseLlmSpec,
  respondLlm,
  type LlmSingleSpec,
} from '../../../src/verifiers/spot-sample/index.js';
import { check, defaultVerifier, world } from './helpers.js';

// stories260K ends its stories with BOS (1), not EOS (2): "The cat" emits 1 at completion position 209.
const PROMPT = 'The cat';

function jobWith(w: Awaited<ReturnType<typeof world>>, id: string, generation: Record<string, unknown>) {
  return llmJob({
    id,
    provider: '0xa11ce',
    model: { id: w.modelId, ...(w.model.digest ? { sha256: w.model.digest as Hex } : {}) },
    generation: { prompt: PROMPT, ...generation } as never,
    logprobs: true,
    challenge: { kind: 'commit-reveal', commits: w.parties.map((p) => ({ party: p.party, commit: commitSecret(p.secret, p.party, id) })) },
  });
}

function honestRun(w: Awaited<ReturnType<typeof world>>, job: ReturnType<typeof jobWith>) {
  const out = generateFor(w.model, parseLlmSpec(job.spec) as LlmSingleSpec);
  const commitment = commitLlmOutput(job, out.promptTokens, out);
  const claim = claimFor(job, commitment);
  return { out, claim, evidence: respondLlm(job, commitment, commitRevealTranscript(job.id, claim.outputCommitment, w.parties)) };
}

test("generateFor stops at the job's stopTokens, and only at them", async () => {
  const w = await world();
  const prompt = w.model.tokenizer.encode(PROMPT, { bos: true });
  const free = generate(w.model, prompt, { maxTokens: 260, stopAtEos: false });
  const firstBos = free.completion.indexOf(1);
  assert.ok(firstBos > 0 && firstBos < 250, `the model ends its story with BOS at ${firstBos}`);
  // A custom stop token: the completion ends at its first occurrence, the stop token included.
  const stop = free.completion[5]!;
  const at = free.completion.indexOf(stop);
  const g = (extra: Record<string, unknown>) => parseLlmSpec({ model: { id: 'm' }, challenge: { kind: 'chain' }, prompt: PROMPT, maxTokens: 260, ...extra }) as LlmSingleSpec;
  let out = generateFor(w.model, g({ stopTokens: [stop] }));
  assert.deepEqual(out.completion, free.completion.slice(0, at + 1));
  assert.deepEqual(out.logprobs, free.steps.slice(0, at + 1).map((s) => s.logprob));
  // EOS only: the BOS the model emits does not end the completion.
  out = generateFor(w.model, g({ stopTokens: [2] }));
  assert.deepEqual(out.completion, free.completion);
  // No stop tokens at all, or stopAtEos false: the full length.
  assert.equal(generateFor(w.model, g({ stopTokens: [] })).completion.length, 260);
  assert.equal(generateFor(w.model, g({ stopAtEos: false })).completion.length, 260);
  // The default [1, 2] still stops at the BOS.
  assert.deepEqual(generateFor(w.model, g({})).completion, free.completion.slice(0, firstBos + 1));
});

test('an honest provider passes a job whose stopTokens are not BOS/EOS', async () => {
  const w = await world();
  const v = await defaultVerifier();
  const job = jobWith(w, 'eos-only', { maxTokens: 260, stopTokens: [2] });
  const run = honestRun(w, job);
  assert.ok(run.out.completion.includes(1), 'the completion runs past the BOS the model emits');
  const f = await check(v, job, run, { samples: 4 });
  assert.equal(f.outcome, 'pass', f.reason);
});

test('a job whose prompt + maxTokens exceeds the model context is refused: by the provider, and inconclusive (BAD_INPUT) at the verifier', async () => {
  const w = await world();
  const context = w.model.config.maxSequenceLength;
  const promptLength = w.model.tokenizer.encode(PROMPT, { bos: true }).length;
  const fits = jobWith(w, 'fits', { maxTokens: context - promptLength, stopAtEos: false });
  const spec = parseLlmSpec(fits.spec) as LlmSingleSpec;
  assert.doesNotThrow(() => checkFitsContext(spec, promptLength, context));
  assert.equal(generateFor(w.model, spec).completion.length, context - promptLength, 'exactly at the limit is fine');
  const over = jobWith(w, 'over', { maxTokens: context - promptLength + 1, stopAtEos: false });
  const overSpec = parseLlmSpec(over.spec) as LlmSingleSpec;
  assert.throws(() => checkFitsContext(overSpec, promptLength, context), (e) => isVerdictError(e, 'BAD_INPUT') && /context/.test(e.message));
  assert.throws(() => generateFor(w.model, overSpec), (e) => isVerdictError(e, 'BAD_INPUT'));
  // A provider that ran it anyway: the completion stops at the context limit without a stop token. That is
  // not the provider's fault, and not a pass either: the job cannot be honoured.
  const r = generate(w.model, w.model.tokenizer.encode(PROMPT, { bos: true }), { maxTokens: overSpec.maxTokens, stopAtEos: false });
  assert.equal(r.completion.length, context - promptLength);
  const commitment = commitLlmOutput(over, r.tokens.slice(0, promptLength), { completion: r.completion, logprobs: r.steps.map((s) => s.logprob) });
  const claim = claimFor(over, commitment);
  const evidence = respondLlm(over, commitment, commitRevealTranscript(over.id, claim.outputCommitment, w.parties));
  const f = await check(await defaultVerifier(), over, { claim, evidence }, { samples: 4 });
  assert.equal(f.outcome, 'inconclusive', f.reason);
  assert.equal(f.error?.code, 'BAD_INPUT');
  assert.match(f.reason, /context/);
});

test('batch: a sampled request that exceeds the model context makes the finding inconclusive (BAD_INPUT), not a fail', async () => {
  const w = await world();
  const { commitLlmBatch, respondBatch, llmBatchJob } = await import('../../../src/verifiers/spot-sample/index.js');
  const context = w.model.config.maxSequenceLength;
  const id = 'batch-over';
  const job = llmBatchJob({
    id,
    provider: '0xa11ce',
    model: { id: w.modelId, ...(w.model.digest ? { sha256: w.model.digest as Hex } : {}) },
    requests: [{ prompt: PROMPT, maxTokens: 6 }, { prompt: PROMPT, maxTokens: context, stopAtEos: false }],
    challenge: { kind: 'commit-reveal', commits: w.parties.map((p) => ({ party: p.party, commit: commitSecret(p.secret, p.party, id) })) },
  });
  const prompt = w.model.tokenizer.encode(PROMPT, { bos: true });
  const outputs = [generateFor(w.model, (parseLlmSpec(job.spec) as any).requests[0]), { completion: generate(w.model, prompt, { maxTokens: context, stopAtEos: false }).completion }];
  assert.equal(outputs[1]!.completion.length, context - prompt.length);
  const c = commitLlmBatch(job, outputs);
  const claim = claimFor(job, c);
  const evidence = respondBatch(job, c, outputs, commitRevealTranscript(id, claim.outputCommitment, w.parties), { samples: 2 });
  const f = await check(await defaultVerifier(), job, { claim, evidence }, { samples: 2 });
  assert.equal(f.outcome, 'inconclusive', f.reason);
  assert.equal(f.error?.code, 'BAD_INPUT');
});

// Greedy "Once upon a time": ", there was a little girl named Lily. She loved to play outside in the park. One
// day, ..." — the first "." (426) is completion position 10, " One" (385) position 27.
const STORY = 'Once upon a time';
const PERIOD = 426;
const ONE = 385;

function storyJob(w: Awaited<ReturnType<typeof world>>, id: string, generation: Record<string, unknown>) {
  return jobWith(w, id, { prompt: STORY, ...generation });
}

/** A provider's claim and evidence for a completion it chose itself (honest or not). */
function claimed(w: Awaited<ReturnType<typeof world>>, job: ReturnType<typeof jobWith>, stopTokens: number[], options: Record<string, unknown>) {
  const spec = parseLlmSpec(job.spec) as LlmSingleSpec;
  const r = generate(w.model, w.model.tokenizer.encode(STORY, { bos: true }), { maxTokens: spec.maxTokens, stopTokens });
  const commitment = commitLlmOutput(job, r.tokens.slice(0, r.promptLength), { completion: r.completion, logprobs: r.steps.map((s) => s.logprob) });
  const claim = claimFor(job, commitment);
  return { completion: r.completion, claim, evidence: respondLlm(job, commitment, commitRevealTranscript(job.id, claim.outputCommitment, w.parties), options) };
}

test('generateFor computes no token past the stop token', async () => {
  const w = await world();
  let polls = 0;
  const signal = new AbortController().signal;
  // generate polls the signal once per generated token.
  Object.defineProperty(signal, 'aborted', { get: () => (polls++, false) });
  const spec = parseLlmSpec(storyJob(w, 'polls', { maxTokens: 200, stopTokens: [PERIOD] }).spec) as LlmSingleSpec;
  const out = generateFor(w.model, spec, { signal });
  assert.equal(out.completion.length, 11);
  assert.equal(out.completion[10], PERIOD);
  assert.equal(polls, 11, `generated ${polls} tokens for a completion of 11`);
});

test('the verifier: a stop token at the last position passes; one before the last fails (the provider generated past it)', async () => {
  const w = await world();
  const v = await defaultVerifier();
  // Honest: the completion ends at the first ".", which is its last token.
  let job = storyJob(w, 'stop-final', { maxTokens: 40, stopTokens: [PERIOD] });
  const honest = honestRun(w, job);
  assert.deepEqual(honest.out.completion.indexOf(PERIOD), honest.out.completion.length - 1);
  assert.equal(honest.out.completion.length, 11);
  let f = await check(v, job, honest, { samples: 4 });
  assert.equal(f.outcome, 'pass', f.reason);
  // The stop token exactly at maxTokens: also its last position.
  job = storyJob(w, 'stop-at-max', { maxTokens: 11, stopTokens: [PERIOD] });
  const all = { samples: 11 };
  const atMax = claimed(w, job, [PERIOD], all);
  assert.equal(atMax.completion.length, 11);
  f = await check(v, job, atMax, all);
  assert.equal(f.outcome, 'pass', f.reason);

  // Kept generating past the "." up to maxTokens: every token is what the model gives, but the job ended at 10.
  job = storyJob(w, 'stop-ignored', { maxTokens: 24, stopTokens: [PERIOD] });
  const past = claimed(w, job, [], { samples: 24 });
  assert.equal(past.completion.length, 24);
  f = await check(v, job, past, { samples: 24 });
  assert.equal(f.outcome, 'fail', f.reason);
  assert.match(f.reason, /position 10 holds the stop token 426 before the last position/);
  // Kept generating past the "." and stopped at the next stop token: the whole completion is revealed, so it
  // fails whatever the sample.
  job = storyJob(w, 'stop-skipped', { maxTokens: 40, stopTokens: [PERIOD, ONE] });
  const skipped = claimed(w, job, [ONE], { samples: 2 });
  assert.equal(skipped.completion.length, 28);
  f = await check(v, job, skipped, { samples: 2 });
  assert.equal(f.outcome, 'fail', f.reason);
  assert.match(f.reason, /position 10 holds the stop token 426/);
  // The same completion is honest for a job whose only stop token is " One".
  job = storyJob(w, 'stop-one', { maxTokens: 40, stopTokens: [ONE] });
  f = await check(v, job, claimed(w, job, [ONE], { samples: 2 }), { samples: 2 });
  assert.equal(f.outcome, 'pass', f.reason);
});

test('batch: a sampled request with a stop token before its last position is a mismatch', async () => {
  const w = await world();
  const { commitLlmBatch, respondBatch, llmBatchJob } = await import('../../../src/verifiers/spot-sample/index.js');
  const id = 'batch-stop';
  const job = llmBatchJob({
    id,
    provider: '0xa11ce',
    model: { id: w.modelId, ...(w.model.digest ? { sha256: w.model.digest as Hex } : {}) },
    requests: [
      { prompt: STORY, maxTokens: 30, stopTokens: [PERIOD] },
      { prompt: STORY, maxTokens: 30, stopTokens: [ONE] },
    ],
    challenge: { kind: 'commit-reveal', commits: w.parties.map((p) => ({ party: p.party, commit: commitSecret(p.secret, p.party, id) })) },
  });
  const requests = (parseLlmSpec(job.spec) as any).requests;
  const honest = requests.map((g: LlmSingleSpec) => generateFor(w.model, g));
  const run = (outputs: Array<{ completion: number[] }>) => {
    const c = commitLlmBatch(job, outputs);
    const claim = claimFor(job, c);
    return { claim, evidence: respondBatch(job, c, outputs, commitRevealTranscript(id, claim.outputCommitment, w.parties), { samples: 2 }) };
  };
  let f = await check(await defaultVerifier(), job, run(honest), { samples: 2 });
  assert.equal(f.outcome, 'pass', f.reason);
  // Request 0 answered up to maxTokens, past its ".".
  const past = generate(w.model, w.model.tokenizer.encode(STORY, { bos: true }), { maxTokens: 30, stopTokens: [] }).completion;
  assert.equal(past.indexOf(PERIOD), 10);
  f = await check(await defaultVerifier(), job, run([{ completion: past }, honest[1]]), { samples: 2 });
  assert.equal(f.outcome, 'fail', f.reason);
  assert.match(f.reason, /request 0: position 10 holds the stop token 426 before the last position/);
});
