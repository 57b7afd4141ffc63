import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, parseJson } from '../../src/core/index.js';
import { verifyVerdictBundle, ZERO32 } from '../../src/mediator/bundle.js';
import { DISPUTE_STATES } from '../../src/mediator/states.js';
import type { CosignerPort, ReputationPort } from '../../src/mediator/ports.js';
import { FlakyVerifier, OutputsVerifier, World, address, drain, JOB_TYPE } from './fixtures/world.js';

const HAPPY_PATH = ['received', 'evidence_fetched', 'verified', 'decided', 'signed', 'posted', 'confirmed'];

test('honest and cheating providers: verdicts posted once, every step logged with its time, bundles re-check', async (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const engine = w.engine(store);
  const honest = w.dispute({ honest: true });
  const cheat = w.dispute({ honest: false });
  await drain(w, engine);

  for (const [c, code] of [[honest, 0], [cheat, 1]] as const) {
    const d = store.byJobId(c.event.jobId)!;
    assert.equal(d.state, 'confirmed');
    const onChain = w.chain.verdicts.get(c.event.jobId)!;
    assert.equal(onChain.outcome, code);
    assert.equal(onChain.evidenceHash, c.evidenceId);
    const steps = store.steps(d.id).filter((s) => s.kind === 'transition');
    assert.deepEqual(steps.map((s) => s.to), HAPPY_PATH);
    for (let i = 1; i < steps.length; i++) {
      assert.equal(steps[i]!.from, steps[i - 1]!.to);
      assert.ok(steps[i]!.at >= steps[i - 1]!.at);
    }
    const v = store.verdict(d.id)!;
    assert.ok(v.bundleId);
    const bundle = parseJson(w.evidenceStore.get(v.bundleId!));
    const report = await verifyVerdictBundle(bundle, {
      registry: w.registry,
      recoverSigner: (payload, sig) => (sig === w.chain.tag(w.me, payload) ? w.me : address(0xdead)),
    });
    assert.ok(report.ok, JSON.stringify(report.checks.filter((x) => !x.ok)));
    assert.equal(store.findings(d.id).length, 1);
  }
  assert.equal(w.chain.stats.accepted, 2);
  assert.equal(w.chain.stats.transactions, 2);
  assert.equal(w.chain.stats.reverted, 0);
});

test('a tampered bundle fails its re-check', async (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const c = w.dispute({ honest: false });
  await drain(w, w.engine(store));
  const d = store.byJobId(c.event.jobId)!;
  const bundle = parseJson(w.evidenceStore.get(store.verdict(d.id)!.bundleId!)) as any;
  const opts = { registry: w.registry, allowUnsignedCheck: true };
  assert.ok((await verifyVerdictBundle(bundle, opts)).ok);

  // the verdict claims the provider was right, the decision (and a re-run) say faulty
  const flipped = structuredClone(bundle);
  flipped.verdict.outcome = 'ProviderCorrect';
  flipped.payload.outcome = 0;
  assert.ok(!(await verifyVerdictBundle(flipped, opts)).ok);

  // the decision is rewritten to accept, with matching hashes: the re-run disagrees
  const rewritten = structuredClone(bundle);
  rewritten.decision.outcome = 'accept';
  rewritten.decision.findings[0].outcome = 'pass';
  rewritten.verdict.outcome = 'ProviderCorrect';
  rewritten.payload.outcome = 0;
  const { hashCanonical } = await import('../../src/core/index.js');
  rewritten.verdict.decisionHash = hashCanonical(rewritten.decision);
  const r = await verifyVerdictBundle(rewritten, opts);
  assert.ok(!r.ok);
  assert.ok(r.checks.some((x) => x.name === 're-run outcome' && !x.ok));

  // evidence swapped for the honest outputs: the content id no longer matches
  const swapped = structuredClone(bundle);
  swapped.disputeEvidence.evidence.items.outputs.files[0].data = Buffer.from('other').toString('base64');
  assert.ok((await verifyVerdictBundle(swapped, opts)).checks.some((x) => x.name === 'evidence content id' && !x.ok));

  // without a signer check the report is not ok
  assert.ok(!(await verifyVerdictBundle(bundle, { registry: w.registry })).ok);
});

test('missing, mismatching or foreign evidence gives an Inconclusive verdict, after retries', async (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const engine = w.engine(store, { evidenceAttempts: 3 });
  const missing = w.dispute({ noEvidence: true });
  const mismatch = w.dispute();
  // the chain commits to one document, the store holds another under the job index
  const other = w.dispute();
  const wrongCommit = w.chain.raiseDispute({ jobKey: 'job-wrong-commit', provider: w.provider, creator: w.creator, evidenceId: other.evidenceId as `0x${string}` });
  const foreignProvider = w.dispute({ provider: address(0xbad) });
  w.chain.disputes.find((x) => x.jobId === foreignProvider.event.jobId)!.provider = w.provider;
  await drain(w, engine);

  const outcome = (jobId: string) => w.chain.verdicts.get(jobId as `0x${string}`);
  assert.equal(outcome(missing.event.jobId)?.outcome, 2);
  assert.equal(outcome(missing.event.jobId)?.evidenceHash, ZERO32);
  const dm = store.byJobId(missing.event.jobId)!;
  assert.equal(store.steps(dm.id).filter((s) => s.kind === 'retry').length, 2);
  assert.equal(outcome(mismatch.event.jobId)?.outcome, 0);
  assert.equal(outcome(wrongCommit.jobId)?.outcome, 2, 'evidence for another job is unusable');
  assert.equal(outcome(foreignProvider.event.jobId)?.outcome, 2, 'evidence naming another provider is unusable');
  // the unverifiable bundles re-check too
  for (const jobId of [missing.event.jobId, wrongCommit.jobId]) {
    const d = store.byJobId(jobId)!;
    const b = parseJson(w.evidenceStore.get(store.verdict(d.id)!.bundleId!));
    const r = await verifyVerdictBundle(b, { registry: w.registry, allowUnsignedCheck: true });
    assert.ok(r.ok, JSON.stringify(r.checks));
    assert.equal(r.outcome, 'Inconclusive');
  }
});

test('a job type without a policy is decided Inconclusive', async (t) => {
  const w = new World({ policy: { v: 1, id: 'other', jobType: 'other-type', verifiers: [{ id: 'outputs' }] } });
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const c = w.dispute();
  await drain(w, w.engine(store));
  assert.equal(w.chain.verdicts.get(c.event.jobId)?.outcome, 2);
  assert.match(store.decision(store.byJobId(c.event.jobId)!.id)!.decision.reasons[0]!, /no policy for job type "mtest"/);
});

test('RPC failures are retried with backoff and counted; the verdict lands once when the RPC is back', async (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const errors: string[] = [];
  const engine = w.engine(store, {
    metrics: { rpcError: (op) => errors.push(op), verdictPosted() {}, verification() {}, stepError() {}, transition() {}, scanned() {} },
  });
  const c = w.dispute();
  w.chain.mine(2);
  await engine.poll();
  w.chain.faults.down = true;
  const clock = w.clock as ManualClock;
  for (let i = 0; i < 5; i++) {
    await engine.processDue();
    clock.advance(200);
  }
  const d = store.byJobId(c.event.jobId)!;
  assert.equal(d.state, 'received');
  assert.ok(d.attempts >= 3, `attempts ${d.attempts}`);
  assert.match(d.lastError!, /CHAIN_ERROR/);
  assert.equal(store.countsByStatus().retrying, 1);
  assert.ok(errors.includes('verdictStatus'));
  w.chain.faults.down = false;
  // failures injected at each later chain call still end in exactly one verdict
  w.chain.faults.failNext = { committee: 1, signVerdict: 1, prepareVerdict: 1, broadcast: 2, waitConfirmed: 1 };
  await drain(w, engine);
  assert.equal(store.get(d.id).state, 'confirmed');
  assert.equal(w.chain.stats.accepted, 1);
  assert.equal(w.chain.stats.transactions, 1);
  for (const op of ['committee', 'signVerdict', 'prepareVerdict', 'broadcast', 'waitConfirmed']) assert.ok(errors.includes(op), op);
});

test('a verdict already on-chain (a co-member was faster) is not sent again', async (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const engine = w.engine(store);
  const c = w.dispute();
  w.chain.mine(2);
  await engine.poll();
  // run up to 'signed', then someone else posts the same verdict
  for (let i = 0; i < 4; i++) await engine.advance(store.byJobId(c.event.jobId)!);
  const d = store.byJobId(c.event.jobId)!;
  assert.equal(d.state, 'signed');
  const v = store.verdict(d.id)!;
  w.chain.postDirect(address(0x99), v.payload, v.signatures!);
  await drain(w, engine);
  assert.equal(store.get(d.id).state, 'confirmed');
  assert.equal(w.chain.stats.transactions, 1, 'only the co-member sent a transaction');
  const last = store.steps(d.id).at(-1)!;
  assert.equal(last.detail?.postedBy, 'other');
  assert.equal(last.detail?.agrees, true);
  assert.ok(store.verdict(d.id)!.bundleId);
});

test('a prepared transaction whose nonce was taken is dropped and prepared again; one verdict', async (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  let burned = false;
  const engine = w.engine(store, {
    probe: (point) => {
      if (point === 'before-broadcast' && !burned) {
        burned = true;
        w.chain.burnNonce(w.me); // another transaction from the same account gets mined first
      }
    },
  });
  const c = w.dispute();
  await drain(w, engine);
  const d = store.byJobId(c.event.jobId)!;
  assert.equal(d.state, 'confirmed');
  const posts = store.posts(d.id);
  assert.deepEqual(posts.map((p) => p.status), ['dropped', 'confirmed']);
  assert.equal(w.chain.stats.accepted, 1);
  assert.equal(w.chain.stats.dropped, 1);
  assert.ok(store.steps(d.id).some((s) => s.from === 'posted' && s.to === 'signed'));
});

test('k-of-n committees: co-signatures are collected, non-members and duplicates ignored, too few → retry', async (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const members = [w.me, address(0xa2), address(0xa3)];
  w.chain.setDefaultCommittee({ members, threshold: 2 });
  const store = w.store();
  t.after(() => store.close());
  let round = 0;
  const cosigners: CosignerPort = {
    async collect(payload) {
      round++;
      const junk = [w.chain.signFor(address(0xee), payload), w.chain.signFor(w.me, payload)];
      // first round: the co-member is offline
      return round === 1 ? junk : [...junk, w.chain.signFor(address(0xa3), payload)];
    },
  };
  const engine = w.engine(store, { cosigners });
  const c = w.dispute();
  await drain(w, engine);
  const d = store.byJobId(c.event.jobId)!;
  assert.equal(d.state, 'confirmed');
  assert.deepEqual(store.verdict(d.id)!.signatures!.map((s) => s.signer), [w.me, address(0xa3)]);
  assert.ok(store.steps(d.id).some((s) => s.kind === 'retry' && /1 of 2/.test(String(s.detail?.error))));
  assert.equal(w.chain.stats.accepted, 1);

  // without co-signers configured, a 2-of-3 committee is a configuration error
  const store2 = w.store('second.db');
  t.after(() => store2.close());
  const c2 = w.dispute();
  await drain(w, w.engine(store2));
  assert.equal(store2.byJobId(c2.event.jobId)!.state, 'failed');
  assert.match(store2.byJobId(c2.event.jobId)!.lastError ?? String(store2.steps(store2.byJobId(c2.event.jobId)!.id).at(-1)!.detail?.error), /BAD_CONFIG/);
});

test('a verifier inconclusive for a retryable reason is retried before deciding', async (t) => {
  const flaky = new FlakyVerifier(2);
  const w = new World({ verifiers: [flaky], policy: { v: 1, id: 'p', jobType: JOB_TYPE, verifiers: [{ id: 'flaky', required: true }] } });
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const c = w.dispute();
  const engine = w.engine(store, { verifyAttempts: 5 });
  // the fixture puts evidence under "outputs"; the flaky verifier reads the same item
  const doc = parseJson(w.evidenceStore.get(c.evidenceId as `0x${string}`)) as any;
  doc.evidence.items.flaky = doc.evidence.items.outputs;
  const id = w.evidenceStore.submit(c.job.id, doc).id;
  w.chain.disputes.find((x) => x.jobId === c.event.jobId)!.evidenceId = id;
  await drain(w, engine);
  assert.equal(flaky.calls, 3);
  assert.equal(w.chain.verdicts.get(c.event.jobId)?.outcome, 0);
});

test('shutdown during verification persists nothing for that step; a restart finishes it', async (t) => {
  const w = new World({ verifiers: [new OutputsVerifier(0, 200)] });
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const c = w.dispute();
  const ac = new AbortController();
  const engine = w.engine(store);
  w.chain.mine(2);
  await engine.poll();
  await engine.advance(store.byJobId(c.event.jobId)!);
  assert.equal(store.byJobId(c.event.jobId)!.state, 'evidence_fetched');
  setTimeout(() => ac.abort(), 5);
  await engine.processDue(ac.signal);
  const d = store.byJobId(c.event.jobId)!;
  assert.equal(d.state, 'evidence_fetched');
  assert.equal(d.attempts, 0);
  await drain(w, engine);
  assert.equal(store.get(d.id).state, 'confirmed');
});

test('reputation: the check probability feeds adaptive rules and each outcome is recorded once', async (t) => {
  const w = new World({ policy: { v: 1, id: 'adaptive', jobType: JOB_TYPE, verifiers: [{ id: 'outputs', probability: 'adaptive', required: true }] } });
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const recorded: string[] = [];
  let p = 0;
  const reputation: ReputationPort = {
    checkProbability: () => p,
    record: (e) => recorded.push(`${e.jobId}:${e.outcome}:${e.jobType}:${e.checked}`),
  };
  const engine = w.engine(store, { reputation });
  const skipped = w.dispute({ honest: false });
  await drain(w, engine);
  // probability 0: the cheat is not checked this time; the decision says no verifier was drawn
  assert.equal(w.chain.verdicts.get(skipped.event.jobId)?.outcome, 0);
  p = 1;
  const checked = w.dispute({ honest: false });
  await drain(w, engine);
  assert.equal(w.chain.verdicts.get(checked.event.jobId)?.outcome, 1);
  assert.deepEqual(recorded, [`${skipped.job.id}:ProviderCorrect:${JOB_TYPE}:false`, `${checked.job.id}:ProviderFaulty:${JOB_TYPE}:true`]);
});

test('disputes for other mediators are ignored; a dispute seen twice is stored once', async (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  w.chain.setDefaultCommittee({ members: [address(0x77)], threshold: 1 });
  w.dispute();
  w.chain.setDefaultCommittee({ members: [], threshold: 1 });
  const mine = w.dispute();
  const engine = w.engine(store);
  w.chain.mine(3);
  assert.equal(await engine.poll(), 1);
  assert.equal(store.ingest([mine.event], store.nextBlock()!, 0).length, 0, 'second ingest of the same event');
  assert.equal(store.list().length, 1);
  assert.deepEqual(Object.keys(store.countsByStatus()), ['received']);
  assert.ok(DISPUTE_STATES.includes(store.list()[0]!.state));
});

test('property: whatever bytes the evidence source returns, the dispute ends in one verdict, never a crash', async (t) => {
  const fc = (await import('fast-check')).default;
  const w = new World();
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  let next: Uint8Array = new Uint8Array();
  const engine = w.engine(store, { evidence: { fetch: async () => next }, evidenceAttempts: 1 });
  const valid = w.dispute();
  const validDoc = w.evidenceStore.get(valid.evidenceId as `0x${string}`);
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.anything().map((v) => new TextEncoder().encode(JSON.stringify(v) ?? 'null')),
        // a valid document with one byte flipped
        fc.nat({ max: validDoc.length - 1 }).map((i) => {
          const b = Uint8Array.from(validDoc);
          b[i] = b[i]! ^ 0x01;
          return b;
        }),
      ),
      async (bytes) => {
        next = bytes;
        const c = w.dispute({ noEvidence: true });
        await drain(w, engine, 20);
        const d = store.byJobId(c.event.jobId)!;
        assert.equal(d.state, 'confirmed', `${d.state} ${d.lastError}`);
        assert.ok([0, 1, 2].includes(w.chain.verdicts.get(c.event.jobId)!.outcome));
      },
    ),
    { numRuns: 40 },
  );
  assert.equal(w.chain.stats.reverted, 0);
});
