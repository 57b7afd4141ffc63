import {
  VerdictError,
  concatBytes,
  equalBytes,
  fromHex,
  hexSchema,
  parseWith,
  sha256,
  toHex,
  u32be,
  u64be,
  utf8,
  z,
  type Hex,
} from '../core/index.js';

/**
 * Challenge seeds the provider cannot predict when it commits (format: docs/formats.md, "Spot-sampling").
 *
 * (a) commit–reveal: before the provider commits, each party (job creator, verifier/mediator) publishes
 *     commit = sha256("verdict.challenge.commit.v1" ‖ 0x00 ‖ secret ‖ lp(party) ‖ lp(jobId)), lp = u32 length ‖ bytes.
 *     After the provider's output commitment is published, the parties reveal their secrets and
 *     seed = sha256("verdict.challenge.seed.v1" ‖ 0x00 ‖ lp(jobId) ‖ outputCommitment ‖ u32 count ‖
 *                   (lp(party) ‖ secret) for each party in ascending byte order of party).
 *     One honest party is enough: its secret was fixed before the commitment and unknown to the provider.
 *     A party that does not reveal cannot be replaced: the challenge is then undecidable (NOT_FOUND), which is
 *     nobody's verdict against the provider.
 * (b) chain randomness: the hash of exactly block commitBlock + distance, where commitBlock is the (first)
 *     block that recorded the commitment and distance is fixed by the job. Pinning the block leaves the
 *     provider no choice of beacon: accepting "any block at least distance later" would let it grind seeds.
 *     seed = sha256("verdict.challenge.beacon.v1" ‖ 0x00 ‖ lp(jobId) ‖ outputCommitment ‖ u64 block ‖ blockHash).
 *     Pure given the block hash; the caller checks the hash and the commitment's block against its chain.
 */

const COMMIT_TAG = utf8('verdict.challenge.commit.v1\u0000');
const SEED_TAG = utf8('verdict.challenge.seed.v1\u0000');
const BEACON_TAG = utf8('verdict.challenge.beacon.v1\u0000');

export const MAX_PARTIES = 16;
export const MAX_PARTY_LENGTH = 256;

function lp(text: string): Uint8Array {
  const bytes = utf8(text);
  return concatBytes(u32be(bytes.length), bytes);
}

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) throw new VerdictError('BAD_INPUT', 'a challenge secret is exactly 32 bytes');
}

/** The value a party publishes before the provider commits. */
export function commitSecret(secret: Uint8Array, party: string, jobId: string): Hex {
  checkSecret(secret);
  return toHex(sha256(concatBytes(COMMIT_TAG, secret, lp(party), lp(jobId))));
}

export interface Reveal {
  party: string;
  secret: Uint8Array;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Seed from the revealed secrets, bound to the job and the provider's output commitment. */
export function seedFromReveals(jobId: string, outputCommitment: Hex, reveals: readonly Reveal[]): Uint8Array {
  const sorted = [...reveals].sort((a, b) => byteOrder(a.party, b.party));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.party === sorted[i - 1]!.party) throw new VerdictError('BAD_INPUT', `party "${sorted[i]!.party}" revealed twice`);
  }
  const parts: Uint8Array[] = [SEED_TAG, lp(jobId), fromHex(outputCommitment, 'outputCommitment', 32), u32be(sorted.length)];
  for (const r of sorted) {
    checkSecret(r.secret);
    parts.push(lp(r.party), r.secret);
  }
  return sha256(concatBytes(...parts));
}

/** Seed from a block hash of a block after the one that recorded the commitment. */
export function seedFromBeacon(jobId: string, outputCommitment: Hex, blockNumber: number, blockHash: Hex): Uint8Array {
  if (!Number.isSafeInteger(blockNumber) || blockNumber < 0) throw new VerdictError('BAD_INPUT', `block number ${blockNumber} is not a non-negative integer`);
  return sha256(concatBytes(BEACON_TAG, lp(jobId), fromHex(outputCommitment, 'outputCommitment', 32), u64be(blockNumber), fromHex(blockHash, 'blockHash', 32)));
}

// ---- transcripts: what the evidence carries so anyone can re-derive the seed ----

const partySchema = z.string().min(1).max(MAX_PARTY_LENGTH);
const blockSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const commitRevealTranscriptSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('commit-reveal'),
    reveals: z
      .array(z.object({ party: partySchema, commit: hexSchema(32), secret: hexSchema(32) }).strict())
      .min(1)
      .max(MAX_PARTIES),
    seed: hexSchema(32),
  })
  .strict();

export const chainTranscriptSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('chain'),
    /** Block that recorded the provider's output commitment. */
    commitBlock: blockSchema,
    /** The beacon block: exactly commitBlock + the job's distance (beaconBlockFor). */
    beaconBlock: blockSchema,
    beaconHash: hexSchema(32),
    seed: hexSchema(32),
  })
  .strict();

export const challengeTranscriptSchema = z.discriminatedUnion('kind', [commitRevealTranscriptSchema, chainTranscriptSchema]);

export type CommitRevealTranscript = z.infer<typeof commitRevealTranscriptSchema>;
export type ChainTranscript = z.infer<typeof chainTranscriptSchema>;
export type ChallengeTranscript = z.infer<typeof challengeTranscriptSchema>;

/** What the job fixed, before the provider ran, about how its challenge is drawn (job.spec.challenge). */
export const challengeSpecSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('commit-reveal'),
      /** The parties' commits, published with the job. At least two independent parties. */
      commits: z
        .array(z.object({ party: partySchema, commit: hexSchema(32) }).strict())
        .min(2)
        .max(MAX_PARTIES),
    })
    .strict(),
  z
    .object({
      kind: z.literal('chain'),
      /** beaconBlock = commitBlock + distance, exactly (≥ 1: strictly after). */
      distance: z.number().int().min(1).max(10_000).default(1),
    })
    .strict(),
]);

export type ChallengeSpec = z.infer<typeof challengeSpecSchema>;

/** Parses an untrusted transcript; garbage gives VerdictError('BAD_EVIDENCE'). */
export function parseChallengeTranscript(raw: unknown, source = 'challenge'): ChallengeTranscript {
  return parseWith(challengeTranscriptSchema, raw, { source, code: 'BAD_EVIDENCE' });
}

export function parseChallengeSpec(raw: unknown, source = 'job.spec.challenge'): ChallengeSpec {
  return parseWith(challengeSpecSchema, raw, { source, code: 'BAD_INPUT' });
}

export interface ChallengeBinding {
  jobId: string;
  outputCommitment: Hex;
  /** How the job said the challenge is drawn. */
  spec: ChallengeSpec;
  /** Parties that must not contribute (the provider). */
  excludedParties?: readonly string[];
}

/**
 * Re-derives the seed from a transcript and checks it against what the job fixed. Returns the 32-byte seed.
 * Throws VerdictError naming what is wrong:
 * - BAD_EVIDENCE: what the provider submitted is wrong (a reveal that does not open its commit, a reveal by
 *   an excluded party or by a party that did not commit, a beacon block other than commitBlock + distance,
 *   a seed that does not re-derive) — the provider's fault;
 * - NOT_FOUND (retryable, details.missingReveals): a committed party has not revealed — not the provider's
 *   fault, the challenge cannot be decided until it does;
 * - BAD_INPUT: the job's challenge makes an excluded party (the provider) one of the committing parties.
 * Chain facts (that beaconHash is the hash of beaconBlock, and commitBlock the block of the commitment) are
 * the caller's to check.
 */
export function verifyChallenge(transcript: ChallengeTranscript, binding: ChallengeBinding): Uint8Array {
  const bad = (why: string): never => {
    throw new VerdictError('BAD_EVIDENCE', `challenge: ${why}`);
  };
  if (transcript.kind !== binding.spec.kind) bad(`the job asks for a "${binding.spec.kind}" challenge, the evidence has "${transcript.kind}"`);
  let seed: Uint8Array;
  if (transcript.kind === 'commit-reveal') {
    const spec = binding.spec as Extract<ChallengeSpec, { kind: 'commit-reveal' }>;
    const trap = spec.commits.find((c) => binding.excludedParties?.includes(c.party));
    if (trap) throw new VerdictError('BAD_INPUT', `challenge: the job makes "${trap.party}", who may not contribute to its own challenge, a committing party`);
    const expected = new Map(spec.commits.map((c) => [c.party, c.commit.toLowerCase()]));
    const seen = new Set<string>();
    for (const r of transcript.reveals) {
      if (seen.has(r.party)) bad(`party "${r.party}" revealed twice`);
      seen.add(r.party);
      if (binding.excludedParties?.includes(r.party)) bad(`party "${r.party}" may not contribute to its own challenge`);
      const want = expected.get(r.party);
      if (want === undefined) bad(`party "${r.party}" did not commit with the job`);
      if (r.commit.toLowerCase() !== want) bad(`party "${r.party}" reveals against a commit other than the one published with the job`);
      if (commitSecret(fromHex(r.secret), r.party, binding.jobId).toLowerCase() !== want) bad(`the secret of "${r.party}" does not open its commit`);
    }
    // Checked after every submitted reveal: a missing reveal never hides a forged one.
    const missing = [...expected.keys()].filter((party) => !seen.has(party));
    if (missing.length) {
      throw new VerdictError('NOT_FOUND', `challenge: ${missing.map((p) => `"${p}"`).join(', ')} ${missing.length === 1 ? 'has' : 'have'} not revealed ${missing.length === 1 ? 'its secret' : 'their secrets'}`, {
        retryable: true,
        details: { missingReveals: missing },
      });
    }
    seed = seedFromReveals(
      binding.jobId,
      binding.outputCommitment,
      transcript.reveals.map((r) => ({ party: r.party, secret: fromHex(r.secret) })),
    );
  } else {
    const spec = binding.spec as Extract<ChallengeSpec, { kind: 'chain' }>;
    const pinned = beaconBlockFor(transcript.commitBlock, spec);
    if (transcript.beaconBlock !== pinned) {
      bad(`the beacon must be block ${pinned} (the commitment's block ${transcript.commitBlock} + distance ${spec.distance}), the transcript names block ${transcript.beaconBlock}`);
    }
    seed = seedFromBeacon(binding.jobId, binding.outputCommitment, transcript.beaconBlock, transcript.beaconHash);
  }
  if (!equalBytes(seed, fromHex(transcript.seed))) bad('the seed is not the one derived from the transcript');
  return seed;
}

/** The one block whose hash seeds a chain challenge: commitBlock + distance (no choice is left to the provider). */
export function beaconBlockFor(commitBlock: number, spec: { distance: number }): number {
  const block = commitBlock + spec.distance;
  if (!Number.isSafeInteger(commitBlock) || commitBlock < 0 || !Number.isSafeInteger(block)) {
    throw new VerdictError('BAD_INPUT', `no beacon block for commitment block ${commitBlock} and distance ${spec.distance}`);
  }
  return block;
}

/** Builds a commit–reveal transcript from revealed secrets (the parties' side). */
export function commitRevealTranscript(jobId: string, outputCommitment: Hex, reveals: readonly Reveal[]): CommitRevealTranscript {
  return {
    v: 1,
    kind: 'commit-reveal',
    reveals: reveals.map((r) => ({ party: r.party, commit: commitSecret(r.secret, r.party, jobId), secret: toHex(r.secret) })),
    seed: toHex(seedFromReveals(jobId, outputCommitment, reveals)),
  };
}

export function chainTranscript(jobId: string, outputCommitment: Hex, commitBlock: number, beaconBlock: number, beaconHash: Hex): ChainTranscript {
  return { v: 1, kind: 'chain', commitBlock, beaconBlock, beaconHash, seed: toHex(seedFromBeacon(jobId, outputCommitment, beaconBlock, beaconHash)) };
}
