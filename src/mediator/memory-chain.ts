import { VerdictError, canonicalize, concatBytes, fromHex, keccak256Hex, toHex, utf8, type Hex } from '../core/index.js';
import {
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
} from './ports.js';

/**
 * An in-memory mediation "chain" with the semantics the engine relies on — one verdict per job (a second
 * one reverts), k-of-n committee signatures, per-account nonces, automining, confirmation depth, dropped
 * transactions whose nonce was taken — and fault injection (RPC down, failing calls). It is the test
 * double of the ethers adapter in src/mediator/chain; the real contract is tested on anvil.
 *
 * Its "signatures" are keccak256(signer ‖ chainId ‖ canonical payload) tags, not ECDSA: they let the fake
 * refuse forged, duplicate and non-member signatures without a key, and must never be used outside tests.
 */

export type ChainOp =
  | 'check'
  | 'headBlock'
  | 'confirmedBlock'
  | 'pollDisputes'
  | 'committee'
  | 'verdictStatus'
  | 'signVerdict'
  | 'prepareVerdict'
  | 'broadcast'
  | 'waitConfirmed';

interface TxRecord {
  hash: Bytes32;
  raw: Hex;
  from: string;
  nonce: number;
  jobId: Bytes32;
  status: 'mined' | 'dropped';
  success?: boolean;
  block?: number;
  reason?: string;
}

interface DisputeRecord extends DisputeEvent {
  committee: Committee;
}

export interface PostedVerdict {
  outcome: OutcomeCode;
  evidenceHash: Bytes32;
  txHash: Bytes32;
  block: number;
  poster: string;
  settled: boolean;
}

export interface MemoryChainOptions {
  chainId?: number;
  /** Default committee of new disputes. */
  committee?: Committee;
  /** Tally votes across transactions until a quorum agrees (like VerdictMediation's slow path). */
  tally?: boolean;
}

export class MemoryChain {
  readonly chainId: number;
  head = 0;
  readonly disputes: DisputeRecord[] = [];
  readonly verdicts = new Map<Bytes32, PostedVerdict>();
  readonly txs = new Map<Bytes32, TxRecord>();
  private readonly nonces = new Map<string, number>();
  private defaultCommittee: Committee;
  /** What the chain saw: every broadcast call, distinct transactions, accepted verdicts, reverted ones. */
  readonly stats = { broadcastCalls: 0, transactions: 0, accepted: 0, reverted: 0, dropped: 0, votes: 0 };
  readonly tally: boolean;
  private readonly votes = new Map<string, Set<string>>();
  /** Fault injection: `down` fails every call; `failNext[op]` fails the next n calls of an operation. */
  readonly faults: { down: boolean; wrongContract: boolean; failNext: Partial<Record<ChainOp, number>> } = {
    down: false,
    wrongContract: false,
    failNext: {},
  };

  constructor(options: MemoryChainOptions = {}) {
    this.chainId = options.chainId ?? 31337;
    this.defaultCommittee = options.committee ?? { members: [], threshold: 1 };
    this.tally = options.tally ?? false;
  }

  setDefaultCommittee(c: Committee): void {
    this.defaultCommittee = { members: [...c.members], threshold: c.threshold };
  }

  blockHash(n: number): Bytes32 {
    return keccak256Hex(`memory-chain block ${this.chainId}/${n}`);
  }

  mine(blocks = 1): number {
    this.head += blocks;
    return this.head;
  }

  /** A job creator challenges a job: mines a block holding the dispute event. */
  raiseDispute(d: { jobKey: string; provider: string; creator: string; evidenceId?: Bytes32; seed?: Bytes32; committee?: Committee }): DisputeEvent {
    const block = this.mine();
    const jobId = jobIdToBytes32(d.jobKey);
    const ev: DisputeRecord = {
      jobId,
      jobKey: d.jobKey,
      creator: d.creator,
      provider: d.provider,
      ...(d.evidenceId ? { evidenceId: d.evidenceId } : {}),
      ...(d.seed ? { seed: d.seed } : {}),
      blockNumber: block,
      blockHash: this.blockHash(block),
      txHash: keccak256Hex(`challenge ${jobId}`),
      logIndex: 0,
      committee: d.committee ?? this.defaultCommittee,
    };
    this.disputes.push(ev);
    return stripCommittee(ev);
  }

  /** Deterministic test tag standing in for an EIP-712 signature (see the file comment). */
  tag(signer: string, payload: VerdictPayload): Hex {
    const h = keccak256Hex(concatBytes(utf8(signer.toLowerCase()), utf8(String(this.chainId)), utf8(canonicalize(payload))));
    return toHex(concatBytes(fromHex(h), fromHex(h), new Uint8Array([0x1b])));
  }

  signFor(signer: string, payload: VerdictPayload): SignedVerdict {
    return { signer, signature: this.tag(signer, payload) };
  }

  nonceOf(address: string): number {
    return this.nonces.get(address.toLowerCase()) ?? 0;
  }

  /** Sends an unrelated transaction from `address`, taking its next nonce (to make a prepared tx stale). */
  burnNonce(address: string): void {
    this.nonces.set(address.toLowerCase(), this.nonceOf(address) + 1);
    this.mine();
  }

  /** Another party posts a verdict directly (e.g. a co-member's daemon was faster). */
  postDirect(poster: string, payload: VerdictPayload, signatures: SignedVerdict[]): TxRecord {
    const tx = this.encode(poster, this.nonceOf(poster), payload, signatures);
    this.accept(tx);
    return this.txs.get(tx.txHash)!;
  }

  settle(jobId: Bytes32): void {
    const v = this.verdicts.get(jobId.toLowerCase() as Bytes32);
    if (v) v.settled = true;
  }

  port(address: string): MemoryChainPort {
    return new MemoryChainPort(this, address);
  }

  /** Raises the injected fault for `op`, if any. */
  fault(op: ChainOp): void {
    if (this.faults.down) throw new VerdictError('CHAIN_ERROR', `memory chain: connection refused (${op})`);
    const n = this.faults.failNext[op] ?? 0;
    if (n > 0) {
      this.faults.failNext[op] = n - 1;
      throw new VerdictError('CHAIN_ERROR', `memory chain: injected failure of ${op}`);
    }
  }

  committeeOf(jobId: Bytes32): Committee {
    const d = this.disputes.find((x) => x.jobId === jobId.toLowerCase());
    if (!d) throw new VerdictError('NOT_FOUND', `no dispute for job ${jobId}`);
    return d.committee;
  }

  encode(from: string, nonce: number, payload: VerdictPayload, signatures: SignedVerdict[]): PreparedTx {
    const raw = toHex(utf8(canonicalize({ from: from.toLowerCase(), nonce, chainId: this.chainId, payload, signatures })));
    return { txHash: keccak256Hex(fromHex(raw)), raw, nonce };
  }

  /** Handles a broadcast; automines. Returns the tx hash. */
  accept(tx: PreparedTx): Bytes32 {
    this.stats.broadcastCalls++;
    const known = this.txs.get(tx.txHash);
    if (known) return known.hash;
    let body: { from: string; nonce: number; payload: VerdictPayload; signatures: SignedVerdict[] };
    try {
      body = JSON.parse(Buffer.from(fromHex(tx.raw)).toString('utf8'));
    } catch (e) {
      throw new VerdictError('BAD_INPUT', 'memory chain: undecodable raw transaction', { cause: e });
    }
    if (keccak256Hex(fromHex(tx.raw)) !== tx.txHash) throw new VerdictError('BAD_INPUT', 'memory chain: tx hash does not match raw bytes');
    this.stats.transactions++;
    const rec: TxRecord = { hash: tx.txHash, raw: tx.raw, from: body.from, nonce: body.nonce, jobId: body.payload.jobId, status: 'dropped' };
    this.txs.set(tx.txHash, rec);
    if (body.nonce !== this.nonceOf(body.from)) {
      // nonce already used (or a gap): this transaction can never be mined
      this.stats.dropped++;
      return tx.txHash;
    }
    this.nonces.set(body.from, body.nonce + 1);
    rec.status = 'mined';
    rec.block = this.mine();
    const reason = this.refuse(body.payload, body.signatures);
    if (reason) {
      rec.success = false;
      rec.reason = reason;
      this.stats.reverted++;
    } else if (!this.quorumReached(body.payload, body.signatures)) {
      rec.success = true;
      this.stats.votes++;
    } else {
      rec.success = true;
      this.stats.accepted++;
      this.verdicts.set(body.payload.jobId, {
        outcome: body.payload.outcome,
        evidenceHash: body.payload.evidenceHash,
        txHash: tx.txHash,
        block: rec.block,
        poster: body.from,
        settled: false,
      });
    }
    return tx.txHash;
  }

  private refuse(payload: VerdictPayload, signatures: SignedVerdict[]): string | null {
    if (this.verdicts.has(payload.jobId)) return 'VerdictAlreadyPosted';
    const d = this.disputes.find((x) => x.jobId === payload.jobId);
    if (!d) return 'UnknownDispute';
    const members = new Set(d.committee.members.map((m) => m.toLowerCase()));
    const seen = new Set<string>();
    for (const s of signatures) {
      const who = s.signer.toLowerCase();
      // an empty committee stands for "any registered mediator" (single-mediator tests)
      if (members.size > 0 && !members.has(who)) return 'NotACommitteeMember';
      if (seen.has(who)) return 'DuplicateSignature';
      if (s.signature !== this.tag(s.signer, payload)) return 'BadSignature';
      seen.add(who);
    }
    if (seen.size < d.committee.threshold && !this.tally) return 'NotEnoughSignatures';
    return null;
  }

  /** Adds the signers to the payload's tally; true once the quorum agrees on it. */
  private quorumReached(payload: VerdictPayload, signatures: SignedVerdict[]): boolean {
    const d = this.disputes.find((x) => x.jobId === payload.jobId)!;
    const key = canonicalize(payload);
    const set = this.votes.get(key) ?? new Set<string>();
    for (const s of signatures) set.add(s.signer.toLowerCase());
    this.votes.set(key, set);
    return set.size >= d.committee.threshold;
  }
}

function stripCommittee(d: DisputeRecord): DisputeEvent {
  const { committee: _c, ...ev } = d;
  return ev;
}

/** One mediator's view of a MemoryChain. */
export class MemoryChainPort implements ChainPort {
  readonly tallyVotes: boolean;
  constructor(readonly chain: MemoryChain, readonly address: string) {
    this.tallyVotes = chain.tally;
  }

  async check(): Promise<{ chainId: number; contract: string }> {
    this.chain.fault('check');
    if (this.chain.faults.wrongContract) throw new VerdictError('BAD_CONFIG', 'memory chain: the address is not a mediation contract');
    return { chainId: this.chain.chainId, contract: 'memory' };
  }

  async headBlock(): Promise<number> {
    this.chain.fault('headBlock');
    return this.chain.head;
  }

  async confirmedBlock(depth: number): Promise<number> {
    this.chain.fault('confirmedBlock');
    return Math.max(0, this.chain.head - depth);
  }

  async pollDisputes(fromBlock: number, toBlock: number): Promise<DisputeEvent[]> {
    this.chain.fault('pollDisputes');
    const me = this.address.toLowerCase();
    return this.chain.disputes
      .filter((d) => d.blockNumber >= fromBlock && d.blockNumber <= toBlock)
      .filter((d) => d.committee.members.length === 0 || d.committee.members.some((m) => m.toLowerCase() === me))
      .map(stripCommittee);
  }

  async committee(jobId: Bytes32): Promise<Committee> {
    this.chain.fault('committee');
    const c = this.chain.committeeOf(jobId);
    return c.members.length === 0 ? { members: [this.address], threshold: 1 } : c;
  }

  async verdictStatus(jobId: Bytes32): Promise<OnChainVerdict> {
    this.chain.fault('verdictStatus');
    const v = this.chain.verdicts.get(jobId.toLowerCase() as Bytes32);
    if (!v) return { status: 'none' };
    return { status: v.settled ? 'settled' : 'posted', outcome: v.outcome, evidenceHash: v.evidenceHash, txHash: v.txHash };
  }

  async signVerdict(payload: VerdictPayload): Promise<SignedVerdict> {
    this.chain.fault('signVerdict');
    return this.chain.signFor(this.address, payload);
  }

  async prepareVerdict(payload: VerdictPayload, signatures: SignedVerdict[]): Promise<PreparedTx> {
    this.chain.fault('prepareVerdict');
    return this.chain.encode(this.address, this.chain.nonceOf(this.address), payload, signatures);
  }

  async broadcast(tx: PreparedTx): Promise<Bytes32> {
    this.chain.fault('broadcast');
    return this.chain.accept(tx);
  }

  async waitConfirmed(txHash: Bytes32, depth: number): Promise<TxOutcome> {
    this.chain.fault('waitConfirmed');
    const tx = this.chain.txs.get(txHash.toLowerCase() as Bytes32);
    if (!tx || tx.status === 'dropped') return { status: 'dropped' };
    // blocks keep coming on a live chain: produce them until the tx is deep enough
    while (this.chain.head < tx.block! + depth) this.chain.mine();
    return tx.success ? { status: 'confirmed', blockNumber: tx.block! } : { status: 'reverted', blockNumber: tx.block!, reason: tx.reason ?? 'reverted' };
  }
}
