import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ManualClock, silentLogger, type Finding, type Job } from '../../src/core/index.js';
import { evaluatePolicy, loadPolicyFile, parsePolicy, selectVerifiers } from '../../src/policy/index.js';
import { MemoryReputationStore, ReputationScorer } from '../../src/reputation/index.js';
import { VerifierRegistry, type Verifier } from '../../src/verifiers/index.js';
import { TelemetryVerifier } from '../../src/verifiers/telemetry/index.js';
import { LLM_TELEMETRY_RULE, createTelemetryDemo, demoSigner, telemetryBundle, telemetryForJob } from '../../src/demo/telemetry.js';
import { bundleOf, createLlmWorld, droppedLayers, honest, makeLlmJob, spotSampleVerifierFor, type LlmStrategy } from '../../src/demo/spot-sample.js';

test('demo market: the gpu-telemetry policy accepts the honest rentals and rejects every forger', async () => {
  const clock = new ManualClock(Date.UTC(2025, 2, 1, 12));
  const demo = createTelemetryDemo();
  const ctx = { logger: silentLogger, clock, workDir: '/tmp' };
  const registry = new VerifierRegistry({ clock });
  for (const v of await demo.verifiers(ctx)) registry.register(v);
  const policy = loadPolicyFile(fileURLToPath(new URL(`../../${demo.policyFile}`, import.meta.url)));
  assert.equal(policy.jobType, demo.jobType);
  const cases = await demo.cases(ctx);
  assert.ok(cases.filter((c) => c.expected === 'accept').length >= 3 && cases.filter((c) => c.expected === 'reject').length >= 6);
  for (const c of cases) {
    const d = await evaluatePolicy(registry, policy, c.job, c.bundle.claim, c.bundle.items, { seed: new Uint8Array(32), clock });
    assert.equal(d.outcome, c.expected, `${c.scenario}: ${d.reasons.join('; ')}`);
  }
});

/** A stand-in for the spot-sample verifier: this test is about how the policy blends, not about sampling. */
const stubSpotSample = (outcome: Finding['outcome']): Verifier => ({
  id: 'spot-sample',
  version: 'stub',
  parseEvidence: (raw) => raw,
  verify: async () => ({ verifier: 'spot-sample', outcome, reason: `stub ${outcome}`, confidence: 0.99 }),
});

test('blended llm-inference rule: telemetry informs but cannot reject alone; sampling still decides', async () => {
  const clock = new ManualClock(Date.UTC(2025, 2, 1, 12));
  const policy = parsePolicy({
    v: 1,
    id: 'llm-blended-test',
    jobType: 'llm-inference',
    verifiers: [{ id: 'spot-sample', required: true, probability: 1, weight: 1 }, LLM_TELEMETRY_RULE],
    combine: { rejectWeight: 1, acceptWeight: 1 },
  });
  const signer = demoSigner('llm provider');
  const base: Job = { v: 1, id: 'llm-1', type: 'llm-inference', provider: signer.address, spec: { mode: 'single', prompt: 'Once upon a time' } };
  const start = clock.now() - 3_600_000;
  const honest = await telemetryForJob(base, { signer, profile: 'h100-sxm', startAt: start, durationS: 300, seed: 'llm-honest' });
  const forged = await telemetryForJob({ ...base, id: 'llm-2' }, { signer, profile: 'h100-sxm', startAt: start, durationS: 300, seed: 'llm-forged', forgery: 'smaller-gpu' });
  assert.equal((honest.job.spec as any).prompt, 'Once upon a time', 'the job keeps its own spec');

  const run = async (spot: Finding['outcome'], job: Job, evidence: unknown, adaptiveProbability = 1) => {
    const registry = new VerifierRegistry({ clock }).register(stubSpotSample(spot)).register(new TelemetryVerifier());
    const bundle = telemetryBundle(job, JSON.parse(JSON.stringify(evidence)));
    return evaluatePolicy(registry, policy, job, bundle.claim, { ...bundle.items, 'spot-sample': {} }, { seed: new Uint8Array(32), adaptiveProbability, clock });
  };
  const ok = await run('pass', honest.job, honest.evidence);
  assert.equal(ok.outcome, 'accept');
  assert.equal(ok.findings.find((f) => f.verifier === 'telemetry')?.outcome, 'pass');

  const weak = await run('pass', forged.job, forged.evidence);
  assert.equal(weak.outcome, 'accept', 'a telemetry failure alone does not reject');
  assert.equal(weak.findings.find((f) => f.verifier === 'telemetry')?.outcome, 'fail');
  assert.ok(weak.reasons.some((r) => /telemetry failed below the reject weight/.test(r)));

  const bad = await run('fail', forged.job, forged.evidence);
  assert.equal(bad.outcome, 'reject');

  const skipped = await run('pass', honest.job, honest.evidence, 0);
  assert.deepEqual(skipped.skipped, ['telemetry'], 'a good reputation (adaptive probability 0) skips telemetry');
});

test('blended llm-inference on real components: the shipped spot-sample rule on the real model, telemetry, and reputation setting the telemetry rate', async () => {
  const clock = new ManualClock(Date.UTC(2025, 2, 1, 12));
  const shipped = loadPolicyFile(fileURLToPath(new URL('../../policies/llm-inference.yaml', import.meta.url)));
  const spotRule = shipped.verifiers.find((r) => r.id === 'spot-sample');
  assert.ok(spotRule?.required, 'the shipped llm-inference policy requires spot-sampling');
  // the shipped telemetry rule once the policy lists it, else the one the demo module documents
  const telemetryRule = shipped.verifiers.find((r) => r.id === 'telemetry') ?? LLM_TELEMETRY_RULE;
  assert.equal(telemetryRule.required, false);
  assert.equal(telemetryRule.probability, 'adaptive');
  assert.ok(telemetryRule.weight * 0.95 < shipped.combine.rejectWeight, 'telemetry alone can never reject');
  assert.ok(telemetryRule.weight < shipped.combine.acceptWeight, 'telemetry alone can never accept');
  const policy = parsePolicy({ ...shipped, verifiers: [spotRule, telemetryRule] });

  const world = await createLlmWorld({ policyOptions: spotRule.options ?? {} });
  const registry = new VerifierRegistry({ clock }).register(spotSampleVerifierFor(world)).register(new TelemetryVerifier());
  const scorer = new ReputationScorer({ store: new MemoryReputationStore(), clock });
  const signer = demoSigner('blended llm provider');
  scorer.setStake(signer.address, 25);
  const start = clock.now() - 3_600_000;

  let n = 0;
  const decide = async (strategy: LlmStrategy, forgery?: 'smaller-gpu') => {
    const base = makeLlmJob(world, { id: `blended-${n++}`, provider: signer.address, prompt: 'Once upon a time', maxTokens: 32 });
    const t = await telemetryForJob(base, { signer, profile: 'h100-sxm', startAt: start + n * 600_000, durationS: 120, seed: `blended-${n}`, ...(forgery ? { forgery } : {}) });
    const bundle = bundleOf(t.job, strategy.run(world, t.job));
    const adaptiveProbability = scorer.checkProbability(signer.address, t.job.type);
    const d = await evaluatePolicy(registry, policy, t.job, bundle.claim, { ...bundle.items, telemetry: t.evidence }, { seed: new Uint8Array(32), adaptiveProbability, clock });
    const outcome = (id: string) => d.findings.find((f) => f.verifier === id)?.outcome;
    return { d, spot: outcome('spot-sample'), telemetry: outcome('telemetry'), adaptiveProbability };
  };

  // A newcomer: reputation asks for every check, so telemetry runs on every job.
  const ok = await decide(honest());
  assert.equal(ok.adaptiveProbability, 1);
  assert.deepEqual([ok.d.outcome, ok.spot, ok.telemetry], ['accept', 'pass', 'pass'], ok.d.reasons.join('; '));
  const forged = await decide(honest(), 'smaller-gpu');
  assert.deepEqual([forged.d.outcome, forged.spot, forged.telemetry], ['accept', 'pass', 'fail'], 'a telemetry fail alone does not reject correct outputs');
  assert.ok(forged.d.reasons.some((r) => /telemetry failed below the reject weight/.test(r)));
  const cheat = await decide(droppedLayers());
  assert.deepEqual([cheat.d.outcome, cheat.spot, cheat.telemetry], ['reject', 'fail', 'pass'], 'a plausible trace does not save wrong outputs');
  for (const r of [ok, forged, cheat]) scorer.recordDecision(r.d, signer.address);

  // An established provider: the rate falls to the reputation floor and telemetry is drawn on few jobs, while
  // spot-sampling (probability 1) still runs on every one.
  for (let i = 0; i < 300; i++) {
    scorer.recordOutcome(signer.address, 'llm-inference', 'pass');
    clock.advance(60_000);
  }
  const rate = scorer.checkProbability(signer.address, 'llm-inference');
  assert.ok(rate < 0.2, `trusted rate ${rate}`);
  let drawn = 0;
  const jobs = 1000;
  for (let i = 0; i < jobs; i++) {
    const { run } = selectVerifiers(policy, `established-${i}`, { seed: new Uint8Array(32).fill(7), adaptiveProbability: rate });
    assert.ok(run.includes('spot-sample'));
    if (run.includes('telemetry')) drawn++;
  }
  assert.ok(Math.abs(drawn / jobs - rate) < 0.03, `telemetry drawn on ${drawn}/${jobs} jobs at rate ${rate}`);
  const trusted = await decide(honest());
  assert.equal(trusted.adaptiveProbability, rate);
});
