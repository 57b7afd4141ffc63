/**
 * On-chain vote tallying (VerdictMediation's slow path) through the engine, on the in-memory chain: a member
 * that cannot gather a quorum off-chain posts its own vote and waits for the final verdict; the member whose vote
 * completes the quorum finalizes it; late members see it on-chain and send nothing. The real contract's tally is
 * exercised through the same engine on anvil in test/mediator/anvil.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, parseJson } from '../../src/core/index.js';
import { MemoryChain } from '../../src/mediator/memory-chain.js';
import type { MediatorStore } from '../../src/mediator/store.js';
import { World, address, drain } from './fixtures/world.js';

function tallyWorld(threshold: number, members: string[]): World {
  const chain = new MemoryChain({ tally: true, committee: { members, threshold } });
  return new World({ chain });
}

const lastTransition = (store: MediatorStore, id: number) => store.steps(id).filter((s) => s.kind === 'transition').at(-1)!;

test('2-of-3 without co-signers: the first vote waits, the second completes the quorum, the third sends nothing', async (t) => {
  const a = address(0xa1);
  const b = address(0xa2);
  const c = address(0xa3);
  const w = tallyWorld(2, [a, b, c]);
  t.after(() => w.cleanup());
  const stores = [w.store('a.db'), w.store('b.db'), w.store('c.db')];
  t.after(() => stores.forEach((s) => s.close()));
  const [sa, sb, sc] = stores as [MediatorStore, MediatorStore, MediatorStore];
  const engines = [w.engine(sa, {}, w.chain.port(a)), w.engine(sb, {}, w.chain.port(b)), w.engine(sc, {}, w.chain.port(c))];
  const cheat = w.dispute({ honest: false });

  // A alone: its vote is recorded on-chain, no verdict yet; the dispute waits in 'posted'
  await drain(w, engines[0]!);
  const da = sa.byJobId(cheat.event.jobId)!;
  assert.equal(da.state, 'posted');
  assert.equal(w.chain.stats.votes, 1);
  assert.equal(w.chain.stats.accepted, 0);
  assert.equal(w.chain.verdicts.size, 0);
  assert.equal(sa.posts(da.id).at(-1)!.status, 'confirmed', 'the vote transaction itself is final');
  assert.ok(sa.steps(da.id).some((s) => s.kind === 'retry' && s.detail?.code === 'AWAITING_QUORUM'));
  assert.deepEqual(sa.verdict(da.id)!.signatures!.map((s) => s.signer), [a], 'one signature: its own vote');

  // a restarted A (new engine over the same database) waits too, and never votes twice
  await drain(w, w.engine(sa, {}, w.chain.port(a)));
  assert.equal(w.chain.stats.transactions, 1);
  assert.equal(sa.get(da.id).state, 'posted');

  // B's vote makes two of three: final, posted by B
  await drain(w, engines[1]!);
  const db = sb.byJobId(cheat.event.jobId)!;
  assert.equal(db.state, 'confirmed');
  const onChain = w.chain.verdicts.get(cheat.event.jobId)!;
  assert.equal(onChain.outcome, 1);
  assert.equal(onChain.poster.toLowerCase(), b.toLowerCase());
  assert.equal(lastTransition(sb, db.id).detail?.txHash, onChain.txHash);
  assert.ok(sb.verdict(db.id)!.bundleId);

  // A sees the final verdict: it agrees, writes its bundle, and is done
  await drain(w, engines[0]!);
  assert.equal(sa.get(da.id).state, 'confirmed');
  const doneA = lastTransition(sa, da.id).detail!;
  assert.equal(doneA.postedBy, 'other');
  assert.equal(doneA.agrees, true);
  assert.equal(doneA.txHash, onChain.txHash);
  const bundle = parseJson(w.evidenceStore.get(sa.verdict(da.id)!.bundleId!)) as { chain: { postedBy: string; verdictTx: string } };
  assert.equal(bundle.chain.postedBy, 'other');
  assert.equal(bundle.chain.verdictTx, onChain.txHash);

  // C comes late: the verdict is on-chain before it fetches evidence; it sends nothing
  await drain(w, engines[2]!);
  const dc = sc.byJobId(cheat.event.jobId)!;
  assert.equal(dc.state, 'confirmed');
  assert.deepEqual(sc.posts(dc.id), []);
  assert.deepEqual(w.chain.stats, { broadcastCalls: 2, transactions: 2, accepted: 1, reverted: 0, dropped: 0, votes: 1 });
});

test('votes for different outcomes do not add up; the quorum forms on the agreeing payload', async (t) => {
  const members = [address(0xa1), address(0xa2), address(0xa3)];
  const w = tallyWorld(2, members);
  t.after(() => w.cleanup());
  const c = w.dispute({ honest: true });
  // a dissenting member (its own daemon) voted ProviderFaulty before ours ran
  w.chain.mine(2);
  const wrong = { jobId: c.event.jobId, outcome: 1 as const, evidenceHash: c.evidenceId as `0x${string}` };
  w.chain.postDirect(members[2]!, wrong, [w.chain.signFor(members[2]!, wrong)]);
  assert.equal(w.chain.stats.votes, 1);
  const s1 = w.store('one.db');
  const s2 = w.store('two.db');
  t.after(() => [s1, s2].forEach((s) => s.close()));
  await drain(w, w.engine(s1, {}, w.chain.port(members[0]!)));
  assert.equal(w.chain.verdicts.size, 0, 'one ProviderCorrect vote plus one ProviderFaulty vote is no quorum');
  await drain(w, w.engine(s2, {}, w.chain.port(members[1]!)));
  assert.equal(w.chain.verdicts.get(c.event.jobId)!.outcome, 0);
  assert.equal(s2.byJobId(c.event.jobId)!.state, 'confirmed');
});

test('no quorum within quorumWaitMs: the member stops waiting (the contract times the round out)', async (t) => {
  const members = [address(0xa1), address(0xa2), address(0xa3)];
  const w = tallyWorld(2, members);
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const engine = w.engine(store, { quorumWaitMs: 20_000 }, w.chain.port(members[0]!));
  const c = w.dispute();
  await drain(w, engine, 8);
  const d = store.byJobId(c.event.jobId)!;
  assert.equal(d.state, 'posted', 'still inside the wait');
  (w.clock as ManualClock).advance(20_000);
  await drain(w, engine);
  assert.equal(store.get(d.id).state, 'confirmed');
  const last = lastTransition(store, d.id).detail!;
  assert.equal(last.final, false);
  assert.match(String(last.reason), /no quorum/);
  assert.equal(w.chain.stats.transactions, 1);
  assert.equal(w.chain.verdicts.size, 0);
});

test('individualVotes: false keeps the co-signer requirement even on a tallying chain', async (t) => {
  const members = [address(0xa1), address(0xa2)];
  const w = tallyWorld(2, members);
  t.after(() => w.cleanup());
  const store = w.store();
  t.after(() => store.close());
  const c = w.dispute();
  await drain(w, w.engine(store, { individualVotes: false }, w.chain.port(members[0]!)));
  assert.equal(store.byJobId(c.event.jobId)!.state, 'failed');
  assert.equal(w.chain.stats.transactions, 0);
});

test('a chain without tallying refuses a vote below the quorum (NotEnoughSignatures)', async (t) => {
  const members = [address(0xa1), address(0xa2)];
  const chain = new MemoryChain({ committee: { members, threshold: 2 } });
  const w = new World({ chain });
  t.after(() => w.cleanup());
  const c = w.dispute();
  w.chain.mine(2);
  const p = { jobId: c.event.jobId, outcome: 0 as const, evidenceHash: c.evidenceId as `0x${string}` };
  const tx = w.chain.postDirect(members[0]!, p, [w.chain.signFor(members[0]!, p)]);
  assert.equal(tx.success, false);
  assert.equal(tx.reason, 'NotEnoughSignatures');
  assert.equal(w.chain.port(members[0]!).tallyVotes, false);
});
