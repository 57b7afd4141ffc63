import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ManualClock, silentLogger, type Finding, type Job } from '../../src/core/index.js';
import { evaluatePolicy, loadPolicyFile, parsePolicy } from '../../src/policy/index.js';
import { VerifierRegistry, type Verifier } from '../../src/verifiers/index.js';
import { TelemetryVerifier } from '../../src/verifiers/telemetry/index.js';
import { LLM_TELEMETRY_RULE, createTelemetryDemo, demoSigner, telemetryBundle, telemetryForJob } from '../../src/demo/telemetry.js';

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
