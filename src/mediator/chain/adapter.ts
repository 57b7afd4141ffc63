/**
 * ChainPort (src/mediator/ports.ts) on ethers v6 against a deployed VerdictMediation, over any EVM JSON-RPC URL.
 *
 * - Connecting probes the RPC first (clear CHAIN_ERROR when unreachable) and checks the contract (BAD_CONFIG when
 *   there is no code at the address or it does not answer like VerdictMediation).
 * - Transactions carry an explicit nonce and gas limit and are signed before they are sent, so the engine can
 *   persist them and re-broadcast the same bytes after a crash.
 * - Every RPC call retries transient failures with backoff and surfaces as VerdictError('CHAIN_ERROR', retryable).
 */
import { Wallet, getAddress, id as keccakId, zeroPadValue, type JsonRpcProvider } from 'ethers';
import { VerdictError, isVerdictError } from '../../core/errors.js';
import type { Hex } from '../../core/bytes.js';
import type { Logger } from '../../core/runtime.js';
import { silentLogger } from '../../core/runtime.js';
import {
  checkedPort,
  type Bytes32,
  type ChainPort,
  type Committee,
  type DisputeEvent,
  type OnChainVerdict,
  type PreparedTx,
  type SignedVerdict,
  type TxOutcome,
  type VerdictPayload,
} from '../ports.js';
import { MediationClient } from './contract.js';
import { checkPayload, packSignatures, recoverSigner, signVerdictWith, verdictDigest } from './eip712.js';
import { loadKeyFile } from './keyfile.js';
import { ContractHandle } from './handle.js';
import { createProvider, probeChainId, withRetry, type RetryOptions } from './rpc.js';

export interface ChainPortOptions {
  rpcUrl: string;
  /** Address of the VerdictMediation contract. */
  contract: string;
  /** One of keyFile / privateKey / wallet: the mediator's account. */
  keyFile?: string;
  privateKey?: Hex;
  wallet?: Wallet;
  /** Refuse to run on another chain. */
  expectedChainId?: number;
  logger?: Logger;
  retry?: RetryOptions;
  /** Timeout of the first eth_chainId probe. */
  probeTimeoutMs?: number;
  /** Gas limit of a verdict transaction: base + perSignature × signatures (explicit; estimates can be wrong). */
  verdictGas?: { base: number; perSignature: number };
  /** Skip the contract check in `connectChainPort` (the caller runs `check()` itself). */
  skipCheck?: boolean;
}

/** Generous against the measured ~56k (3-of-5) so the slow path (vote tally writes) also fits. */
export const DEFAULT_VERDICT_GAS = { base: 150_000, perSignature: 12_000 } as const;

const VERDICT_TYPEHASH = keccakId('Verdict(bytes32 jobId,uint8 outcome,bytes32 evidenceHash)');
const ZERO32 = `0x${'00'.repeat(32)}`;

/** Connects, probes and checks. Throws CHAIN_ERROR (unreachable RPC) or BAD_CONFIG (key, chain or contract). */
export async function connectChainPort(options: ChainPortOptions): Promise<EthersChainPort> {
  const log = options.logger ?? silentLogger;
  let contract: string;
  try {
    contract = getAddress(options.contract);
  } catch (e) {
    throw new VerdictError('BAD_CONFIG', `contract address is not a valid address: ${options.contract}`, { cause: e });
  }
  let wallet: Wallet;
  if (options.wallet) wallet = options.wallet;
  else if (options.privateKey) wallet = new Wallet(options.privateKey);
  else if (options.keyFile) {
    const loaded = loadKeyFile(options.keyFile);
    for (const w of loaded.warnings) log.warn({ keyFile: options.keyFile }, w);
    wallet = loaded.wallet;
  } else throw new VerdictError('BAD_CONFIG', 'a key file (or private key) is required to sign verdicts');
  const chainId = await probeChainId(options.rpcUrl, options.probeTimeoutMs);
  if (options.expectedChainId !== undefined && options.expectedChainId !== chainId) {
    throw new VerdictError('BAD_CONFIG', `RPC ${options.rpcUrl} serves chain ${chainId}, expected ${options.expectedChainId}`);
  }
  const provider = createProvider(options.rpcUrl, chainId);
  return checkedPort(new EthersChainPort(provider, wallet, contract, chainId, options), options.skipCheck);
}

export class EthersChainPort implements ChainPort {
  readonly client: MediationClient;
  private readonly log: Logger;
  private readonly retry: RetryOptions;
  private readonly gas: { base: number; perSignature: number };
  /** Prepare / broadcast / confirm flow shared with the Lilypad adapter. */
  readonly handle: ContractHandle;
  /** VerdictMediation records signatures below the quorum as votes of the round (its slow path). */
  readonly tallyVotes = true;
  private quorum: number | undefined;

  constructor(
    readonly provider: JsonRpcProvider,
    wallet: Wallet,
    readonly contract: string,
    readonly chainId: number,
    options: Pick<ChainPortOptions, 'logger' | 'retry' | 'verdictGas'> = {},
  ) {
    this.log = options.logger ?? silentLogger;
    this.retry = { ...options.retry, logger: this.log };
    this.gas = options.verdictGas ?? DEFAULT_VERDICT_GAS;
    this.client = new MediationClient(provider, wallet, contract, chainId, { retry: this.retry, logger: this.log });
    this.handle = new ContractHandle(provider, wallet, contract, chainId, this.client.iface, { retry: this.retry, logger: this.log });
  }

  get address(): string {
    return this.client.account;
  }

  private rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(what, fn, this.retry, this.client.iface);
  }

  async check(): Promise<{ chainId: number; contract: string }> {
    const chainId = Number((await this.rpc('eth_chainId', () => this.provider.send('eth_chainId', []))) as string);
    if (chainId !== this.chainId) throw new VerdictError('BAD_CONFIG', `the RPC now serves chain ${chainId}, not ${this.chainId}`);
    const code = await this.rpc('eth_getCode', () => this.provider.getCode(this.contract));
    if (code === '0x') {
      throw new VerdictError('BAD_CONFIG', `no contract code at ${this.contract} on chain ${chainId}: wrong --contract address?`, {
        details: { contract: this.contract, chainId },
      });
    }
    let typehash: string;
    let domain: unknown[];
    try {
      typehash = await this.client.call<string>('VERDICT_TYPEHASH');
      domain = [...(await this.client.call<unknown[]>('eip712Domain'))];
      this.quorum = Number(await this.client.call<bigint>('quorum'));
    } catch (e) {
      if (isVerdictError(e) && e.retryable) throw e;
      throw new VerdictError('BAD_CONFIG', `the contract at ${this.contract} is not a VerdictMediation (it does not answer its view functions)`, {
        cause: e,
        details: { contract: this.contract },
      });
    }
    if (typehash !== VERDICT_TYPEHASH || domain[1] !== 'VerdictMediation' || domain[2] !== '1') {
      throw new VerdictError('BAD_CONFIG', `the contract at ${this.contract} speaks another verdict format (typehash ${typehash}, domain ${String(domain[1])} v${String(domain[2])})`);
    }
    return { chainId, contract: this.contract };
  }

  async headBlock(): Promise<number> {
    return this.rpc('eth_blockNumber', () => this.provider.getBlockNumber());
  }

  async confirmedBlock(depth: number): Promise<number> {
    return Math.max(0, (await this.headBlock()) - Math.max(0, depth));
  }

  async pollDisputes(fromBlock: number, toBlock: number): Promise<DisputeEvent[]> {
    if (toBlock < fromBlock) return [];
    const assigned = this.client.iface.getEvent('MediatorAssigned')!.topicHash;
    const drawn = this.client.iface.getEvent('CommitteeDrawn')!.topicHash;
    const mine = await this.client.logs([assigned, null, zeroPadValue(this.address, 32)], fromBlock, toBlock);
    const out: DisputeEvent[] = [];
    for (const m of mine) {
      const jobId = (m.log.args.jobId as string).toLowerCase() as Bytes32;
      const [job, dispute, draws] = await Promise.all([
        this.client.getJob(jobId),
        this.client.getDispute(jobId),
        this.client.logs([drawn, jobId], m.blockNumber, m.blockNumber),
      ]);
      const draw = draws.find((d) => d.txHash === m.txHash);
      out.push({
        jobId,
        creator: job.creator,
        provider: job.provider,
        ...(dispute.evidenceId !== ZERO32 ? { evidenceId: dispute.evidenceId.toLowerCase() as Bytes32 } : {}),
        ...(draw ? { seed: (draw.log.args.seed as string).toLowerCase() as Bytes32 } : {}),
        blockNumber: m.blockNumber,
        blockHash: m.blockHash,
        txHash: m.txHash,
        logIndex: m.logIndex,
      });
    }
    return out;
  }

  async committee(jobId: Bytes32): Promise<Committee> {
    const members = await this.client.committee(jobId);
    this.quorum ??= Number(await this.client.call<bigint>('quorum'));
    return { members, threshold: this.quorum };
  }

  async verdictStatus(jobId: Bytes32): Promise<OnChainVerdict> {
    const job = await this.client.getJob(jobId);
    if (job.status !== 'Resolved' && job.status !== 'Settled') return { status: 'none' };
    const status = job.status === 'Resolved' ? 'posted' : 'settled';
    const out: OnChainVerdict = { status, outcome: job.outcome };
    const posted = this.client.iface.getEvent('VerdictPosted')!.topicHash;
    const applied = this.client.iface.getEvent('BatchedVerdictApplied')!.topicHash;
    const head = await this.headBlock();
    const logs = await this.client.logs([[posted, applied], jobId], job.resultBlock, head);
    const last = logs[logs.length - 1];
    if (last) {
      out.evidenceHash = (last.log.args.evidenceHash as string).toLowerCase() as Bytes32;
      out.txHash = last.txHash;
    }
    return out;
  }

  async signVerdict(payload: VerdictPayload): Promise<SignedVerdict> {
    return { signer: this.address, signature: await signVerdictWith(this.client.wallet, this.client.domain, payload) };
  }

  /** Keeps committee members' valid signatures (one per member); BAD_INPUT when none is left. */
  async validSignatures(payload: VerdictPayload, signatures: readonly SignedVerdict[], members: readonly string[]): Promise<Hex[]> {
    checkPayload(payload);
    const digest = verdictDigest(this.client.domain, payload);
    const memberSet = new Set(members.map((m) => m.toLowerCase()));
    const seen = new Set<string>();
    const keep: Hex[] = [];
    for (const s of signatures) {
      let signer: string;
      try {
        signer = recoverSigner(digest, s.signature).toLowerCase();
      } catch {
        this.log.warn({ claimed: s.signer }, 'dropping a malformed signature');
        continue;
      }
      if (!memberSet.has(signer)) {
        this.log.warn({ claimed: s.signer, recovered: signer }, 'dropping a signature of a non-member (or over another payload)');
        continue;
      }
      if (seen.has(signer)) continue;
      seen.add(signer);
      keep.push(s.signature);
    }
    if (keep.length === 0) throw new VerdictError('BAD_INPUT', `no valid committee signature for job ${payload.jobId}`);
    return keep;
  }

  async prepareVerdict(payload: VerdictPayload, signatures: SignedVerdict[]): Promise<PreparedTx> {
    const { members } = await this.committee(payload.jobId);
    const sigs = await this.validSignatures(payload, signatures, members);
    const data = this.client.iface.encodeFunctionData('postVerdict', [
      payload.jobId,
      members,
      payload.outcome,
      payload.evidenceHash,
      packSignatures(sigs),
    ]) as Hex;
    return this.handle.prepare(data, BigInt(this.gas.base + this.gas.perSignature * sigs.length));
  }

  async broadcast(tx: PreparedTx): Promise<Bytes32> {
    return this.handle.broadcast(tx);
  }

  async waitConfirmed(txHash: Bytes32, depth: number, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<TxOutcome> {
    return this.handle.waitConfirmed(txHash, depth, options);
  }

  async close(): Promise<void> {
    this.provider.destroy();
  }
}
