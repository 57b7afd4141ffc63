/**
 * VerdictMediation on a real anvil: results, challenges, committee draws, verdicts, settlement, timeouts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AbiCoder, keccak256 } from 'ethers';
import { keccak256Hex, type Hex } from '../../src/core/index.js';
import { disputedJob, memberClient, newJobId, reverts, setup, type Fixture } from './fixture.js';
import type { VerdictPayload } from '../../src/mediator/ports.js';

const EVIDENCE = keccak256Hex('evidence bundle') as Hex;

async function sign(f: Fixture, members: string[], payload: VerdictPayload): Promise<Hex[]> {
  return Promise.all(members.map((a) => memberClient(f, a).signVerdict(payload)));
}

describe('results and challenges', () => {
  let f: Fixture;
  before(async () => {
    f = await setup();
  });
  after(() => f.stop());

  test('submitResult locks collateral and refuses duplicates, self-dealing and low collateral', async () => {
    const jobId = newJobId();
    const r = await f.provider.submitResult(jobId, f.creator.account, keccak256Hex('out'), f.config.minCollateral);
    const ev = r.events.find((e) => e.name === 'ResultSubmitted')!;
    assert.equal(ev.args.jobId, jobId);
    assert.equal(ev.args.creator, f.creator.account);
    const job = await f.outsider.getJob(jobId);
    assert.equal(job.status, 'Submitted');
    assert.equal(job.collateral, f.config.minCollateral);
    await reverts(f.provider.submitResult(jobId, f.creator.account, keccak256Hex('out'), f.config.minCollateral), 'JobExists');
    await reverts(f.provider.submitResult(newJobId(), f.provider.account, keccak256Hex('out'), f.config.minCollateral), 'SelfDealing');
    await reverts(
      f.provider.submitResult(newJobId(), '0x0000000000000000000000000000000000000000', keccak256Hex('out'), f.config.minCollateral),
      'SelfDealing',
    );
    await reverts(f.provider.submitResult(newJobId(), f.creator.account, keccak256Hex('out'), f.config.minCollateral - 1n), 'BadAmount');
  });

  test('challenge: only the creator, only with the exact bond, only within the window, only once', async () => {
    const jobId = newJobId();
    await reverts(f.creator.challenge(jobId, EVIDENCE), 'BadState');
    await f.provider.submitResult(jobId, f.creator.account, keccak256Hex('out'), f.config.minCollateral);
    await reverts(f.outsider.challenge(jobId, EVIDENCE), 'NotCreator');
    await reverts(f.provider.challenge(jobId, EVIDENCE), 'NotCreator');
    await reverts(f.creator.challenge(jobId, EVIDENCE, f.config.challengeBond - 1n), 'BadAmount');
    await reverts(f.creator.challenge(jobId, EVIDENCE, f.config.challengeBond + 1n), 'BadAmount');
    const r = await f.creator.challenge(jobId, EVIDENCE);
    const ev = r.events.find((e) => e.name === 'Challenged')!;
    assert.equal(ev.args.challenger, f.creator.account);
    assert.equal(ev.args.evidenceId, EVIDENCE);
    // the seed block lies in the future of the challenge: nobody knew its hash when challenging
    assert.equal(Number(ev.args.seedBlock), r.blockNumber + f.config.drawDelay);
    const d = await f.outsider.getDispute(jobId);
    assert.equal(d.evidenceId, EVIDENCE);
    assert.equal((await f.outsider.getJob(jobId)).status, 'Challenged');
    await reverts(f.creator.challenge(jobId, EVIDENCE), 'BadState');

    const late = newJobId();
    await f.provider.submitResult(late, f.creator.account, keccak256Hex('out'), f.config.minCollateral);
    await f.mine(f.config.challengeWindow + 1);
    await reverts(f.creator.challenge(late, EVIDENCE), 'WindowClosed');
  });

  test('releaseCollateral: not while the window is open; then to the provider, once', async () => {
    const jobId = newJobId();
    await reverts(f.outsider.releaseCollateral(jobId), 'BadState');
    await f.provider.submitResult(jobId, f.creator.account, keccak256Hex('out'), f.config.minCollateral);
    await reverts(f.outsider.releaseCollateral(jobId), 'WindowOpen');
    await f.mine(f.config.challengeWindow);
    const before = await f.outsider.balanceOf(f.provider.account);
    const r = await f.outsider.releaseCollateral(jobId);
    assert.equal(r.events[0]!.name, 'CollateralReleased');
    assert.equal((await f.outsider.balanceOf(f.provider.account)) - before, f.config.minCollateral);
    assert.equal((await f.outsider.getJob(jobId)).status, 'Settled');
    await reverts(f.outsider.releaseCollateral(jobId), 'BadState');
    await reverts(f.creator.challenge(jobId, EVIDENCE), 'BadState');
  });
});

describe('committee draw', () => {
  let f: Fixture;
  before(async () => {
    f = await setup({ mediators: 8 });
  });
  after(() => f.stop());

  test('the draw waits for the seed block, uses its hash, and is reproducible off-chain', async () => {
    const { jobId } = await disputedJob(f, { draw: false });
    const d = await f.outsider.getDispute(jobId);
    await reverts(f.outsider.drawCommittee(jobId), 'SeedNotMined');
    // a transaction in the seed block itself cannot see the seed yet
    await f.mine(d.seedBlock - 1 - (await f.head()));
    await reverts(f.outsider.drawCommittee(jobId), 'SeedNotMined');
    await f.mine(1);
    assert.equal(await f.head(), d.seedBlock);
    const r = await f.outsider.drawCommittee(jobId);
    assert.equal(r.blockNumber, d.seedBlock + 1);
    const drawn = r.events.find((e) => e.name === 'CommitteeDrawn')!;
    const members = [...(drawn.args.committee as string[])];
    assert.equal(members.length, 5);
    assert.equal(new Set(members).size, 5);
    // recompute the draw from blockhash(seedBlock) exactly as the contract does
    const block = await f.provider.provider.getBlock(d.seedBlock);
    const abi = AbiCoder.defaultAbiCoder();
    const seed = keccak256(abi.encode(['bytes32', 'bytes32', 'uint8'], [block!.hash, jobId, 0]));
    assert.equal(drawn.args.seed, seed);
    const active = await f.outsider.activeMediators();
    const job = await f.outsider.getJob(jobId);
    const expected: string[] = [];
    for (let i = 0; i < 5; i++) {
      const start = BigInt(keccak256(abi.encode(['bytes32', 'uint256'], [seed, i]))) % BigInt(active.length);
      for (let p = 0; p < active.length; p++) {
        const cand = active[Number((start + BigInt(p)) % BigInt(active.length))]!;
        if (cand === job.provider || cand === job.creator || expected.includes(cand)) continue;
        expected.push(cand);
        break;
      }
    }
    assert.deepEqual(members, expected);
    const assigned = r.events.filter((e) => e.name === 'MediatorAssigned').map((e) => e.args.mediator as string);
    assert.deepEqual(assigned, members);
    const after = await f.outsider.getDispute(jobId);
    assert.equal(after.voteDeadline, r.blockNumber + f.config.voteWindow);
    assert.equal((await f.outsider.getJob(jobId)).status, 'Voting');
    await reverts(f.outsider.drawCommittee(jobId), 'BadState');
  });

  test('a seed block older than 256 blocks re-arms the draw on a new future block', async () => {
    const { jobId } = await disputedJob(f, { draw: false });
    await f.mine(300);
    const r = await f.outsider.drawCommittee(jobId);
    const ev = r.events.find((e) => e.name === 'SeedRearmed')!;
    assert.equal(Number(ev.args.seedBlock), r.blockNumber + f.config.drawDelay);
    assert.equal((await f.outsider.getJob(jobId)).status, 'Challenged');
    await reverts(f.outsider.drawCommittee(jobId), 'SeedNotMined');
    await f.mine(f.config.drawDelay + 1);
    const ok = await f.outsider.drawCommittee(jobId);
    assert.ok(ok.events.some((e) => e.name === 'CommitteeDrawn'));
  });

  test('round 0 refuses a non-empty committee argument', async () => {
    const { jobId } = await disputedJob(f, { draw: false });
    await f.mine(f.config.drawDelay + 1);
    await reverts(f.outsider.send('drawCommittee', [jobId, [f.outsider.account]]), 'WrongCommittee');
  });

  test('the provider and the creator are never drawn, even when registered as mediators', async () => {
    const g = await setup({ mediators: 5 });
    try {
      // 5 mediators + provider + creator registered: the committee must be exactly the 5 others
      await g.provider.registerMediator(g.config.minMediatorBond);
      await g.creator.registerMediator(g.config.minMediatorBond);
      for (let i = 0; i < 3; i++) {
        const { committee } = await disputedJob(g);
        assert.deepEqual([...committee].sort(), g.mediators.map((m) => m.account).sort());
      }
    } finally {
      await g.stop();
    }
  });

  test('too few eligible mediators: NotEnoughMediators', async () => {
    const g = await setup({ mediators: 4 });
    try {
      const { jobId } = await disputedJob(g, { draw: false });
      await g.mine(g.config.drawDelay + 1);
      await reverts(g.outsider.drawCommittee(jobId), 'NotEnoughMediators');
    } finally {
      await g.stop();
    }
    const h = await setup({ mediators: 1, register: 0 });
    try {
      const { jobId } = await disputedJob(h, { draw: false });
      await h.mine(h.config.drawDelay + 1);
      await reverts(h.outsider.drawCommittee(jobId), 'NotEnoughMediators');
    } finally {
      await h.stop();
    }
  });
});

describe('verdicts and settlement', () => {
  let f: Fixture;
  before(async () => {
    f = await setup();
  });
  after(() => f.stop());

  test('ProviderFaulty with 3 of 5: creator gets collateral and bond minus fee, signers share the fee', async () => {
    const { jobId, committee } = await disputedJob(f);
    const payload: VerdictPayload = { jobId, outcome: 1, evidenceHash: EVIDENCE };
    const signers = [committee[4]!, committee[0]!, committee[2]!];
    const r = await f.outsider.postVerdict(payload, await sign(f, signers, payload));
    const ev = r.events.find((e) => e.name === 'VerdictPosted')!;
    assert.equal(ev.args.jobId, jobId);
    assert.equal(Number(ev.args.outcome), 1);
    assert.equal(ev.args.evidenceHash, EVIDENCE);
    assert.equal(Number(ev.args.signers), 0b10101);
    assert.ok(r.gasUsed <= 80_000n, `contested verdict used ${r.gasUsed} gas`);
    const job = await f.outsider.getJob(jobId);
    assert.equal(job.status, 'Resolved');
    assert.equal(job.outcome, 1);
    // a second verdict is refused
    await reverts(f.outsider.postVerdict({ ...payload, outcome: 0 }, await sign(f, committee.slice(0, 3), { ...payload, outcome: 0 })), 'BadState');

    const before = await Promise.all([f.creator.account, f.provider.account, ...committee].map((a) => f.outsider.balanceOf(a)));
    const s = await f.outsider.settle(jobId);
    const after = await Promise.all([f.creator.account, f.provider.account, ...committee].map((a) => f.outsider.balanceOf(a)));
    const delta = after.map((a, i) => a - before[i]!);
    const { minCollateral: C, challengeBond: B, mediationFee: fee } = f.config;
    assert.equal(delta[0], C + B - fee);
    assert.equal(delta[1], 0n);
    const share = fee / 3n;
    const dust = fee - share * 3n;
    assert.deepEqual(delta.slice(2), [share + dust, 0n, share, 0n, share]);
    const settled = s.events.find((e) => e.name === 'Settled')!;
    assert.equal(settled.args.toMediators, fee);
    assert.equal((await f.outsider.getJob(jobId)).status, 'Settled');
    await reverts(f.outsider.settle(jobId), 'BadState');

    // pull payment: the creator withdraws its balance, once
    const wallet = await f.creator.provider.getBalance(f.creator.account);
    const w = await f.creator.withdraw();
    assert.equal(w.events[0]!.name, 'Withdrawn');
    assert.ok((await f.creator.provider.getBalance(f.creator.account)) > wallet);
    assert.equal(await f.outsider.balanceOf(f.creator.account), 0n);
    await reverts(f.creator.withdraw(), 'NothingToWithdraw');
  });

  test('ProviderCorrect: provider keeps collateral and gets the bond minus fee', async () => {
    const { jobId, committee } = await disputedJob(f);
    const payload: VerdictPayload = { jobId, outcome: 0, evidenceHash: EVIDENCE };
    await f.outsider.postVerdict(payload, await sign(f, committee.slice(1, 5), payload));
    assert.equal((await f.outsider.getJob(jobId)).signers, 0b11110);
    const p0 = await f.outsider.balanceOf(f.provider.account);
    const c0 = await f.outsider.balanceOf(f.creator.account);
    await f.outsider.settle(jobId);
    assert.equal((await f.outsider.balanceOf(f.provider.account)) - p0, f.config.minCollateral + f.config.challengeBond - f.config.mediationFee);
    assert.equal(await f.outsider.balanceOf(f.creator.account), c0);
  });

  test('Inconclusive: collateral back to the provider, bond minus fee back to the creator', async () => {
    const { jobId, committee } = await disputedJob(f);
    const payload: VerdictPayload = { jobId, outcome: 2, evidenceHash: EVIDENCE };
    await f.outsider.postVerdict(payload, await sign(f, committee.slice(0, 3), payload));
    const p0 = await f.outsider.balanceOf(f.provider.account);
    const c0 = await f.outsider.balanceOf(f.creator.account);
    await f.outsider.settle(jobId);
    assert.equal((await f.outsider.balanceOf(f.provider.account)) - p0, f.config.minCollateral);
    assert.equal((await f.outsider.balanceOf(f.creator.account)) - c0, f.config.challengeBond - f.config.mediationFee);
  });

  test('votes below quorum are recorded and complete the quorum across posts', async () => {
    const { jobId, committee } = await disputedJob(f);
    const payload: VerdictPayload = { jobId, outcome: 1, evidenceHash: EVIDENCE };
    const r1 = await f.outsider.postVerdict(payload, await sign(f, [committee[0]!], payload));
    assert.equal(r1.events[0]!.name, 'VotesRecorded');
    assert.equal((await f.outsider.getJob(jobId)).status, 'Voting');
    // a different outcome's votes do not count towards this one
    const other: VerdictPayload = { ...payload, outcome: 0 };
    await f.outsider.postVerdict(other, await sign(f, [committee[1]!, committee[2]!], other));
    // re-posting the same vote changes nothing
    const again = await f.outsider.postVerdict(payload, await sign(f, [committee[0]!], payload));
    assert.equal(Number(again.events[0]!.args.tally), 0b1);
    const r2 = await f.outsider.postVerdict(payload, await sign(f, [committee[3]!], payload));
    assert.equal(Number(r2.events[0]!.args.tally), 0b1001);
    assert.equal((await f.outsider.getJob(jobId)).status, 'Voting');
    const r3 = await f.outsider.postVerdict(payload, await sign(f, [committee[4]!], payload));
    assert.deepEqual(r3.events.map((e) => e.name), ['VotesRecorded', 'VerdictPosted']);
    const job = await f.outsider.getJob(jobId);
    assert.equal(job.status, 'Resolved');
    assert.equal(job.signers, 0b11001);
    assert.equal((await f.outsider.getDispute(jobId)).voted, 0b11111);
  });

  test('postVerdict refuses a wrong state, outcome or committee', async () => {
    const { jobId, committee } = await disputedJob(f, { draw: false });
    const payload: VerdictPayload = { jobId, outcome: 1, evidenceHash: EVIDENCE };
    await reverts(f.outsider.postVerdict(payload, ['0x' + '00'.repeat(65)] as Hex[], { committee: [] }), 'BadState');
    await f.mine(f.config.drawDelay + 1);
    await f.outsider.drawCommittee(jobId);
    const members = await f.outsider.committee(jobId);
    const sigs = await sign(f, members.slice(0, 3), payload);
    await reverts(f.outsider.postVerdict({ ...payload, outcome: 3 as never }, sigs, { committee: members }), 'BadOutcome');
    await reverts(f.outsider.postVerdict(payload, sigs, { committee: [...members].reverse() }), 'WrongCommittee');
    await reverts(f.outsider.postVerdict(payload, sigs, { committee: members.slice(0, 4) }), 'WrongCommittee');
    assert.equal(committee.length, 0);
  });

  test('settle refuses an unresolved job and a wrong committee', async () => {
    const { jobId, committee } = await disputedJob(f);
    await reverts(f.outsider.settle(jobId), 'BadState');
    const payload: VerdictPayload = { jobId, outcome: 1, evidenceHash: EVIDENCE };
    await f.outsider.postVerdict(payload, await sign(f, committee.slice(0, 3), payload));
    await reverts(f.outsider.send('settle', [jobId, committee.slice(1)]), 'WrongCommittee');
    await reverts(f.outsider.send('settle', [jobId, []]), 'WrongCommittee');
  });
});

describe('timeouts: absent mediators are slashed and replaced', () => {
  let f: Fixture;
  before(async () => {
    f = await setup({ mediators: 14, config: { maxRounds: 2 } });
  });
  after(() => f.stop());

  test('absent members are slashed, deactivated and replaced at the same positions; the verdict completes in round 1', async () => {
    const { jobId, committee } = await disputedJob(f);
    const payload: VerdictPayload = { jobId, outcome: 1, evidenceHash: EVIDENCE };
    // members 1 and 3 vote; 0, 2, 4 stay silent
    await f.outsider.postVerdict(payload, await sign(f, [committee[1]!, committee[3]!], payload));
    await reverts(f.outsider.timeoutVoting(jobId), 'WindowOpen');
    await f.mine(f.config.voteWindow);
    await reverts(f.outsider.send('timeoutVoting', [jobId, committee.slice(1)]), 'WrongCommittee');
    const bondsBefore = await Promise.all(committee.map((a) => f.outsider.getMediator(a)));
    const r = await f.outsider.timeoutVoting(jobId);
    const timedOut = r.events.find((e) => e.name === 'VotingTimedOut')!;
    assert.equal(Number(timedOut.args.absent), 0b10101);
    assert.equal(timedOut.args.final_, false);
    const slashed = r.events.filter((e) => e.name === 'MediatorSlashed').map((e) => e.args.mediator as string);
    assert.deepEqual(slashed, [committee[0], committee[2], committee[4]]);
    const active = await f.outsider.activeMediators();
    for (const [i, a] of committee.entries()) {
      const m = await f.outsider.getMediator(a);
      if (i % 2 === 0) {
        assert.equal(m.bond, bondsBefore[i]!.bond - f.config.absentPenalty);
        assert.equal(m.slot, 0);
        assert.ok(!active.includes(a));
      } else {
        assert.equal(m.bond, bondsBefore[i]!.bond);
        assert.ok(active.includes(a));
      }
    }
    const job = await f.outsider.getJob(jobId);
    assert.equal(job.status, 'Challenged');
    assert.equal(job.round, 1);
    const d = await f.outsider.getDispute(jobId);
    assert.equal(d.feePool, 3n * f.config.absentPenalty);
    assert.equal(d.replaceMask, 0b10101);
    assert.equal(d.seedBlock, r.blockNumber + f.config.drawDelay);

    await f.mine(f.config.drawDelay + 1);
    const draw = await f.outsider.drawCommittee(jobId);
    const next = [...(draw.events.find((e) => e.name === 'CommitteeDrawn')!.args.committee as string[])];
    assert.equal(next[1], committee[1]);
    assert.equal(next[3], committee[3]);
    for (const i of [0, 2, 4]) assert.ok(!committee.includes(next[i]!), `position ${i} replaced`);
    assert.equal(new Set(next).size, 5);

    // votes of round 0 do not carry over: two signatures are below quorum in round 1
    const r2 = await f.outsider.postVerdict(payload, await sign(f, [next[1]!, next[3]!], payload));
    assert.equal(r2.events[0]!.name, 'VotesRecorded');
    const r3 = await f.outsider.postVerdict(payload, await sign(f, [next[0]!], payload));
    assert.ok(r3.events.some((e) => e.name === 'VerdictPosted'));
    // the absent members' penalties are shared by the signers, with the fee
    const before = await Promise.all(next.map((a) => f.outsider.balanceOf(a)));
    await f.outsider.settle(jobId);
    const after = await Promise.all(next.map((a) => f.outsider.balanceOf(a)));
    const paid = after.map((a, i) => a - before[i]!);
    const pool = f.config.mediationFee + 3n * f.config.absentPenalty;
    assert.equal(paid.reduce((s, x) => s + x, 0n), pool);
    assert.equal(paid[2], 0n);
    assert.equal(paid[4], 0n);
  });

  test('nobody votes up to maxRounds: Inconclusive, the fee goes back with the bond', async () => {
    const { jobId } = await disputedJob(f);
    await f.mine(f.config.voteWindow + 1);
    await f.outsider.timeoutVoting(jobId);
    await f.mine(f.config.drawDelay + 1);
    await f.outsider.drawCommittee(jobId);
    await f.mine(f.config.voteWindow + 1);
    const r = await f.outsider.timeoutVoting(jobId);
    assert.equal(r.events.find((e) => e.name === 'VotingTimedOut')!.args.final_, true);
    const posted = r.events.find((e) => e.name === 'VerdictPosted')!;
    assert.equal(Number(posted.args.outcome), 2);
    assert.equal(Number(posted.args.signers), 0);
    const job = await f.outsider.getJob(jobId);
    assert.equal(job.status, 'Resolved');
    assert.equal(job.outcome, 2);
    const c0 = await f.outsider.balanceOf(f.creator.account);
    const p0 = await f.outsider.balanceOf(f.provider.account);
    await f.outsider.settle(jobId);
    // bond, fee and the 10 absent members' penalties go back to the challenger (nobody signed)
    assert.equal(
      (await f.outsider.balanceOf(f.creator.account)) - c0,
      f.config.challengeBond + 10n * f.config.absentPenalty,
    );
    assert.equal((await f.outsider.balanceOf(f.provider.account)) - p0, f.config.minCollateral);
  });
});

describe('timeouts: a split committee ends Inconclusive', () => {
  test('everybody voted without a quorum: Inconclusive at the deadline, nobody slashed, voters paid', async () => {
    const f = await setup();
    try {
      const { jobId, committee } = await disputedJob(f);
      const votes: [number, VerdictPayload][] = [
        [0, { jobId, outcome: 0, evidenceHash: EVIDENCE }],
        [1, { jobId, outcome: 0, evidenceHash: EVIDENCE }],
        [2, { jobId, outcome: 1, evidenceHash: EVIDENCE }],
        [3, { jobId, outcome: 1, evidenceHash: EVIDENCE }],
        [4, { jobId, outcome: 2, evidenceHash: EVIDENCE }],
      ];
      for (const [i, p] of votes) await f.outsider.postVerdict(p, await sign(f, [committee[i]!], p));
      await f.mine(f.config.voteWindow);
      const r = await f.outsider.timeoutVoting(jobId);
      assert.equal(r.events.filter((e) => e.name === 'MediatorSlashed').length, 0);
      const to = r.events.find((e) => e.name === 'VotingTimedOut')!;
      assert.equal(to.args.final_, true);
      assert.equal(Number(to.args.absent), 0);
      const job = await f.outsider.getJob(jobId);
      assert.equal(job.outcome, 2);
      assert.equal(job.signers, 0b11111);
      const s = await f.outsider.settle(jobId);
      assert.equal(s.events[0]!.args.toMediators, f.config.mediationFee);
      await reverts(f.outsider.timeoutVoting(jobId), 'BadState');
    } finally {
      await f.stop();
    }
  });
});
