/**
 * ChainPort for Lilypad's on-chain mediation protocol. The mediator:
 *   - watches the mediation handler for `MediationRequested(string dealId, address mediator)` naming it;
 *   - reads the deal's parties from Lilypad storage (controller.getStorageAddress() → storage.getDeal);
 *   - answers with `mediationAcceptResult(dealId)` (ProviderCorrect) or `mediationRejectResult(dealId)`
 *     (ProviderFaulty), sent from its own account: Lilypad checks `tx.origin` against the picked mediator;
 *   - knows a deal was judged from storage.getAgreement(dealId).state.
 * Lilypad has no "inconclusive" answer: by default the mediator abstains (prepareVerdict throws UNSUPPORTED) and the
 * deal runs into Lilypad's mediation timeout, which refunds both sides; `inconclusive: 'reject' | 'accept'` maps
 * it onto an answer instead.
 * Job ids: the engine's bytes32 is jobIdToBytes32(dealId); the adapter maps it back from the request events.
 * ethers stays in src/mediator/chain: this file talks through ContractHandle.
 */
import { VerdictError, describeUnknown, isVerdictError } from '../../core/errors.js';
import type { Hex } from '../../core/bytes.js';
import type { Logger } from '../../core/runtime.js';
import { silentLogger } from '../../core/runtime.js';
import { ContractHandle, openContract, type HandleOptions } from '../chain/handle.js';
import { mediationDomain, signVerdictWith } from '../chain/eip712.js';
import type { RetryOptions } from '../chain/rpc.js';
import {
  checkedPort,
  jobIdToBytes32,
  type Bytes32,
  type ChainPort,
  type Committee,
  type DisputeEvent,
  type OnChainVerdict,
  type OutcomeCode,
  type PreparedTx,
  type SignedVerdict,
  type TxOutcome,
  type VerdictPayload,
} from '../ports.js';
import { AGREEMENT_STATES, CONTROLLER_ABI, MEDIATION_HANDLER_ABI, STORAGE_ABI, type AgreementState } from './abi.js';

export type InconclusivePolicy = 'abstain' | 'reject' | 'accept';

export interface LilypadPortOptions {
  rpcUrl: string;
  /** Address of the mediation handler (LilypadMediationRandom or this project's LilypadMediation). */
  mediation: string;
  keyFile?: string;
  privateKey?: Hex;
  expectedChainId?: number;
  /** First block to scan when a job id has to be mapped back to its deal id (after a restart). */
  startBlock?: number;
  inconclusive?: InconclusivePolicy;
  /** Explicit gas limit of an answer (the controller pays out inside it). */
  answerGas?: number;
  logger?: Logger;
  retry?: RetryOptions;
  probeTimeoutMs?: number;
  skipCheck?: boolean;
}

export const DEFAULT_ANSWER_GAS = 600_000;
const ZERO = '0x0000000000000000000000000000000000000000';

export async function connectLilypad(o: LilypadPortOptions): Promise<LilypadChainPort> {
  const handleOptions: HandleOptions = {
    rpcUrl: o.rpcUrl,
    address: o.mediation,
    abi: [...MEDIATION_HANDLER_ABI],
    ...(o.keyFile ? { keyFile: o.keyFile } : {}),
    ...(o.privateKey ? { privateKey: o.privateKey } : {}),
    ...(o.expectedChainId !== undefined ? { expectedChainId: o.expectedChainId } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
    ...(o.probeTimeoutMs !== undefined ? { probeTimeoutMs: o.probeTimeoutMs } : {}),
  };
  const handler = await openContract(handleOptions);
  return checkedPort(new LilypadChainPort(handler, o), o.skipCheck);
}

export class LilypadChainPort implements ChainPort {
  private readonly log: Logger;
  private readonly dealIds = new Map<string, string>();
  private storageHandle: ContractHandle | undefined;
  private readonly policy: InconclusivePolicy;

  constructor(
    readonly handler: ContractHandle,
    private readonly options: Pick<LilypadPortOptions, 'startBlock' | 'inconclusive' | 'answerGas' | 'logger' | 'retry'> = {},
  ) {
    this.log = options.logger ?? silentLogger;
    this.policy = options.inconclusive ?? 'abstain';
  }

  get address(): string {
    return this.handler.account;
  }

  /** Lilypad storage, found through the controller the handler reports to. */
  private async storage(): Promise<ContractHandle> {
    if (this.storageHandle) return this.storageHandle;
    const controller = await this.handler.call<string>('getControllerAddress');
    if (controller === ZERO) throw new VerdictError('BAD_CONFIG', `the mediation handler ${this.handler.address} has no controller set`);
    const ctl = new ContractHandle(this.handler.provider, this.handler.wallet, controller, this.handler.chainId, [...CONTROLLER_ABI]);
    const storage = await ctl.call<string>('getStorageAddress');
    this.storageHandle = new ContractHandle(this.handler.provider, this.handler.wallet, storage, this.handler.chainId, [...STORAGE_ABI], {
      ...(this.options.retry ? { retry: this.options.retry } : {}),
      logger: this.log,
    });
    return this.storageHandle;
  }

  async check(): Promise<{ chainId: number; contract: string }> {
    const where = this.handler.address;
    if ((await this.handler.code()) === '0x') {
      throw new VerdictError('BAD_CONFIG', `no contract code at ${where} on chain ${this.handler.chainId}: wrong mediation contract address?`);
    }
    try {
      await this.handler.call('getMediator', ['']);
      const storage = await this.storage();
      if ((await storage.code()) === '0x') throw new Error('storage has no code');
      await storage.call('getAgreement', ['']);
    } catch (e) {
      if (isVerdictError(e) && (e.retryable || e.code === 'BAD_CONFIG')) throw e;
      throw new VerdictError('BAD_CONFIG', `the contract at ${where} is not a Lilypad mediation handler with a reachable controller and storage`, {
        cause: e,
      });
    }
    return { chainId: this.handler.chainId, contract: where };
  }

  headBlock(): Promise<number> {
    return this.handler.headBlock();
  }

  async confirmedBlock(depth: number): Promise<number> {
    return Math.max(0, (await this.headBlock()) - Math.max(0, depth));
  }

  private remember(dealId: string): Bytes32 {
    const jobId = jobIdToBytes32(dealId);
    this.dealIds.set(jobId, dealId);
    return jobId;
  }

  /** The deal id of a job id: from memory, else from the request events since startBlock. */
  async dealIdOf(jobId: Bytes32): Promise<string> {
    const key = jobId.toLowerCase();
    const known = this.dealIds.get(key);
    if (known !== undefined) return known;
    const head = await this.headBlock();
    for (const l of await this.handler.logs('MediationRequested', this.options.startBlock ?? 0, head)) {
      this.remember(String(l.args.dealId));
    }
    const found = this.dealIds.get(key);
    if (found === undefined) throw new VerdictError('NOT_FOUND', `no Lilypad mediation request for job ${jobId}`);
    return found;
  }

  async pollDisputes(fromBlock: number, toBlock: number): Promise<DisputeEvent[]> {
    if (toBlock < fromBlock) return [];
    // Lilypad does not index the event's fields: read all requests, keep ours
    const logs = await this.handler.logs('MediationRequested', fromBlock, toBlock);
    const me = this.address.toLowerCase();
    const out: DisputeEvent[] = [];
    for (const l of logs) {
      const dealId = String(l.args.dealId);
      const jobId = this.remember(dealId);
      if (String(l.args.mediator).toLowerCase() !== me) continue;
      const deal = await (await this.storage()).call<{ members: { jobCreator: string; resourceProvider: string } }>('getDeal', [dealId]);
      out.push({
        jobId,
        jobKey: dealId,
        creator: deal.members.jobCreator,
        provider: deal.members.resourceProvider,
        blockNumber: l.blockNumber,
        blockHash: l.blockHash,
        txHash: l.txHash,
        logIndex: l.logIndex,
      });
    }
    return out;
  }

  /** Lilypad picks one mediator per deal: a committee of one. */
  async committee(jobId: Bytes32): Promise<Committee> {
    const mediator = await this.handler.call<string>('getMediator', [await this.dealIdOf(jobId)]);
    if (mediator === ZERO) throw new VerdictError('NOT_FOUND', `deal of job ${jobId} has no mediator`);
    return { members: [mediator], threshold: 1 };
  }

  async agreementState(dealId: string): Promise<AgreementState> {
    const a = await (await this.storage()).call<{ state: bigint }>('getAgreement', [dealId]);
    return AGREEMENT_STATES[Number(a.state)] ?? 'DealNegotiating';
  }

  async verdictStatus(jobId: Bytes32): Promise<OnChainVerdict> {
    const state = await this.agreementState(await this.dealIdOf(jobId));
    // Lilypad pays out inside the mediator's answer: a judged deal is settled at once.
    switch (state) {
      case 'MediationAccepted':
        return { status: 'settled', outcome: 0 };
      case 'MediationRejected':
        return { status: 'settled', outcome: 1 };
      case 'TimeoutMediateResults':
        return { status: 'settled', outcome: 2 };
      default:
        return { status: 'none' };
    }
  }

  /**
   * An EIP-712 statement of the decision by this mediator (domain: the handler's address and chain). Lilypad does
   * not check it; it goes into the evidence bundle so others can see who decided what.
   */
  async signVerdict(payload: VerdictPayload): Promise<SignedVerdict> {
    const domain = mediationDomain(this.handler.chainId, this.handler.address);
    return { signer: this.address, signature: await signVerdictWith(this.handler.wallet, domain, payload) };
  }

  /** Which answer an outcome becomes; undefined = abstain. */
  answerFor(outcome: OutcomeCode): 'mediationAcceptResult' | 'mediationRejectResult' | undefined {
    if (outcome === 0) return 'mediationAcceptResult';
    if (outcome === 1) return 'mediationRejectResult';
    if (this.policy === 'accept') return 'mediationAcceptResult';
    if (this.policy === 'reject') return 'mediationRejectResult';
    return undefined;
  }

  async prepareVerdict(payload: VerdictPayload, _signatures: SignedVerdict[]): Promise<PreparedTx> {
    const dealId = await this.dealIdOf(payload.jobId);
    const fn = this.answerFor(payload.outcome);
    if (!fn) {
      throw new VerdictError('UNSUPPORTED', `Lilypad has no inconclusive answer: abstaining on deal ${dealId} (its mediation timeout refunds both sides)`, {
        details: { dealId, abstain: true },
      });
    }
    const data = this.handler.encode(fn, [dealId]);
    try {
      await this.handler.simulate(data);
    } catch (e) {
      const reason = isVerdictError(e) ? describeUnknown(e.details.revert ?? e.message) : describeUnknown(e);
      if (/tx\.origin must be the mediator|mediator cannot be 0x0/.test(reason)) {
        throw new VerdictError('BAD_CONFIG', `${this.address} is not the mediator of deal ${dealId} (${reason})`, { cause: e });
      }
      throw e;
    }
    return this.handler.prepare(data, BigInt(this.options.answerGas ?? DEFAULT_ANSWER_GAS));
  }

  broadcast(tx: PreparedTx): Promise<Bytes32> {
    return this.handler.broadcast(tx);
  }

  waitConfirmed(txHash: Bytes32, depth: number, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<TxOutcome> {
    return this.handler.waitConfirmed(txHash, depth, options);
  }

  async close(): Promise<void> {
    await this.handler.close();
  }
}
