/**
 * The VerdictMediation contract from TypeScript: its ABI (from the committed artifact), deployment, a
 * transaction sender with explicit nonce and gas management, and a typed client used by the chain adapter,
 * the tests, the bench and the demo.
 */
import {
  Interface,
  Transaction,
  Wallet,
  getAddress,
  keccak256,
  solidityPacked,
  type JsonRpcProvider,
  type LogDescription,
  type TransactionReceipt,
  type TypedDataDomain,
} from 'ethers';
import { VerdictError } from '../../core/errors.js';
import type { Hex } from '../../core/bytes.js';
import type { Logger } from '../../core/runtime.js';
import { silentLogger } from '../../core/runtime.js';
import type { Bytes32, OutcomeCode, VerdictPayload } from '../ports.js';
import { loadArtifact, type Artifact } from './compile.js';
import { batchDigest, mediationDomain, packSignatures, signBatchWith, signVerdictWith, type BatchPayload } from './eip712.js';
import type { BatchLeaf } from './merkle.js';
import { POLLING_INTERVAL_MS, sleep, toChainError, withRetry, type RetryOptions } from './rpc.js';

export const MEDIATION_CONTRACT = 'VerdictMediation';

let mediationIface: Interface | undefined;
export function mediationInterface(): Interface {
  mediationIface ??= new Interface(loadArtifact(MEDIATION_CONTRACT).abi as never);
  return mediationIface;
}

/** Constructor parameters (durations in blocks, amounts in wei). */
export interface MediationConfig {
  committeeSize: number;
  quorum: number;
  maxRounds: number;
  batchQuorum: number;
  challengeWindow: number;
  drawDelay: number;
  voteWindow: number;
  unbondingPeriod: number;
  batchChallengeWindow: number;
  epochLength: number;
  minMediatorBond: bigint;
  minCollateral: bigint;
  challengeBond: bigint;
  mediationFee: bigint;
  absentPenalty: bigint;
  fraudPenalty: bigint;
}

const ETHER = 10n ** 18n;

/** 3-of-5 committees; windows sized for a chain that mines a block every few seconds. */
export const DEFAULT_MEDIATION_CONFIG: Readonly<MediationConfig> = Object.freeze({
  committeeSize: 5,
  quorum: 3,
  maxRounds: 3,
  batchQuorum: 3,
  challengeWindow: 100,
  drawDelay: 2,
  voteWindow: 50,
  unbondingPeriod: 1_000,
  batchChallengeWindow: 50,
  epochLength: 100,
  minMediatorBond: 1n * ETHER,
  minCollateral: ETHER / 10n,
  challengeBond: ETHER / 20n,
  mediationFee: ETHER / 100n,
  absentPenalty: ETHER / 10n,
  fraudPenalty: ETHER / 2n,
});

export const JOB_STATUS = ['None', 'Submitted', 'Challenged', 'Voting', 'Resolved', 'Settled'] as const;
export type JobStatus = (typeof JOB_STATUS)[number];

export interface JobView {
  provider: string;
  collateral: bigint;
  creator: string;
  resultBlock: number;
  status: JobStatus;
  round: number;
  outcome: OutcomeCode;
  signers: number;
}

export interface DisputeView {
  committeeHash: Bytes32;
  seedBlock: number;
  voteDeadline: number;
  voted: number;
  replaceMask: number;
  flags: number;
  feePool: bigint;
  evidenceId: Bytes32;
  batchRoot: Bytes32;
}

export interface MediatorView {
  bond: bigint;
  slot: number;
  exitBlock: number;
  registered: boolean;
}

export interface BatchView {
  postedBlock: number;
  count: number;
  signersTag: Hex;
}

export interface Receipt {
  hash: Bytes32;
  blockNumber: number;
  blockHash: Bytes32;
  gasUsed: bigint;
  /** Calldata bytes of the transaction (for gas accounting). */
  dataBytes: number;
  events: LogDescription[];
  contractAddress?: string;
}

/** keccak256(abi.encodePacked(address[])): how the contract commits to a committee or a batch's signers. */
export function committeeHash(members: readonly string[]): Bytes32 {
  return keccak256(solidityPacked(['address[]'], [members.map((m) => getAddress(m))])) as Bytes32;
}

export interface SenderOptions {
  chainId: number;
  retry?: RetryOptions;
  logger?: Logger;
  /** Decodes custom errors of reverts. */
  iface?: Interface;
  /** Max wait for a receipt. */
  receiptTimeoutMs?: number;
}

export interface SendOptions {
  value?: bigint;
  /** Explicit gas limit; otherwise estimate × 1.5 + 50,000 (estimates on anvil can be low). */
  gasLimit?: bigint;
  /** Runs eth_call first and throws the decoded revert instead of mining a failing transaction (default true). */
  simulate?: boolean;
  what?: string;
}

/**
 * Sends transactions from one account one at a time, with an explicit nonce (the account's pending count, read
 * fresh for every transaction: no local counter that a node restart or a reorg could leave stale), an explicit
 * gas limit and EIP-1559 fees. A signed transaction is re-broadcast byte for byte on RPC errors, so a retry can
 * never create a second transaction; one the node forgets is signed again with a fresh nonce.
 */
export class TxSender {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    readonly provider: JsonRpcProvider,
    readonly wallet: Wallet,
    private readonly options: SenderOptions,
  ) {
    this.log = options.logger ?? silentLogger;
  }

  get address(): string {
    return this.wallet.address;
  }

  async pendingNonce(): Promise<number> {
    return withRetry('eth_getTransactionCount', () => this.provider.getTransactionCount(this.wallet.address, 'pending'), this.options.retry);
  }

  /** Signs (does not send) a call with an explicit nonce and gas limit. */
  async sign(to: string | null, data: Hex, gasLimit: bigint, nonce: number, value = 0n): Promise<{ raw: Hex; hash: Bytes32 }> {
    const fees = await withRetry('eth_feeHistory', () => this.provider.getFeeData(), this.options.retry);
    const priority = fees.maxPriorityFeePerGas ?? 1_000_000_000n;
    const maxFee = fees.maxFeePerGas ?? (fees.gasPrice ?? 2_000_000_000n) * 2n;
    const tx = Transaction.from({
      type: 2,
      chainId: this.options.chainId,
      nonce,
      to,
      data,
      value,
      gasLimit,
      maxFeePerGas: maxFee > priority ? maxFee : priority,
      maxPriorityFeePerGas: priority,
    });
    const raw = (await this.wallet.signTransaction(tx)) as Hex;
    return { raw, hash: keccak256(raw) as Bytes32 };
  }

  /** Sends raw bytes; "already known" and "already mined" count as sent. */
  async broadcastRaw(raw: Hex, hash: Bytes32): Promise<Bytes32> {
    return withRetry(
      'eth_sendRawTransaction',
      async () => {
        try {
          await this.provider.send('eth_sendRawTransaction', [raw]);
          return hash;
        } catch (e) {
          const msg = (e instanceof Error ? e.message : String(e)).toLowerCase();
          if (msg.includes('already known') || msg.includes('already imported')) return hash;
          if (msg.includes('nonce too low') || msg.includes('nonce_expired') || msg.includes('nonce has already been used')) {
            const mined = await this.provider.getTransactionReceipt(hash);
            if (mined) return hash;
          }
          throw e;
        }
      },
      this.options.retry,
      this.options.iface,
    );
  }

  /** Waits for the receipt; undefined when the node no longer knows the transaction (dropped, or a reorg). */
  async waitReceipt(hash: Bytes32, timeoutMs = this.options.receiptTimeoutMs ?? 120_000): Promise<TransactionReceipt | undefined> {
    const deadline = Date.now() + timeoutMs;
    let unknown = 0;
    for (;;) {
      const r = await withRetry('eth_getTransactionReceipt', () => this.provider.getTransactionReceipt(hash), this.options.retry);
      if (r) return r;
      const tx = await withRetry('eth_getTransactionByHash', () => this.provider.getTransaction(hash), this.options.retry);
      unknown = tx ? 0 : unknown + 1;
      if (unknown >= 10) return undefined;
      if (Date.now() > deadline) throw new VerdictError('TIMEOUT', `transaction ${hash} not mined within ${timeoutMs} ms`);
      await sleep(POLLING_INTERVAL_MS);
    }
  }

  send(to: string | null, data: Hex, options: SendOptions = {}): Promise<TransactionReceipt> {
    const run = this.queue.then(() => this.sendNow(to, data, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendNow(to: string | null, data: Hex, options: SendOptions): Promise<TransactionReceipt> {
    const what = options.what ?? 'transaction';
    const value = options.value ?? 0n;
    const from = this.wallet.address;
    // Simulate and estimate against the pending block: that is the block the transaction will land in.
    const call = { from, to, data, value, blockTag: 'pending' };
    if (options.simulate !== false) {
      await withRetry(`${what} (simulation)`, () => this.provider.call(call), this.options.retry, this.options.iface);
    }
    const gasLimit =
      options.gasLimit ??
      ((await withRetry(`${what} (gas estimate)`, () => this.provider.estimateGas(call), this.options.retry, this.options.iface)) * 3n) / 2n +
        50_000n;
    for (let attempt = 0; ; attempt++) {
      const nonce = await this.pendingNonce();
      const { raw, hash } = await this.sign(to, data, gasLimit, nonce, value);
      try {
        await this.broadcastRaw(raw, hash);
      } catch (e) {
        const err = toChainError(e, what, this.options.iface);
        if (err.details.nonce === true && attempt < 2) {
          this.log.warn({ what, nonce }, 'nonce taken; signing again');
          continue;
        }
        throw err;
      }
      const receipt = await this.waitReceipt(hash);
      if (!receipt) {
        if (attempt < 2) {
          this.log.warn({ what, hash }, 'the node forgot the transaction; signing again');
          continue;
        }
        throw new VerdictError('CHAIN_ERROR', `${what}: transaction ${hash} was dropped by the node`, { retryable: true });
      }
      if (receipt.status !== 1) {
        // Replay at the parent block to learn the custom error.
        let reason = 'reverted';
        try {
          await this.provider.call({ ...call, blockTag: receipt.blockNumber - 1 });
        } catch (e) {
          reason = toChainError(e, what, this.options.iface).details.revert as string;
        }
        throw new VerdictError('CHAIN_ERROR', `${what}: transaction ${hash} reverted: ${reason}`, {
          retryable: false,
          details: { revert: reason, txHash: hash, gasUsed: receipt.gasUsed.toString() },
        });
      }
      return receipt;
    }
  }
}

function toReceipt(r: TransactionReceipt, iface: Interface, dataBytes: number): Receipt {
  const events: LogDescription[] = [];
  for (const log of r.logs) {
    try {
      const parsed = iface.parseLog(log);
      if (parsed) events.push(parsed);
    } catch {
      // a log of another contract
    }
  }
  return {
    hash: r.hash as Bytes32,
    blockNumber: r.blockNumber,
    blockHash: r.blockHash as Bytes32,
    gasUsed: r.gasUsed,
    dataBytes,
    events,
    ...(r.contractAddress ? { contractAddress: r.contractAddress } : {}),
  };
}

/** Deploys a contract from its committed artifact. */
export async function deployArtifact(sender: TxSender, artifact: Artifact, args: unknown[] = []): Promise<Receipt & { address: string }> {
  const iface = new Interface(artifact.abi as never);
  const data = (artifact.bytecode + iface.encodeDeploy(args).slice(2)) as Hex;
  const r = await sender.send(null, data, { what: `deploy ${artifact.contractName}` });
  if (!r.contractAddress) throw new VerdictError('CHAIN_ERROR', `deploying ${artifact.contractName} created no contract`);
  return { ...toReceipt(r, iface, (data.length - 2) / 2), address: r.contractAddress };
}

export async function deployMediation(sender: TxSender, config: Partial<MediationConfig> = {}): Promise<Receipt & { address: string }> {
  const c = { ...DEFAULT_MEDIATION_CONFIG, ...config };
  return deployArtifact(sender, loadArtifact(MEDIATION_CONTRACT), [c]);
}

/** Chunk size for eth_getLogs ranges (public RPCs cap ranges; anvil does not). */
export const LOG_CHUNK = 5_000;

/** Typed access to one deployed VerdictMediation from one account. */
export class MediationClient {
  readonly iface = mediationInterface();
  readonly domain: TypedDataDomain;
  readonly sender: TxSender;
  private readonly committeeCache = new Map<string, string[]>();

  constructor(
    readonly provider: JsonRpcProvider,
    readonly wallet: Wallet,
    readonly address: string,
    readonly chainId: number,
    options: { retry?: RetryOptions; logger?: Logger; sender?: TxSender } = {},
  ) {
    this.wallet = wallet.connect(provider);
    this.domain = mediationDomain(chainId, address);
    this.sender =
      options.sender ??
      new TxSender(provider, this.wallet, {
        chainId,
        iface: this.iface,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
  }

  /** The same contract from another account (its own nonce sequence). */
  as(wallet: Wallet): MediationClient {
    return new MediationClient(this.provider, wallet, this.address, this.chainId);
  }

  get account(): string {
    return this.wallet.address;
  }

  async call<T = unknown>(fn: string, args: unknown[] = []): Promise<T> {
    const data = this.iface.encodeFunctionData(fn, args);
    const out = await withRetry(`${fn}()`, () => this.provider.call({ to: this.address, data }), {}, this.iface);
    const decoded = this.iface.decodeFunctionResult(fn, out);
    return (decoded.length === 1 ? decoded[0] : decoded) as T;
  }

  async send(fn: string, args: unknown[] = [], options: SendOptions = {}): Promise<Receipt> {
    const data = this.iface.encodeFunctionData(fn, args) as Hex;
    const r = await this.sender.send(this.address, data, { what: fn, ...options });
    return toReceipt(r, this.iface, (data.length - 2) / 2);
  }

  // ---------------------------------------------------------------- writes

  registerMediator(bond: bigint): Promise<Receipt> {
    return this.send('registerMediator', [], { value: bond });
  }
  requestExit(): Promise<Receipt> {
    return this.send('requestExit');
  }
  withdrawBond(): Promise<Receipt> {
    return this.send('withdrawBond');
  }
  submitResult(jobId: Bytes32, creator: string, resultCommitment: Bytes32, collateral: bigint): Promise<Receipt> {
    return this.send('submitResult', [jobId, creator, resultCommitment], { value: collateral });
  }
  async challenge(jobId: Bytes32, evidenceId: Bytes32, bond?: bigint): Promise<Receipt> {
    return this.send('challenge', [jobId, evidenceId], { value: bond ?? (await this.config()).challengeBond });
  }
  releaseCollateral(jobId: Bytes32): Promise<Receipt> {
    return this.send('releaseCollateral', [jobId]);
  }
  /** Draws the committee of the current round (passing the previous round's committee where there is one). */
  async drawCommittee(jobId: Bytes32): Promise<Receipt> {
    const d = await this.getDispute(jobId);
    const current = /^0x0+$/.test(d.committeeHash) ? [] : await this.committee(jobId);
    return this.send('drawCommittee', [jobId, current]);
  }
  /** Posts signatures over a verdict; the committee is read from the chain unless given. */
  async postVerdict(payload: VerdictPayload, signatures: readonly Hex[], options: SendOptions & { committee?: string[] } = {}): Promise<Receipt> {
    const committee = options.committee ?? (await this.committee(payload.jobId));
    return this.send('postVerdict', [payload.jobId, committee, payload.outcome, payload.evidenceHash, packSignatures(signatures)], options);
  }
  async timeoutVoting(jobId: Bytes32): Promise<Receipt> {
    return this.send('timeoutVoting', [jobId, await this.committee(jobId)]);
  }
  async settle(jobId: Bytes32): Promise<Receipt> {
    const d = await this.getDispute(jobId);
    const committee = d.seedBlock === 0 ? [] : await this.committee(jobId);
    return this.send('settle', [jobId, committee]);
  }
  withdraw(): Promise<Receipt> {
    return this.send('withdraw');
  }
  postBatch(p: BatchPayload, signatures: readonly Hex[], options: SendOptions = {}): Promise<Receipt> {
    return this.send('postBatch', [p.root, p.epoch, p.count, packSignatures(signatures)], options);
  }
  applyBatchedVerdict(root: Bytes32, leaf: BatchLeaf, proof: readonly Hex[]): Promise<Receipt> {
    return this.send('applyBatchedVerdict', [root, leaf.jobId, leaf.outcome, leaf.evidenceHash, proof]);
  }
  async challengeBatchedVerdict(root: Bytes32, leaf: BatchLeaf, proof: readonly Hex[], evidenceId: Bytes32, bond?: bigint): Promise<Receipt> {
    return this.send('challengeBatchedVerdict', [root, leaf.jobId, leaf.outcome, leaf.evidenceHash, proof, evidenceId], {
      value: bond ?? (await this.config()).challengeBond,
    });
  }
  slashBatchSigners(jobId: Bytes32, signers: readonly string[]): Promise<Receipt> {
    return this.send('slashBatchSigners', [jobId, signers]);
  }

  // ---------------------------------------------------------------- signing

  signVerdict(payload: VerdictPayload, wallet: Wallet = this.wallet): Promise<Hex> {
    return signVerdictWith(wallet, this.domain, payload);
  }
  signBatch(payload: BatchPayload, wallet: Wallet = this.wallet): Promise<Hex> {
    return signBatchWith(wallet, this.domain, payload);
  }
  batchDigest(payload: BatchPayload): Hex {
    return batchDigest(this.domain, payload);
  }

  // ---------------------------------------------------------------- reads

  private configCache: MediationConfig | undefined;
  async config(): Promise<MediationConfig> {
    if (this.configCache) return this.configCache;
    const keys = Object.keys(DEFAULT_MEDIATION_CONFIG) as (keyof MediationConfig)[];
    const values = await Promise.all(keys.map((k) => this.call<bigint>(k)));
    const out: Record<string, number | bigint> = {};
    keys.forEach((k, i) => {
      out[k] = typeof DEFAULT_MEDIATION_CONFIG[k] === 'bigint' ? values[i]! : Number(values[i]);
    });
    this.configCache = out as unknown as MediationConfig;
    return this.configCache;
  }

  async getJob(jobId: Bytes32): Promise<JobView> {
    const j = await this.call<Record<string, bigint | string>>('getJob', [jobId]);
    return {
      provider: j.provider as string,
      collateral: j.collateral as bigint,
      creator: j.creator as string,
      resultBlock: Number(j.resultBlock),
      status: JOB_STATUS[Number(j.status)]!,
      round: Number(j.round),
      outcome: Number(j.outcome) as OutcomeCode,
      signers: Number(j.signers),
    };
  }

  async getDispute(jobId: Bytes32): Promise<DisputeView> {
    const d = await this.call<Record<string, bigint | string>>('getDispute', [jobId]);
    return {
      committeeHash: d.committeeHash as Bytes32,
      seedBlock: Number(d.seedBlock),
      voteDeadline: Number(d.voteDeadline),
      voted: Number(d.voted),
      replaceMask: Number(d.replaceMask),
      flags: Number(d.flags),
      feePool: d.feePool as bigint,
      evidenceId: d.evidenceId as Bytes32,
      batchRoot: d.batchRoot as Bytes32,
    };
  }

  async getMediator(who: string): Promise<MediatorView> {
    const m = await this.call<Record<string, bigint | boolean>>('getMediator', [who]);
    return { bond: m.bond as bigint, slot: Number(m.slot), exitBlock: Number(m.exitBlock), registered: m.registered as boolean };
  }

  async getBatch(root: Bytes32): Promise<BatchView> {
    const b = await this.call<Record<string, bigint | string>>('getBatch', [root]);
    return { postedBlock: Number(b.postedBlock), count: Number(b.count), signersTag: b.signersTag as Hex };
  }

  async balanceOf(who: string): Promise<bigint> {
    return this.call<bigint>('balances', [who]);
  }

  async activeMediators(): Promise<string[]> {
    return [...(await this.call<string[]>('activeMediators'))];
  }

  async currentEpoch(): Promise<number> {
    return Number(await this.call<bigint>('currentEpoch'));
  }

  /** Logs of this contract for the given topics, fetched in chunks of LOG_CHUNK blocks. */
  async logs(topics: (string | string[] | null)[], fromBlock: number, toBlock: number): Promise<{ log: LogDescription; blockNumber: number; blockHash: Bytes32; txHash: Bytes32; logIndex: number }[]> {
    const out: { log: LogDescription; blockNumber: number; blockHash: Bytes32; txHash: Bytes32; logIndex: number }[] = [];
    for (let from = fromBlock; from <= toBlock; from += LOG_CHUNK) {
      const to = Math.min(toBlock, from + LOG_CHUNK - 1);
      const raw = await withRetry('eth_getLogs', () => this.provider.getLogs({ address: this.address, topics, fromBlock: from, toBlock: to }), {}, this.iface);
      for (const l of raw) {
        const parsed = this.iface.parseLog(l);
        if (parsed) out.push({ log: parsed, blockNumber: l.blockNumber, blockHash: l.blockHash as Bytes32, txHash: l.transactionHash as Bytes32, logIndex: l.index });
      }
    }
    return out;
  }

  /**
   * The committee now on record for a job, from its CommitteeDrawn events (checked against the hash the contract
   * stores). Throws NOT_FOUND before the first draw.
   */
  async committee(jobId: Bytes32): Promise<string[]> {
    const d = await this.getDispute(jobId);
    if (/^0x0+$/.test(d.committeeHash)) throw new VerdictError('NOT_FOUND', `job ${jobId} has no committee yet`);
    const cached = this.committeeCache.get(d.committeeHash);
    if (cached) return cached;
    const job = await this.getJob(jobId);
    const head = await withRetry('eth_blockNumber', () => this.provider.getBlockNumber());
    const topic = this.iface.getEvent('CommitteeDrawn')!.topicHash;
    const found = await this.logs([topic, jobId], job.resultBlock, head);
    for (let i = found.length - 1; i >= 0; i--) {
      const members = [...(found[i]!.log.args.committee as string[])];
      if (committeeHash(members) === d.committeeHash) {
        this.committeeCache.set(d.committeeHash, members);
        return members;
      }
    }
    throw new VerdictError('CHAIN_ERROR', `no CommitteeDrawn event of job ${jobId} matches its committee hash`, { retryable: true });
  }
}
