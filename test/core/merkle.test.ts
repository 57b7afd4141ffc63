import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MerkleTree as ThirdPartyTree } from 'merkletreejs';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import {
  MerkleTree,
  chunkBytes,
  hashLeaf,
  hashNode,
  parseMerkleProof,
  toHex,
  utf8,
  verifyMerkleProof,
  VerdictError,
  bindCommitment,
} from '../../src/core/index.js';

const leavesArb = fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 70 });

test('every index of every tree has a proof that verifies, and only for its own leaf', () => {
  fc.assert(
    fc.property(leavesArb, fc.constantFrom('sha256' as const, 'keccak256' as const), (leaves, hash) => {
      const tree = MerkleTree.fromLeaves(leaves, { hash });
      for (let i = 0; i < leaves.length; i++) {
        const proof = tree.proof(i);
        assert.ok(verifyMerkleProof(tree.root, leaves[i]!, proof), `index ${i} of ${leaves.length}`);
        const tampered = new Uint8Array([...leaves[i]!, 1]);
        assert.equal(verifyMerkleProof(tree.root, tampered, proof), false);
      }
    }),
    { numRuns: 60 },
  );
});

test('a proof does not verify at another index or against another size', () => {
  const leaves = Array.from({ length: 13 }, (_, i) => utf8(`leaf-${i}`));
  const tree = MerkleTree.fromLeaves(leaves);
  const proof = tree.proof(5);
  assert.equal(verifyMerkleProof(tree.root, leaves[5]!, { ...proof, index: 4 }), false);
  // The raw root does not bind the size when the path shape is the same (13 vs 12 leaves here), which is
  // why published commitments go through bindCommitment(jobId, root, size); a differently shaped size fails.
  assert.equal(verifyMerkleProof(tree.root, leaves[5]!, { ...proof, size: 6 }), false);
  assert.equal(verifyMerkleProof(tree.root, leaves[4]!, proof), false);
});

test('different leaf lists never share a root (no odd-node duplication, domain-separated)', () => {
  fc.assert(
    fc.property(leavesArb, leavesArb, (a, b) => {
      const same = a.length === b.length && a.every((x, i) => toHex(x) === toHex(b[i]!));
      fc.pre(!same);
      assert.notEqual(MerkleTree.fromLeaves(a).rootHex, MerkleTree.fromLeaves(b).rootHex);
    }),
  );
  // merkletreejs with duplicateOdd gives [a,b,c] and [a,b,c,c] one root; ours does not.
  const abc = ['a', 'b', 'c'].map(utf8);
  assert.notEqual(MerkleTree.fromLeaves(abc).rootHex, MerkleTree.fromLeaves([...abc, utf8('c')]).rootHex);
});

test('a leaf cannot pose as an inner node (second-preimage resistance by domain separation)', () => {
  const leaves = ['a', 'b', 'c', 'd'].map(utf8);
  const tree = MerkleTree.fromLeaves(leaves);
  const inner = new Uint8Array([...hashLeaf(leaves[0]!), ...hashLeaf(leaves[1]!)]);
  const forged = MerkleTree.fromLeaves([inner, new Uint8Array([...hashLeaf(leaves[2]!), ...hashLeaf(leaves[3]!)])]);
  assert.notEqual(forged.rootHex, tree.rootHex);
});

test('matches a structurally identical merkletreejs tree built with our leaf and node hashing', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 16 }), { minLength: 1, maxLength: 64 }), (leaves) => {
      const ours = MerkleTree.fromLeaves(leaves);
      // merkletreejs hashes concatenated pairs with the given function; prefixing 0x01 there and feeding
      // 0x00-prefixed leaf hashes reproduces our construction when odd nodes are promoted (not duplicated).
      const nodeFn = (data: Buffer) => Buffer.from(nobleSha256(new Uint8Array([0x01, ...data])));
      const theirs = new ThirdPartyTree(leaves.map((l) => Buffer.from(hashLeaf(l))), nodeFn, { hashLeaves: false });
      assert.equal(ours.rootHex, `0x${theirs.getRoot().toString('hex')}`);
    }),
    { numRuns: 80 },
  );
});

test('node hash is sha256(0x01 ‖ l ‖ r) and leaf hash sha256(0x00 ‖ data)', () => {
  const l = new Uint8Array(32).fill(1);
  const r = new Uint8Array(32).fill(2);
  assert.deepEqual(hashNode(l, r), nobleSha256(new Uint8Array([1, ...l, ...r])));
  assert.deepEqual(hashLeaf(utf8('x')), nobleSha256(new Uint8Array([0, ...utf8('x')])));
});

test('dump and load round-trip; bad dumps are refused with a VerdictError', () => {
  const tree = MerkleTree.fromLeaves(chunkBytes(utf8('hello world, this is output'), 4), { hash: 'keccak256' });
  const again = MerkleTree.load(JSON.parse(JSON.stringify(tree.dump())));
  assert.equal(again.rootHex, tree.rootHex);
  assert.throws(() => MerkleTree.load({ format: 'verdict-merkle', v: 2, hash: 'sha256', leafHashes: [] }), VerdictError);
  assert.throws(() => MerkleTree.load({ format: 'verdict-merkle', v: 1, hash: 'md5', leafHashes: [] }), VerdictError);
  assert.throws(() => MerkleTree.load({ format: 'verdict-merkle', v: 1, hash: 'sha256', leafHashes: ['0x12'] }), VerdictError);
});

test('parseMerkleProof accepts exactly what verify can use and rejects everything else with BAD_EVIDENCE', () => {
  const tree = MerkleTree.fromLeaves(Array.from({ length: 9 }, (_, i) => utf8(String(i))));
  for (let i = 0; i < 9; i++) assert.deepEqual(parseMerkleProof(JSON.parse(JSON.stringify(tree.proof(i)))), tree.proof(i));
  fc.assert(
    fc.property(fc.anything(), (raw) => {
      try {
        const p = parseMerkleProof(raw);
        assert.equal(typeof verifyMerkleProof(tree.root, utf8('0'), p), 'boolean');
      } catch (e) {
        assert.ok(e instanceof VerdictError && e.code === 'BAD_EVIDENCE');
      }
    }),
    { numRuns: 500 },
  );
  const good = tree.proof(3);
  for (const bad of [
    { ...good, siblings: good.siblings.slice(1) },
    { ...good, index: 9 },
    { ...good, size: 0 },
    { ...good, siblings: [...good.siblings.slice(1), '0x1234'] },
    { ...good, v: 2 },
    { ...good, index: 1.5 },
  ]) {
    assert.throws(() => parseMerkleProof(bad), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_EVIDENCE');
  }
});

test('bound commitments differ by job id and by size', () => {
  const root = MerkleTree.fromLeaves([utf8('a')]).root;
  assert.notEqual(bindCommitment('job-1', root, 1), bindCommitment('job-2', root, 1));
  assert.notEqual(bindCommitment('job-1', root, 1), bindCommitment('job-1', root, 2));
});
