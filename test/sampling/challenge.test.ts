import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  chainTranscript,
  commitRevealTranscript,
  commitSecret,
  parseChallengeSpec,
  parseChallengeTranscript,
  seedFromReveals,
  verifyChallenge,
  type ChallengeSpec,
} from '../../src/sampling/index.js';
import { VerdictError, isVerdictError, sha256Hex, toHex, type Hex } from '../../src/core/index.js';

const JOB = 'deal-42';
const COMMITMENT = sha256Hex('output commitment') as Hex;
const creator = { party: 'creator:0xc0ffee', secret: new Uint8Array(32).fill(1) };
const mediator = { party: 'mediator:0xabc', secret: new Uint8Array(32).fill(2) };
const spec: ChallengeSpec = {
  kind: 'commit-reveal',
  commits: [creator, mediator].map((r) => ({ party: r.party, commit: commitSecret(r.secret, r.party, JOB) })),
};

test('commit–reveal: the honest transcript verifies and yields its seed', () => {
  const tr = commitRevealTranscript(JOB, COMMITMENT, [creator, mediator]);
  const seed = verifyChallenge(parseChallengeTranscript(tr), { jobId: JOB, outputCommitment: COMMITMENT, spec, excludedParties: ['provider:0x1'] });
  assert.equal(toHex(seed), tr.seed);
  // Order of reveals does not matter; the output commitment, job and secrets do.
  assert.equal(toHex(seedFromReveals(JOB, COMMITMENT, [mediator, creator])), tr.seed);
  assert.notEqual(toHex(seedFromReveals(JOB, sha256Hex('other') as Hex, [creator, mediator])), tr.seed);
  assert.notEqual(toHex(seedFromReveals('deal-43', COMMITMENT, [creator, mediator])), tr.seed);
});

test('commit–reveal: wrong secrets, missing, extra, duplicate or excluded parties and a forged seed are refused', () => {
  const good = commitRevealTranscript(JOB, COMMITMENT, [creator, mediator]);
  const binding = { jobId: JOB, outputCommitment: COMMITMENT, spec, excludedParties: ['creator:0xc0ffee-provider'] };
  const cases: Array<[string, unknown]> = [
    ['forged seed', { ...good, seed: sha256Hex('x') }],
    ['missing party', commitRevealTranscript(JOB, COMMITMENT, [creator])],
    ['wrong secret', { ...good, reveals: [good.reveals[0], { ...good.reveals[1]!, secret: toHex(new Uint8Array(32).fill(9)) }] }],
    ['extra party', commitRevealTranscript(JOB, COMMITMENT, [creator, mediator, { party: 'eve', secret: new Uint8Array(32) }])],
    ['duplicate', { ...good, reveals: [good.reveals[0], good.reveals[0], good.reveals[1]] }],
    ['other job', commitRevealTranscript('deal-43', COMMITMENT, [creator, mediator])],
  ];
  for (const [name, tr] of cases) {
    assert.throws(() => verifyChallenge(parseChallengeTranscript(tr), binding), (e) => isVerdictError(e, 'BAD_EVIDENCE'), name);
  }
  assert.throws(
    () => verifyChallenge(parseChallengeTranscript(good), { ...binding, excludedParties: [creator.party] }),
    (e) => isVerdictError(e, 'BAD_EVIDENCE'),
  );
  // A seed re-derived for another output commitment (the provider swapping its commitment) does not verify.
  assert.throws(() => verifyChallenge(parseChallengeTranscript(good), { ...binding, outputCommitment: sha256Hex('swap') as Hex }), VerdictError);
});

test('chain beacon: strictly after the commitment block, seed bound to the block hash', () => {
  const chainSpec = parseChallengeSpec({ kind: 'chain', distance: 2 });
  const hash = sha256Hex('block 102') as Hex;
  const tr = chainTranscript(JOB, COMMITMENT, 100, 102, hash);
  const seed = verifyChallenge(parseChallengeTranscript(tr), { jobId: JOB, outputCommitment: COMMITMENT, spec: chainSpec });
  assert.equal(toHex(seed), tr.seed);
  const tooEarly = chainTranscript(JOB, COMMITMENT, 100, 101, hash);
  assert.throws(() => verifyChallenge(tooEarly, { jobId: JOB, outputCommitment: COMMITMENT, spec: chainSpec }), VerdictError);
  const same = chainTranscript(JOB, COMMITMENT, 100, 100, hash);
  assert.throws(() => verifyChallenge(same, { jobId: JOB, outputCommitment: COMMITMENT, spec: parseChallengeSpec({ kind: 'chain' }) }), VerdictError);
  assert.throws(() => verifyChallenge({ ...tr, beaconHash: sha256Hex('other') as Hex }, { jobId: JOB, outputCommitment: COMMITMENT, spec: chainSpec }), VerdictError);
  // A commit-reveal transcript where the job asked for a beacon is refused.
  assert.throws(() => verifyChallenge(commitRevealTranscript(JOB, COMMITMENT, [creator, mediator]), { jobId: JOB, outputCommitment: COMMITMENT, spec: chainSpec }), VerdictError);
});

test('commitSecret refuses secrets that are not 32 bytes', () => {
  assert.throws(() => commitSecret(new Uint8Array(31), 'a', JOB), VerdictError);
});

test('transcript and spec parsers: any input gives a transcript or VerdictError, never a crash', () => {
  const good = commitRevealTranscript(JOB, COMMITMENT, [creator, mediator]);
  const mutate = fc.oneof(
    fc.anything(),
    fc.record({ v: fc.constantFrom(1, 2, '1'), kind: fc.constantFrom('commit-reveal', 'chain', 'x'), reveals: fc.anything(), seed: fc.anything() }),
    fc.constant({ ...good, reveals: new Array(17).fill(good.reveals[0]) }),
    fc.constant({ ...good, extra: 1 }),
    fc.constant({ ...good, reveals: [{ ...good.reveals[0]!, party: 'x'.repeat(257) }] }),
    fc.record({ v: fc.constant(1), kind: fc.constant('chain'), commitBlock: fc.anything(), beaconBlock: fc.integer(), beaconHash: fc.string(), seed: fc.string() }),
  );
  fc.assert(
    fc.property(mutate, (raw) => {
      try {
        parseChallengeTranscript(raw);
      } catch (e) {
        assert.ok(isVerdictError(e, 'BAD_EVIDENCE'), String(e));
      }
      try {
        parseChallengeSpec(raw);
      } catch (e) {
        assert.ok(isVerdictError(e, 'BAD_INPUT'), String(e));
      }
    }),
    { numRuns: 500 },
  );
});
