import {
  MerkleTree,
  VerdictError,
  bindCommitment,
  canonicalBytes,
  concatBytes,
  equalBytes,
  fromHex,
  hashCanonical,
  sha256,
  toHex,
  u32be,
  utf8,
  verifyMerkleProof,
  type Hex,
  type JsonValue,
  type MerkleProof,
} from '../core/index.js';

/**
 * Output commitments for spot-sampling (format: docs/formats.md, "Spot-sampling").
 *
 * LLM completion: one leaf per generated token position t,
 *   leaf_t = canonical JSON {t, token, ctx, logprob?}
 * where ctx is a hash chain over the prompt and every token up to and including t:
 *   ctx_{-1} = sha256("verdict.llm.ctx.v1" ‖ 0x00 ‖ u32 P ‖ u32 p_0 … u32 p_{P−1})   (the P prompt tokens)
 *   ctx_t    = sha256(ctx_{t−1} ‖ u32 token_t)
 * Opening one leaf therefore also fixes the whole prefix it was predicted from: a provider cannot reveal a
 * different context for a sampled position than the one it committed to.
 *
 * Batch job: one leaf per request i, leaf_i = canonical JSON {i, input, output} with input and output the
 * sha256 of the canonical JSON of the request and of its result.
 *
 * Either root is published bound to the job and the leaf count: bindCommitment(jobId, root, size).
 */

export const MAX_TOKEN_ID = 2 ** 31 - 1;

export interface TokenLeaf {
  t: number;
  token: number;
  ctx: Hex;
  /** Natural-log probability of `token` under the model at temperature 1, when the job asks for logprobs. */
  logprob?: number;
}

export interface RequestLeaf {
  i: number;
  input: Hex;
  output: Hex;
}

export interface Commitment<L> {
  /** bindCommitment(jobId, root, size): what the claim publishes as outputCommitment. */
  commitment: Hex;
  root: Hex;
  size: number;
  leaves: L[];
  tree: MerkleTree;
}

export interface Opening<L> {
  leaf: L;
  proof: MerkleProof;
}

function checkToken(token: number, what: string): void {
  if (!Number.isSafeInteger(token) || token < 0 || token > MAX_TOKEN_ID) throw new VerdictError('BAD_INPUT', `${what}: token ${token} is not a token id`);
}

export function contextGenesis(promptTokens: readonly number[]): Uint8Array {
  const parts: Uint8Array[] = [utf8('verdict.llm.ctx.v1'), new Uint8Array([0]), u32be(promptTokens.length)];
  promptTokens.forEach((p, i) => {
    checkToken(p, `prompt[${i}]`);
    parts.push(u32be(p));
  });
  return sha256(concatBytes(...parts));
}

export function contextStep(prev: Uint8Array, token: number): Uint8Array {
  const buf = new Uint8Array(36);
  buf.set(prev, 0);
  new DataView(buf.buffer).setUint32(32, token, false);
  return sha256(buf);
}

/** ctx_t for t = 0 … tokens.length−1. */
export function contextChain(promptTokens: readonly number[], tokens: readonly number[]): Hex[] {
  let ctx = contextGenesis(promptTokens);
  return tokens.map((token, t) => {
    checkToken(token, `completion[${t}]`);
    ctx = contextStep(ctx, token);
    return toHex(ctx);
  });
}

export function tokenLeafBytes(leaf: TokenLeaf): Uint8Array {
  const obj: Record<string, JsonValue> = { t: leaf.t, token: leaf.token, ctx: leaf.ctx };
  if (leaf.logprob !== undefined) obj.logprob = leaf.logprob;
  return canonicalBytes(obj);
}

export function requestLeafBytes(leaf: RequestLeaf): Uint8Array {
  return canonicalBytes({ i: leaf.i, input: leaf.input, output: leaf.output });
}

export interface CompletionInput {
  jobId: string;
  promptTokens: readonly number[];
  tokens: readonly number[];
  /** One per token when the job commits log-probabilities. */
  logprobs?: readonly number[];
}

/** The provider's side: leaves, tree and bound commitment for a generated completion. */
export function commitCompletion(input: CompletionInput): Commitment<TokenLeaf> {
  const { jobId, promptTokens, tokens, logprobs } = input;
  if (logprobs && logprobs.length !== tokens.length) throw new VerdictError('BAD_INPUT', `${logprobs.length} logprobs for ${tokens.length} tokens`);
  const ctx = contextChain(promptTokens, tokens);
  const leaves: TokenLeaf[] = tokens.map((token, t) => {
    const leaf: TokenLeaf = { t, token, ctx: ctx[t]! };
    if (logprobs) {
      const lp = logprobs[t]!;
      if (!Number.isFinite(lp)) throw new VerdictError('BAD_INPUT', `logprob at ${t} is not finite`);
      leaf.logprob = lp;
    }
    return leaf;
  });
  return buildCommitment(jobId, leaves, tokenLeafBytes);
}

/** Hash of one batch request as it appears in the job spec. */
export const requestDigest = (request: JsonValue): Hex => hashCanonical(request);
/** Hash of one request's result. */
export const outputDigest = (output: JsonValue): Hex => hashCanonical(output);

export function commitBatch(jobId: string, requests: readonly JsonValue[], outputs: readonly JsonValue[]): Commitment<RequestLeaf> {
  if (requests.length !== outputs.length) throw new VerdictError('BAD_INPUT', `${outputs.length} outputs for ${requests.length} requests`);
  const leaves = requests.map((r, i) => ({ i, input: requestDigest(r), output: outputDigest(outputs[i]!) }));
  return buildCommitment(jobId, leaves, requestLeafBytes);
}

function buildCommitment<L>(jobId: string, leaves: L[], encode: (leaf: L) => Uint8Array): Commitment<L> {
  const tree = MerkleTree.fromLeaves(leaves.map(encode));
  return { commitment: bindCommitment(jobId, tree.root, leaves.length), root: tree.rootHex, size: leaves.length, leaves, tree };
}

/** Openings (leaf + Merkle proof) for the sampled indices. */
export function openLeaves<L>(c: Commitment<L>, indices: readonly number[]): Opening<L>[] {
  return indices.map((i) => {
    const leaf = c.leaves[i];
    if (leaf === undefined) throw new VerdictError('BAD_INPUT', `index ${i} is outside the ${c.size} committed leaves`);
    return { leaf, proof: c.tree.proof(i) };
  });
}

/** True when the bound commitment is H(jobId, root, size). */
export function commitmentMatches(commitment: Hex, jobId: string, root: Hex, size: number): boolean {
  try {
    return equalBytes(fromHex(commitment, 'commitment', 32), fromHex(bindCommitment(jobId, root, size)));
  } catch {
    return false;
  }
}

/** Checks an opening against a root: the proof's index and size must be the leaf's own. Never throws. */
export function verifyTokenOpening(root: Hex, size: number, opening: Opening<TokenLeaf>): boolean {
  const { leaf, proof } = opening;
  return proof.index === leaf.t && proof.size === size && proof.hash === 'sha256' && verifyMerkleProof(root, tokenLeafBytes(leaf), proof);
}

export function verifyRequestOpening(root: Hex, size: number, opening: Opening<RequestLeaf>): boolean {
  const { leaf, proof } = opening;
  return proof.index === leaf.i && proof.size === size && proof.hash === 'sha256' && verifyMerkleProof(root, requestLeafBytes(leaf), proof);
}
