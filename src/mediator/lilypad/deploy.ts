/**
 * Deploys this project's Lilypad-compatible mediation handler and deal ledger (contracts/lilypad) and drives a
 * deal up to the mediation request: for tests and the demo, where no Lilypad deployment exists.
 */
import { loadArtifact } from '../chain/compile.js';
import { deployArtifact, type TxSender } from '../chain/contract.js';
import { ContractHandle } from '../chain/handle.js';
import type { LilypadDeal } from './abi.js';

export interface LilypadStack {
  mediation: string;
  ledger: string;
}

/** Deploys LilypadMediation and a LilypadDealLedger as its controller; `sender` owns the handler. */
export async function deployLilypadStack(sender: TxSender, chainId: number): Promise<LilypadStack> {
  const mediation = await deployArtifact(sender, loadArtifact('LilypadMediation'));
  const ledger = await deployArtifact(sender, loadArtifact('LilypadDealLedger'), [mediation.address]);
  const handle = new ContractHandle(sender.provider, sender.wallet, mediation.address, chainId, loadArtifact('LilypadMediation').abi as never);
  await handle.send('setControllerAddress', [ledger.address]);
  return { mediation: mediation.address, ledger: ledger.address };
}

export function makeDeal(o: { dealId: string; jobCreator: string; resourceProvider: string; mediators: string[]; solver?: string; mediationFee?: bigint }): LilypadDeal {
  const t = { timeout: 600n, collateral: 0n };
  return {
    dealId: o.dealId,
    members: {
      solver: o.solver ?? '0x0000000000000000000000000000000000000000',
      jobCreator: o.jobCreator,
      resourceProvider: o.resourceProvider,
      mediators: o.mediators,
    },
    timeouts: { agree: t, submitResults: t, judgeResults: t, mediateResults: t },
    pricing: { instructionPrice: 1n, paymentCollateral: 0n, resultsCollateralMultiple: 2n, mediationFee: o.mediationFee ?? 0n },
  };
}

/** The ledger from one party's account. */
export function ledgerAs(sender: TxSender, chainId: number, ledger: string): ContractHandle {
  return new ContractHandle(sender.provider, sender.wallet, ledger, chainId, loadArtifact('LilypadDealLedger').abi as never);
}

/**
 * Runs a deal to the mediation request: the creator records it, the provider adds a result, the creator asks for
 * a check (which makes the handler pick a mediator and emit MediationRequested). Returns the tx of checkResult.
 */
export async function requestMediation(
  creator: TxSender,
  provider: TxSender,
  chainId: number,
  ledger: string,
  deal: LilypadDeal,
): Promise<{ hash: string; blockNumber: number }> {
  const asCreator = ledgerAs(creator, chainId, ledger);
  await asCreator.send('agreeDeal', [deal]);
  await ledgerAs(provider, chainId, ledger).send('addResult', [deal.dealId, `results-of-${deal.dealId}`]);
  return asCreator.send('checkResult', [deal.dealId]);
}
