/** VerdictMediation: constructor checks, the mediator registry, pull payments. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Interface, Wallet } from 'ethers';
import type { Hex } from '../../src/core/index.js';
import { compileContracts } from '../../src/mediator/chain/compile.js';
import { DEFAULT_MEDIATION_CONFIG, TxSender, deployArtifact, deployMediation, mediationInterface, type MediationConfig } from '../../src/mediator/chain/contract.js';
import { createProvider } from '../../src/mediator/chain/rpc.js';
import { startAnvil } from '../../src/testing/anvil.js';
import { newJobId, reverts, setup, type Fixture } from './fixture.js';

describe('constructor', () => {
  test('refuses every inconsistent configuration with BadConfig', async () => {
    const anvil = await startAnvil({ accounts: 1 });
    const provider = createProvider(anvil.url, anvil.chainId);
    try {
      const sender = new TxSender(provider, new Wallet(anvil.accounts[0]!.privateKey, provider), {
        chainId: anvil.chainId,
        iface: mediationInterface(),
      });
      const bad: [string, Partial<MediationConfig>][] = [
        ['committeeSize', { committeeSize: 0 }],
        ['committeeSize', { committeeSize: 9, quorum: 5 }],
        ['quorum', { quorum: 0 }],
        ['quorum', { quorum: 6 }],
        ['quorum', { quorum: 2 }], // 2 of 5 is not a majority
        ['quorum', { committeeSize: 4, quorum: 2 }],
        ['maxRounds', { maxRounds: 0 }],
        ['batchQuorum', { batchQuorum: 0 }],
        ['drawDelay', { drawDelay: 0 }],
        ['voteWindow', { voteWindow: 0 }],
        ['epochLength', { epochLength: 0 }],
        ['mediationFee', { mediationFee: DEFAULT_MEDIATION_CONFIG.challengeBond + 1n }],
        ['minMediatorBond', { minMediatorBond: 0n }],
      ];
      for (const [what, cfg] of bad) {
        await assert.rejects(deployMediation(sender, cfg), (e: unknown) => {
          const err = e as { details?: { revert?: string; args?: string[] } };
          assert.equal(err.details?.revert, 'BadConfig', JSON.stringify(cfg, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
          assert.deepEqual(err.details?.args, [what]);
          return true;
        });
      }
      // the edge cases that are fine: 1-of-1, 8-member committees, a zero fee
      await deployMediation(sender, { committeeSize: 1, quorum: 1 });
      await deployMediation(sender, { committeeSize: 8, quorum: 5, mediationFee: 0n });
    } finally {
      provider.destroy();
      await anvil.stop();
    }
  });
});

describe('mediator registry', () => {
  let f: Fixture;
  before(async () => {
    f = await setup({ mediators: 3, register: 0 });
  });
  after(() => f.stop());

  test('register, top up, exit, unbond, withdraw', async () => {
    const [a, b] = f.mediators;
    const min = f.config.minMediatorBond;
    await reverts(a!.registerMediator(min - 1n), 'BadAmount');
    const r = await a!.registerMediator(min);
    assert.equal(r.events[0]!.name, 'MediatorRegistered');
    assert.equal(r.events[0]!.args.active, true);
    await reverts(a!.registerMediator(0n), 'AlreadyRegistered');
    await a!.registerMediator(5n);
    assert.deepEqual(await f.outsider.getMediator(a!.account), { bond: min + 5n, slot: 1, exitBlock: 0, registered: true });
    await b!.registerMediator(min);
    assert.deepEqual(await f.outsider.activeMediators(), [a!.account, b!.account]);

    await reverts(f.outsider.requestExit(), 'NotRegistered');
    await reverts(f.outsider.withdrawBond(), 'NotRegistered');
    await reverts(a!.withdrawBond(), 'StillBonded');
    const ex = await a!.requestExit();
    const exitBlock = Number(ex.events[0]!.args.exitBlock);
    assert.equal(exitBlock, ex.blockNumber + f.config.unbondingPeriod);
    // swap-and-pop keeps the list dense and the moved member's slot right
    assert.deepEqual(await f.outsider.activeMediators(), [b!.account]);
    assert.equal((await f.outsider.getMediator(b!.account)).slot, 1);
    await reverts(a!.requestExit(), 'Exiting');
    await reverts(a!.registerMediator(min), 'Exiting');
    await reverts(a!.withdrawBond(), 'StillBonded');
    await f.mine(exitBlock - 1 - (await f.head()));
    const w = await a!.withdrawBond();
    assert.equal(w.blockNumber, exitBlock);
    assert.equal(await f.outsider.balanceOf(a!.account), min + 5n);
    assert.equal((await f.outsider.getMediator(a!.account)).registered, false);
    await a!.withdraw();
    await reverts(a!.withdraw(), 'NothingToWithdraw');
    // after withdrawing, the account may register afresh
    await a!.registerMediator(min);
    assert.deepEqual(await f.outsider.activeMediators(), [b!.account, a!.account]);
  });

  test('a bond above uint96 is refused', async () => {
    const c = f.mediators[2]!;
    await f.anvil.rpc('anvil_setBalance', [c.account, `0x${(1n << 100n).toString(16)}`]);
    await reverts(c.registerMediator(1n << 96n), 'BadAmount');
  });
});

describe('pull payments', () => {
  test('withdraw to a contract that refuses ETH reverts TransferFailed and keeps the balance', async () => {
    const f = await setup({ mediators: 0 });
    try {
      const { artifacts } = compileContracts({ contractsDir: fileURLToPath(new URL('./sol', import.meta.url)) });
      const rejecter = await deployArtifact(f.outsider.sender, artifacts.Rejecter!);
      const iface = new Interface(artifacts.Rejecter!.abi as never);
      const jobId = newJobId();
      await f.outsider.sender.send(rejecter.address, iface.encodeFunctionData('submit', [f.address, jobId, f.creator.account]) as Hex, {
        value: f.config.minCollateral,
      });
      assert.equal((await f.outsider.getJob(jobId)).provider, rejecter.address);
      await f.mine(f.config.challengeWindow);
      await f.outsider.releaseCollateral(jobId);
      assert.equal(await f.outsider.balanceOf(rejecter.address), f.config.minCollateral);
      const pull = iface.encodeFunctionData('pull', [f.address]) as Hex;
      // the mediation contract's custom error bubbles up through the Rejecter's call
      await reverts(f.outsider.sender.send(rejecter.address, pull), 'TransferFailed');
      assert.equal(await f.outsider.balanceOf(rejecter.address), f.config.minCollateral);
    } finally {
      await f.stop();
    }
  });
});
