import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isVerdictError, sha256Hex, toHex, type Hex } from '../../../src/core/index.js';
import { VerifierRegistry } from '../../../src/verifiers/index.js';
import { evaluatePolicy, loadPolicyFile } from '../../../src/policy/index.js';
import {
  SpotSampleVerifier,
  claimFor,
  commitLlmOutput,
  generateFor,
  llmJob,
  localModelResolver,
  parseLlmSpec,
  respondLlm,
  sampleSize,
  type ChainBeaconSource,
  type LlmSingleSpec,
} from '../../../src/verifiers/spot-sample/index.js';
import { chainTranscript, commitRevealTranscript, hypergeometricDetection, samplesNeededHypergeometric } from '../../../src/sampling/index.js';
import { LocalBackend, type InferenceBackend } from '../../../src/inference/index.js';
import {
  ALL_CHEATS,
  bundleOf,
  commitAndRespond,
  honest,
  makeLlmJob,
  swapAfterChallenge,
  type LlmStrategy,
} from '../../../src/demo/spot-sample.js';
import { check, ctxFor, defaultVerifier, note, world } from './helpers.js';
import { createTelemetryVerifier } from '../../../src/verifiers/telemetry/index.js';

const PROMPT = 'Once upon a time';

test('honest providers pass: float64, float32 and f32x8 accumulation, greedy and sampled', async (t) => {
  const w = await world();
  const v = await defaultVerifier();
  let n = 0;
  for (const acc of ['float64', 'float32', 'f32x8'] as const) {
    for (const temperature of [0, 0.8]) {
      const job = makeLlmJob(w, { id: `honest-${acc}-${temperature}`, provider: '0xa11ce', prompt: PROMPT, maxTokens: 48, temperature });
      const f = await check(v, job, honest(acc).run(w, job));
      assert.equal(f.outcome, 'pass', `${acc} T=${temperature}: ${f.reason}`);
      assert.equal(f.verifier, 'spot-sample');
      const d = f.details as Record<string, any>;
      assert.ok(d.checked >= 1 && d.mismatches === 0);
      assert.ok(d.detection.probability >= 0.99 && f.confidence! >= 0.99, 'sized for 99% detection of a 10% cheat');
      assert.ok(f.cost!.ms > 0);
      n++;
    }
  }
  t.diagnostic(`${n} honest configurations passed${note(w)}`);
});

test('every cheating strategy fails on a single job (greedy or sampled as it needs)', async (t) => {
  const w = await world();
  const v = await defaultVerifier();
  for (const [i, cheat] of ALL_CHEATS.entries()) {
    const job = makeLlmJob(w, { id: `cheat-${i}`, provider: '0xbad', prompt: PROMPT, maxTokens: 48, temperature: cheat.sampledOnly ? 0.8 : 0 });
    const f = await check(v, job, cheat.run(w, job));
    assert.equal(f.outcome, 'fail', `${cheat.name}: ${f.reason}`);
    t.diagnostic(`${cheat.name}: ${f.reason.slice(0, 120)}`);
  }
});

test('the verifier recomputes only up to the last sampled position (never the whole job when the sample ends early)', async () => {
  const w = await world();
  const v = await defaultVerifier();
  const job = makeLlmJob(w, { id: 'prefix-only', provider: '0xa11ce', prompt: PROMPT, maxTokens: 200 });
  const run = honest().run(w, job);
  const f = await check(v, job, run, { samples: 3 });
  assert.equal(f.outcome, 'pass', f.reason);
  const d = f.details as Record<string, any>;
  const positions: number[] = d.positions;
  const promptLength = w.model.tokenizer.encode(PROMPT, { bos: true }).length;
  assert.equal(d.recompute.tokens, promptLength + positions[positions.length - 1]! + 1);
  assert.equal(d.recompute.scoredFrom, promptLength + positions[0]!);
});

test('policy integration: the llm-inference policy accepts honest and rejects cheating providers', async () => {
  const w = await world();
  // the shipped policy blends in GPU telemetry: without a trace that optional rule fails below the reject weight
  const registry = new VerifierRegistry().register(await defaultVerifier()).register(createTelemetryVerifier());
  const policy = loadPolicyFile(new URL('../../../policies/llm-inference.yaml', import.meta.url).pathname);
  assert.ok(policy.verifiers.some((r) => r.id === 'telemetry' && !r.required && r.probability === 'adaptive'));
  for (const [strategy, expected] of [[honest('float32'), 'accept'], [swapAfterChallenge(), 'reject'], [ALL_CHEATS[0]!, 'reject']] as Array<[LlmStrategy, string]>) {
    const job = makeLlmJob(w, { id: `policy-${strategy.name}`, provider: '0xp', prompt: PROMPT, maxTokens: 32 });
    const bundle = bundleOf(job, strategy.run(w, job));
    const d = await evaluatePolicy(registry, policy, job, bundle.claim, bundle.items, { seed: new Uint8Array(32) });
    assert.equal(d.outcome, expected, `${strategy.name}: ${d.reasons.join('; ')}`);
  }
});

test('a completion that stops early is checked at its stop token; one that stops without it fails', async () => {
  const w = await world();
  const v = await defaultVerifier();
  // Long enough that the model emits a stop token (stories end), or the check is skipped honestly.
  const job = makeLlmJob(w, { id: 'early-stop', provider: '0xa11ce', prompt: PROMPT, maxTokens: 400 });
  const run = honest().run(w, job);
  if (run.evidence.size < 400) {
    const f = await check(v, job, run, { samples: 2 });
    assert.equal(f.outcome, 'pass', f.reason);
    assert.ok((f.details as any).positions.includes(run.evidence.size - 1));
  }
  const spec = parseLlmSpec(job.spec) as LlmSingleSpec;
  const out = generateFor(w.model, { ...spec, stopAtEos: false });
  const cut = { completion: out.completion.slice(0, 20), logprobs: out.logprobs!.slice(0, 20) };
  const f = await check(v, job, commitAndRespond(w, job, out.promptTokens, cut));
  assert.equal(f.outcome, 'fail');
  assert.match(f.reason, /without a stop token/);
});

test('evidence problems fail with a reason: missing openings, short completion, forged seed, duplicate openings', async () => {
  const w = await world();
  const v = await defaultVerifier();
  const job = makeLlmJob(w, { id: 'evidence-problems', provider: '0xbad', prompt: PROMPT, maxTokens: 40 });
  const run = honest().run(w, job);
  const variants: Array<[string, unknown, RegExp]> = [
    ['one opening dropped', { ...run.evidence, openings: run.evidence.openings.slice(1) }, /does not open/],
    ['completion cut', { ...run.evidence, completion: run.evidence.completion.slice(0, 2) }, /revealed up to/],
    ['forged seed', { ...run.evidence, challenge: { ...run.evidence.challenge, seed: sha256Hex('mine') } }, /seed/],
    ['duplicate', { ...run.evidence, openings: [run.evidence.openings[0], ...run.evidence.openings] }, /twice/],
    ['other root', { ...run.evidence, root: sha256Hex('root') }, /output commitment/],
  ];
  for (const [name, raw, re] of variants) {
    const f = await v.verify(job, v.parseEvidence(JSON.parse(JSON.stringify(raw))), ctxFor(run.claim));
    assert.equal(f.outcome, 'fail', name);
    assert.match(f.reason, re, name);
  }
  // Options that sample fewer positions than the provider opened are fine (uniform samples are prefix-stable).
  assert.equal((await check(v, job, run, { samples: 5 })).outcome, 'pass');
});

test('configuration and infrastructure problems are inconclusive, not the provider\'s fault', async () => {
  const w = await world();
  const job = makeLlmJob(w, { id: 'infra', provider: '0xa11ce', prompt: PROMPT, maxTokens: 24 });
  const run = honest().run(w, job);
  const none = new SpotSampleVerifier({ models: () => undefined });
  let f = await check(none, job, run);
  assert.equal(f.outcome, 'inconclusive');
  assert.equal(f.error?.code, 'NOT_FOUND');
  f = await check(await defaultVerifier(), job, run, { samples: -3 });
  assert.equal(f.outcome, 'inconclusive');
  assert.equal(f.error?.code, 'BAD_CONFIG');
  const failing: InferenceBackend = { id: 'down', vocabSize: 512, score: async () => Promise.reject(new Error('connection refused')) };
  const down = new SpotSampleVerifier({ models: () => ({ backend: failing, encode: (s) => w.model.tokenizer.encode(s, { bos: true }), ...(w.model.digest ? { digest: w.model.digest } : {}) }) });
  f = await check(down, job, run);
  assert.equal(f.outcome, 'inconclusive');
  assert.equal(f.error?.retryable, true);
});

test('sampled jobs replay through a backend that returns full distributions instead of logits', async () => {
  const w = await world();
  const local = new LocalBackend(w.model, { includeLogits: false });
  const v = new SpotSampleVerifier({ models: () => ({ backend: local, encode: (s) => w.model.tokenizer.encode(s, { bos: true }), ...(w.model.digest ? { digest: w.model.digest } : {}) }) });
  const job = makeLlmJob(w, { id: 'no-logits', provider: '0xa11ce', prompt: PROMPT, maxTokens: 24, temperature: 1 });
  assert.equal((await check(v, job, honest('float32').run(w, job))).outcome, 'pass');
  const cheat = ALL_CHEATS.find((c) => c.sampledOnly)!;
  assert.equal((await check(v, job, cheat.run(w, job))).outcome, 'fail');
});

test('chain-beacon challenges: checked against the chain source', async () => {
  const w = await world();
  const job = llmJob({ id: 'beacon-1', provider: '0xa11ce', model: { id: w.modelId, ...(w.model.digest ? { sha256: w.model.digest as Hex } : {}) }, generation: { prompt: PROMPT, maxTokens: 24 }, logprobs: true, challenge: { kind: 'chain', distance: 2 } });
  const spec = parseLlmSpec(job.spec) as LlmSingleSpec;
  const out = generateFor(w.model, spec, { accumulation: 'float32' });
  const commitment = commitLlmOutput(job, out.promptTokens, out);
  const claim = claimFor(job, commitment);
  const blocks = new Map<number, Hex>([[12, sha256Hex('block 12')]]);
  const chain: ChainBeaconSource = { blockHash: async (n) => blocks.get(n), commitmentBlock: async (id, c) => (id === job.id && c === claim.outputCommitment ? 10 : undefined) };
  const v = new SpotSampleVerifier({ models: localModelResolver({ [w.modelId]: w.model }), chain });
  const evidence = respondLlm(job, commitment, chainTranscript(job.id, claim.outputCommitment, 10, 12, blocks.get(12)!));
  let f = await v.verify(job, v.parseEvidence(JSON.parse(JSON.stringify(evidence))), ctxFor(claim));
  assert.equal(f.outcome, 'pass', f.reason);
  // A beacon hash the chain does not have for that block.
  const forged = respondLlm(job, commitment, chainTranscript(job.id, claim.outputCommitment, 10, 12, sha256Hex('grinded') as Hex));
  f = await v.verify(job, v.parseEvidence(JSON.parse(JSON.stringify(forged))), ctxFor(claim));
  assert.equal(f.outcome, 'fail');
  // Seed grinding: block 13 is on chain too, but the beacon is pinned to commitBlock + distance = 12.
  blocks.set(13, sha256Hex('block 13') as Hex);
  const ground = respondLlm(job, commitment, chainTranscript(job.id, claim.outputCommitment, 10, 13, blocks.get(13)!));
  f = await v.verify(job, v.parseEvidence(JSON.parse(JSON.stringify(ground))), ctxFor(claim));
  assert.equal(f.outcome, 'fail', f.reason);
  assert.match(f.reason, /must be block 12/);
  // The pinned beacon block not yet mined: retry later.
  const unmined = new SpotSampleVerifier({ models: localModelResolver({ [w.modelId]: w.model }), chain: { ...chain, blockHash: async () => undefined } });
  f = await unmined.verify(job, unmined.parseEvidence(JSON.parse(JSON.stringify(evidence))), ctxFor(claim));
  assert.equal(f.outcome, 'inconclusive');
  assert.equal(f.error?.retryable, true);
  // A commitment block other than the recorded one.
  const lied = respondLlm(job, commitment, chainTranscript(job.id, claim.outputCommitment, 9, 12, blocks.get(12)!));
  f = await v.verify(job, v.parseEvidence(JSON.parse(JSON.stringify(lied))), ctxFor(claim));
  assert.equal(f.outcome, 'fail');
  // Without a chain source the verifier cannot judge a beacon challenge.
  const blind = new SpotSampleVerifier({ models: localModelResolver({ [w.modelId]: w.model }) });
  f = await blind.verify(job, blind.parseEvidence(JSON.parse(JSON.stringify(evidence))), ctxFor(claim));
  assert.equal(f.outcome, 'inconclusive');
  assert.equal(f.error?.code, 'UNSUPPORTED');
});

test('commit–reveal: a party that withholds its reveal makes the finding inconclusive (naming it), never a fail of the provider', async () => {
  const w = await world();
  const v = await defaultVerifier();
  const job = makeLlmJob(w, { id: 'withheld-reveal', provider: '0xa11ce', prompt: PROMPT, maxTokens: 16 });
  const spec = parseLlmSpec(job.spec) as LlmSingleSpec;
  const out = generateFor(w.model, spec);
  const commitment = commitLlmOutput(job, out.promptTokens, out);
  const claim = claimFor(job, commitment);
  const [creator, mediator] = w.parties as [(typeof w.parties)[0], (typeof w.parties)[0]];
  const verifyWith = (reveals: typeof w.parties) => check(v, job, { claim, evidence: respondLlm(job, commitment, commitRevealTranscript(job.id, claim.outputCommitment, reveals)) });
  for (const [reveals, missing] of [[[creator], mediator.party], [[mediator], creator.party]] as const) {
    const f = await verifyWith([...reveals]);
    assert.equal(f.outcome, 'inconclusive', f.reason);
    assert.ok(f.reason.includes(missing), f.reason);
    assert.equal(f.error?.code, 'NOT_FOUND');
    assert.equal(f.error?.retryable, true);
    assert.deepEqual((f.details as any).missingReveals, [missing]);
  }
  assert.equal((await verifyWith([creator, mediator])).outcome, 'pass');
  // The provider's own contributions stay its responsibility: a reveal of its own, or a secret that does not open its commit.
  let f = await verifyWith([creator, mediator, { party: job.provider, secret: new Uint8Array(32).fill(7) }]);
  assert.equal(f.outcome, 'fail', f.reason);
  assert.match(f.reason, /may not contribute/);
  // A job that makes its provider a committing party is refused when it is built.
  assert.throws(
    () => llmJob({ id: 'trap', provider: creator.party, model: { id: w.modelId }, generation: { prompt: PROMPT, maxTokens: 4 }, challenge: spec.challenge }),
    (e) => isVerdictError(e, 'BAD_INPUT'),
  );
  f = await verifyWith([creator, { party: mediator.party, secret: new Uint8Array(32).fill(7) }]);
  assert.equal(f.outcome, 'fail', f.reason);
  assert.match(f.reason, /does not open its commit|other than the one published/);
});

test('maxMismatches: the reported detection is P[more than m bad items sampled], and the sample is sized for it', async () => {
  const w = await world();
  const v = await defaultVerifier();
  const job = makeLlmJob(w, { id: 'tolerant', provider: '0xa11ce', prompt: PROMPT, maxTokens: 64, stopAtEos: false });
  const spec = parseLlmSpec(job.spec) as LlmSingleSpec;
  const out = generateFor(w.model, spec);
  const commitment = commitLlmOutput(job, out.promptTokens, out);
  const claim = claimFor(job, commitment);
  const transcript = commitRevealTranscript(job.id, claim.outputCommitment, w.parties);
  const findingFor = (options: Record<string, unknown>) => check(v, job, { claim, evidence: respondLlm(job, commitment, transcript, options) }, options);
  const strict = await findingFor({});
  const tolerant = await findingFor({ maxMismatches: 1 });
  for (const f of [strict, tolerant]) assert.equal(f.outcome, 'pass', f.reason);
  const [ds, dt] = [strict.details as any, tolerant.details as any];
  assert.equal(ds.sample.size, sampleSize({ cheatFraction: 0.1, targetDetection: 0.99, method: 'uniform' }, 64));
  assert.equal(dt.sample.size, samplesNeededHypergeometric(64, 0.1, 0.99, 1), 'k sized with m = 1');
  assert.ok(dt.sample.size > ds.sample.size);
  assert.equal(dt.detection.maxMismatches, 1);
  assert.equal(dt.detection.probability, Math.round(hypergeometricDetection(64, 7, dt.sample.size, 1) * 1e6) / 1e6);
  assert.ok(tolerant.confidence! >= 0.99);
  // A fixed sample size with m = 1 reports the (lower) tolerant detection, not P(at least one bad item).
  const fixed = await findingFor({ samples: 20, maxMismatches: 1 });
  assert.equal((fixed.details as any).detection.probability, Math.round(hypergeometricDetection(64, 7, 20, 1) * 1e6) / 1e6);
  assert.ok(fixed.confidence! < hypergeometricDetection(64, 7, 20) - 0.1);
});

test('evidence parser: garbage and mutations give BAD_EVIDENCE; anything it accepts verifies without throwing', async () => {
  const w = await world();
  const v = await defaultVerifier();
  const job = makeLlmJob(w, { id: 'fuzz', provider: '0xbad', prompt: PROMPT, maxTokens: 16 });
  const run = honest().run(w, job);
  const good = JSON.parse(JSON.stringify(run.evidence));
  const tweak = fc.oneof(
    fc.anything(),
    fc.record({ key: fc.constantFrom('v', 'kind', 'root', 'size', 'completion', 'openings', 'challenge', 'extra'), value: fc.anything() }).map(({ key, value }) => ({ ...good, [key]: value })),
    fc.record({ i: fc.nat(), key: fc.constantFrom('leaf', 'proof'), value: fc.anything() }).map(({ i, key, value }) => {
      const openings = good.openings.map((o: object) => ({ ...o }));
      openings[i % openings.length][key] = value;
      return { ...good, openings };
    }),
    fc.record({ i: fc.nat(), field: fc.constantFrom('t', 'token', 'ctx', 'logprob'), value: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)) }).map(({ i, field, value }) => {
      const openings = good.openings.map((o: any) => ({ ...o, leaf: { ...o.leaf } }));
      openings[i % openings.length].leaf[field] = value;
      return { ...good, openings };
    }),
    fc.constant({ ...good, completion: new Array(200_000).fill(1) }),
    fc.constant({ ...good, openings: new Array(10_001).fill(good.openings[0]) }),
  );
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(tweak, async (raw) => {
      let parsed;
      try {
        parsed = v.parseEvidence(raw);
      } catch (e) {
        assert.ok(isVerdictError(e, 'BAD_EVIDENCE'), `not BAD_EVIDENCE: ${String(e)}`);
        return;
      }
      accepted++;
      const f = await v.verify(job, parsed, ctxFor(run.claim));
      assert.ok(['pass', 'fail', 'inconclusive'].includes(f.outcome));
    }),
    { numRuns: 300 },
  );
  assert.ok(accepted > 0);
});

test('batch jobs: sampled requests are re-checked whole; honest passes, a cheat on some requests is caught', async (t) => {
  const w = await world();
  const v = await defaultVerifier();
  const { commitLlmBatch, respondBatch, llmBatchJob } = await import('../../../src/verifiers/spot-sample/index.js');
  const { commitSecret } = await import('../../../src/sampling/index.js');
  const prompts = ['Once upon a time', 'The cat', 'Lily saw a bird', 'Tom was sad', 'The sun was hot', 'A little boy'];
  const requests = Array.from({ length: 30 }, (_, i) => ({ prompt: prompts[i % prompts.length]!, maxTokens: 8, ...(i % 3 === 2 ? { temperature: 0.7, seed: toHex(new Uint8Array(32).fill(i)) } : {}) }));
  const job = llmBatchJob({
    id: 'batch-1',
    provider: '0xa11ce',
    model: { id: w.modelId, ...(w.model.digest ? { sha256: w.model.digest as Hex } : {}) },
    requests,
    logprobs: true,
    challenge: { kind: 'commit-reveal', commits: w.parties.map((p) => ({ party: p.party, commit: commitSecret(p.secret, p.party, 'batch-1') })) },
  });
  const spec = parseLlmSpec(job.spec) as any;
  const outputs = spec.requests.map((g: any) => generateFor(w.model, g, { accumulation: 'float32' }));
  const run = (outs: any[]) => {
    const c = commitLlmBatch(job, outs);
    const claim = claimFor(job, c);
    const challenge = commitRevealTranscript(job.id, claim.outputCommitment, w.parties);
    return { claim, evidence: respondBatch(job, c, outs, challenge, { samples: 10 }) };
  };
  let f = await check(v, job, run(outputs), { samples: 10 });
  assert.equal(f.outcome, 'pass', f.reason);
  assert.equal((f.details as any).recompute.requests, 10);
  // Every third request answered by random tokens: the sample of 10 of 30 catches it unless it misses all 10.
  const cheated = outputs.map((o: any, i: number) => (i % 3 === 0 ? { completion: o.completion.map((x: number) => 3 + ((x * 7) % 500)), logprobs: o.logprobs } : o));
  f = await check(v, job, run(cheated), { samples: 10 });
  assert.equal(f.outcome, 'fail', f.reason);
  // An opened output that is not the committed one.
  const r = run(outputs);
  const swapped = { ...r.evidence, openings: r.evidence.openings.map((o: any, i: number) => (i === 0 ? { ...o, output: { ...o.output, completion: [...o.output.completion].reverse() } } : o)) };
  f = await v.verify(job, v.parseEvidence(JSON.parse(JSON.stringify(swapped))), ctxFor(r.claim, { samples: 10 }));
  assert.equal(f.outcome, 'fail');
  assert.match(f.reason, /commitment mismatch/);
  t.diagnostic(`batch cheat: ${f.reason}`);
});
