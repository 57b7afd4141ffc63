import { VerdictError } from './errors.js';
import { concatBytes, toHex, u32be, u64be, utf8, fromHex, type Hex } from './bytes.js';
import { canonicalBytes } from './canonical.js';
import { sha256, sha256Hex, HASHES, type HashName } from './hash.js';
import { MerkleTree } from './merkle.js';
import type { OutputRef } from './types.js';

/** Domain tag of a job-bound commitment (0x02: neither a Merkle leaf 0x00 nor a node 0x01). */
export const BOUND_PREFIX = 0x02;

/**
 * Binds a Merkle root to a job and to the number of leaves: H(0x02 ‖ u32 len ‖ jobId ‖ u64 size ‖ root).
 * A commitment made for one job is therefore useless for another, and a prefix of the leaves cannot pose as the whole.
 */
export function bindCommitment(jobId: string, root: Uint8Array | Hex, size: number, hash: HashName = 'sha256'): Hex {
  const id = utf8(jobId);
  const rootBytes = typeof root === 'string' ? fromHex(root, 'root', 32) : root;
  return toHex(HASHES[hash](concatBytes(new Uint8Array([BOUND_PREFIX]), u32be(id.length), id, u64be(size), rootBytes)));
}

export interface OutputFile {
  path: string;
  data: Uint8Array;
}

/** Normalises an output path: relative, '/'-separated, no '.' or '..' segments. */
export function normaliseOutputPath(path: string): string {
  const parts = path.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..')) {
    throw new VerdictError('BAD_INPUT', `output path "${path}" must be relative and stay inside the output directory`);
  }
  return parts.join('/');
}

export function describeOutputs(files: readonly OutputFile[]): OutputRef[] {
  const refs = files.map((f) => ({ path: normaliseOutputPath(f.path), size: f.data.length, sha256: sha256Hex(f.data) }));
  refs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < refs.length; i++) {
    if (refs[i]!.path === refs[i - 1]!.path) throw new VerdictError('BAD_INPUT', `duplicate output path "${refs[i]!.path}"`);
  }
  return refs;
}

/** Leaf of one output file in the output commitment: the canonical JSON of its {path, size, sha256}. */
export function outputLeaf(ref: OutputRef): Uint8Array {
  return canonicalBytes({ path: ref.path, size: ref.size, sha256: ref.sha256 });
}

/** The commitment a provider publishes for a set of output files (sorted by path), bound to the job. */
export function commitOutputRefs(jobId: string, refs: readonly OutputRef[]): Hex {
  const sorted = [...refs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const tree = MerkleTree.fromLeaves(sorted.map(outputLeaf));
  return bindCommitment(jobId, tree.root, sorted.length);
}

export function commitOutputs(jobId: string, files: readonly OutputFile[]): { commitment: Hex; outputs: OutputRef[] } {
  const outputs = describeOutputs(files);
  return { commitment: commitOutputRefs(jobId, outputs), outputs };
}

/** sha256 of bytes as hex: re-exported here because output refs are keyed by it. */
export const outputDigest = (data: Uint8Array): Hex => toHex(sha256(data));
