/**
 * Merkle trees of batched verdicts, built exactly like OpenZeppelin's StandardMerkleTree so that the
 * contract's `MerkleProof.verifyCalldata` accepts the proofs:
 *   leaf = keccak256(keccak256(abi.encode(bytes32 jobId, uint8 outcome, bytes32 evidenceHash)))
 *   node = keccak256(sort(a, b))           (commutative: proofs carry no left/right bits)
 *   leaves sorted by hash, tree stored as an array (root at 0, children of i at 2i+1 and 2i+2).
 * Double hashing keeps a 64-byte leaf preimage from ever equalling an inner node's preimage.
 * Pure functions over bytes (keccak from @noble/hashes); no ethers.
 */
import { VerdictError } from '../../core/errors.js';
import { fromHex, isHex, toHex, type Hex } from '../../core/bytes.js';
import { keccak256 } from '../../core/hash.js';
import type { OutcomeCode, VerdictPayload } from '../ports.js';

export interface BatchLeaf {
  jobId: Hex;
  outcome: OutcomeCode;
  evidenceHash: Hex;
}

/** abi.encode(bytes32, uint8, bytes32): three 32-byte words. */
export function encodeLeaf(leaf: BatchLeaf): Uint8Array {
  if (typeof leaf !== 'object' || leaf === null) throw new VerdictError('BAD_INPUT', 'a batch leaf must be an object');
  const out = new Uint8Array(96);
  out.set(fromHex(leaf.jobId, 'leaf jobId', 32), 0);
  if (!Number.isInteger(leaf.outcome) || leaf.outcome < 0 || leaf.outcome > 2) {
    throw new VerdictError('BAD_INPUT', `leaf outcome must be 0, 1 or 2, got ${String(leaf.outcome)}`);
  }
  out[63] = leaf.outcome;
  out.set(fromHex(leaf.evidenceHash, 'leaf evidenceHash', 32), 64);
  return out;
}

export function leafHash(leaf: BatchLeaf): Uint8Array {
  return keccak256(keccak256(encodeLeaf(leaf)));
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  const [lo, hi] = compare(a, b) <= 0 ? [a, b] : [b, a];
  buf.set(lo, 0);
  buf.set(hi, 32);
  return keccak256(buf);
}

/**
 * OpenZeppelin StandardMerkleTree layout over already hashed leaves: sorts them, places them at the end of the
 * array in reverse order, hashes parents down to index 0. `at[i]` is where input leaf i landed.
 */
export function buildStandardTree(leafHashes: readonly Uint8Array[]): { tree: Uint8Array[]; at: number[] } {
  if (leafHashes.length === 0) throw new VerdictError('BAD_INPUT', 'a Merkle tree needs at least one leaf');
  const order = leafHashes.map((hash, index) => ({ hash, index })).sort((a, b) => compare(a.hash, b.hash));
  const n = order.length;
  const tree = new Array<Uint8Array>(2 * n - 1);
  const at = new Array<number>(n);
  order.forEach((h, i) => {
    const pos = tree.length - 1 - i;
    tree[pos] = h.hash;
    at[h.index] = pos;
  });
  for (let i = tree.length - 1 - n; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1]!, tree[2 * i + 2]!);
  return { tree, at };
}

export class VerdictBatchTree {
  /** Array-form tree: tree[0] is the root, leaves occupy the last `leaves.length` positions in reverse order. */
  private readonly tree: Uint8Array[];
  /** The input leaves in input order, and where each sits in the tree. */
  readonly leaves: readonly BatchLeaf[];
  private readonly position: Map<string, number>;
  private readonly byJob: Map<string, BatchLeaf>;

  private constructor(leaves: BatchLeaf[], tree: Uint8Array[], position: Map<string, number>) {
    this.leaves = leaves;
    this.tree = tree;
    this.position = position;
    this.byJob = new Map(leaves.map((l) => [l.jobId, l]));
  }

  /** Builds the tree; a job id may appear once (a batch holds one verdict per job). */
  static of(leaves: readonly (BatchLeaf | VerdictPayload)[]): VerdictBatchTree {
    if (!Array.isArray(leaves)) throw new VerdictError('BAD_INPUT', 'batch leaves must be an array');
    if (leaves.length === 0) throw new VerdictError('BAD_INPUT', 'a verdict batch needs at least one leaf');
    const normalized = leaves.map((l: unknown) => {
      if (typeof l !== 'object' || l === null) throw new VerdictError('BAD_INPUT', 'a batch leaf must be an object');
      const { jobId, outcome, evidenceHash } = l as Partial<BatchLeaf>;
      if (!isHex(jobId, 32) || !isHex(evidenceHash, 32)) {
        throw new VerdictError('BAD_INPUT', 'batch leaf jobId and evidenceHash must be 32-byte hex');
      }
      if (outcome !== 0 && outcome !== 1 && outcome !== 2) throw new VerdictError('BAD_INPUT', 'batch leaf outcome must be 0, 1 or 2');
      return { jobId: jobId.toLowerCase() as Hex, outcome, evidenceHash: evidenceHash.toLowerCase() as Hex };
    });
    const hashed = normalized.map((leaf) => ({ hash: leafHash(leaf) }));
    const seen = new Set<string>();
    for (const l of normalized) {
      if (seen.has(l.jobId)) throw new VerdictError('DUPLICATE', `job ${l.jobId} appears twice in the batch`);
      seen.add(l.jobId);
    }
    const { tree, at } = buildStandardTree(hashed.map((h) => h.hash));
    const position = new Map<string, number>();
    normalized.forEach((l, i) => position.set(l.jobId, at[i]!));
    return new VerdictBatchTree(normalized, tree, position);
  }

  get root(): Hex {
    return toHex(this.tree[0]!);
  }

  get size(): number {
    return this.leaves.length;
  }

  /** Sibling hashes from the leaf up, the order MerkleProof.verify consumes them. */
  proof(jobId: Hex): Hex[] {
    let i = this.position.get(jobId.toLowerCase());
    if (i === undefined) throw new VerdictError('NOT_FOUND', `job ${jobId} is not in the batch`);
    const out: Hex[] = [];
    while (i > 0) {
      const sibling = i % 2 === 1 ? i + 1 : i - 1;
      out.push(toHex(this.tree[sibling]!));
      i = Math.floor((i - 1) / 2);
    }
    return out;
  }

  leaf(jobId: Hex): BatchLeaf {
    const l = this.byJob.get(jobId.toLowerCase());
    if (!l) throw new VerdictError('NOT_FOUND', `job ${jobId} is not in the batch`);
    return l;
  }
}

/** Recomputes the root from a leaf and its proof (what the contract does). */
export function processProof(leaf: BatchLeaf, proof: readonly Hex[]): Hex {
  let h = leafHash(leaf);
  for (const p of proof) h = hashPair(h, fromHex(p, 'proof element', 32));
  return toHex(h);
}

export function verifyProof(leaf: BatchLeaf, proof: readonly Hex[], root: Hex): boolean {
  return processProof(leaf, proof) === root.toLowerCase();
}
