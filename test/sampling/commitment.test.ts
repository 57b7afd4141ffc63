import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  commitBatch,
  commitCompletion,
  commitmentMatches,
  contextChain,
  openLeaves,
  requestDigest,
  outputDigest,
  verifyRequestOpening,
  verifyTokenOpening,
  type TokenLeaf,
} from '../../src/sampling/index.js';
import { VerdictError, bindCommitment } from '../../src/core/index.js';

const tokensArb = fc.array(fc.integer({ min: 0, max: 511 }), { minLength: 1, maxLength: 80 });
const promptArb = fc.array(fc.integer({ min: 0, max: 511 }), { minLength: 1, maxLength: 10 });

test('every opened token leaf verifies against the root; the claim commitment binds job, root and size', () => {
  fc.assert(
    fc.property(promptArb, tokensArb, fc.boolean(), (prompt, tokens, withLp) => {
      const logprobs = withLp ? tokens.map((t) => -t / 100) : undefined;
      const c = commitCompletion({ jobId: 'job-1', promptTokens: prompt, tokens, ...(logprobs ? { logprobs } : {}) });
      assert.equal(c.size, tokens.length);
      assert.ok(commitmentMatches(c.commitment, 'job-1', c.root, c.size));
      assert.equal(commitmentMatches(c.commitment, 'job-2', c.root, c.size), false);
      assert.equal(commitmentMatches(c.commitment, 'job-1', c.root, c.size + 1), false);
      for (const o of openLeaves(c, tokens.map((_, i) => i))) assert.ok(verifyTokenOpening(c.root, c.size, o));
    }),
    { numRuns: 80 },
  );
});

test('an opening with any field changed does not verify', () => {
  const c = commitCompletion({ jobId: 'j', promptTokens: [1, 403], tokens: [5, 6, 7, 8, 9], logprobs: [-0.1, -0.2, -0.3, -0.4, -0.5] });
  const [o] = openLeaves(c, [2]);
  const variants: TokenLeaf[] = [
    { ...o!.leaf, token: 70 },
    { ...o!.leaf, t: 3 },
    { ...o!.leaf, logprob: -0.30001 },
    { ...o!.leaf, ctx: c.leaves[1]!.ctx },
    { t: o!.leaf.t, token: o!.leaf.token, ctx: o!.leaf.ctx },
  ];
  for (const leaf of variants) assert.equal(verifyTokenOpening(c.root, c.size, { leaf, proof: o!.proof }), false, JSON.stringify(leaf));
  assert.equal(verifyTokenOpening(c.root, c.size, { leaf: o!.leaf, proof: { ...o!.proof, index: 3 } }), false);
  assert.equal(verifyTokenOpening(c.root, 4, o!), false);
  assert.ok(verifyTokenOpening(c.root, c.size, o!));
});

test('the context chain binds the prompt and the whole prefix', () => {
  fc.assert(
    fc.property(promptArb, tokensArb, tokensArb, (prompt, a, b) => {
      const full = contextChain(prompt, [...a, ...b]);
      assert.deepEqual(full.slice(0, a.length), contextChain(prompt, a), 'a prefix has the same chain');
      const other = contextChain([...prompt, 0], a);
      assert.notEqual(other[a.length - 1], full[a.length - 1], 'another prompt gives another chain');
    }),
    { numRuns: 60 },
  );
});

test('batch commitments: leaves bind request and output digests', () => {
  const requests = [{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'c' }];
  const outputs = [[1, 2], [3], { x: 1 }];
  const c = commitBatch('batch-1', requests, outputs);
  assert.equal(c.commitment, bindCommitment('batch-1', c.root, 3));
  for (const o of openLeaves(c, [0, 1, 2])) {
    assert.ok(verifyRequestOpening(c.root, 3, o));
    assert.equal(o.leaf.input, requestDigest(requests[o.leaf.i]!));
    assert.equal(o.leaf.output, outputDigest(outputs[o.leaf.i]!));
  }
  const [o] = openLeaves(c, [1]);
  assert.equal(verifyRequestOpening(c.root, 3, { ...o!, leaf: { ...o!.leaf, output: outputDigest([4]) } }), false);
});

test('bad inputs to the commitment builders give VerdictError', () => {
  assert.throws(() => commitCompletion({ jobId: 'j', promptTokens: [1], tokens: [1, 2], logprobs: [0] }), VerdictError);
  assert.throws(() => commitCompletion({ jobId: 'j', promptTokens: [1], tokens: [1.5] }), VerdictError);
  assert.throws(() => commitCompletion({ jobId: 'j', promptTokens: [-1], tokens: [1] }), VerdictError);
  assert.throws(() => commitCompletion({ jobId: 'j', promptTokens: [1], tokens: [1], logprobs: [NaN] }), VerdictError);
  assert.throws(() => commitBatch('j', [1], []), VerdictError);
  const c = commitCompletion({ jobId: 'j', promptTokens: [1], tokens: [3] });
  assert.throws(() => openLeaves(c, [1]), VerdictError);
});
