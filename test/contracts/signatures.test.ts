/**
 * Verdict signatures on-chain: forged, duplicate, non-member, malleable, malformed and replayed signatures are
 * refused; anyone may post a valid set. Cross-checks the TS EIP-712 digest against the contract's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Signature } from 'ethers';
import { concatBytes, fromHex, keccak256Hex, toHex, type Hex } from '../../src/core/index.js';
import { MediationClient, deployMediation } from '../../src/mediator/chain/contract.js';
import { mediationDomain, packSignatures, signVerdictWith, verdictDigest } from '../../src/mediator/chain/eip712.js';
import type { VerdictPayload } from '../../src/mediator/ports.js';
import { disputedJob, memberClient, reverts, setup, TEST_CONFIG, type Fixture } from './fixture.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe('verdict signatures', () => {
  let f: Fixture;
  let jobId: Hex;
  let committee: string[];
  let payload: VerdictPayload;
  let good: Hex[];
  before(async () => {
    f = await setup();
    ({ jobId, committee } = await disputedJob(f));
    payload = { jobId, outcome: 1, evidenceHash: keccak256Hex('bundle') };
    good = await Promise.all(committee.map((a) => memberClient(f, a).signVerdict(payload)));
  });
  after(() => f.stop());

  const post = (sigs: Hex | Hex[]): Promise<unknown> =>
    f.outsider.send('postVerdict', [jobId, committee, payload.outcome, payload.evidenceHash, Array.isArray(sigs) ? packSignatures(sigs) : sigs]);

  test('the TypeScript EIP-712 digest equals the contract digest', async () => {
    const onChain = await f.outsider.call<string>('verdictDigest', [payload.jobId, payload.outcome, payload.evidenceHash]);
    assert.equal(verdictDigest(f.outsider.domain, payload), onChain);
    const [name, version, chainId, verifyingContract] = await f.outsider.call<[string, string, string, bigint, string]>('eip712Domain').then((d) => [d[1], d[2], d[3], d[4]]);
    assert.deepEqual([name, version, Number(chainId), verifyingContract], ['VerdictMediation', '1', f.anvil.chainId, f.address]);
  });

  test('a signature by a non-member is refused with its recovered address', async () => {
    const outsiderSig = await f.outsider.signVerdict(payload);
    await reverts(post([good[0]!, good[1]!, outsiderSig]), 'NotCommitteeMember');
    // a registered mediator who is not on this committee is a non-member too
    const other = f.mediators.find((m) => !committee.includes(m.account))!;
    await reverts(post([await other.signVerdict(payload), good[0]!, good[1]!]), 'NotCommitteeMember');
  });

  test('forged signatures: another payload, another contract, another chain, flipped bits', async () => {
    const member = memberClient(f, committee[2]!);
    const otherEvidence = await member.signVerdict({ ...payload, evidenceHash: keccak256Hex('other') });
    await reverts(post([good[0]!, good[1]!, otherEvidence]), 'NotCommitteeMember');
    const otherOutcome = await member.signVerdict({ ...payload, outcome: 0 });
    await reverts(post([good[0]!, good[1]!, otherOutcome]), 'NotCommitteeMember');
    const otherContract = await signVerdictWith(member.wallet, mediationDomain(f.anvil.chainId, f.creator.account), payload);
    await reverts(post([good[0]!, good[1]!, otherContract]), 'NotCommitteeMember');
    const otherChain = await signVerdictWith(member.wallet, mediationDomain(1, f.address), payload);
    await reverts(post([good[0]!, good[1]!, otherChain]), 'NotCommitteeMember');
    const flipped = fromHex(good[2]!, 'sig', 65);
    flipped[63]! ^= 0x01; // s changes, stays low: recovers to some unrelated address
    await reverts(post(toHex(concatBytes(fromHex(packSignatures([good[0]!, good[1]!]), 'p'), flipped))), 'NotCommitteeMember');
  });

  test('the same member twice is refused, whatever the position', async () => {
    await reverts(post([good[0]!, good[0]!, good[1]!]), 'DuplicateSigner');
    await reverts(post([good[3]!, good[1]!, good[3]!]), 'DuplicateSigner');
    // a second, different valid signature of the same member (other ECDSA nonce) is still the same member
    const w = memberClient(f, committee[1]!).wallet;
    const again = Signature.from(await signVerdictWith(w, f.outsider.domain, payload));
    assert.equal(again.serialized, good[1]); // RFC 6979: deterministic
    await reverts(post([good[1]!, good[2]!, good[1]!]), 'DuplicateSigner');
  });

  test('malleable (high-s), bad v, empty and truncated signatures', async () => {
    const sig = Signature.from(good[0]!);
    const highS = toHex(
      concatBytes(fromHex(sig.r, 'r'), fromHex(`0x${(N - BigInt(sig.s)).toString(16).padStart(64, '0')}`, 's'), Uint8Array.of(sig.v === 27 ? 28 : 27)),
    );
    await reverts(post(toHex(concatBytes(fromHex(highS, 'h'), fromHex(packSignatures([good[1]!, good[2]!]), 'p')))), 'ECDSAInvalidSignatureS');
    const badV = fromHex(good[0]!, 'sig', 65);
    badV[64] = 29;
    await reverts(post(toHex(concatBytes(badV, fromHex(packSignatures([good[1]!, good[2]!]), 'p')))), 'ECDSAInvalidSignature');
    await reverts(post('0x'), 'NoSignatures');
    await reverts(post(packSignatures([good[0]!, good[1]!]).slice(0, -2) as Hex), 'BadSignatureLength');
    await reverts(post((packSignatures([good[0]!, good[1]!, good[2]!]) + 'ff') as Hex), 'BadSignatureLength');
  });

  test('anyone may post a valid quorum: the poster needs no role', async () => {
    assert.ok(!committee.includes(f.outsider.account));
    const r = await f.outsider.postVerdict(payload, [good[4]!, good[2]!, good[3]!]);
    assert.ok(r.events.some((e) => e.name === 'VerdictPosted'));
    assert.equal((await f.outsider.getJob(jobId)).signers, 0b11100);
  });
});

describe('replay across deployments', () => {
  test('signatures for one contract do not count on another with the same committee', async () => {
    const f = await setup({ mediators: 5 });
    try {
      const { jobId, committee } = await disputedJob(f);
      const payload: VerdictPayload = { jobId, outcome: 0, evidenceHash: keccak256Hex('e') };
      // a second deployment where the same job is disputed with the same 5 mediators
      const second = await deployMediation(f.admin.sender, { ...f.config, ...TEST_CONFIG });
      const get = (c: MediationClient): MediationClient => new MediationClient(c.provider, c.wallet, second.address, f.anvil.chainId);
      for (const m of f.mediators) await get(m).registerMediator(f.config.minMediatorBond);
      await get(f.provider).submitResult(jobId, f.creator.account, keccak256Hex('r'), f.config.minCollateral);
      await get(f.creator).challenge(jobId, keccak256Hex('e'));
      await f.mine(f.config.drawDelay + 1);
      await get(f.outsider).drawCommittee(jobId);
      const sigsForFirst = await Promise.all(committee.slice(0, 3).map((a) => memberClient(f, a).signVerdict(payload)));
      await reverts(get(f.outsider).postVerdict(payload, sigsForFirst), 'NotCommitteeMember');
    } finally {
      await f.stop();
    }
  });
});
