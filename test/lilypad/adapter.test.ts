/**
 * The Lilypad adapter against this project's Lilypad-compatible contracts on anvil: ABI parity with Lilypad's
 * mediation handler, requests addressed to the mediator, accept / reject answers sent from the mediator's own
 * account (tx.origin), idempotency, abstention on inconclusive, restart, and connection errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Interface, Wallet, id } from 'ethers';
import { isVerdictError, keccak256Hex, type Hex } from '../../src/core/index.js';
import { loadArtifact } from '../../src/mediator/chain/compile.js';
import { TxSender, deployMediation } from '../../src/mediator/chain/contract.js';
import { ContractHandle } from '../../src/mediator/chain/handle.js';
import { createProvider } from '../../src/mediator/chain/rpc.js';
import { MEDIATION_HANDLER_ABI, STORAGE_ABI, CONTROLLER_ABI } from '../../src/mediator/lilypad/abi.js';
import { connectLilypad, type LilypadChainPort } from '../../src/mediator/lilypad/adapter.js';
import { deployLilypadStack, ledgerAs, makeDeal, requestMediation, type LilypadStack } from '../../src/mediator/lilypad/deploy.js';
import { jobIdToBytes32 } from '../../src/mediator/ports.js';
import { startAnvil, type Anvil } from '../../src/testing/anvil.js';

const selectors = (abi: readonly unknown[]): string[] => {
  const iface = new Interface(abi as never);
  const out: string[] = [];
  iface.forEachFunction((f) => out.push(`${f.name}:${f.selector}`));
  iface.forEachEvent((e) => out.push(`${e.name}:${e.topicHash}`));
  return out.sort();
};

test('ABI parity: our handler and ledger expose Lilypad\'s selectors and event topic', () => {
  const handler = selectors(loadArtifact('LilypadMediation').abi);
  for (const s of selectors(MEDIATION_HANDLER_ABI)) assert.ok(handler.includes(s), `handler lacks ${s}`);
  // the signatures Lilypad's Go bindings use
  assert.ok(handler.includes(`MediationRequested:${id('MediationRequested(string,address)')}`));
  assert.ok(handler.includes(`mediationAcceptResult:${id('mediationAcceptResult(string)').slice(0, 10)}`));
  assert.ok(handler.includes(`mediationRejectResult:${id('mediationRejectResult(string)').slice(0, 10)}`));
  const ledger = selectors(loadArtifact('LilypadDealLedger').abi);
  for (const s of selectors([...STORAGE_ABI, ...CONTROLLER_ABI])) assert.ok(ledger.includes(s), `ledger lacks ${s}`);
  for (const s of ['mediationAcceptResult', 'mediationRejectResult']) assert.ok(ledger.some((x) => x.startsWith(`${s}:`)));
  // mediationRequest(SharedStructs.Deal) as in Lilypad's generated bindings
  const request = 'mediationRequest((string,(address,address,address,address[]),((uint256,uint256),(uint256,uint256),(uint256,uint256),(uint256,uint256)),(uint256,uint256,uint256,uint256)))';
  assert.ok(handler.includes(`mediationRequest:${id(request).slice(0, 10)}`));
});

describe('Lilypad mediation on anvil', () => {
  let anvil: Anvil;
  let stack: LilypadStack;
  let senders: TxSender[];
  let mediators: string[];
  let ports: Map<string, LilypadChainPort>;
  let dealCounter = 0;
  const creator = (): TxSender => senders[1]!;
  const rp = (): TxSender => senders[2]!;

  before(async () => {
    anvil = await startAnvil({ accounts: 8 });
    const provider = createProvider(anvil.url, anvil.chainId);
    senders = anvil.accounts.map((a) => new TxSender(provider, new Wallet(a.privateKey, provider), { chainId: anvil.chainId }));
    stack = await deployLilypadStack(senders[0]!, anvil.chainId);
    mediators = anvil.accounts.slice(3, 6).map((a) => a.address);
    ports = new Map();
    for (const a of anvil.accounts.slice(3, 7)) {
      ports.set(a.address, await connectLilypad({ rpcUrl: anvil.url, mediation: stack.mediation, privateKey: a.privateKey }));
    }
  });
  after(async () => {
    for (const p of ports.values()) await p.close();
    senders[0]!.provider.destroy();
    await anvil.stop();
  });

  async function newDispute(): Promise<{ dealId: string; jobId: Hex; mediator: string; port: LilypadChainPort; block: number }> {
    const dealId = `QmDeal${++dealCounter}x${process.pid}`;
    const deal = makeDeal({ dealId, jobCreator: creator().address, resourceProvider: rp().address, mediators });
    const r = await requestMediation(creator(), rp(), anvil.chainId, stack.ledger, deal);
    const handle = ports.values().next().value!.handler;
    const mediator = await handle.call<string>('getMediator', [dealId]);
    return { dealId, jobId: jobIdToBytes32(dealId), mediator, port: ports.get(mediator)!, block: r.blockNumber };
  }

  test('a request reaches only the picked mediator, with the deal\'s parties', async () => {
    const { dealId, jobId, mediator, block } = await newDispute();
    assert.ok(mediators.includes(mediator));
    for (const [address, port] of ports) {
      const events = await port.pollDisputes(block, block);
      if (address === mediator) {
        assert.equal(events.length, 1);
        const e = events[0]!;
        assert.equal(e.jobId, jobId);
        assert.equal(e.jobKey, dealId);
        assert.equal(e.creator, creator().address);
        assert.equal(e.provider, rp().address);
        assert.equal(e.blockNumber, block);
      } else {
        assert.deepEqual(events, []);
      }
    }
    assert.deepEqual(await ports.get(mediator)!.committee(jobId), { members: [mediator], threshold: 1 });
  });

  test('ProviderCorrect → mediationAcceptResult, sent by the mediator; then the deal is settled and a second answer reverts', async () => {
    const { dealId, jobId, mediator, port } = await newDispute();
    assert.deepEqual(await port.verdictStatus(jobId), { status: 'none' });
    const payload = { jobId, outcome: 0 as const, evidenceHash: keccak256Hex('bundle') };
    const sig = await port.signVerdict(payload);
    assert.equal(sig.signer, mediator);
    const tx = await port.prepareVerdict(payload, [sig]);
    assert.equal(await port.broadcast(tx), tx.txHash);
    assert.equal(await port.broadcast(tx), tx.txHash); // idempotent
    assert.equal((await port.waitConfirmed(tx.txHash, 0, { timeoutMs: 10_000 })).status, 'confirmed');
    const sent = await port.handler.provider.getTransaction(tx.txHash);
    assert.equal(sent!.from, mediator); // tx.origin is the mediator
    assert.equal(await port.agreementState(dealId), 'MediationAccepted');
    assert.deepEqual(await port.verdictStatus(jobId), { status: 'settled', outcome: 0 });
    // answering again: the controller refuses (state is no longer ResultsChecked)
    await assert.rejects(port.prepareVerdict({ ...payload, outcome: 1 }, []), (e: unknown) => isVerdictError(e, 'CHAIN_ERROR') && /ResultsChecked/.test((e as Error).message));
  });

  test('ProviderFaulty → mediationRejectResult', async () => {
    const { dealId, jobId, port } = await newDispute();
    const tx = await port.prepareVerdict({ jobId, outcome: 1, evidenceHash: keccak256Hex('b') }, []);
    await port.broadcast(tx);
    assert.equal((await port.waitConfirmed(tx.txHash, 0, { timeoutMs: 10_000 })).status, 'confirmed');
    assert.equal(await port.agreementState(dealId), 'MediationRejected');
    assert.deepEqual(await port.verdictStatus(jobId), { status: 'settled', outcome: 1 });
  });

  test('two prepared answers share a nonce: one lands, the other is reported dropped', async () => {
    const { jobId, port } = await newDispute();
    const first = await port.prepareVerdict({ jobId, outcome: 0, evidenceHash: keccak256Hex('b') }, []);
    const second = await port.handler.prepare(port.handler.encode('mediationRejectResult', [await port.dealIdOf(jobId)]), 600_000n);
    // same nonce: only one of them can land
    assert.equal(first.nonce, second.nonce);
    await port.broadcast(first);
    await port.broadcast(second);
    assert.equal((await port.waitConfirmed(first.txHash, 0, { timeoutMs: 10_000 })).status, 'confirmed');
    assert.equal((await port.waitConfirmed(second.txHash, 0, { timeoutMs: 10_000 })).status, 'dropped');
  });

  test('Lilypad checks tx.origin: another account (even another listed mediator) cannot answer', async () => {
    const { jobId, mediator } = await newDispute();
    const other = [...ports.entries()].find(([a]) => a !== mediator)!;
    await assert.rejects(other[1].prepareVerdict({ jobId, outcome: 0, evidenceHash: keccak256Hex('b') }, []), (e: unknown) =>
      isVerdictError(e, 'BAD_CONFIG') && /is not the mediator/.test((e as Error).message),
    );
    // directly, from a non-mediator EOA: Lilypad's revert message
    const stranger = new ContractHandle(senders[7]!.provider, senders[7]!.wallet, stack.mediation, anvil.chainId, [...MEDIATION_HANDLER_ABI]);
    await assert.rejects(stranger.send('mediationAcceptResult', [await other[1].dealIdOf(jobId)]), /tx.origin must be the mediator/);
    // and the ledger accepts callbacks only from the handler
    await assert.rejects(ledgerAs(senders[7]!, anvil.chainId, stack.ledger).send('mediationAcceptResult', [await other[1].dealIdOf(jobId)]), /Only mediation/);
  });

  test('Inconclusive: abstain by default (UNSUPPORTED, nothing sent); mapped to reject on request', async () => {
    const { jobId, mediator, dealId } = await newDispute();
    const port = ports.get(mediator)!;
    await assert.rejects(port.prepareVerdict({ jobId, outcome: 2, evidenceHash: keccak256Hex('b') }, []), (e: unknown) =>
      isVerdictError(e, 'UNSUPPORTED') && (e as { details: { abstain?: boolean } }).details.abstain === true,
    );
    assert.equal(await port.agreementState(dealId), 'ResultsChecked');
    const key = anvil.accounts.find((a) => a.address === mediator)!.privateKey;
    const rejecting = await connectLilypad({ rpcUrl: anvil.url, mediation: stack.mediation, privateKey: key, inconclusive: 'reject' });
    const tx = await rejecting.prepareVerdict({ jobId, outcome: 2, evidenceHash: keccak256Hex('b') }, []);
    await rejecting.broadcast(tx);
    await rejecting.waitConfirmed(tx.txHash, 0);
    assert.equal(await rejecting.agreementState(dealId), 'MediationRejected');
    await rejecting.close();
  });

  test('after a restart, job ids map back to deal ids from the request events', async () => {
    const { jobId, mediator, dealId } = await newDispute();
    const key = anvil.accounts.find((a) => a.address === mediator)!.privateKey;
    const fresh = await connectLilypad({ rpcUrl: anvil.url, mediation: stack.mediation, privateKey: key });
    assert.equal(await fresh.dealIdOf(jobId), dealId);
    assert.deepEqual(await fresh.verdictStatus(jobId), { status: 'none' });
    await assert.rejects(fresh.verdictStatus(keccak256Hex('no such deal')), (e: unknown) => isVerdictError(e, 'NOT_FOUND'));
    await fresh.close();
  });

  test('connection errors: unreachable RPC, no code, a contract that is not a Lilypad handler', async () => {
    const key = anvil.accounts[3]!.privateKey;
    await assert.rejects(connectLilypad({ rpcUrl: 'http://127.0.0.1:9', mediation: stack.mediation, privateKey: key }), (e: unknown) =>
      isVerdictError(e, 'CHAIN_ERROR') && (e as { retryable: boolean }).retryable,
    );
    await assert.rejects(connectLilypad({ rpcUrl: anvil.url, mediation: anvil.accounts[1]!.address, privateKey: key }), (e: unknown) =>
      isVerdictError(e, 'BAD_CONFIG') && /no contract code/.test((e as Error).message),
    );
    const verdict = await deployMediation(senders[0]!, {});
    await assert.rejects(connectLilypad({ rpcUrl: anvil.url, mediation: verdict.address, privateKey: key }), (e: unknown) =>
      isVerdictError(e, 'BAD_CONFIG') && /not a Lilypad mediation handler/.test((e as Error).message),
    );
    await assert.rejects(connectLilypad({ rpcUrl: anvil.url, mediation: 'nope', privateKey: key }), (e: unknown) => isVerdictError(e, 'BAD_CONFIG'));
  });
});
