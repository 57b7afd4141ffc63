/**
 * One contract seen from one account, over ethers v6, for code outside src/mediator/chain that must not import
 * ethers (the Lilypad adapter): typed-less calls, log reads, and the exactly-once transaction flow the engine
 * needs — prepare (sign with an explicit nonce and gas limit, do not send), broadcast (idempotent), and wait for
 * confirmations (reverted / dropped / reorged-out detection).
 */
import { Interface, Wallet, getAddress, zeroPadValue, type InterfaceAbi, type JsonRpcProvider } from 'ethers';
import { VerdictError } from '../../core/errors.js';
import type { Hex } from '../../core/bytes.js';
import type { Logger } from '../../core/runtime.js';
import { silentLogger } from '../../core/runtime.js';
import type { Bytes32, PreparedTx, TxOutcome } from '../ports.js';
import { LOG_CHUNK, TxSender } from './contract.js';
import { loadKeyFile } from './keyfile.js';
import { POLLING_INTERVAL_MS, createProvider, probeChainId, sleep, toChainError, withRetry, type RetryOptions } from './rpc.js';

export interface HandleOptions {
  rpcUrl: string;
  address: string;
  /** ABI: JSON fragments or human-readable signatures. */
  abi: InterfaceAbi;
  keyFile?: string;
  privateKey?: Hex;
  expectedChainId?: number;
  logger?: Logger;
  retry?: RetryOptions;
  probeTimeoutMs?: number;
}

export interface DecodedLog {
  name: string;
  args: Record<string, unknown>;
  blockNumber: number;
  blockHash: Bytes32;
  txHash: Bytes32;
  logIndex: number;
}

/** Left-pads an address to a 32-byte topic. */
export function addressTopic(address: string): Hex {
  return zeroPadValue(address, 32) as Hex;
}

/** Opens a handle: probes the RPC (CHAIN_ERROR when unreachable) and loads the key (BAD_CONFIG when bad). */
export async function openContract(o: HandleOptions): Promise<ContractHandle> {
  const log = o.logger ?? silentLogger;
  let wallet: Wallet;
  if (o.privateKey) wallet = new Wallet(o.privateKey);
  else if (o.keyFile) {
    const loaded = loadKeyFile(o.keyFile);
    for (const w of loaded.warnings) log.warn({ keyFile: o.keyFile }, w);
    wallet = loaded.wallet;
  } else throw new VerdictError('BAD_CONFIG', 'a key file (or private key) is required');
  let address: string;
  try {
    address = getAddress(o.address);
  } catch (e) {
    throw new VerdictError('BAD_CONFIG', `contract address is not a valid address: ${o.address}`, { cause: e });
  }
  const chainId = await probeChainId(o.rpcUrl, o.probeTimeoutMs);
  if (o.expectedChainId !== undefined && o.expectedChainId !== chainId) {
    throw new VerdictError('BAD_CONFIG', `RPC ${o.rpcUrl} serves chain ${chainId}, expected ${o.expectedChainId}`);
  }
  return new ContractHandle(createProvider(o.rpcUrl, chainId), wallet, address, chainId, o.abi, o);
}

export class ContractHandle {
  readonly iface: Interface;
  readonly wallet: Wallet;
  readonly sender: TxSender;
  private readonly retry: RetryOptions;
  /** Transactions this process prepared, by hash: their nonces tell "dropped" from "pending". */
  private readonly prepared = new Map<string, number>();

  constructor(
    readonly provider: JsonRpcProvider,
    wallet: Wallet,
    readonly address: string,
    readonly chainId: number,
    abi: InterfaceAbi | Interface,
    options: { logger?: Logger; retry?: RetryOptions } = {},
  ) {
    this.iface = abi instanceof Interface ? abi : new Interface(abi);
    this.wallet = wallet.connect(provider);
    this.retry = { ...options.retry, logger: options.logger ?? silentLogger };
    this.sender = new TxSender(provider, this.wallet, { chainId, iface: this.iface, retry: this.retry, logger: options.logger ?? silentLogger });
  }

  get account(): string {
    return this.wallet.address;
  }

  rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(what, fn, this.retry, this.iface);
  }

  /** A view function's result (a single output is unwrapped). */
  async call<T = unknown>(fn: string, args: unknown[] = [], at?: string): Promise<T> {
    const data = this.iface.encodeFunctionData(fn, args);
    const out = await this.rpc(`${fn}()`, () => this.provider.call({ to: at ?? this.address, data }));
    const decoded = this.iface.decodeFunctionResult(fn, out);
    return (decoded.length === 1 ? decoded[0] : decoded) as T;
  }

  encode(fn: string, args: unknown[] = []): Hex {
    return this.iface.encodeFunctionData(fn, args) as Hex;
  }

  async code(at: string = this.address): Promise<string> {
    return this.rpc('eth_getCode', () => this.provider.getCode(at));
  }

  async headBlock(): Promise<number> {
    return this.rpc('eth_blockNumber', () => this.provider.getBlockNumber());
  }

  /** Logs of one event of this contract in [fromBlock, toBlock], decoded, in chain order; chunked ranges. */
  async logs(event: string, fromBlock: number, toBlock: number, topics: (string | string[] | null)[] = []): Promise<DecodedLog[]> {
    const fragment = this.iface.getEvent(event);
    if (!fragment) throw new VerdictError('INTERNAL', `the ABI has no event ${event}`);
    const out: DecodedLog[] = [];
    for (let from = fromBlock; from <= toBlock; from += LOG_CHUNK) {
      const to = Math.min(toBlock, from + LOG_CHUNK - 1);
      const raw = await this.rpc('eth_getLogs', () =>
        this.provider.getLogs({ address: this.address, topics: [fragment.topicHash, ...topics], fromBlock: from, toBlock: to }),
      );
      for (const l of raw) {
        const parsed = this.iface.parseLog(l);
        if (!parsed) continue;
        const args: Record<string, unknown> = {};
        parsed.fragment.inputs.forEach((input, i) => {
          args[input.name] = parsed.args[i];
        });
        out.push({
          name: parsed.name,
          args,
          blockNumber: l.blockNumber,
          blockHash: l.blockHash as Bytes32,
          txHash: l.transactionHash as Bytes32,
          logIndex: l.index,
        });
      }
    }
    return out;
  }

  /** Sends a transaction now and waits for its receipt (tests, demo, operators). */
  async send(fn: string, args: unknown[] = [], options: { value?: bigint; gasLimit?: bigint } = {}): Promise<{ hash: Bytes32; blockNumber: number; gasUsed: bigint }> {
    const r = await this.sender.send(this.address, this.encode(fn, args), { what: fn, ...options });
    return { hash: r.hash as Bytes32, blockNumber: r.blockNumber, gasUsed: r.gasUsed };
  }

  /** Signs, without sending, a call with the account's pending nonce and an explicit gas limit. */
  async prepare(data: Hex, gasLimit: bigint, to: string = this.address): Promise<PreparedTx> {
    const nonce = await this.sender.pendingNonce();
    const { raw, hash } = await this.sender.sign(to, data, gasLimit, nonce);
    this.prepared.set(hash, nonce);
    return { txHash: hash, raw, nonce };
  }

  /** Runs the call as eth_call from this account against the pending block; throws the decoded revert. */
  async simulate(data: Hex, to: string = this.address): Promise<void> {
    await this.rpc('simulation', () => this.provider.call({ from: this.account, to, data, blockTag: 'pending' }));
  }

  /** Sends prepared bytes. Known, mined, or nonce-taken transactions all resolve with the hash. */
  async broadcast(tx: PreparedTx): Promise<Bytes32> {
    this.prepared.set(tx.txHash, tx.nonce);
    try {
      await this.rpc('eth_sendRawTransaction', () => this.provider.send('eth_sendRawTransaction', [tx.raw]));
      return tx.txHash;
    } catch (e) {
      const msg = (e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e)).toLowerCase();
      if (/already known|already imported|nonce too low|nonce has already been used|nonce_expired|replacement transaction underpriced/.test(msg)) {
        return tx.txHash;
      }
      throw toChainError(e, 'broadcast', this.iface);
    }
  }

  /**
   * Waits until the tx is `depth` blocks deep on the canonical chain ('confirmed'), or reports it 'reverted'
   * (with the contract's reason) or 'dropped' (unknown to the node while its nonce went to another tx, or not
   * mined within the timeout).
   */
  async waitConfirmed(txHash: Bytes32, depth: number, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<TxOutcome> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    let unknownPolls = 0;
    for (;;) {
      if (options.signal?.aborted) throw new VerdictError('TIMEOUT', 'waiting for confirmation was aborted');
      const receipt = await this.rpc('eth_getTransactionReceipt', () => this.provider.getTransactionReceipt(txHash));
      if (receipt) {
        unknownPolls = 0;
        const head = await this.headBlock();
        if (receipt.blockNumber <= head - Math.max(0, depth)) {
          const block = await this.rpc('eth_getBlockByNumber', () => this.provider.getBlock(receipt.blockNumber));
          if (block?.hash === receipt.blockHash) {
            if (receipt.status === 1) return { status: 'confirmed', blockNumber: receipt.blockNumber };
            return { status: 'reverted', blockNumber: receipt.blockNumber, reason: await this.revertReason(txHash, receipt.blockNumber) };
          }
        }
      } else {
        const tx = await this.rpc('eth_getTransactionByHash', () => this.provider.getTransaction(txHash));
        if (!tx) {
          const nonce = this.prepared.get(txHash);
          const latest = await this.rpc('eth_getTransactionCount', () => this.provider.getTransactionCount(this.account, 'latest'));
          unknownPolls++;
          if ((nonce !== undefined && latest > nonce) || unknownPolls >= 20) return { status: 'dropped' };
        } else {
          unknownPolls = 0;
        }
      }
      if (Date.now() > deadline) return { status: 'dropped' };
      await sleep(POLLING_INTERVAL_MS, options.signal).catch(() => undefined);
    }
  }

  /** Replays a failed transaction at its parent block to name the contract's error (or revert string). */
  async revertReason(txHash: Bytes32, blockNumber: number): Promise<string> {
    try {
      const tx = await this.provider.getTransaction(txHash);
      if (!tx) return 'reverted';
      await this.provider.call({ from: tx.from, to: tx.to, data: tx.data, value: tx.value, blockTag: blockNumber - 1 });
      return 'reverted';
    } catch (e) {
      const err = toChainError(e, 'replay', this.iface);
      return String(err.details.revert ?? err.message);
    }
  }

  async close(): Promise<void> {
    this.provider.destroy();
  }
}
