import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ManualClock, silentLogger } from '../../src/core/index.js';
import { VerifierRegistry } from '../../src/verifiers/index.js';
import { evaluatePolicy, loadPolicyFile } from '../../src/policy/index.js';
import { createZkDemo } from '../../src/demo/zk.js';

test('zk-inference demo: honest providers accepted, every cheater rejected by the policy', async () => {
  const demo = createZkDemo();
  const clock = new ManualClock(1_700_000_000_000);
  const ctx = { logger: silentLogger, clock, workDir: '/tmp' };
  const policy = loadPolicyFile(fileURLToPath(new URL(`../../${demo.policyFile}`, import.meta.url)));
  assert.equal(policy.jobType, demo.jobType);
  const registry = new VerifierRegistry({ clock });
  for (const v of await demo.verifiers(ctx)) registry.register(v);
  try {
    const cases = await demo.cases(ctx);
    assert.ok(cases.filter((c) => c.expected === 'accept').length >= 2);
    assert.ok(cases.filter((c) => c.expected === 'reject').length >= 4);
    assert.equal(new Set(cases.map((c) => c.job.id)).size, cases.length, 'every case is its own job');
    for (const c of cases) {
      const decision = await evaluatePolicy(registry, policy, c.job, c.bundle.claim, c.bundle.items, { seed: c.seed ?? new Uint8Array(32), clock });
      assert.equal(decision.outcome, c.expected, `${c.scenario}: ${decision.reasons.join('; ')}`);
    }
  } finally {
    await registry.dispose();
  }
});
