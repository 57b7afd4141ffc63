import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../src/core/index.js';
import { scorerReputation } from '../../src/mediator/reputation.js';
import { DEFAULT_REPUTATION_CONFIG, MemoryReputationStore, ReputationScorer } from '../../src/reputation/index.js';
import { JOB_TYPE, World, address, drain } from '../mediator/fixtures/world.js';

/**
 * The whole adaptive path: the scorer's check probability, through the mediator's ReputationPort adapter
 * (src/mediator/reputation.ts), decides whether the dispute engine runs a policy rule marked
 * `probability: adaptive`; each checked verdict flows back into the scorer.
 */
const ADAPTIVE_POLICY = { v: 1 as const, id: 'adaptive-outputs', jobType: JOB_TYPE, verifiers: [{ id: 'outputs', probability: 'adaptive' as const, required: true }] };

function setup(t: { after(fn: () => void): void }) {
  const w = new World({ policy: ADAPTIVE_POLICY });
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const repStore = new MemoryReputationStore();
  const scorer = new ReputationScorer({ store: repStore, clock: w.clock as Clock });
  const engine = w.engine(store, { reputation: scorerReputation(scorer, repStore) });
  const checked = (jobId: `0x${string}`) => store.findings(store.byJobId(jobId)!.id).length > 0;
  return { w, store, repStore, scorer, engine, checked };
}

test('adaptive rule: a newcomer is checked on every dispute and a checked cheat bans it', async (t) => {
  const { w, repStore, scorer, engine, checked } = setup(t);
  const newcomer = address(0xe1);
  scorer.setStake(newcomer, 25);
  assert.equal(scorer.checkProbability(newcomer, JOB_TYPE), 1);
  const honest = Array.from({ length: 5 }, () => w.dispute({ honest: true, provider: newcomer }));
  await drain(w, engine);
  for (const c of honest) {
    assert.ok(checked(c.event.jobId), 'every newcomer job is checked');
    assert.equal(w.chain.verdicts.get(c.event.jobId)?.outcome, 0);
  }
  assert.equal(repStore.events(newcomer).length, 5, 'each checked verdict is recorded once');
  const cheat = w.dispute({ honest: false, provider: newcomer });
  await drain(w, engine);
  assert.equal(w.chain.verdicts.get(cheat.event.jobId)?.outcome, 1);
  const after = scorer.assess(newcomer, JOB_TYPE);
  assert.equal(after.tier, 'banned');
  assert.equal(after.eligible, false);
  assert.equal(scorer.providerRecord(newcomer).slashed, 25);
});

test('adaptive rule: a trusted provider is checked at the scorer’s floor, and unchecked verdicts are no evidence', async (t) => {
  const { w, repStore, scorer, engine, checked } = setup(t);
  const trusted = address(0xe2);
  scorer.setStake(trusted, 25);
  for (let i = 0; i < 2000; i++) scorer.recordOutcome(trusted, JOB_TYPE, 'pass', { jobId: `history-${i}` });
  const p = scorer.checkProbability(trusted, JOB_TYPE);
  assert.equal(p, DEFAULT_REPUTATION_CONFIG.floor);
  const before = repStore.events(trusted, 10_000).length;

  const n = 150;
  const cases = Array.from({ length: n }, () => w.dispute({ honest: true, provider: trusted }));
  await drain(w, engine, 200);
  const drawn = cases.filter((c) => checked(c.event.jobId)).length;
  for (const c of cases) assert.equal(w.chain.verdicts.get(c.event.jobId)?.outcome, 0, 'an honest job is never judged faulty');
  // Binomial(150, 0.04): mean 6, sd 2.4. A rule that ignored the scorer would check all 150.
  assert.ok(drawn <= 20, `checked ${drawn} of ${n} at p = ${p}`);
  assert.equal(repStore.events(trusted, 10_000).length - before, drawn, 'only checked verdicts move the scorer');
  assert.equal(scorer.checkProbability(trusted, JOB_TYPE), p, 'passes keep it at the floor');

  // It cheats until a check draws one of its jobs (≈ 1/p disputes): then it is slashed and banned, and its
  // next job (were it given one) is checked for sure.
  let caughtAt = -1;
  for (let i = 0; i < 400 && caughtAt < 0; i++) {
    const c = w.dispute({ honest: false, provider: trusted });
    await drain(w, engine);
    const outcome = w.chain.verdicts.get(c.event.jobId)?.outcome;
    if (checked(c.event.jobId)) {
      assert.equal(outcome, 1, 'a checked cheat is judged faulty');
      caughtAt = i;
    } else assert.equal(outcome, 0, 'an unchecked job stands');
  }
  assert.ok(caughtAt >= 0, 'caught within 400 cheats at p = 0.04 (miss probability 1e-7)');
  assert.equal(scorer.assess(trusted, JOB_TYPE).tier, 'banned');
  assert.equal(scorer.checkProbability(trusted, JOB_TYPE), 1);
  const next = w.dispute({ honest: true, provider: trusted });
  await drain(w, engine);
  assert.ok(checked(next.event.jobId));
});
