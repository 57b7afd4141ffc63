import { z } from 'zod';
import { VerdictError, type ErrorCode } from './errors.js';
import { isHex, type Hex } from './bytes.js';
import type { Claim, EvidenceBundle, Job } from './types.js';

export { z };

export interface ParseOptions {
  /** Names the source in the message: a file path, 'evidence.rerun', ... */
  source?: string;
  code?: ErrorCode;
}

/** Renders a zod issue path as `a.b[0].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

/** Validates untrusted input against a schema; the error names the source, the field and what was expected. */
export function parseWith<T>(schema: z.ZodType<T>, raw: unknown, options: ParseOptions = {}): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((issue) => ({ field: formatPath(issue.path), message: issue.message }));
  const first = issues[0]!;
  const source = options.source ?? 'input';
  const more = result.error.issues.length > 1 ? ` (+${result.error.issues.length - 1} more)` : '';
  throw new VerdictError(options.code ?? 'BAD_INPUT', `${source}: field "${first.field}": ${first.message}${more}`, {
    details: { source, issues },
  });
}

export const hexSchema = (byteLength?: number) =>
  z.string().refine((s): s is Hex => isHex(s, byteLength), {
    message: byteLength ? `expected 0x-prefixed hex of ${byteLength} bytes` : 'expected 0x-prefixed hex',
  }) as unknown as z.ZodType<Hex>;

const json: z.ZodType<unknown> = z.unknown();

export const idSchema = z.string().min(1).max(256);

export const jobSchema = z.object({
  v: z.literal(1),
  id: idSchema,
  type: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a job type like "llm-inference"'),
  provider: z.string().min(1).max(256),
  creator: z.string().min(1).max(256).optional(),
  spec: z.record(z.string(), json),
  inputCommitment: hexSchema(32).optional(),
  createdAt: z.number().int().nonnegative().optional(),
}) as unknown as z.ZodType<Job>;

export const outputRefSchema = z.object({
  path: z.string().min(1).max(4096),
  size: z.number().int().nonnegative(),
  sha256: hexSchema(32),
});

export const claimSchema = z.object({
  v: z.literal(1),
  jobId: idSchema,
  provider: z.string().min(1).max(256),
  outputCommitment: hexSchema(32),
  outputs: z.array(outputRefSchema).max(100_000).optional(),
  completedAt: z.number().int().nonnegative().optional(),
  meta: z.record(z.string(), json).optional(),
}) as unknown as z.ZodType<Claim>;

export const evidenceBundleSchema = z.object({
  v: z.literal(1),
  jobId: idSchema,
  claim: claimSchema,
  items: z.record(z.string(), json),
}) as unknown as z.ZodType<EvidenceBundle>;

export function parseJob(raw: unknown, source = 'job'): Job {
  return parseWith(jobSchema, raw, { source });
}

export function parseClaim(raw: unknown, source = 'claim'): Claim {
  return parseWith(claimSchema, raw, { source, code: 'BAD_EVIDENCE' });
}

export function parseEvidenceBundle(raw: unknown, source = 'evidence'): EvidenceBundle {
  const bundle = parseWith(evidenceBundleSchema, raw, { source, code: 'BAD_EVIDENCE' });
  if (bundle.claim.jobId !== bundle.jobId) {
    throw new VerdictError('BAD_EVIDENCE', `${source}: claim.jobId "${bundle.claim.jobId}" does not match jobId "${bundle.jobId}"`);
  }
  return bundle;
}
