/**
 * Output-commitment benchmark: building a Merkle commitment over N leaves with verdict's tree vs merkletreejs,
 * same leaves, same run, same hash (sha256). Also proof generation and verification.
 *   npx tsx bench/merkle.ts [N=1000000]
 */
import { createHash } from 'node:crypto';
import { MerkleTree as MerkleTreeJs } from 'merkletreejs';
import { MerkleTree, hashLeaf, verifyMerkleProof } from '../src/core/index.js';

const n = Number(process.argv[2] ?? 1_000_000);
const leaves: Uint8Array[] = [];
for (let i = 0; i < n; i++) {
  const leaf = new Uint8Array(32);
  new DataView(leaf.buffer).setUint32(0, i);
  new DataView(leaf.buffer).setUint32(28, i * 2654435761);
  leaves.push(leaf);
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = fn();
  return { ms: performance.now() - t, value };
}

console.log(`Merkle commitment over ${n.toLocaleString()} 32-byte leaves (sha256), ${process.version}, ${process.arch}`);
const ours = time(() => MerkleTree.fromLeaves(leaves));
console.log(`verdict MerkleTree.fromLeaves: ${ours.ms.toFixed(0)} ms`);

// merkletreejs with the same leaf hashing (0x00 prefix) and node hashing (0x01 prefix), so it does the same work.
const nodeFn = (data: Buffer) => createHash('sha256').update(Buffer.from([1])).update(data).digest();
const leafHashes = time(() => leaves.map((l) => Buffer.from(hashLeaf(l))));
const theirs = time(() => new MerkleTreeJs(leafHashes.value, nodeFn, { hashLeaves: false }));
const theirsTotal = leafHashes.ms + theirs.ms;
console.log(`merkletreejs (same hashing, leaves pre-hashed in ${leafHashes.ms.toFixed(0)} ms): ${theirs.ms.toFixed(0)} ms, ${theirsTotal.toFixed(0)} ms in all`);
const sameRoot = `0x${theirs.value.getRoot().toString('hex')}` === ours.value.rootHex;
console.log(`same root: ${sameRoot}; speed-up ${(theirsTotal / ours.ms).toFixed(1)}×`);

// merkletreejs as its README suggests using it: leaves hashed by the library (hashLeaves), a JS sha256 (noble).
const { sha256: nobleSha256 } = await import('@noble/hashes/sha2.js');
const typical = time(() => new MerkleTreeJs(leaves.map((l) => Buffer.from(l)), (d: Buffer) => Buffer.from(nobleSha256(d)), { hashLeaves: true }));
console.log(`merkletreejs, typical use (hashLeaves: true, @noble/hashes sha256, no domain separation): ${typical.ms.toFixed(0)} ms → ${(typical.ms / ours.ms).toFixed(1)}× ours`);

const idx = Math.floor(n / 3);
const proofs = 1000;
const ourProofs = time(() => {
  for (let i = 0; i < proofs; i++) ours.value.proof((idx + i * 997) % n);
});
const theirProofs = time(() => {
  for (let i = 0; i < 10; i++) theirs.value.getProof(leafHashes.value[(idx + i * 997) % n]!);
});
console.log(`proof by index: ${(ourProofs.ms / proofs * 1000).toFixed(1)} µs (verdict) vs ${(theirProofs.ms / 10 * 1000).toFixed(0)} µs getProof(leaf) (merkletreejs, linear search)`);
const p = ours.value.proof(idx);
const verify = time(() => {
  for (let i = 0; i < proofs; i++) verifyMerkleProof(ours.value.root, leaves[idx]!, p);
});
console.log(`proof verification: ${(verify.ms / proofs * 1000).toFixed(1)} µs (${p.siblings.length} siblings)`);
const rss = process.memoryUsage().rss / 2 ** 20;
console.log(`RSS after both trees: ${rss.toFixed(0)} MiB`);
if (!sameRoot) process.exitCode = 1;
