/**
 * The ethers ChainPort against a real anvil: connection errors, the verdict path end to end (poll, committee,
 * sign, prepare, broadcast, confirm, status), idempotent re-broadcast, dropped and reverted transactions,
 * RPC failure and recovery, and reorgs seen by the watcher.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { isVerdictError, keccak256Hex, type Hex } from '../../src/core/index.js';
import { connectChainPort, type EthersChainPort } from '../../src/mediator/chain/adapter.js';
import { writeKeyFile } from '../../src/mediator/chain/keyfile.js';
import { DisputeWatcher } from '../../src/mediator/chain/watcher.js';
import type { SignedVerdict, VerdictPayload } from '../../src/mediator/ports.js';
import { disputedJob, newJobId, setup, type Fixture } from '../contracts/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'verdict-chain-'));

function keyFileFor(f: Fixture, i: number): string {
  const path = join(dir, `key-${f.anvil.port}-${i}.json`);
  writeKeyFile(path, f.wallets[i]!.privateKey as Hex);
  return path;
}

async function portFor(f: Fixture, address: string, extra: Partial<Parameters<typeof connectChainPort>[0]> = {}): Promise<EthersChainPort> {
  const i = f.wallets.findIndex((w) => w.address === address);
  return connectChainPort({ rpcUrl: f.anvil.url, contract: f.address, keyFile: keyFileFor(f, i), ...extra });
}

const isCode = (code: string, pattern?: RegExp) => (e: unknown) => {
  assert.ok(isVerdictError(e, code as never), `expected ${code}, got ${String(e)}`);
  if (pattern) assert.match((e as Error).message, pattern);
  return true;
};

describe('connecting', () => {
  let f: Fixture;
  before(async () => {
    f = await setup({ mediators: 1 });
  });
  after(() => f.stop());

  test('an unreachable RPC is a retryable CHAIN_ERROR naming the URL', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const url = `http://127.0.0.1:${port}`;
    await assert.rejects(connectChainPort({ rpcUrl: url, contract: f.address, keyFile: keyFileFor(f, 4) }), (e: unknown) => {
      isCode('CHAIN_ERROR', /unreachable/)(e);
      assert.equal((e as { retryable: boolean }).retryable, true);
      assert.match((e as Error).message, new RegExp(url));
      return true;
    });
    await assert.rejects(connectChainPort({ rpcUrl: 'not a url', contract: f.address, keyFile: keyFileFor(f, 4) }), isCode('BAD_CONFIG'));
    await assert.rejects(connectChainPort({ rpcUrl: 'ws://127.0.0.1:1', contract: f.address, keyFile: keyFileFor(f, 4) }), isCode('BAD_CONFIG'));
  });

  test('a wrong contract address is BAD_CONFIG: malformed, no code, another contract, another chain', async () => {
    const key = keyFileFor(f, 4);
    await assert.rejects(connectChainPort({ rpcUrl: f.anvil.url, contract: '0x1234', keyFile: key }), isCode('BAD_CONFIG', /not a valid address/));
    await assert.rejects(connectChainPort({ rpcUrl: f.anvil.url, contract: f.outsider.account, keyFile: key }), isCode('BAD_CONFIG', /no contract code/));
    // a contract of another kind at the address
    const { compileContracts } = await import('../../src/mediator/chain/compile.js');
    const { deployArtifact } = await import('../../src/mediator/chain/contract.js');
    const { artifacts } = compileContracts({ contractsDir: new URL('../contracts/sol', import.meta.url).pathname });
    const other = await deployArtifact(f.outsider.sender, artifacts.Rejecter!);
    await assert.rejects(connectChainPort({ rpcUrl: f.anvil.url, contract: other.address, keyFile: key }), isCode('BAD_CONFIG', /not a VerdictMediation/));
    await assert.rejects(connectChainPort({ rpcUrl: f.anvil.url, contract: f.address, keyFile: key, expectedChainId: 1 }), isCode('BAD_CONFIG', /expected 1/));
  });

  test('a bad key file is BAD_CONFIG before any RPC call', async () => {
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, 'not a key\n');
    await assert.rejects(connectChainPort({ rpcUrl: 'http://127.0.0.1:1', contract: f.address, keyFile: bad }), isCode('BAD_CONFIG', /64 hex digits/));
    await assert.rejects(connectChainPort({ rpcUrl: f.anvil.url, contract: f.address, keyFile: join(dir, 'missing.key') }), isCode('BAD_CONFIG', /does not exist/));
    await assert.rejects(connectChainPort({ rpcUrl: f.anvil.url, contract: f.address }), isCode('BAD_CONFIG', /key file/));
  });

  test('a good configuration connects and checks', async () => {
    const port = await portFor(f, f.wallets[4]!.address, { expectedChainId: f.anvil.chainId });
    try {
      assert.deepEqual(await port.check(), { chainId: f.anvil.chainId, contract: f.address });
      assert.equal(port.address, f.wallets[4]!.address);
      const head = await port.headBlock();
      assert.equal(await port.confirmedBlock(3), Math.max(0, head - 3));
      assert.equal(await port.confirmedBlock(head + 10), 0);
    } finally {
      await port.close();
    }
  });
});

describe('the verdict path through the port', () => {
  let f: Fixture;
  let jobId: Hex;
  let committee: string[];
  let ports: EthersChainPort[];
  let payload: VerdictPayload;
  before(async () => {
    f = await setup();
    ({ jobId, committee } = await disputedJob(f));
    ports = await Promise.all(committee.map((a) => portFor(f, a)));
    payload = { jobId, outcome: 1, evidenceHash: keccak256Hex('bundle') };
  });
  after(async () => {
    for (const p of ports) await p.close();
    await f.stop();
  });

  test('pollDisputes finds the assignment of each member, with parties, evidence id and seed', async () => {
    const head = await ports[0]!.headBlock();
    for (const [i, p] of ports.entries()) {
      const events = await p.pollDisputes(0, head);
      assert.equal(events.length, 1, `member ${i}`);
      const e = events[0]!;
      assert.equal(e.jobId, jobId.toLowerCase());
      assert.equal(e.creator, f.creator.account);
      assert.equal(e.provider, f.provider.account);
      assert.equal(e.evidenceId, keccak256Hex(`evidence-${jobId}`));
      assert.match(e.seed!, /^0x[0-9a-f]{64}$/);
      assert.match(e.txHash, /^0x[0-9a-f]{64}$/);
    }
    const outsider = await portFor(f, f.outsider.account);
    assert.deepEqual(await outsider.pollDisputes(0, head), []);
    await outsider.close();
    assert.deepEqual(await ports[0]!.pollDisputes(head + 1, head), []);
  });

  test('committee, sign, prepare (dropping junk signatures), broadcast, confirm, status', async () => {
    const c = await ports[0]!.committee(jobId);
    assert.deepEqual(c, { members: committee, threshold: 3 });
    assert.deepEqual(await ports[0]!.verdictStatus(jobId), { status: 'none' });
    const sigs: SignedVerdict[] = await Promise.all(ports.slice(0, 3).map((p) => p.signVerdict(payload)));
    const outsider = await portFor(f, f.outsider.account);
    const junk: SignedVerdict[] = [
      await outsider.signVerdict(payload), // non-member
      sigs[0]!, // duplicate
      { signer: committee[3]!, signature: `0x${'11'.repeat(65)}` as Hex }, // forged
      await ports[4]!.signVerdict({ ...payload, outcome: 0 }), // another payload
    ];
    await outsider.close();
    const tx = await ports[0]!.prepareVerdict(payload, [...sigs, ...junk]);
    assert.equal(typeof tx.nonce, 'number');
    assert.equal(await ports[0]!.broadcast(tx), tx.txHash);
    // idempotent: the same bytes again (the node knows them, or they are mined)
    assert.equal(await ports[0]!.broadcast(tx), tx.txHash);
    const pending = ports[0]!.waitConfirmed(tx.txHash, 2, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    await f.mine(2);
    const outcome = await pending;
    assert.equal(outcome.status, 'confirmed');
    assert.equal(await ports[0]!.broadcast(tx), tx.txHash); // mined: still fine
    const status = await ports[1]!.verdictStatus(jobId);
    assert.deepEqual(status, { status: 'posted', outcome: 1, evidenceHash: payload.evidenceHash, txHash: tx.txHash });
    const sent = await f.outsider.provider.getTransaction(tx.txHash);
    assert.equal(sent!.gasLimit, 150_000n + 3n * 12_000n); // explicit, not estimated
    assert.equal((await f.outsider.getJob(jobId)).signers, 0b111); // junk signatures were dropped, not posted

    // a second verdict transaction for the same job reverts on-chain: reported, with the contract's reason
    const second = await ports[3]!.prepareVerdict({ ...payload, outcome: 0 }, await Promise.all(ports.slice(2, 5).map((p) => p.signVerdict({ ...payload, outcome: 0 }))));
    await ports[3]!.broadcast(second);
    const rev = await ports[3]!.waitConfirmed(second.txHash, 0, { timeoutMs: 10_000 });
    assert.deepEqual(rev, { status: 'reverted', blockNumber: rev.blockNumber, reason: 'BadState' });

    await f.outsider.settle(jobId);
    assert.equal((await ports[2]!.verdictStatus(jobId)).status, 'settled');
  });

  test('prepareVerdict with no valid signature is BAD_INPUT', async () => {
    const { jobId: other } = await disputedJob(f);
    await assert.rejects(
      ports[0]!.prepareVerdict({ jobId: other, outcome: 0, evidenceHash: keccak256Hex('x') }, [
        { signer: f.outsider.account, signature: await f.outsider.signVerdict({ jobId: other, outcome: 0, evidenceHash: keccak256Hex('x') }) },
      ]),
      isCode('BAD_INPUT'),
    );
  });

  test('a prepared transaction whose nonce another transaction took is reported dropped', async () => {
    const { jobId: other, committee: members } = await disputedJob(f);
    const p = { jobId: other, outcome: 2 as const, evidenceHash: keccak256Hex('y') };
    const poster = await portFor(f, members[0]!);
    const sigs = await Promise.all(members.slice(0, 3).map(async (a) => {
      const q = await portFor(f, a);
      const s = await q.signVerdict(p);
      await q.close();
      return s;
    }));
    const tx = await poster.prepareVerdict(p, sigs);
    // the same account sends something else first, with the same nonce
    await poster.client.withdraw().catch(() => undefined);
    await poster.client.registerMediator(1n);
    assert.equal(await poster.broadcast(tx), tx.txHash);
    const out = await poster.waitConfirmed(tx.txHash, 0, { timeoutMs: 10_000 });
    assert.equal(out.status, 'dropped');
    // prepared again, it goes through
    const again = await poster.prepareVerdict(p, sigs);
    assert.notEqual(again.nonce, tx.nonce);
    await poster.broadcast(again);
    assert.equal((await poster.waitConfirmed(again.txHash, 0, { timeoutMs: 10_000 })).status, 'confirmed');
    await poster.close();
  });
});

/** A JSON-RPC proxy that can fail on demand: 'down' drops connections, 'error' answers HTTP 503. */
async function flakyProxy(target: string): Promise<{ url: string; mode: { value: 'up' | 'down' | 'error'; failNext: number }; close(): Promise<void>; requests: () => number }> {
  const mode = { value: 'up' as 'up' | 'down' | 'error', failNext: 0 };
  let requests = 0;
  const server: Server = createServer(async (req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (mode.value === 'down') {
      req.socket.destroy();
      return;
    }
    if (mode.value === 'error' || mode.failNext > 0) {
      if (mode.failNext > 0) mode.failNext--;
      res.writeHead(503).end('unavailable');
      return;
    }
    const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    mode,
    requests: () => requests,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('RPC failure and recovery', () => {
  test('transient failures are retried with backoff; an outage is a retryable CHAIN_ERROR; service resumes after it', async () => {
    const f = await setup({ mediators: 5 });
    const proxy = await flakyProxy(f.anvil.url);
    const port = await connectChainPort({
      rpcUrl: proxy.url,
      contract: f.address,
      keyFile: keyFileFor(f, 4),
      retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 100 },
    });
    try {
      const head = await port.headBlock();
      proxy.mode.failNext = 2; // two 503s, then fine: absorbed by the retries
      assert.equal(await port.headBlock(), head);
      assert.equal(proxy.mode.failNext, 0);
      proxy.mode.value = 'down';
      const t0 = Date.now();
      await assert.rejects(port.headBlock(), (e: unknown) => {
        isCode('CHAIN_ERROR')(e);
        assert.equal((e as { retryable: boolean }).retryable, true);
        return true;
      });
      assert.ok(Date.now() - t0 >= 20 + 40 + 80, 'backed off between attempts');
      proxy.mode.value = 'error';
      await assert.rejects(port.verdictStatus(newJobId()), isCode('CHAIN_ERROR'));
      proxy.mode.value = 'up';
      assert.equal(await port.headBlock(), head);
      // and the full verdict path works after the outage
      const { jobId, committee } = await disputedJob(f);
      const members = await Promise.all(committee.map((a) => portFor(f, a)));
      const payload = { jobId, outcome: 0 as const, evidenceHash: keccak256Hex('after outage') };
      const sigs = await Promise.all(members.slice(0, 3).map((m) => m.signVerdict(payload)));
      const tx = await port.prepareVerdict(payload, sigs);
      proxy.mode.failNext = 1;
      await port.broadcast(tx);
      assert.equal((await port.waitConfirmed(tx.txHash, 0, { timeoutMs: 10_000 })).status, 'confirmed');
      for (const m of members) await m.close();
    } finally {
      await port.close();
      await proxy.close();
      await f.stop();
    }
  });

  test('a node that goes away and comes back at the same URL (state kept) is usable again', async () => {
    const { startAnvil } = await import('../../src/testing/anvil.js');
    const stateFile = join(dir, `state-${process.pid}.json`);
    const first = await startAnvil({ stateFile });
    const head0 = Number(BigInt(await first.rpc<string>('eth_blockNumber')));
    await first.rpc('anvil_mine', ['0x5']);
    const { createProvider } = await import('../../src/mediator/chain/rpc.js');
    const { withRetry } = await import('../../src/mediator/chain/rpc.js');
    const provider = createProvider(first.url, first.chainId);
    try {
      await first.stop();
      await assert.rejects(withRetry('eth_blockNumber', () => provider.getBlockNumber(), { attempts: 2, baseDelayMs: 10 }), (e: unknown) => {
        isCode('CHAIN_ERROR')(e);
        assert.equal((e as { retryable: boolean }).retryable, true);
        return true;
      });
      const second = await startAnvil({ stateFile, port: first.port });
      try {
        assert.equal(await withRetry('eth_blockNumber', () => provider.getBlockNumber()), head0 + 5);
      } finally {
        await second.stop();
      }
    } finally {
      provider.destroy();
    }
  });
});

describe('reorgs', () => {
  test('the watcher reports events only at the confirmation depth, and re-reads after a reorg', async () => {
    const f = await setup();
    try {
      const member = f.wallets[4]!.address;
      const port = await portFor(f, member);
      // depth 3: nothing is reported until the assignment is 3 blocks deep
      const deep = new DisputeWatcher(port, port.provider, { confirmations: 3, startBlock: 0 });
      const shallow = new DisputeWatcher(port, port.provider, { confirmations: 0, startBlock: 0 });
      await deep.poll();
      await shallow.poll();
      const snapshot = await f.anvil.rpc<string>('evm_snapshot');
      // disputes until `member` is drawn onto a committee (5 of 7 per draw)
      let assigned: { jobId: Hex } | undefined;
      for (let i = 0; i < 10 && !assigned; i++) {
        const j = await disputedJob(f);
        if (j.committee.includes(member)) assigned = j;
      }
      assert.ok(assigned, 'member drawn at least once in 10 disputes');
      const s1 = await shallow.poll();
      const seen = s1.events.find((e) => e.jobId === assigned!.jobId.toLowerCase());
      assert.ok(seen, 'depth 0 reports the assignment at once');
      const deepSeen = new Set<string>();
      for (;;) {
        const head = await f.head();
        const r = await deep.poll();
        for (const e of r.events) {
          assert.ok(e.blockNumber <= head - 3, `reported at depth ${head - e.blockNumber}`);
          deepSeen.add(e.jobId);
        }
        if (head >= seen.blockNumber + 3) break;
        assert.ok(!deepSeen.has(seen.jobId), 'not reported before it is 3 blocks deep');
        await f.mine(1);
      }
      assert.ok(deepSeen.has(seen.jobId), 'reported once 3 blocks deep');

      // reorg: back to the snapshot, and a different history of the same height and more
      await f.anvil.rpc('evm_revert', [snapshot]);
      let other: { jobId: Hex } | undefined;
      for (let i = 0; i < 12 && !other; i++) {
        const j = await disputedJob(f);
        if (j.committee.includes(member)) other = j;
      }
      assert.ok(other);
      await f.mine(40);
      const s2 = await shallow.poll();
      assert.ok(s2.reorgFrom !== undefined, 'reorg detected');
      assert.ok(s2.removed.some((e) => e.jobId === assigned!.jobId.toLowerCase()), 'the vanished assignment is reported removed');
      assert.ok(s2.events.some((e) => e.jobId === other!.jobId.toLowerCase()), 'the new history is read');
      // a quiet poll afterwards reports nothing new
      const s3 = await shallow.poll();
      assert.deepEqual([s3.events.length, s3.removed.length, s3.reorgFrom], [0, 0, undefined]);
      await port.close();
    } finally {
      await f.stop();
    }
  });
});
