/** The batch tree builder against OpenZeppelin StandardMerkleTree conventions (on-chain checks: test/contracts/batch). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AbiCoder } from 'ethers';
import { MerkleTree as MerkleTreeJs } from 'merkletreejs';
import { fromHex, isVerdictError, keccak256, keccak256Hex, toHex, type Hex } from '../../src/core/index.js';
import {
  VerdictBatchTree,
  buildStandardTree,
  encodeLeaf,
  leafHash,
  processProof,
  verifyProof,
  type BatchLeaf,
} from '../../src/mediator/chain/merkle.js';
import type { OutcomeCode } from '../../src/mediator/ports.js';

const leafArb = fc.record({
  jobId: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b)),
  outcome: fc.constantFrom(0, 1, 2) as fc.Arbitrary<OutcomeCode>,
  evidenceHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b)),
});
const leavesArb = fc.uniqueArray(leafArb, { minLength: 1, maxLength: 80, selector: (l) => l.jobId });

test('OpenZeppelin StandardMerkleTree README vector: [address, uint256] leaves', () => {
  const abi = AbiCoder.defaultAbiCoder();
  const values: [string, string][] = [
    ['0x1111111111111111111111111111111111111111', '5000000000000000000'],
    ['0x2222222222222222222222222222222222222222', '2500000000000000000'],
  ];
  const hashes = values.map((v) => keccak256(keccak256(fromHex(abi.encode(['address', 'uint256'], v) as Hex))));
  const { tree } = buildStandardTree(hashes);
  assert.equal(toHex(tree[0]!), '0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77');
});

test('leaf encoding is abi.encode(bytes32, uint8, bytes32), double keccak', () => {
  const leaf: BatchLeaf = { jobId: keccak256Hex('j'), outcome: 2, evidenceHash: keccak256Hex('e') };
  const abi = AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint8', 'bytes32'], [leaf.jobId, leaf.outcome, leaf.evidenceHash]);
  assert.equal(toHex(encodeLeaf(leaf)), abi);
  assert.equal(toHex(leafHash(leaf)), toHex(keccak256(keccak256(fromHex(abi as Hex)))));
});

test('property: every leaf proves against the root; any other leaf or root does not', () => {
  fc.assert(
    fc.property(leavesArb, leafArb, (leaves, stranger) => {
      const tree = VerdictBatchTree.of(leaves);
      for (const l of leaves) {
        const proof = tree.proof(l.jobId);
        assert.ok(verifyProof(l, proof, tree.root));
        assert.ok(proof.length <= Math.ceil(Math.log2(leaves.length)) + 1);
        const other = { ...l, outcome: ((l.outcome + 1) % 3) as OutcomeCode };
        assert.ok(!verifyProof(other, proof, tree.root));
      }
      if (!leaves.some((l) => l.jobId === stranger.jobId)) {
        assert.ok(!verifyProof(stranger, tree.proof(leaves[0]!.jobId), tree.root));
        assert.throws(() => tree.proof(stranger.jobId), (e: unknown) => isVerdictError(e, 'NOT_FOUND'));
      }
    }),
    { numRuns: 60 },
  );
});

test('property: the root does not depend on the order of the input leaves', () => {
  fc.assert(
    fc.property(leavesArb, fc.nat(), (leaves, seed) => {
      const shuffled = [...leaves].sort((a, b) => ((a.jobId.charCodeAt(2 + (seed % 60)) ?? 0) - (b.jobId.charCodeAt(2 + (seed % 60)) ?? 0)));
      assert.equal(VerdictBatchTree.of(shuffled).root, VerdictBatchTree.of(leaves).root);
    }),
    { numRuns: 40 },
  );
});

test('cross-check with merkletreejs (sorted leaves, sorted pairs) where the layouts coincide (2^k leaves)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 6 }), fc.nat(), (k, salt) => {
      const leaves: BatchLeaf[] = Array.from({ length: 2 ** k }, (_, i) => ({
        jobId: keccak256Hex(`x${salt}-${i}`),
        outcome: (i % 3) as OutcomeCode,
        evidenceHash: keccak256Hex(`y${salt}-${i}`),
      }));
      const ours = VerdictBatchTree.of(leaves);
      const theirs = new MerkleTreeJs(
        leaves.map((l) => Buffer.from(leafHash(l))),
        (d: Buffer) => Buffer.from(keccak256(new Uint8Array(d))),
        { sortLeaves: true, sortPairs: true },
      );
      assert.equal(ours.root, theirs.getHexRoot());
    }),
    { numRuns: 20 },
  );
});

test('property: garbage leaves are VerdictErrors, never crashes', () => {
  fc.assert(
    fc.property(fc.anything(), (junk) => {
      try {
        VerdictBatchTree.of([junk as BatchLeaf]);
      } catch (e) {
        assert.ok(isVerdictError(e), String(e));
      }
      try {
        encodeLeaf(junk as BatchLeaf);
      } catch (e) {
        assert.ok(isVerdictError(e), String(e));
      }
    }),
    { numRuns: 300 },
  );
  assert.throws(() => VerdictBatchTree.of([]), (e: unknown) => isVerdictError(e, 'BAD_INPUT'));
  const l: BatchLeaf = { jobId: keccak256Hex('a'), outcome: 0, evidenceHash: keccak256Hex('b') };
  assert.throws(() => VerdictBatchTree.of([l, { ...l, outcome: 1 }]), (e: unknown) => isVerdictError(e, 'DUPLICATE'));
  assert.throws(() => processProof(l, ['0x12' as Hex]), (e: unknown) => isVerdictError(e, 'BAD_INPUT'));
});
