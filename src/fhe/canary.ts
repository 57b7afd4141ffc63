import { VerdictError, hashCanonical, hexSchema, parseWith, z, type Hex } from '../core/index.js';
import { hypergeometricDetection } from '../sampling/index.js';
import type { FheEngine } from './backend.js';
import { unpackRecords } from './codec.js';
import type { FheProgram } from './program.js';
import { validateCiphertext, validateSecretKey } from './seal-format.js';

/**
 * Encrypted canaries (ringers). The job creator hides k ciphertexts of records whose results it knows
 * among the n items of a job; under IND-CPA encryption the provider cannot tell them apart. After the
 * job, the creator (or whoever holds its secret key) decrypts ONLY the canary items and compares them with
 * the expected results: exactly for BFV, within the declared tolerance for CKKS.
 *
 * The opening (positions, expected results, tolerance, salt) is committed in the job spec before the job
 * runs, so the creator cannot move canaries after seeing the outputs; the 32-byte salt keeps the
 * commitment from revealing the positions.
 */
export interface CanaryOpening {
  format: 'verdict-fhe-canaries';
  v: 1;
  salt: Hex;
  /** Item indices of the canaries, ascending. */
  indices: number[];
  /** Per canary item, per record: the expected output vector. */
  expected: number[][][];
  /** CKKS: a value passes when |got − want| ≤ abs + rel·|want|; BFV compares exactly. */
  tolerance: { abs: number; rel: number };
}

const openingSchema = z
  .object({
    format: z.literal('verdict-fhe-canaries'),
    v: z.literal(1),
    salt: hexSchema(32),
    indices: z.array(z.number().int().min(0).max(1 << 20)).min(1).max(4096),
    expected: z.array(z.array(z.array(z.number().refine(Number.isFinite, 'finite')).max(1024)).max(16384)).max(4096),
    tolerance: z.object({ abs: z.number().min(0).max(1e6), rel: z.number().min(0).max(1) }).strict(),
  })
  .strict();

export function parseCanaryOpening(raw: unknown, source = 'canary opening', code: 'BAD_INPUT' | 'BAD_EVIDENCE' = 'BAD_INPUT'): CanaryOpening {
  const o = parseWith(openingSchema, raw, { source, code }) as CanaryOpening;
  if (o.expected.length !== o.indices.length) throw new VerdictError(code, `${source}: ${o.indices.length} indices but ${o.expected.length} expected results`);
  for (let i = 1; i < o.indices.length; i++) {
    if (o.indices[i]! <= o.indices[i - 1]!) throw new VerdictError(code, `${source}: indices must be strictly ascending`);
  }
  return o;
}

export function canaryCommitment(opening: CanaryOpening): Hex {
  return hashCanonical(opening as never);
}

/** P(at least one canary among `faked` faked items of n, k canaries placed uniformly): 1 − C(n−m, k)/C(n, k). */
export function canaryDetectionProbability(items: number, canaries: number, faked: number): number {
  return hypergeometricDetection(items, faked, canaries);
}

export interface CanaryFailure {
  /** Item index. */
  index: number;
  reason: string;
  record?: number;
  slot?: number;
  expected?: number;
  got?: number;
}

export interface CanaryReport {
  ok: boolean;
  checked: number;
  failures: CanaryFailure[];
  /** Largest |got − want| over all canary values (CKKS noise; 0 for an exact BFV match). */
  maxError: number;
}

/**
 * Decrypts only the canary items of `outputs` and compares them with the opening. Malformed output
 * ciphertexts make the canary fail (the provider delivered them), they do not throw.
 */
export function auditCanaries(
  engine: FheEngine,
  program: FheProgram,
  outputLevel: number,
  secretKey: Uint8Array,
  opening: CanaryOpening,
  outputs: readonly Uint8Array[],
): CanaryReport {
  const sk = validateSecretKey(secretKey, engine.chain, { code: 'BAD_INPUT', what: 'secret key' });
  const decryptor = engine.decryptor(sk);
  const failures: CanaryFailure[] = [];
  let maxError = 0;
  try {
    opening.indices.forEach((index, c) => {
      const expected = opening.expected[c]!;
      const bytes = outputs[index];
      const fail = (reason: string) => failures.push({ index, reason });
      if (!bytes) return fail('no output for this item');
      let values: Float64Array | BigInt64Array;
      try {
        const ct = validateCiphertext(bytes, engine.chain, { level: outputLevel, size: 2 }, { code: 'BAD_EVIDENCE', what: `output ${index}` });
        values = decryptor.decrypt(ct);
      } catch (e) {
        if (e instanceof VerdictError && (e.code === 'BAD_EVIDENCE' || e.code === 'LIMIT_EXCEEDED')) return fail(e.message);
        throw e;
      }
      const width = expected[0]?.length ?? 0;
      const got = unpackRecords(program, values, expected.length, width);
      expected.forEach((want, r) => {
        want.forEach((w, s) => {
          const g = got[r]![s]!;
          const err = Math.abs(g - w);
          maxError = Math.max(maxError, err);
          const ok = engine.params.scheme === 'bfv' ? g === w : err <= opening.tolerance.abs + opening.tolerance.rel * Math.abs(w);
          if (!ok) failures.push({ index, reason: 'wrong result', record: r, slot: s, expected: w, got: g });
        });
      });
    });
  } finally {
    decryptor.delete();
  }
  return { ok: failures.length === 0, checked: opening.indices.length, failures, maxError };
}
