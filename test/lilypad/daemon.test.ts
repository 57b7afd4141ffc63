/**
 * `verdict mediator start --protocol lilypad` on anvil, through the real CLI path (key file, the Lilypad adapter
 * loaded by connectProtocol, SQLite store, evidence directory): deals whose result is checked are answered with
 * mediationAcceptResult / mediationRejectResult from the mediator's account; an Inconclusive one is abstained
 * from; a wrong handler address, an unreachable RPC and a bad key file fail at start with one clear error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { stringify } from 'yaml';
import { isVerdictError, type Hex } from '../../src/core/index.js';
import { mediatorCommand } from '../../src/cli/commands/mediator.js';
import { eip712SignerRecovery } from '../../src/cli/commands/verify-bundle.js';
import { verifyVerdictBundle } from '../../src/mediator/bundle.js';
import { TxSender, deployMediation } from '../../src/mediator/chain/contract.js';
import { writeKeyFile } from '../../src/mediator/chain/keyfile.js';
import { createProvider } from '../../src/mediator/chain/rpc.js';
import type { MediatorDaemon } from '../../src/mediator/daemon.js';
import { connectLilypad, type LilypadChainPort } from '../../src/mediator/lilypad/adapter.js';
import { deployLilypadStack, makeDeal, requestMediation, type LilypadStack } from '../../src/mediator/lilypad/deploy.js';
import { startAnvil, type Anvil } from '../../src/testing/anvil.js';
import { POLICY, World } from '../mediator/fixtures/world.js';

function cliIo() {
  const err: string[] = [];
  return { io: { stdout: { write: (_s: string) => true }, stderr: { write: (s: string) => err.push(s) } }, err };
}

async function until(cond: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('verdict mediator start --protocol lilypad', () => {
  let anvil: Anvil;
  let stack: LilypadStack;
  let senders: TxSender[];
  let w: World;
  let keyFile: string;
  let policies: string;
  let mediator: string;
  let reader: LilypadChainPort;
  let miner: NodeJS.Timeout;

  before(async () => {
    anvil = await startAnvil({ accounts: 5 });
    const provider = createProvider(anvil.url, anvil.chainId);
    senders = anvil.accounts.map((a) => new TxSender(provider, new Wallet(a.privateKey, provider), { chainId: anvil.chainId }));
    stack = await deployLilypadStack(senders[0]!, anvil.chainId);
    w = new World();
    policies = join(w.dir, 'policies');
    mkdirSync(policies);
    writeFileSync(join(policies, 'mtest.yaml'), stringify(POLICY));
    keyFile = join(w.dir, 'mediator.key');
    mediator = writeKeyFile(keyFile, anvil.accounts[3]!.privateKey as Hex);
    reader = await connectLilypad({ rpcUrl: anvil.url, mediation: stack.mediation, privateKey: anvil.accounts[4]!.privateKey as Hex });
    // blocks keep coming, as on a live chain, so the confirmation depth is reached
    miner = setInterval(() => void anvil.rpc('anvil_mine', ['0x1']).catch(() => {}), 100);
  });
  after(async () => {
    clearInterval(miner);
    await reader.close();
    senders[0]!.provider.destroy();
    await anvil.stop();
    w.cleanup();
  });

  const args = () => [
    'start',
    '--protocol',
    'lilypad',
    '--rpc',
    anvil.url,
    '--contract',
    stack.mediation,
    '--key-file',
    keyFile,
    '--db',
    join(w.dir, 'db', 'mediator.db'),
    '--policies',
    policies,
    '--evidence-dir',
    w.evidenceStore.dir,
    '--port',
    '0',
    '--poll-ms',
    '50',
    '--confirmations',
    '1',
    '--log-level',
    'silent',
  ];

  /** A deal with this mediator, its evidence in the evidence directory, and the job creator's check request. */
  async function deal(tag: string, honest: boolean, evidence = true): Promise<string> {
    const dealId = `Qm${tag}${process.pid}`;
    w.submitCase({ id: dealId, honest, provider: senders[2]!.address, creator: senders[1]!.address, noEvidence: !evidence });
    await requestMediation(senders[1]!, senders[2]!, anvil.chainId, stack.ledger, makeDeal({ dealId, jobCreator: senders[1]!.address, resourceProvider: senders[2]!.address, mediators: [mediator] }));
    return dealId;
  }

  test('answers checked deals from the mediator account: accept an honest result, reject a forged one, abstain when inconclusive', async () => {
    const honest = await deal('Honest', true);
    const forged = await deal('Forged', false);
    const unverifiable = await deal('NoEvidence', true, false);
    const signals = new EventEmitter();
    const { io, err } = cliIo();
    let daemon: MediatorDaemon | undefined;
    const running = mediatorCommand(args(), io, { registry: async () => w.registry, signals: signals as never, onStarted: (d) => (daemon = d) });
    try {
      await until(() => daemon !== undefined);
      assert.equal(daemon!.address, mediator);
      assert.equal(daemon!.contract, stack.mediation);
      await until(async () => (await reader.agreementState(honest)) !== 'ResultsChecked' && (await reader.agreementState(forged)) !== 'ResultsChecked');
      assert.equal(await reader.agreementState(honest), 'MediationAccepted');
      assert.equal(await reader.agreementState(forged), 'MediationRejected');
      await until(() => (daemon!.store.countsByStatus().confirmed ?? 0) === 2 && (daemon!.store.countsByStatus().failed ?? 0) === 1);
      for (const d of daemon!.store.list()) {
        const post = daemon!.store.posts(d.id).at(-1);
        if (d.jobKey === unverifiable) {
          // Lilypad has no inconclusive answer: nothing is sent, the mediation timeout refunds both sides
          assert.equal(post, undefined);
          assert.match(d.lastError ?? JSON.stringify(daemon!.store.steps(d.id).at(-1)!.detail), /UNSUPPORTED.*abstaining/);
        } else {
          const tx = await senders[0]!.provider.getTransaction(post!.txHash);
          assert.equal(tx!.from, mediator, 'sent by the mediator (Lilypad checks tx.origin)');
          assert.ok(daemon!.store.verdict(d.id)!.bundleId, 'verdict bundle written');
        }
      }
      assert.equal(await reader.agreementState(unverifiable), 'ResultsChecked');
      const health = (await (await fetch(`${daemon!.status.url}/health`)).json()) as { status: string; contract: string };
      assert.equal(health.status, 'ok');
      assert.match(await (await fetch(`${daemon!.status.url}/metrics`)).text(), /verdict_mediator_verdicts_posted_total\{outcome="ProviderFaulty",posted_by="self"\} 1/);
    } finally {
      signals.emit('SIGTERM');
      assert.equal(await running, 0);
    }
    assert.match(err.join(''), new RegExp(`verdict mediator ${mediator} on chain ${anvil.chainId}`));
    // `status --json` names each verdict's bundle, which re-checks from the evidence directory alone
    const out: string[] = [];
    assert.equal(await mediatorCommand(['status', '--db', join(w.dir, 'db', 'mediator.db'), '--json'], { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true } }), 0);
    const st = JSON.parse(out.join('')) as { counts: Record<string, number>; disputes: { job: string; state: string; bundle: string | null }[] };
    assert.deepEqual(st.counts, { confirmed: 2, failed: 1 });
    const judged = st.disputes.filter((d) => d.state === 'confirmed');
    assert.equal(judged.length, 2);
    for (const d of judged) {
      const bundle = JSON.parse(Buffer.from(w.evidenceStore.get(d.bundle as Hex)).toString('utf8'));
      const report = await verifyVerdictBundle(bundle, { registry: w.registry, recoverSigner: eip712SignerRecovery });
      assert.ok(report.ok, JSON.stringify(report.checks.filter((c) => !c.ok)));
      assert.equal(bundle.chain.contract, stack.mediation, 'signed in the handler\'s EIP-712 domain');
    }
  });

  test('start fails fast: wrong handler address (no code, or a VerdictMediation), unreachable RPC, bad key file', async () => {
    const start = (over: Record<string, string>) => {
      const a = args();
      for (const [k, v] of Object.entries(over)) {
        if (a.includes(k)) a[a.indexOf(k) + 1] = v;
        else a.push(k, v);
      }
      return mediatorCommand(a, cliIo().io, { registry: async () => w.registry });
    };
    await assert.rejects(start({ '--contract': senders[1]!.address }), (e) => isVerdictError(e, 'BAD_CONFIG') && /no contract code/.test(e.message));
    const other = await deployMediation(senders[0]!, {});
    await assert.rejects(start({ '--contract': other.address }), (e) => isVerdictError(e, 'BAD_CONFIG') && /not a Lilypad mediation handler/.test(e.message));
    // and the Lilypad handler given to the default protocol is not a VerdictMediation
    const a = args();
    a.splice(a.indexOf('--protocol'), 2);
    await assert.rejects(mediatorCommand(a, cliIo().io, { registry: async () => w.registry }), (e) => isVerdictError(e, 'BAD_CONFIG') && /not a VerdictMediation/.test(e.message));
    await assert.rejects(start({ '--rpc': 'http://127.0.0.1:9' }), (e) => isVerdictError(e, 'CHAIN_ERROR') && /127\.0\.0\.1:9/.test(e.message));
    await assert.rejects(start({ '--chain-id': '1' }), (e) => isVerdictError(e, 'BAD_CONFIG') && /expected 1/.test(e.message));
    writeFileSync(join(w.dir, 'bad.key'), 'not a key\n', { mode: 0o600 });
    await assert.rejects(start({ '--key-file': join(w.dir, 'bad.key') }), (e) => isVerdictError(e, 'BAD_CONFIG') && /64 hex digits/.test(e.message));
    await assert.rejects(start({ '--protocol': 'ipfs' }), (e) => isVerdictError(e, 'BAD_INPUT') && /--protocol/.test(e.message));
    await assert.rejects(start({ '--inconclusive': 'maybe' }), (e) => isVerdictError(e, 'BAD_INPUT') && /--inconclusive/.test(e.message));
  });
});
