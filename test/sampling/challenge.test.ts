import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  beaconBlockFor,
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
    ['wrong secret', { ...good, reveals: [good.reveals[0], { ...good.reveals[1]!, secret: toHex(new Uint8Array(32).fill(9)) }] }],
    ['extra party', commitRevealTranscript(JOB, COMMITMENT, [creator, mediator, { party: 'eve', secret: new Uint8Array(32) }])],
    ['duplicate', { ...good, reveals: [good.reveals[0], good.reveals[0], good.reveals[1]] }],
    ['other job', commitRevealTranscript('deal-43', COMMITMENT, [creator, mediator])],
  ];
  for (const [name, tr] of cases) {
    assert.throws(() => verifyChallenge(parseChallengeTranscript(tr), binding), (e) => isVerdictError(e, 'BAD_EVIDENCE'), name);
  }
  // The creator excluded (it is also the provider): the job itself is malformed, not the evidence.
  assert.throws(
    () => verifyChallenge(parseChallengeTranscript(good), { ...binding, excludedParties: [creator.party] }),
    (e) => isVerdictError(e, 'BAD_INPUT'),
  );
  // A seed re-derived for another output commitment (the provider swapping its commitment) does not verify.
  assert.throws(() => verifyChallenge(parseChallengeTranscript(good), { ...binding, outputCommitment: sha256Hex('swap') as Hex }), VerdictError);
});

test('commit–reveal: a party that withholds its reveal makes the challenge undecidable (NOT_FOUND, retryable), naming it', () => {
  const binding = { jobId: JOB, outputCommitment: COMMITMENT, spec, excludedParties: ['provider:0x1'] };
  for (const [reveals, missing] of [[[creator], [mediator.party]], [[mediator], [creator.party]], [[], [creator.party, mediator.party]]] as const) {
    const tr = reveals.length ? commitRevealTranscript(JOB, COMMITMENT, reveals) : { ...commitRevealTranscript(JOB, COMMITMENT, [creator]), reveals: [] };
    assert.throws(
      () => verifyChallenge(tr as never, binding),
      (e) => {
        assert.ok(isVerdictError(e, 'NOT_FOUND'), String(e));
        assert.equal(e.retryable, true);
        assert.deepEqual(e.details.missingReveals, missing);
        for (const party of missing) assert.ok(e.message.includes(party), e.message);
        return true;
      },
    );
  }
  // What the provider put in the transcript stays its responsibility even when a reveal is also missing.
  const bad = commitRevealTranscript(JOB, COMMITMENT, [creator]);
  const forged = { ...bad, reveals: [{ ...bad.reveals[0]!, secret: toHex(new Uint8Array(32).fill(9)) }] };
  assert.throws(() => verifyChallenge(forged, binding), (e) => isVerdictError(e, 'BAD_EVIDENCE'));
  const own = commitRevealTranscript(JOB, COMMITMENT, [creator, { party: 'provider:0x1', secret: new Uint8Array(32).fill(3) }]);
  assert.throws(() => verifyChallenge(own, binding), (e) => isVerdictError(e, 'BAD_EVIDENCE') && /provider:0x1/.test(e.message));
  // A job that makes the provider one of the committing parties is malformed: it could withhold its own reveal.
  const trap: ChallengeSpec = { kind: 'commit-reveal', commits: [...spec.commits, { party: 'provider:0x1', commit: commitSecret(new Uint8Array(32).fill(3), 'provider:0x1', JOB) }] };
  assert.throws(() => verifyChallenge(commitRevealTranscript(JOB, COMMITMENT, [creator, mediator]), { ...binding, spec: trap }), (e) => isVerdictError(e, 'BAD_INPUT'));
});

test('chain beacon: the beacon is pinned to exactly commitBlock + distance; any other block is refused', () => {
  const chainSpec = parseChallengeSpec({ kind: 'chain', distance: 2 }) as Extract<ChallengeSpec, { kind: 'chain' }>;
  const binding = { jobId: JOB, outputCommitment: COMMITMENT, spec: chainSpec };
  assert.equal(beaconBlockFor(100, chainSpec), 102);
  // A provider grinding over later blocks: each one would give another seed, none is accepted.
  for (const later of [103, 104, 150]) {
    const tr = chainTranscript(JOB, COMMITMENT, 100, later, sha256Hex(`block ${later}`) as Hex);
    assert.throws(
      () => verifyChallenge(tr, binding),
      (e) => isVerdictError(e, 'BAD_EVIDENCE') && /must be block 102/.test(e.message),
      `beacon block ${later}`,
    );
  }
  assert.doesNotThrow(() => verifyChallenge(chainTranscript(JOB, COMMITMENT, 100, 102, sha256Hex('block 102') as Hex), binding));
  assert.throws(() => beaconBlockFor(Number.MAX_SAFE_INTEGER, chainSpec), VerdictError);
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
