import { VerdictError, hexSchema, parseMerkleProof, parseWith, z, type MerkleProof } from '../../core/index.js';
import { challengeTranscriptSchema, type ChallengeTranscript, type RequestLeaf, type TokenLeaf } from '../../sampling/index.js';
import { MAX_SEQUENCE_TOKENS } from './spec.js';

/**
 * Evidence of the spot-sample verifier, version 1 (docs/formats.md, "Spot-sampling"). Everything is
 * untrusted: shapes, sizes and proofs are checked here, before any recomputation.
 */

export const MAX_OPENINGS = 10_000;
export const MAX_LEAVES = 1 << 24;
/** Log-probabilities are ≤ 0; a little slack for rounding. */
const LOGPROB_SLACK = 1e-6;

const tokenId = z.number().int().min(0).max(2 ** 31 - 1);
const logprob = z.number().min(-1e6).max(LOGPROB_SLACK);

const tokenLeafSchema = z
  .object({ t: z.number().int().min(0).max(MAX_LEAVES), token: tokenId, ctx: hexSchema(32), logprob: logprob.optional() })
  .strict();

const requestLeafSchema = z.object({ i: z.number().int().min(0).max(MAX_LEAVES), input: hexSchema(32), output: hexSchema(32) }).strict();

/** One request's result in a batch: its completion and, when the job asks, the log-probabilities. */
export const requestOutputSchema = z
  .object({ completion: z.array(tokenId).max(MAX_SEQUENCE_TOKENS), logprobs: z.array(logprob).max(MAX_SEQUENCE_TOKENS).optional() })
  .strict();

const llmTokensEvidenceSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('llm-tokens'),
    root: hexSchema(32),
    size: z.number().int().min(1).max(MAX_SEQUENCE_TOKENS),
    /** The completion from its first token up to (at least) the last sampled position. */
    completion: z.array(tokenId).min(1).max(MAX_SEQUENCE_TOKENS),
    openings: z.array(z.object({ leaf: tokenLeafSchema, proof: z.unknown() }).strict()).min(1).max(MAX_OPENINGS),
    challenge: challengeTranscriptSchema,
  })
  .strict();

const batchEvidenceSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('batch'),
    root: hexSchema(32),
    size: z.number().int().min(1).max(MAX_LEAVES),
    openings: z
      .array(z.object({ leaf: requestLeafSchema, proof: z.unknown(), output: requestOutputSchema }).strict())
      .min(1)
      .max(MAX_OPENINGS),
    challenge: challengeTranscriptSchema,
  })
  .strict();

const evidenceSchema = z.discriminatedUnion('kind', [llmTokensEvidenceSchema, batchEvidenceSchema]);

export type RequestOutput = z.infer<typeof requestOutputSchema>;

export interface LlmTokensEvidence {
  v: 1;
  kind: 'llm-tokens';
  root: `0x${string}`;
  size: number;
  completion: number[];
  openings: Array<{ leaf: TokenLeaf; proof: MerkleProof }>;
  challenge: ChallengeTranscript;
}

export interface BatchEvidence {
  v: 1;
  kind: 'batch';
  root: `0x${string}`;
  size: number;
  openings: Array<{ leaf: RequestLeaf; proof: MerkleProof; output: RequestOutput }>;
  challenge: ChallengeTranscript;
}

export type SpotSampleEvidence = LlmTokensEvidence | BatchEvidence;

/** Validates untrusted evidence; anything malformed is VerdictError('BAD_EVIDENCE') naming the field. */
export function parseSpotSampleEvidence(raw: unknown, source = 'evidence.spot-sample'): SpotSampleEvidence {
  const e = parseWith(evidenceSchema, raw, { source, code: 'BAD_EVIDENCE' });
  const openings = e.openings.map((o, i) => {
    let proof: MerkleProof;
    try {
      proof = parseMerkleProof(o.proof);
    } catch (err) {
      throw new VerdictError('BAD_EVIDENCE', `${source}: field "openings[${i}].proof": ${(err as Error).message}`, { cause: err });
    }
    if (proof.size !== e.size) throw new VerdictError('BAD_EVIDENCE', `${source}: openings[${i}].proof is for ${proof.size} leaves, the commitment has ${e.size}`);
    return { ...o, proof };
  });
  if (e.kind === 'llm-tokens' && e.completion.length > e.size) {
    throw new VerdictError('BAD_EVIDENCE', `${source}: completion has ${e.completion.length} tokens, the commitment only ${e.size}`);
  }
  return { ...e, openings } as SpotSampleEvidence;
}
