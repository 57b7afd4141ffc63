/**
 * Batched verdicts: a Merkle root of many uncontested verdicts signed once per epoch; one leaf applied or
 * challenged with its inclusion proof; signers of an overturned leaf slashed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keccak256Hex, type Hex } from '../../src/core/index.js';
import { VerdictBatchTree, type BatchLeaf } from '../../src/mediator/chain/merkle.js';
import type { MediationClient } from '../../src/mediator/chain/contract.js';
import type { OutcomeCode } from '../../src/mediator/ports.js';
import { memberClient, newJobId, reverts, setup, type Fixture } from './fixture.js';

function fillerLeaves(n: number, tag: string): BatchLeaf[] {
  return Array.from({ length: n }, (_, i) => ({
    jobId: keccak256Hex(`${tag}-filler-${i}`),
    outcome: (i % 3) as OutcomeCode,
    evidenceHash: keccak256Hex(`${tag}-evidence-${i}`),
  }));
}

/** Signatures of `signers` over the batch, ordered by ascending signer address as the contract wants. */
async function signBatch(f: Fixture, signers: MediationClient[], p: { root: Hex; epoch: number; count: number }): Promise<Hex[]> {
  const sorted = [...signers].sort((a, b) => (BigInt(a.account) < BigInt(b.account) ? -1 : 1));
  return Promise.all(sorted.map((s) => s.signBatch(p)));
}

describe('batched verdicts', () => {
  let f: Fixture;
  let tree: VerdictBatchTree;
  let root: Hex;
  let epoch: number;
  let jobs: { faulty: Hex; correct: Hex; contested: Hex; agreed: Hex; inconclusive: Hex; unknownJob: Hex };
  let signers: MediationClient[];
  before(async () => {
    f = await setup({ mediators: 9 });
    jobs = {
      faulty: newJobId('b'),
      correct: newJobId('b'),
      contested: newJobId('b'),
      agreed: newJobId('b'),
      inconclusive: newJobId('b'),
      unknownJob: newJobId('b'),
    };
    for (const id of [jobs.faulty, jobs.correct, jobs.contested, jobs.agreed, jobs.inconclusive]) {
      await f.provider.submitResult(id, f.creator.account, keccak256Hex(`r-${id}`), f.config.minCollateral);
    }
    const leaves: BatchLeaf[] = [
      { jobId: jobs.faulty, outcome: 1, evidenceHash: keccak256Hex('e-faulty') },
      { jobId: jobs.correct, outcome: 0, evidenceHash: keccak256Hex('e-correct') },
      { jobId: jobs.contested, outcome: 1, evidenceHash: keccak256Hex('e-contested') },
      { jobId: jobs.agreed, outcome: 1, evidenceHash: keccak256Hex('e-agreed') },
      { jobId: jobs.inconclusive, outcome: 0, evidenceHash: keccak256Hex('e-inconclusive') },
      { jobId: jobs.unknownJob, outcome: 0, evidenceHash: keccak256Hex('e-unknown') },
      ...fillerLeaves(994, 'main'),
    ];
    tree = VerdictBatchTree.of(leaves);
    root = tree.root;
    epoch = await f.outsider.currentEpoch();
    signers = f.mediators.slice(0, 3);
  });
  after(() => f.stop());

  test('digests and leaves computed in TypeScript match the contract', async () => {
    const p = { root, epoch, count: tree.size };
    assert.equal(await f.outsider.call('batchDigest', [p.root, p.epoch, p.count]), f.outsider.batchDigest(p));
    const leaf = tree.leaf(jobs.faulty);
    const onChain = await f.outsider.call<string>('batchLeaf', [leaf.jobId, leaf.outcome, leaf.evidenceHash]);
    const { leafHash } = await import('../../src/mediator/chain/merkle.js');
    assert.equal(onChain, `0x${Buffer.from(leafHash(leaf)).toString('hex')}`);
  });

  test('postBatch refuses bad roots, epochs, signer sets and signatures', async () => {
    const p = { root, epoch, count: tree.size };
    const sigs = await signBatch(f, signers, p);
    await reverts(f.outsider.postBatch({ ...p, root: `0x${'00'.repeat(32)}` }, sigs), 'InvalidProof');
    await reverts(f.outsider.postBatch({ ...p, count: 0 }, sigs), 'InvalidProof');
    const future = { ...p, epoch: epoch + 1 };
    await reverts(f.outsider.postBatch(future, await signBatch(f, signers, future)), 'BadEpoch');
    if (epoch >= 2) {
      const old = { ...p, epoch: epoch - 2 };
      await reverts(f.outsider.postBatch(old, await signBatch(f, signers, old)), 'BadEpoch');
    }
    await reverts(f.outsider.postBatch(p, sigs.slice(0, 2)), 'TooFewSigners');
    await reverts(f.outsider.postBatch(p, [sigs[1]!, sigs[0]!, sigs[2]!]), 'SignersNotSorted');
    await reverts(f.outsider.postBatch(p, [sigs[0]!, sigs[0]!, sigs[1]!]), 'SignersNotSorted');
    await reverts(f.outsider.send('postBatch', [p.root, p.epoch, p.count, `${sigs.join('').replace(/0x/g, '').slice(0, -2)}`.replace(/^/, '0x')]), 'BadSignatureLength');
    // signatures over another count (the signers did not sign this statement) recover to other addresses
    const otherCount = await signBatch(f, signers, { ...p, count: p.count + 1 });
    await assert.rejects(f.outsider.postBatch(p, otherCount), (e: Error) => /NotActiveMediator|SignersNotSorted/.test(e.message));
    const withOutsider = await signBatch(f, [signers[0]!, signers[1]!, f.outsider], p);
    await reverts(f.outsider.postBatch(p, withOutsider), 'NotActiveMediator');
  });

  test('a root of 1,000 verdicts costs at most 100 gas per verdict, and is posted once', async () => {
    const p = { root, epoch: await f.outsider.currentEpoch(), count: tree.size };
    const r = await f.outsider.postBatch(p, await signBatch(f, signers, p));
    const perVerdict = Number(r.gasUsed) / tree.size;
    assert.ok(perVerdict <= 100, `batch of ${tree.size}: ${r.gasUsed} gas, ${perVerdict} per verdict`);
    const ev = r.events.find((e) => e.name === 'BatchPosted')!;
    assert.equal(ev.args.root, root);
    assert.equal(Number(ev.args.count), 1000);
    const b = await f.outsider.getBatch(root);
    assert.equal(b.postedBlock, r.blockNumber);
    await reverts(f.outsider.postBatch(p, await signBatch(f, signers, p)), 'BatchExists');
  });

  test('apply: unknown root, wrong proof, wrong leaf, open window, wrong job state', async () => {
    const leaf = tree.leaf(jobs.faulty);
    const proof = tree.proof(jobs.faulty);
    await reverts(f.outsider.applyBatchedVerdict(keccak256Hex('nope'), leaf, proof), 'UnknownBatch');
    await reverts(f.outsider.applyBatchedVerdict(root, leaf, tree.proof(jobs.correct)), 'InvalidProof');
    await reverts(f.outsider.applyBatchedVerdict(root, { ...leaf, outcome: 0 }, proof), 'InvalidProof');
    await reverts(f.outsider.applyBatchedVerdict(root, { ...leaf, evidenceHash: keccak256Hex('x') }, proof), 'InvalidProof');
    await reverts(f.outsider.applyBatchedVerdict(root, leaf, proof.slice(1)), 'InvalidProof');
    await reverts(f.outsider.applyBatchedVerdict(root, { ...leaf, outcome: 3 as OutcomeCode }, proof), 'BadOutcome');
    await reverts(f.outsider.applyBatchedVerdict(root, leaf, proof), 'WindowOpen');
  });

  test('challenge a leaf: only a party, with the bond, within the window', async () => {
    const leaf = tree.leaf(jobs.contested);
    const proof = tree.proof(jobs.contested);
    await reverts(f.outsider.challengeBatchedVerdict(root, leaf, proof, keccak256Hex('ev')), 'NotParty');
    await reverts(f.provider.challengeBatchedVerdict(root, leaf, proof, keccak256Hex('ev'), 1n), 'BadAmount');
    await reverts(f.provider.challengeBatchedVerdict(root, leaf, tree.proof(jobs.agreed), keccak256Hex('ev')), 'InvalidProof');
    const unknown = tree.leaf(jobs.unknownJob);
    await reverts(f.creator.challengeBatchedVerdict(root, unknown, tree.proof(jobs.unknownJob), keccak256Hex('ev')), 'BadState');
    // the provider disputes the "faulty" leaf about its job; a committee decides
    const r = await f.provider.challengeBatchedVerdict(root, leaf, proof, keccak256Hex('ev'));
    const ev = r.events.find((e) => e.name === 'Challenged')!;
    assert.equal(ev.args.challenger, f.provider.account);
    assert.equal(ev.args.batchRoot, root);
    const d = await f.outsider.getDispute(jobs.contested);
    assert.equal(d.batchRoot, root);
    assert.equal(d.flags, 1 | 2 | (1 << 4));
    await reverts(f.creator.challengeBatchedVerdict(root, leaf, proof, keccak256Hex('ev')), 'BadState');
    // the creator agrees with the other faulty leaf but challenges too, so the committee can confirm it
    await f.creator.challengeBatchedVerdict(root, tree.leaf(jobs.agreed), tree.proof(jobs.agreed), keccak256Hex('ev2'));
    await f.creator.challengeBatchedVerdict(root, tree.leaf(jobs.inconclusive), tree.proof(jobs.inconclusive), keccak256Hex('ev3'));
  });

  test('after the window: leaves apply, challenges are closed, settlement follows the leaf', async () => {
    const b = await f.outsider.getBatch(root);
    await f.mine(b.postedBlock + f.config.batchChallengeWindow - (await f.head()));
    await reverts(
      f.creator.challengeBatchedVerdict(root, tree.leaf(jobs.correct), tree.proof(jobs.correct), keccak256Hex('ev')),
      'WindowClosed',
    );
    const r = await f.outsider.applyBatchedVerdict(root, tree.leaf(jobs.faulty), tree.proof(jobs.faulty));
    assert.equal(r.events[0]!.name, 'BatchedVerdictApplied');
    assert.ok(r.gasUsed < 60_000n, `apply used ${r.gasUsed}`);
    await reverts(f.outsider.applyBatchedVerdict(root, tree.leaf(jobs.faulty), tree.proof(jobs.faulty)), 'BadState');
    await reverts(f.outsider.applyBatchedVerdict(root, tree.leaf(jobs.contested), tree.proof(jobs.contested)), 'BadState');
    await reverts(f.outsider.applyBatchedVerdict(root, tree.leaf(jobs.unknownJob), tree.proof(jobs.unknownJob)), 'BadState');
    await f.outsider.applyBatchedVerdict(root, tree.leaf(jobs.correct), tree.proof(jobs.correct));
    const c0 = await f.outsider.balanceOf(f.creator.account);
    const p0 = await f.outsider.balanceOf(f.provider.account);
    const s1 = await f.outsider.settle(jobs.faulty);
    assert.equal(s1.events[0]!.args.toMediators, 0n);
    assert.equal((await f.outsider.balanceOf(f.creator.account)) - c0, f.config.minCollateral);
    await f.outsider.settle(jobs.correct);
    assert.equal((await f.outsider.balanceOf(f.provider.account)) - p0, f.config.minCollateral);
    await reverts(f.outsider.slashBatchSigners(jobs.faulty, []), 'NothingToSlash');
  });

  test('a committee overturns a leaf: the batch signers are slashed once, to the challenger', async () => {
    const id = jobs.contested;
    await reverts(f.outsider.slashBatchSigners(id, []), 'BadState');
    await f.mine(f.config.drawDelay + 1);
    await f.outsider.drawCommittee(id);
    const committee = await f.outsider.committee(id);
    const payload = { jobId: id, outcome: 0 as const, evidenceHash: keccak256Hex('committee evidence') };
    const sigs = await Promise.all(committee.slice(0, 3).map((a) => memberClient(f, a).signVerdict(payload)));
    await f.outsider.postVerdict(payload, sigs);
    const sorted = [...signers].map((s) => s.account).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    await reverts(f.outsider.slashBatchSigners(id, sorted.slice(0, 2)), 'WrongSigners');
    await reverts(f.outsider.slashBatchSigners(id, [...sorted].reverse()), 'WrongSigners');
    const bonds = await Promise.all(sorted.map((a) => f.outsider.getMediator(a)));
    const p0 = await f.outsider.balanceOf(f.provider.account);
    const r = await f.outsider.slashBatchSigners(id, sorted);
    assert.equal(r.events.filter((e) => e.name === 'MediatorSlashed').length, 3);
    for (const [i, a] of sorted.entries()) {
      const m = await f.outsider.getMediator(a);
      assert.equal(m.bond, bonds[i]!.bond - f.config.fraudPenalty);
      // 1 ETH bond − 0.5 ETH falls below the minimum: no longer drawable
      assert.equal(m.slot, 0);
    }
    assert.equal((await f.outsider.balanceOf(f.provider.account)) - p0, 3n * f.config.fraudPenalty);
    await reverts(f.outsider.slashBatchSigners(id, sorted), 'NothingToSlash');
    // settlement: the provider challenged and won
    const p1 = await f.outsider.balanceOf(f.provider.account);
    await f.outsider.settle(id);
    assert.equal((await f.outsider.balanceOf(f.provider.account)) - p1, f.config.minCollateral + f.config.challengeBond - f.config.mediationFee);
  });

  test('a committee that agrees with the leaf, or is inconclusive, slashes nobody', async () => {
    const id = jobs.agreed;
    await f.mine(f.config.drawDelay + 1);
    await f.outsider.drawCommittee(id);
    const committee = await f.outsider.committee(id);
    const payload = { jobId: id, outcome: 1 as const, evidenceHash: keccak256Hex('agree') };
    await f.outsider.postVerdict(payload, await Promise.all(committee.slice(0, 3).map((a) => memberClient(f, a).signVerdict(payload))));
    const sorted = [...signers].map((s) => s.account).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    await reverts(f.outsider.slashBatchSigners(id, sorted), 'NothingToSlash');

    const inc = jobs.inconclusive;
    await f.outsider.drawCommittee(inc);
    const c2 = await f.outsider.committee(inc);
    const p2 = { jobId: inc, outcome: 2 as const, evidenceHash: keccak256Hex('unsure') };
    await f.outsider.postVerdict(p2, await Promise.all(c2.slice(0, 3).map((a) => memberClient(f, a).signVerdict(p2))));
    await reverts(f.outsider.slashBatchSigners(inc, sorted), 'NothingToSlash');
  });

  test('slashBatchSigners on a dispute that did not challenge a batch: NothingToSlash', async () => {
    const id = newJobId('plain');
    await f.provider.submitResult(id, f.creator.account, keccak256Hex('r'), f.config.minCollateral);
    await f.creator.challenge(id, keccak256Hex('e'));
    await f.mine(f.config.drawDelay + 1);
    await f.outsider.drawCommittee(id);
    const committee = await f.outsider.committee(id);
    const payload = { jobId: id, outcome: 1 as const, evidenceHash: keccak256Hex('e') };
    await f.outsider.postVerdict(payload, await Promise.all(committee.slice(0, 3).map((a) => memberClient(f, a).signVerdict(payload))));
    await reverts(f.outsider.slashBatchSigners(id, []), 'NothingToSlash');
  });

  test('the contract accepts every proof of TS-built trees of odd and even sizes (MerkleProof conventions)', async () => {
    // Leaves about jobs that do not exist: an accepted proof gets as far as the job's state (BadState),
    // a rejected one stops at InvalidProof. eth_call only.
    const sizes = [1, 2, 3, 5, 8, 17, 64, 100];
    // the first signers were slashed below the minimum bond above: sign with mediators still active
    const active = new Set((await f.outsider.activeMediators()).map((a) => a.toLowerCase()));
    const batchSigners = f.mediators.filter((m) => active.has(m.account.toLowerCase())).slice(0, 3);
    for (const size of sizes) {
      const t = VerdictBatchTree.of(fillerLeaves(size, `sizes-${size}`));
      const p = { root: t.root, epoch: await f.outsider.currentEpoch(), count: size };
      await f.outsider.postBatch(p, await signBatch(f, batchSigners, p));
      await f.mine(f.config.batchChallengeWindow + 1);
      for (const leaf of t.leaves) {
        const proof = t.proof(leaf.jobId);
        await reverts(f.outsider.applyBatchedVerdict(t.root, leaf, proof), 'BadState');
        if (proof.length > 0) {
          const bad = [...proof];
          bad[bad.length - 1] = keccak256Hex('tampered');
          await reverts(f.outsider.applyBatchedVerdict(t.root, leaf, bad), 'InvalidProof');
        } else {
          await reverts(f.outsider.applyBatchedVerdict(t.root, { ...leaf, outcome: ((leaf.outcome + 1) % 3) as OutcomeCode }, proof), 'InvalidProof');
        }
      }
    }
  });
});
