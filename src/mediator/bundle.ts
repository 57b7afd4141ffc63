import {
  VerdictError,
  concatBytes,
  fromHex,
  hashCanonical,
  isHex,
  jobSchema,
  parseEvidenceBundle,
  parseWith,
  sha256Hex,
  utf8,
  verdictOutcome,
  z,
  hexSchema,
  type Decision,
  type EvidenceBundle,
  type Hex,
  type Job,
  type JsonValue,
  type Verdict,
} from '../core/index.js';
import { evaluatePolicy, parsePolicy, policyHash, type Policy } from '../policy/index.js';
import type { VerifierRegistry } from '../verifiers/index.js';
import { jobIdToBytes32, outcomeCode, type Bytes32, type SignedVerdict, type VerdictPayload } from './ports.js';

/**
 * Wire formats of the mediator (docs/formats.md, "Mediation"):
 * - `verdict.dispute-evidence` v1: what a party hands the mediator for a disputed job (the Job and its
 *   EvidenceBundle). Its content id, sha256 of its canonical JSON, is the `evidenceHash` of the verdict.
 * - `verdict.verdict-bundle` v1: everything needed to re-check a verdict with no access to the mediator:
 *   the dispute evidence as fetched, the policy, the selection seed, the decision, the verdict and its signatures.
 */

export const DISPUTE_EVIDENCE_FORMAT = 'verdict.dispute-evidence';
export const VERDICT_BUNDLE_FORMAT = 'verdict.verdict-bundle';
export const ZERO32 = `0x${'00'.repeat(32)}` as Bytes32;

export interface DisputeEvidence {
  format: typeof DISPUTE_EVIDENCE_FORMAT;
  v: 1;
  job: Job;
  evidence: EvidenceBundle;
}

export function makeDisputeEvidence(job: Job, evidence: EvidenceBundle): DisputeEvidence {
  return { format: DISPUTE_EVIDENCE_FORMAT, v: 1, job, evidence };
}

/** Content id of a dispute evidence document (or any JSON value): sha256 of its canonical JSON. */
export function evidenceContentId(document: unknown): Bytes32 {
  return hashCanonical(document as JsonValue);
}

const disputeEvidenceShape = z.object({
  format: z.literal(DISPUTE_EVIDENCE_FORMAT),
  v: z.literal(1),
  job: z.unknown(),
  evidence: z.unknown(),
});

/** Validates untrusted dispute evidence; BAD_EVIDENCE naming the field when it is wrong. */
export function parseDisputeEvidence(raw: unknown, source = 'dispute evidence'): DisputeEvidence {
  const shape = parseWith(disputeEvidenceShape, raw, { source, code: 'BAD_EVIDENCE' });
  const job = parseWith(jobSchema, shape.job, { source: `${source}.job`, code: 'BAD_EVIDENCE' });
  const evidence = parseEvidenceBundle(shape.evidence, `${source}.evidence`);
  if (evidence.jobId !== job.id) {
    throw new VerdictError('BAD_EVIDENCE', `${source}: evidence is for job "${evidence.jobId}", not "${job.id}"`);
  }
  if (!sameParty(evidence.claim.provider, job.provider)) {
    throw new VerdictError('BAD_EVIDENCE', `${source}: the claim is by "${evidence.claim.provider}", the job's provider is "${job.provider}"`);
  }
  return { format: DISPUTE_EVIDENCE_FORMAT, v: 1, job, evidence };
}

/** Addresses compare case-insensitively; other identities exactly. */
export function sameParty(a: string, b: string): boolean {
  return isHex(a, 20) && isHex(b, 20) ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/**
 * Selection seed when the chain supplies none: sha256("verdict.mediator.seed.v1" ‖ blockHash ‖ jobId) of the
 * block holding the challenge. Fixed after the provider committed, and the same on every mediator and re-check.
 */
export function deriveSeed(blockHash: Bytes32, jobId: Bytes32): Bytes32 {
  return sha256Hex(concatBytes(utf8('verdict.mediator.seed.v1'), fromHex(blockHash, 'blockHash', 32), fromHex(jobId, 'jobId', 32)));
}

/** The Decision a mediator issues when there is nothing it can verify (no, or unusable, evidence / no policy). */
export function unverifiableDecision(jobId: string, jobType: string, reason: string, decidedAt: number): Decision {
  return {
    v: 1,
    jobId,
    jobType,
    outcome: 'inconclusive',
    reasons: [reason],
    findings: [],
    skipped: [],
    policy: { id: 'none', version: '0', hash: ZERO32 },
    decidedAt,
  };
}

export interface ChainContext {
  chainId?: number;
  contract?: string;
  /** bytes32 job id on-chain. */
  jobId: Bytes32;
  dispute: { blockNumber: number; blockHash: Bytes32; txHash: Bytes32; logIndex: number };
  /** Transaction that put the verdict on-chain, and whether this mediator sent it. */
  verdictTx: Bytes32 | null;
  postedBy: 'self' | 'other';
}

export interface VerdictBundle {
  format: typeof VERDICT_BUNDLE_FORMAT;
  v: 1;
  /** The dispute evidence as fetched (JSON), or null when nothing usable could be fetched. */
  disputeEvidence: JsonValue | null;
  /** Why the evidence could not be used, when it could not. */
  evidenceProblem: string | null;
  evidenceHash: Bytes32;
  /** The full policy the decision was made under (null when none applied). */
  policy: JsonValue | null;
  seed: Bytes32;
  seedSource: 'chain' | 'block-hash';
  adaptiveProbability: number;
  decision: Decision;
  verdict: Verdict;
  payload: VerdictPayload;
  signatures: SignedVerdict[];
  chain: ChainContext;
}

const bytes32 = hexSchema(32);
const bundleShape = z.object({
  format: z.literal(VERDICT_BUNDLE_FORMAT),
  v: z.literal(1),
  disputeEvidence: z.unknown(),
  evidenceProblem: z.string().max(10_000).nullable(),
  evidenceHash: bytes32,
  policy: z.unknown(),
  seed: bytes32,
  seedSource: z.enum(['chain', 'block-hash']),
  adaptiveProbability: z.number().min(0).max(1),
  decision: z.object({
    v: z.literal(1),
    jobId: z.string(),
    jobType: z.string(),
    outcome: z.enum(['accept', 'reject', 'inconclusive']),
    reasons: z.array(z.string()),
    findings: z.array(z.object({ verifier: z.string(), outcome: z.enum(['pass', 'fail', 'inconclusive']), reason: z.string() }).passthrough()),
    skipped: z.array(z.string()),
    policy: z.object({ id: z.string(), version: z.string(), hash: bytes32 }),
    decidedAt: z.number(),
  }),
  verdict: z.object({
    v: z.literal(1),
    jobId: z.string(),
    outcome: z.enum(['ProviderCorrect', 'ProviderFaulty', 'Inconclusive']),
    decisionHash: bytes32,
    evidenceHash: bytes32,
    mediator: z.string(),
    issuedAt: z.number(),
    signature: hexSchema().optional(),
  }),
  payload: z.object({ jobId: bytes32, outcome: z.union([z.literal(0), z.literal(1), z.literal(2)]), evidenceHash: bytes32 }),
  signatures: z.array(z.object({ signer: z.string(), signature: hexSchema() })).max(256),
  chain: z.object({
    chainId: z.number().int().optional(),
    contract: z.string().optional(),
    jobId: bytes32,
    dispute: z.object({ blockNumber: z.number().int().nonnegative(), blockHash: bytes32, txHash: bytes32, logIndex: z.number().int().nonnegative() }),
    verdictTx: bytes32.nullable(),
    postedBy: z.enum(['self', 'other']),
  }),
});

export function parseVerdictBundle(raw: unknown, source = 'verdict bundle'): VerdictBundle {
  return parseWith(bundleShape, raw, { source, code: 'BAD_EVIDENCE' }) as unknown as VerdictBundle;
}

export interface BundleCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface BundleReport {
  /** Every check passed: the verdict follows from the bundle. */
  ok: boolean;
  jobId: string;
  outcome: Verdict['outcome'];
  checks: BundleCheck[];
}

export interface VerifyBundleOptions {
  /** Verifiers of the job type, for the re-run of the policy. */
  registry: VerifierRegistry;
  /**
   * Recovers the EIP-712 signer of a payload (the chain adapter provides one for a given chainId and contract).
   * Without it the signatures are reported as not checked, which fails the report unless `allowUnsignedCheck`.
   */
  recoverSigner?: (payload: VerdictPayload, signature: Hex, chain: ChainContext) => string;
  allowUnsignedCheck?: boolean;
  signal?: AbortSignal;
}

/**
 * Re-checks a verdict from its bundle alone: hashes, the binding of job, evidence, policy, decision and
 * payload, the signatures, and a fresh run of the policy's verifiers with the recorded seed.
 */
export async function verifyVerdictBundle(raw: unknown, options: VerifyBundleOptions): Promise<BundleReport> {
  const b = parseVerdictBundle(raw);
  const checks: BundleCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  // 1. the verdict is what the decision says, and everything points at the same evidence
  const decisionHash = hashCanonical(b.decision as unknown as JsonValue);
  check('decision hash', decisionHash === b.verdict.decisionHash, `sha256(JCS(decision)) = ${decisionHash}`);
  const expectedOutcome = verdictOutcome(b.decision.outcome);
  check('outcome', b.verdict.outcome === expectedOutcome && b.payload.outcome === outcomeCode(expectedOutcome), `decision ${b.decision.outcome} → ${expectedOutcome}`);
  check(
    'evidence hash',
    b.payload.evidenceHash === b.evidenceHash && b.verdict.evidenceHash === b.evidenceHash,
    'payload, verdict and bundle name the same evidence',
  );
  check('job id', b.payload.jobId === b.chain.jobId, `payload job ${b.payload.jobId}`);
  if (b.seedSource === 'block-hash') {
    const seed = deriveSeed(b.chain.dispute.blockHash, b.chain.jobId);
    check('seed', seed === b.seed, 'seed derived from the challenge block hash');
  } else {
    check('seed', true, 'seed supplied by the chain (check it against the contract)');
  }

  // 2. signatures
  if (options.recoverSigner) {
    const signers = new Set<string>();
    let good = b.signatures.length > 0;
    for (const s of b.signatures) {
      let who: string;
      try {
        who = options.recoverSigner(b.payload, s.signature, b.chain);
      } catch {
        who = '';
      }
      if (who.toLowerCase() !== s.signer.toLowerCase() || signers.has(who.toLowerCase())) good = false;
      signers.add(who.toLowerCase());
    }
    check('signatures', good, `${b.signatures.length} signature(s), distinct signers recovered from EIP-712`);
  } else {
    check('signatures', options.allowUnsignedCheck === true, 'not checked (no EIP-712 domain / signer recovery supplied)');
  }

  // 3. evidence and policy, then the re-run
  if (b.disputeEvidence === null || b.evidenceProblem !== null) {
    check('unverifiable', b.decision.outcome === 'inconclusive', `no usable evidence (${b.evidenceProblem ?? 'none'}) must give Inconclusive`);
    if (b.disputeEvidence !== null) {
      let parsed = false;
      try {
        parseDisputeEvidence(b.disputeEvidence);
        parsed = true;
      } catch {
        // expected: the evidence is unusable
      }
      // evidence that parses may still be unusable (wrong job, wrong provider, no policy): the reason says which
      check('evidence problem', !parsed || b.evidenceProblem !== null, b.evidenceProblem ?? 'evidence does not parse');
    }
    return finish(b, checks);
  }
  const contentId = evidenceContentId(b.disputeEvidence);
  check('evidence content id', contentId === b.evidenceHash, `sha256(JCS(disputeEvidence)) = ${contentId}`);
  let doc: DisputeEvidence;
  try {
    doc = parseDisputeEvidence(b.disputeEvidence);
  } catch (e) {
    check('evidence parses', false, (e as Error).message);
    return finish(b, checks);
  }
  check('job binding', jobIdToBytes32(doc.job.id) === b.chain.jobId && b.decision.jobId === doc.job.id, `job "${doc.job.id}"`);
  let policy: Policy;
  try {
    policy = parsePolicy(b.policy, 'bundle.policy');
  } catch (e) {
    check('policy', false, (e as Error).message);
    return finish(b, checks);
  }
  const ph = policyHash(policy);
  check('policy hash', ph === b.decision.policy.hash && policy.jobType === doc.job.type, `policy ${policy.id}@${policy.version} ${ph}`);

  let rerun: Decision;
  try {
    rerun = await evaluatePolicy(options.registry, policy, doc.job, doc.evidence.claim, doc.evidence.items as Record<string, unknown>, {
      seed: fromHex(b.seed, 'seed', 32),
      adaptiveProbability: b.adaptiveProbability,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e) {
    check('re-run', false, `cannot re-run the policy: ${(e as Error).message}`);
    return finish(b, checks);
  }
  const ran = (d: { findings: { verifier: string; outcome: string }[] }) => d.findings.map((f) => `${f.verifier}:${f.outcome}`).join(',');
  check('re-run findings', ran(rerun) === ran(b.decision), `recorded [${ran(b.decision)}], re-run [${ran(rerun)}]`);
  check('re-run outcome', rerun.outcome === b.decision.outcome, `recorded ${b.decision.outcome}, re-run ${rerun.outcome}`);
  return finish(b, checks);
}

function finish(b: VerdictBundle, checks: BundleCheck[]): BundleReport {
  return { ok: checks.every((c) => c.ok), jobId: b.decision.jobId, outcome: b.verdict.outcome, checks };
}
