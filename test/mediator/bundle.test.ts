import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VerdictError, keccak256Hex } from '../../src/core/index.js';
import { deriveSeed, makeDisputeEvidence, parseDisputeEvidence, parseVerdictBundle, verifyVerdictBundle } from '../../src/mediator/bundle.js';
import { jobIdToBytes32, outcomeCode, outcomeFromCode } from '../../src/mediator/ports.js';
import { VerifierRegistry } from '../../src/verifiers/index.js';
import { World } from './fixtures/world.js';

const isCodedError = (e: unknown) => e instanceof VerdictError && typeof e.code === 'string';

test('dispute evidence: a valid document parses; garbage is a VerdictError, never a crash', () => {
  const w = new World();
  try {
    const c = w.dispute();
    const doc = makeDisputeEvidence(c.job, c.bundle);
    assert.deepEqual(parseDisputeEvidence(JSON.parse(JSON.stringify(doc))).job.id, c.job.id);
    assert.throws(() => parseDisputeEvidence({ ...doc, evidence: { ...doc.evidence, jobId: 'other' } }), isCodedError);
    assert.throws(() => parseDisputeEvidence({ ...doc, job: { ...doc.job, provider: '0x' + '11'.repeat(20) } }), /claim is by/);
    assert.throws(() => parseDisputeEvidence({ ...doc, format: 'x' }), isCodedError);
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        try {
          parseDisputeEvidence(raw);
        } catch (e) {
          assert.ok(isCodedError(e), String(e));
        }
      }),
      { numRuns: 500 },
    );
    // mutations of a valid document: each either parses or is refused with a code
    fc.assert(
      fc.property(fc.constantFrom('format', 'v', 'job', 'evidence'), fc.anything(), (key, value) => {
        try {
          parseDisputeEvidence({ ...doc, [key]: value });
        } catch (e) {
          assert.ok(isCodedError(e), String(e));
        }
      }),
      { numRuns: 300 },
    );
  } finally {
    w.cleanup();
  }
});

test('verdict bundle parser and verifier refuse garbage with a coded error', async () => {
  const registry = new VerifierRegistry();
  await fc.assert(
    fc.asyncProperty(fc.anything(), async (raw) => {
      try {
        parseVerdictBundle(raw);
        assert.fail('garbage parsed');
      } catch (e) {
        assert.ok(isCodedError(e), String(e));
      }
      await assert.rejects(verifyVerdictBundle(raw, { registry }), isCodedError);
    }),
    { numRuns: 300 },
  );
});

test('job ids, outcome codes and seeds', () => {
  const h = keccak256Hex('x');
  assert.equal(jobIdToBytes32(h.toUpperCase().replace('0X', '0x')), h);
  assert.equal(jobIdToBytes32('deal-1'), keccak256Hex('deal-1'));
  for (const o of ['ProviderCorrect', 'ProviderFaulty', 'Inconclusive'] as const) assert.equal(outcomeFromCode(outcomeCode(o)), o);
  assert.throws(() => outcomeFromCode(3), RangeError);
  const s1 = deriveSeed(keccak256Hex('b1'), h);
  assert.notEqual(s1, deriveSeed(keccak256Hex('b2'), h));
  assert.notEqual(s1, deriveSeed(keccak256Hex('b1'), keccak256Hex('y')));
  assert.equal(s1, deriveSeed(keccak256Hex('b1'), h));
});

test('canonicalBundle splices canonical evidence text exactly as canonicalize() would encode the whole bundle', async () => {
  const { canonicalBundle } = await import('../../src/mediator/engine.js');
  const { canonicalize } = await import('../../src/core/index.js');
  fc.assert(
    fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }), (evidence, rest) => {
      const base = { ...rest, format: 'verdict.verdict-bundle', v: 1 } as never;
      assert.equal(canonicalBundle(base, canonicalize(evidence)), canonicalize({ ...(base as object), disputeEvidence: evidence }));
      assert.equal(canonicalBundle(base, null), canonicalize({ ...(base as object), disputeEvidence: null }));
    }),
    { numRuns: 300 },
  );
});
