import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256, silentLogger, systemClock, utf8, type Job } from '../../../src/core/index.js';
import { evaluatePolicy, loadPolicyFile } from '../../../src/policy/index.js';
import { VerifierRegistry } from '../../../src/verifiers/index.js';
import { RerunVerifier, MemoryBlobStore, WasiExecutor } from '../../../src/verifiers/rerun/index.js';
import { runDeterministicJob, claimOutputs } from '../../../src/provider/rerun.js';
import { createRerunDemo } from '../../../src/demo/rerun.js';

const policy = loadPolicyFile(new URL('../../../policies/wasi.yaml', import.meta.url).pathname);
const ctx = { logger: silentLogger, clock: systemClock, workDir: '/tmp' };
const seed = sha256(utf8('test'));

test('every honest provider is accepted and every cheating strategy rejected (real flite and heat programs)', async () => {
  const demo = createRerunDemo();
  const registry = new VerifierRegistry();
  for (const v of await demo.verifiers(ctx)) registry.register(v);
  const cases = await demo.cases(ctx);
  assert.ok(cases.filter((c) => c.expected === 'reject').length >= 5, 'several distinct cheating strategies');
  assert.ok(cases.some((c) => c.scenario.includes('other float order')), 'an honest provider that is not bit-identical');
  for (const c of cases) {
    const d = await evaluatePolicy(registry, policy, c.job, c.bundle.claim, c.bundle.items, { seed });
    assert.equal(d.outcome, c.expected, `${c.scenario}: ${d.reasons.join('; ')}`);
    if (c.expected === 'reject') assert.equal(d.findings[0]!.outcome, 'fail');
  }
  await registry.dispose();
});

test('the honest non-bit-identical provider really differs from the reference, and only within tolerance', async () => {
  const demo = createRerunDemo();
  const cases = await demo.cases(ctx);
  const honest = cases.find((c) => c.scenario === 'honest (heat solver)')!;
  const alt = cases.find((c) => c.scenario.includes('other float order'))!;
  const field = (c: typeof honest) => (c.bundle.items.rerun as { outputs: { path: string; base64: string }[] }).outputs.find((o) => o.path === 'field.csv')!.base64;
  assert.notEqual(field(alt), field(honest), 'outputs are not bit-identical');
  const registry = new VerifierRegistry();
  for (const v of await demo.verifiers(ctx)) registry.register(v);
  const f = await registry.run('rerun', alt.job, alt.bundle.claim, alt.bundle.items.rerun, { seed });
  assert.equal(f.outcome, 'pass');
  assert.match(f.reason, /within tolerance/);
  // Without the declared tolerance the same outputs fail: the tolerance is what lets them through.
  const exactJob: Job = { ...alt.job, spec: { ...alt.job.spec, compare: [] } };
  const exact = await registry.run('rerun', exactJob, alt.bundle.claim, alt.bundle.items.rerun, { seed });
  assert.equal(exact.outcome, 'fail');
});

test('infrastructure trouble is inconclusive, not a fail: a missing program blob or no executor', async () => {
  const blobs = new MemoryBlobStore();
  const verifier = new RerunVerifier({ blobs, executors: { wasi: new WasiExecutor() } });
  const registry = new VerifierRegistry().register(verifier);
  const job: Job = { v: 1, id: 'j', type: 'wasi', provider: '0x1', spec: { executor: 'wasi', module: `0x${'ab'.repeat(32)}` } };
  const { claim, evidence } = claimOutputs(job, []);
  const f = await registry.run('rerun', job, claim, evidence, { seed });
  assert.equal(f.outcome, 'inconclusive');
  assert.equal(f.error?.code, 'NOT_FOUND');
  const docker: Job = { ...job, spec: { executor: 'docker', image: `x@sha256:${'0'.repeat(64)}` } };
  const g = await registry.run('rerun', docker, claimOutputs(docker, []).claim, evidence, { seed });
  assert.equal(g.outcome, 'inconclusive');
  assert.equal(g.error?.code, 'UNSUPPORTED');
});

test('evidence for another job (commitment bound to the job id) fails', async () => {
  const demo = createRerunDemo();
  const registry = new VerifierRegistry();
  for (const v of await demo.verifiers(ctx)) registry.register(v);
  const [first] = await demo.cases(ctx);
  const jobB: Job = { ...first!.job, id: 'another-job' };
  const produced = await runDeterministicJob(first!.job, demo);
  // Same program, same outputs, but the claim was made for another job id.
  const f = await registry.run('rerun', jobB, { ...produced.claim, jobId: jobB.id }, produced.evidence, { seed });
  assert.equal(f.outcome, 'fail');
  assert.match(f.reason, /commitment/);
});
