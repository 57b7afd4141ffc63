import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock, Finding, Job } from '../../src/core/index.js';
import { scorerReputation } from '../../src/mediator/reputation.js';
import { DEFAULT_REPUTATION_CONFIG, MemoryReputationStore, ReputationScorer } from '../../src/reputation/index.js';
import type { Verifier } from '../../src/verifiers/index.js';
import { JOB_TYPE, OutputsVerifier, World, address, drain } from './fixtures/world.js';

/**
 * A decision that accepts although an optional, weak verifier failed (the shape of a forged telemetry trace next
 * to a passing spot-sample in llm-inference) is recorded as a flagged pass: the provider goes on probation.
 */

/** The same output check on a second copy of the outputs (items.mirror): optional and weighted 0.5, like telemetry. */
function mirrorVerifier(): Verifier<{ files: { path: string; data: string }[] }> {
  const inner = new OutputsVerifier();
  return {
    id: 'mirror',
    version: '1',
    parseEvidence: (raw) => inner.parseEvidence(raw),
    async verify(job: Job, ev, ctx): Promise<Finding> {
      return { ...(await inner.verify(job, ev, ctx)), verifier: 'mirror' };
    },
  };
}

const POLICY = {
  v: 1 as const,
  id: 'flagged-outputs',
  jobType: JOB_TYPE,
  verifiers: [
    { id: 'outputs', required: true },
    { id: 'mirror', required: false, weight: 0.5 },
  ],
  combine: { rejectWeight: 1, acceptWeight: 1 },
};

test('an accepted dispute with a failing optional verifier records the flag and puts the provider on probation', async (t) => {
  const w = new World({ policy: POLICY, verifiers: [new OutputsVerifier(), mirrorVerifier()] });
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const repStore = new MemoryReputationStore();
  const scorer = new ReputationScorer({ store: repStore, clock: w.clock as Clock });
  const engine = w.engine(store, { reputation: scorerReputation(scorer, repStore) });

  const provider = address(0xf1);
  scorer.setStake(provider, 25);
  for (let i = 0; i < 200; i++) scorer.recordOutcome(provider, JOB_TYPE, 'pass', { jobId: `history-${i}` });
  const before = scorer.assess(provider, JOB_TYPE);
  assert.equal(before.tier, 'trusted');
  assert.equal(before.checkProbability, DEFAULT_REPUTATION_CONFIG.floor);

  /** A dispute whose decisive outputs are honest; the mirrored copy is honest or forged. */
  const dispute = (mirrorForged: boolean) => {
    const { job, bundle } = w.submitCase({ provider, noEvidence: true });
    const outputs = bundle.items.outputs as { files: { path: string; data: string }[] };
    const mirror = mirrorForged ? { files: outputs.files.map((f) => ({ ...f, data: Buffer.from('forged').toString('base64') })) } : outputs;
    return w.disputeFor(job, { ...bundle, items: { ...bundle.items, mirror } });
  };

  const flagged = dispute(true);
  await drain(w, engine);
  const row = store.byJobId(flagged.jobId)!;
  const decision = store.decision(row.id)!.decision;
  assert.equal(decision.outcome, 'accept');
  assert.deepEqual(
    decision.findings.map((f) => `${f.verifier}:${f.outcome}`),
    ['outputs:pass', 'mirror:fail'],
  );
  assert.equal(w.chain.verdicts.get(flagged.jobId)?.outcome, 0, 'ProviderCorrect on-chain');
  const event = repStore.events(provider).at(-1)!;
  assert.equal(event.outcome, 'pass');
  assert.deepEqual(event.flags, ['mirror']);
  const after = scorer.assess(provider, JOB_TYPE);
  assert.equal(after.tier, 'probation');
  assert.equal(after.checkProbability, DEFAULT_REPUTATION_CONFIG.probation.rate);
  assert.ok(after.score.mean <= before.score.mean, 'no credit for a flagged pass');
  assert.equal(scorer.providerRecord(provider).slashed, 0);

  // clean disputes lift probation after probation.passes of them, and carry no flags
  for (let i = 0; i < DEFAULT_REPUTATION_CONFIG.probation.passes; i++) {
    assert.equal(scorer.assess(provider, JOB_TYPE).tier, 'probation', `still on probation after ${i} clean passes`);
    dispute(false);
    await drain(w, engine);
    assert.equal(repStore.events(provider).at(-1)!.flags, undefined);
  }
  assert.equal(scorer.assess(provider, JOB_TYPE).tier, 'trusted');
  assert.equal(scorer.checkProbability(provider, JOB_TYPE), DEFAULT_REPUTATION_CONFIG.floor);
  assert.equal(repStore.events(provider, 10_000).length, 200 + 1 + DEFAULT_REPUTATION_CONFIG.probation.passes, 'each verdict once');
});
