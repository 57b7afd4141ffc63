/**
 * Mediator engines over the ethers adapter and a real VerdictMediation on anvil:
 * - a 3-of-5 committee where each member posts its own vote (no co-signers): two members never vote, the round
 *   times out, they are slashed and replaced, the kept members' second round is a new dispute row, and the quorum
 *   forms in round 1 with exactly one transaction per vote and none after the verdict;
 * - `verdict mediator start` with the default protocol, through the real CLI path, decides a dispute.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ManualClock, keccak256Hex, type Hex } from '../../src/core/index.js';
import { mediatorCommand } from '../../src/cli/commands/mediator.js';
import { connectChainPort, type EthersChainPort } from '../../src/mediator/chain/adapter.js';
import { writeKeyFile } from '../../src/mediator/chain/keyfile.js';
import type { MediatorDaemon } from '../../src/mediator/daemon.js';
import type { DisputeEngine } from '../../src/mediator/engine.js';
import { jobIdToBytes32 } from '../../src/mediator/ports.js';
import type { MediatorStore } from '../../src/mediator/store.js';
import { setup, type Fixture } from '../contracts/fixture.js';
import { POLICY, World } from './fixtures/world.js';

interface Member {
  address: string;
  port: EthersChainPort;
  store: MediatorStore;
  engine: DisputeEngine;
}

describe('committee members voting one transaction each, with a replaced absent member', () => {
  let f: Fixture;
  let w: World;
  let members: Member[];

  before(async () => {
    f = await setup({ mediators: 8, config: { voteWindow: 30, maxRounds: 3 } });
    w = new World();
    members = [];
    for (const [i, m] of f.mediators.entries()) {
      const wallet = f.wallets.find((x) => x.address === m.account)!;
      const port = await connectChainPort({ rpcUrl: f.anvil.url, contract: f.address, privateKey: wallet.privateKey as Hex });
      const store = w.store(`member-${i}.db`);
      const engine = w.engine(store, { confirmations: 1, txConfirmations: 0, chainId: f.anvil.chainId, contract: f.address }, port);
      members.push({ address: m.account, port, store, engine });
    }
  });
  after(async () => {
    for (const m of members) {
      m.store.close();
      await m.port.close();
    }
    await f.stop();
    w.cleanup();
  });

  /** Rounds of: a new block, then every online member scans and advances its disputes in turn. */
  async function drive(online: Member[], rounds = 5): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await f.mine(1);
      for (const m of online) {
        await m.engine.poll();
        await m.engine.processDue();
      }
      (w.clock as ManualClock).advance(1000);
    }
  }

  const byAddress = (a: string) => members.find((m) => m.address.toLowerCase() === a.toLowerCase())!;
  const sent = async (m: Member) => (await f.admin.provider.getTransactionCount(m.address)) - 1; // minus registerMediator

  test('two absent members are replaced; the quorum forms in round 1; one transaction per vote', async () => {
    const { job, evidenceId } = w.submitCase({ honest: false, provider: f.provider.account, creator: f.creator.account });
    const jobId = jobIdToBytes32(job.id);
    await f.provider.submitResult(jobId, f.creator.account, keccak256Hex(`result ${job.id}`), f.config.minCollateral);
    await f.creator.challenge(jobId, evidenceId as Hex);
    await f.mine(f.config.drawDelay + 1);
    await f.outsider.drawCommittee(jobId);
    const round0 = await f.outsider.committee(jobId);
    // positions 0, 2 and 4 are offline for good; 1 and 3 vote
    const absent = [round0[0]!, round0[2]!, round0[4]!].map(byAddress);
    const online = members.filter((m) => !absent.includes(m));

    await drive(online);
    const voters0 = [byAddress(round0[1]!), byAddress(round0[3]!)];
    for (const m of voters0) {
      const d = m.store.byJobId(jobId)!;
      assert.equal(d.state, 'posted', 'voted, waiting for the quorum');
      assert.equal(m.store.posts(d.id).at(-1)!.status, 'confirmed');
      assert.equal(await sent(m), 1);
    }
    assert.equal((await f.outsider.getJob(jobId)).status, 'Voting');
    for (const m of online.filter((x) => !voters0.includes(x))) assert.equal(m.store.byJobId(jobId), null, 'not on the committee');

    // the vote window passes: absent members are slashed and replaced by a new draw
    await f.mine(f.config.voteWindow);
    const timedOut = await f.outsider.timeoutVoting(jobId);
    assert.equal(Number(timedOut.events.find((e) => e.name === 'VotingTimedOut')!.args.absent), 0b10101);
    await f.mine(f.config.drawDelay + 1);
    await f.outsider.drawCommittee(jobId);
    const round1 = await f.outsider.committee(jobId);
    assert.equal(round1[1], round0[1]);
    assert.equal(round1[3], round0[3]);
    for (const a of absent) assert.ok(!round1.includes(a.address), 'an absent member is not drawn again');
    assert.deepEqual(new Set(round1.map((a) => a.toLowerCase())), new Set(online.map((m) => m.address.toLowerCase())));

    await drive(online);
    const final = await f.outsider.getJob(jobId);
    assert.equal(final.status, 'Resolved');
    assert.equal(final.outcome, 1, 'ProviderFaulty: the outputs were forged');
    assert.equal(final.round, 1);
    const logs = await f.outsider.logs([null, jobId], 0, await f.head());
    const names = logs.map((l) => l.log.name);
    assert.equal(names.filter((n) => n === 'VerdictPosted').length, 1);
    // one VotesRecorded per vote transaction: 2 in round 0, 3 in round 1 (the third also completes the quorum)
    assert.equal(names.filter((n) => n === 'VotesRecorded').length, 2 + 3);

    // every online member is done; kept members have one dispute row per round, both confirmed
    let transactions = 0;
    let late = 0;
    for (const m of online) {
      const rows = m.store.list().filter((d) => d.jobId === jobId);
      const kept = voters0.includes(m);
      assert.equal(rows.length, kept ? 2 : 1);
      for (const d of rows) assert.equal(d.state, 'confirmed', `${m.address} #${d.id}`);
      transactions += await sent(m);
      const last = rows.at(-1)!;
      const v = m.store.verdict(last.id);
      if (v) {
        assert.equal(v.payload.outcome, 1);
        assert.equal(v.payload.evidenceHash, evidenceId);
        assert.ok(v.bundleId, 'bundle written');
        assert.equal(m.store.posts(last.id).length, 1);
      } else {
        // came after the verdict: found it on-chain before fetching evidence, sent nothing
        late++;
        assert.deepEqual(m.store.posts(last.id), []);
        assert.equal(m.store.steps(last.id).at(-1)!.detail?.postedBy, 'other');
      }
    }
    assert.equal(late, 2);
    assert.equal(transactions, 5, '2 votes in round 0 + 3 in round 1, none after the verdict');
    for (const a of absent) {
      assert.equal(await sent(a), 0);
      assert.equal((await f.outsider.getMediator(a.address)).slot, 0, 'slashed and deactivated');
    }
    await f.outsider.settle(jobId);
    assert.equal((await f.outsider.getJob(jobId)).status, 'Settled');
  });
});

describe('verdict mediator start (default protocol) on a VerdictMediation', () => {
  let f: Fixture;
  let w: World;
  before(async () => {
    f = await setup({ mediators: 1, config: { committeeSize: 1, quorum: 1, batchQuorum: 1 } });
    w = new World();
  });
  after(async () => {
    await f.stop();
    w.cleanup();
  });

  test('decides a challenged job through the CLI: key file, ethers adapter, store, evidence dir, status port', async () => {
    const policies = join(w.dir, 'policies');
    mkdirSync(policies);
    writeFileSync(join(policies, 'mtest.yaml'), stringify(POLICY));
    const keyFile = join(w.dir, 'mediator.key');
    const me = writeKeyFile(keyFile, f.wallets.find((x) => x.address === f.mediators[0]!.account)!.privateKey as Hex);
    const { job, evidenceId } = w.submitCase({ honest: true, provider: f.provider.account, creator: f.creator.account });
    const jobId = jobIdToBytes32(job.id);
    await f.provider.submitResult(jobId, f.creator.account, keccak256Hex('result'), f.config.minCollateral);
    await f.creator.challenge(jobId, evidenceId as Hex);
    await f.mine(f.config.drawDelay + 1);
    await f.outsider.drawCommittee(jobId);

    const signals = new EventEmitter();
    let daemon: MediatorDaemon | undefined;
    const err: string[] = [];
    const args = ['start', '--rpc', f.anvil.url, '--contract', f.address, '--key-file', keyFile, '--db', join(w.dir, 'state', 'mediator.db')];
    args.push('--policies', policies, '--evidence-dir', w.evidenceStore.dir, '--port', '0', '--poll-ms', '50', '--confirmations', '1', '--log-level', 'silent');
    const running = mediatorCommand(args, { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } }, {
      registry: async () => w.registry,
      signals: signals as never,
      onStarted: (d) => (daemon = d),
    });
    const miner = setInterval(() => void f.mine(1).catch(() => {}), 100);
    try {
      const end = Date.now() + 20_000;
      while ((await f.outsider.getJob(jobId)).status !== 'Resolved') {
        assert.ok(Date.now() < end, 'timed out waiting for the verdict');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await f.outsider.getJob(jobId)).outcome, 0);
      while ((daemon!.store.countsByStatus().confirmed ?? 0) < 1) await new Promise((r) => setTimeout(r, 25));
      assert.equal(daemon!.address, me);
      const health = (await (await fetch(`${daemon!.status.url}/health`)).json()) as { status: string; chainId: number; contract: string };
      assert.deepEqual([health.status, health.chainId, health.contract], ['ok', f.anvil.chainId, f.address]);
    } finally {
      clearInterval(miner);
      signals.emit('SIGTERM');
      assert.equal(await running, 0);
    }
    assert.match(err.join(''), /verdict mediator 0x[0-9a-fA-F]{40} on chain/);
  });
});
