/**
 * What the dispute engine needs from the outside world. The engine only talks to these interfaces, so the
 * ethers adapter (src/mediator/chain), the Lilypad adapter (src/mediator/lilypad) and the in-memory fakes used
 * by unit tests are interchangeable. Nothing here imports ethers.
 *
 * Conventions shared with the chain adapter:
 * - every bytes32 is a 0x-prefixed, lower-case, 64-hex-digit string;
 * - addresses are 0x-prefixed 20-byte hex (checksummed or not; compare case-insensitively);
 * - block numbers are plain numbers (JS safe integers);
 * - errors are VerdictError: CHAIN_ERROR (retryable) for RPC trouble, BAD_CONFIG for a wrong contract /
 *   chain, BAD_INPUT for a malformed argument. The engine retries an operation only when `retryable` is true.
 */
import { isHex, keccak256Hex, type Clock, type Hex, type Logger, type VerdictOutcome } from '../core/index.js';

export type { Clock, Logger };

/**
 * The bytes32 a contract uses for a Job.id: the id itself when it already is 32-byte hex, else
 * keccak256(utf8(id)) (Lilypad deal ids and other string ids). Contracts and adapters use this same rule.
 */
export function jobIdToBytes32(id: string): Hex {
  return isHex(id, 32) ? (id.toLowerCase() as Hex) : keccak256Hex(id);
}

/** 0x-prefixed 32-byte hex. */
export type Bytes32 = Hex;

/** On-chain encoding of a verdict outcome, in the order of the contract's enum. */
export const OUTCOME_CODE = { ProviderCorrect: 0, ProviderFaulty: 1, Inconclusive: 2 } as const satisfies Record<VerdictOutcome, number>;
export type OutcomeCode = (typeof OUTCOME_CODE)[VerdictOutcome];

export function outcomeCode(outcome: VerdictOutcome): OutcomeCode {
  return OUTCOME_CODE[outcome];
}

export function outcomeFromCode(code: number): VerdictOutcome {
  switch (code) {
    case 0:
      return 'ProviderCorrect';
    case 1:
      return 'ProviderFaulty';
    case 2:
      return 'Inconclusive';
    default:
      throw new RangeError(`unknown verdict outcome code ${code}`);
  }
}

/**
 * The struct a committee member signs (EIP-712) and the contract checks. Typed-data shape, for the adapter:
 *   Verdict(bytes32 jobId,uint8 outcome,bytes32 evidenceHash)
 * in the domain { name, version, chainId, verifyingContract } the contract declares.
 */
export interface VerdictPayload {
  jobId: Bytes32;
  outcome: OutcomeCode;
  /** Content id (sha256) of the dispute evidence the decision was made on; see docs/formats.md "Mediation". */
  evidenceHash: Bytes32;
}

/** A dispute assigned to this mediator (or its committee), as read from a confirmed block. */
export interface DisputeEvent {
  /** On-chain job id. */
  jobId: Bytes32;
  /** The string id of the job where the protocol has one (Lilypad deal id, or the Job.id the bytes32 hashes). */
  jobKey?: string;
  creator: string;
  provider: string;
  /**
   * Content id (sha256 of the bytes) of the dispute evidence, when the challenge commits to one on-chain.
   * When absent the EvidenceSource finds the evidence by job id / key.
   */
  evidenceId?: Bytes32;
  /** Randomness fixed after the challenge (e.g. the committee-draw seed); else the engine derives one from blockHash. */
  seed?: Bytes32;
  blockNumber: number;
  blockHash: Bytes32;
  txHash: Bytes32;
  logIndex: number;
}

/** What the contract says about a job's verdict: how the engine posts idempotently. */
export interface OnChainVerdict {
  status: 'none' | 'posted' | 'settled';
  /** Present when status is not 'none'. */
  outcome?: OutcomeCode;
  evidenceHash?: Bytes32;
  /** The transaction that posted it, where the adapter can find it (from the job's indexed event). */
  txHash?: Bytes32;
}

/**
 * A signed, not yet broadcast verdict transaction. Its hash is known before it is sent, so the engine
 * persists it first: after a crash it re-broadcasts the same bytes (same nonce, same hash) instead of
 * building a second transaction, and the chain can never see two verdict transactions from one intent.
 */
export interface PreparedTx {
  txHash: Bytes32;
  /** RLP-encoded signed transaction. */
  raw: Hex;
  nonce: number;
}

/** Result of waiting for a transaction. `dropped`: not mined (or reorged out) within the wait; safe to re-check and re-send. */
export interface TxOutcome {
  status: 'confirmed' | 'reverted' | 'dropped';
  blockNumber?: number;
  /** Revert reason / custom error name where the node reports one. */
  reason?: string;
}

export interface Committee {
  /** Members' addresses. */
  members: string[];
  /** Signatures the contract needs (k of n). */
  threshold: number;
}

export interface SignedVerdict {
  signer: string;
  /** 65-byte r‖s‖v EIP-712 signature. */
  signature: Hex;
}

export interface ChainPort {
  /** This mediator's address (the account that signs and sends). */
  readonly address: string;
  /**
   * True when the contract tallies votes across transactions (each member may post its own signature; the
   * verdict is final once a quorum agrees), as VerdictMediation does. Then the engine posts its own vote
   * when it cannot gather a quorum of signatures off-chain, and waits for the final verdict.
   */
  readonly tallyVotes?: boolean;
  /**
   * Checks that the RPC answers, the chain id is what is expected and `contract` is the mediation contract
   * (has code and answers its view functions). Throws CHAIN_ERROR (unreachable) or BAD_CONFIG (wrong contract).
   */
  check(): Promise<{ chainId: number; contract: string }>;
  headBlock(): Promise<number>;
  /** Highest block at least `depth` blocks deep (head − depth, not below 0). */
  confirmedBlock(depth: number): Promise<number>;
  /**
   * Disputes in blocks [fromBlock, toBlock] (inclusive) whose committee includes this mediator, in chain order
   * (block number, then log index). Called only on confirmed ranges, so reorgs above the depth are not seen.
   */
  pollDisputes(fromBlock: number, toBlock: number): Promise<DisputeEvent[]>;
  /** Committee of a job: who may sign, and how many signatures a verdict needs. */
  committee(jobId: Bytes32): Promise<Committee>;
  /** The verdict the contract holds for a job, read at the latest block. */
  verdictStatus(jobId: Bytes32): Promise<OnChainVerdict>;
  /** EIP-712 signature of the payload by this mediator's key (no transaction). */
  signVerdict(payload: VerdictPayload): Promise<SignedVerdict>;
  /**
   * Builds and signs (does not send) the transaction that posts the verdict with these signatures, with an
   * explicit nonce (the account's pending nonce) and an explicit gas limit.
   */
  prepareVerdict(payload: VerdictPayload, signatures: SignedVerdict[]): Promise<PreparedTx>;
  /**
   * Sends a prepared transaction. Idempotent: when the node already knows the tx, or it is already mined,
   * resolves with its hash as well. A tx whose nonce was taken by another tx resolves too; waitConfirmed
   * then reports it 'dropped'. Throws CHAIN_ERROR (retryable) when the node cannot be reached.
   */
  broadcast(tx: PreparedTx): Promise<Bytes32>;
  /** Waits until the tx is `depth` blocks deep, or reports it reverted / dropped. Throws CHAIN_ERROR on RPC trouble. */
  waitConfirmed(txHash: Bytes32, depth: number, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<TxOutcome>;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}

/** Runs a freshly connected port's `check()` (unless skipped); on failure closes the port, then rethrows. */
export async function checkedPort<P extends ChainPort>(port: P, skipCheck = false): Promise<P> {
  if (skipCheck) return port;
  try {
    await port.check();
  } catch (e) {
    await port.close?.();
    throw e;
  }
  return port;
}

/**
 * Signatures of the other committee members. A single-member committee (threshold 1) needs none; a k-of-n
 * committee gets them from peers (an HTTP endpoint each member runs, or local keys in the demo).
 * Returns what it could collect; the engine retries later when there are fewer than the threshold.
 */
export interface CosignerPort {
  collect(payload: VerdictPayload, committee: Committee, signal?: AbortSignal): Promise<SignedVerdict[]>;
}

/** Where to find a job's dispute evidence. */
export interface EvidenceRef {
  jobId: Bytes32;
  jobKey?: string;
  /** sha256 content id of the evidence bytes, when the chain commits to one. */
  evidenceId?: Bytes32;
}

/**
 * Fetches the dispute evidence document (docs/formats.md, "Mediation": `verdict.dispute-evidence` v1, which carries
 * the Job and its EvidenceBundle) as raw untrusted bytes. The engine hashes and parses them itself.
 * Throws NOT_FOUND when there is none (yet: the engine retries within the evidence window), or a retryable error.
 */
export interface EvidenceSource {
  fetch(ref: EvidenceRef, signal?: AbortSignal): Promise<Uint8Array>;
}

/**
 * Reputation seam: the engine reads the provider's check probability before verifying and records every
 * adjudicated outcome. src/reputation provides the real scorer; `neutralReputation` is the stand-in.
 */
export interface ReputationPort {
  /** Probability for policy rules marked "adaptive", in [0, 1]. */
  checkProbability(provider: string, jobType: string): number;
  /**
   * One adjudicated outcome (the verdict as it stands on-chain). `checked` is false when no verifier ran
   * (none drawn, or nothing verifiable): such a verdict is no evidence about the provider either way.
   * May be called again for the same jobId after a crash: implementations deduplicate by jobId.
   * `flags` (only with ProviderCorrect): the verifiers that failed in this mediator's decision although the
   * verdict is correct: optional ones below the reject weight (e.g. a forged telemetry trace), or any that failed
   * where the committee overruled this mediator. The scorer puts the provider on probation for them without
   * counting a fail.
   */
  record(event: {
    provider: string;
    jobId: string;
    jobType: string;
    outcome: VerdictOutcome;
    checked: boolean;
    at: number;
    flags?: string[];
  }): void;
}

/** Always checks (probability 1) and remembers nothing: the behaviour of a policy without reputation. */
export const neutralReputation: ReputationPort = {
  checkProbability: () => 1,
  record: () => {},
};
