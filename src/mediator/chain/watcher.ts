/**
 * Reorg-aware dispute polling on top of a ChainPort: reads confirmed ranges (head − depth), remembers the hash of
 * the last block it read and of every block that carried an event, and when one of them is no longer on the
 * canonical chain it rewinds to the first changed block and re-reads. Events are de-duplicated by
 * (block hash, log index); those whose block vanished and did not come back are reported as `removed`.
 */
import type { JsonRpcProvider } from 'ethers';
import type { ChainPort, DisputeEvent } from '../ports.js';
import { withRetry, type RetryOptions } from './rpc.js';

export interface WatcherOptions {
  /** Blocks a log must be buried under before it is reported (0 = as soon as mined). */
  confirmations: number;
  /** First block to read. */
  startBlock?: number;
  /** How many blocks below the confirmed head stay checked for reorgs. */
  reorgWindow?: number;
  /** Largest range read per poll. */
  maxRange?: number;
  retry?: RetryOptions;
}

export interface PollResult {
  events: DisputeEvent[];
  /** Events reported earlier whose block was reorged out (and that did not reappear). */
  removed: DisputeEvent[];
  /** The first block re-read because of a reorg, when one was seen. */
  reorgFrom?: number;
  /** Next block to read. */
  cursor: number;
}

const key = (e: DisputeEvent): string => `${e.blockHash}:${e.logIndex}`;

export class DisputeWatcher {
  private cursor: number;
  /** block number → hash, for blocks already read that matter to reorg detection. */
  private readonly hashes = new Map<number, string>();
  private readonly emitted = new Map<string, DisputeEvent>();

  constructor(
    private readonly port: Pick<ChainPort, 'pollDisputes' | 'headBlock'>,
    private readonly provider: JsonRpcProvider,
    private readonly options: WatcherOptions,
  ) {
    this.cursor = options.startBlock ?? 0;
  }

  get nextBlock(): number {
    return this.cursor;
  }

  private async hashAt(n: number): Promise<string | undefined> {
    const b = await withRetry('eth_getBlockByNumber', () => this.provider.getBlock(n), this.options.retry);
    return b?.hash ?? undefined;
  }

  /** The lowest remembered block whose hash changed, or undefined. */
  private async firstChanged(): Promise<number | undefined> {
    const known = [...this.hashes.keys()].sort((a, b) => a - b);
    if (known.length === 0) return undefined;
    // A block's hash commits to all its ancestors: when the highest remembered block is unchanged, all are.
    if ((await this.hashAt(known[known.length - 1]!)) === this.hashes.get(known[known.length - 1]!)) return undefined;
    let first = known[known.length - 1]!;
    for (let i = known.length - 2; i >= 0; i--) {
      if ((await this.hashAt(known[i]!)) === this.hashes.get(known[i]!)) break;
      first = known[i]!;
    }
    return first;
  }

  async poll(): Promise<PollResult> {
    const window = this.options.reorgWindow ?? 64;
    let reorgFrom: number | undefined;
    const changed = await this.firstChanged();
    const removedCandidates: DisputeEvent[] = [];
    if (changed !== undefined) {
      // re-read from the block after the last unchanged remembered one (nothing below it changed)
      const below = [...this.hashes.keys()].filter((n) => n < changed);
      reorgFrom = below.length > 0 ? Math.max(...below) + 1 : Math.max(0, changed - window);
      for (const n of [...this.hashes.keys()]) if (n >= reorgFrom) this.hashes.delete(n);
      for (const [k, e] of this.emitted) {
        if (e.blockNumber >= reorgFrom) {
          removedCandidates.push(e);
          this.emitted.delete(k);
        }
      }
      this.cursor = Math.min(this.cursor, reorgFrom);
    }
    const head = await this.port.headBlock();
    const confirmed = head - Math.max(0, this.options.confirmations);
    const events: DisputeEvent[] = [];
    if (confirmed >= this.cursor) {
      const to = Math.min(confirmed, this.cursor + (this.options.maxRange ?? 2_000) - 1);
      const found = await this.port.pollDisputes(this.cursor, to);
      const endHash = await this.hashAt(to);
      for (const e of found) {
        this.hashes.set(e.blockNumber, e.blockHash);
        const k = key(e);
        if (this.emitted.has(k)) continue;
        this.emitted.set(k, e);
        events.push(e);
      }
      if (endHash) this.hashes.set(to, endHash);
      this.cursor = to + 1;
    }
    const removed = removedCandidates.filter((e) => !this.emitted.has(key(e)));
    // forget what is too deep to matter
    const floor = this.cursor - window;
    for (const n of [...this.hashes.keys()]) if (n < floor) this.hashes.delete(n);
    for (const [k, e] of this.emitted) if (e.blockNumber < floor) this.emitted.delete(k);
    return { events, removed, ...(reorgFrom !== undefined ? { reorgFrom } : {}), cursor: this.cursor };
  }
}
