import { VerdictError, hexSchema, normaliseOutputPath, parseWith, z, type Hex, type OutputFile } from '../../core/index.js';
import { compareRuleSchema } from './compare.js';

const pathSchema = z.string().min(1).max(1024);

const limitsSchema = z
  .object({
    wallMs: z.number().int().min(1).max(3_600_000).optional(),
    memoryMb: z.number().int().min(1).max(65_536).optional(),
    maxOutputBytes: z.number().int().min(1).max(1024 ** 3).optional(),
  })
  .strict();

const common = {
  args: z.array(z.string().max(8192)).max(1024).default([]),
  inputs: z.array(z.object({ path: pathSchema, sha256: hexSchema(32) }).strict()).max(10_000).default([]),
  /** Capture stdout as an output file of this name. */
  stdout: pathSchema.optional(),
  limits: limitsSchema.default({}),
  compare: z.array(compareRuleSchema).max(256).default([]),
  /** The fixed instant the program's clock reads, ns since the epoch (default 0). */
  clockNs: z.string().regex(/^\d{1,20}$/).default('0'),
};

/** The `spec` of a job the rerun verifier can check. */
export const rerunSpecSchema = z.discriminatedUnion('executor', [
  z.object({ executor: z.literal('wasi'), module: hexSchema(32), ...common }).strict(),
  z.object({ executor: z.literal('process'), command: z.string().min(1).max(4096), ...common }).strict(),
  z.object({ executor: z.literal('docker'), image: z.string().min(1).max(512), ...common }).strict(),
]);

export type RerunSpec = z.infer<typeof rerunSpecSchema>;

export function parseRerunSpec(raw: unknown, source = 'job.spec'): RerunSpec {
  return parseWith(rerunSpecSchema, raw, { source, code: 'BAD_INPUT' });
}

/** Evidence for the rerun verifier: the output files the provider claims, inline. */
export const MAX_EVIDENCE_BYTES = 64 * 1024 * 1024;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

export const rerunEvidenceSchema = z
  .object({
    v: z.literal(1),
    exitCode: z.number().int().min(0).max(255).default(0),
    outputs: z
      .array(
        z
          .object({
            path: pathSchema,
            base64: z
              .string()
              .max(Math.ceil(MAX_EVIDENCE_BYTES / 3) * 4)
              .refine((s) => s.length % 4 === 0 && BASE64_RE.test(s), { message: 'expected canonical base64' }),
          })
          .strict(),
      )
      .max(10_000),
  })
  .strict();

export interface RerunEvidence {
  exitCode: number;
  outputs: OutputFile[];
}

export function parseRerunEvidence(raw: unknown): RerunEvidence {
  const e = parseWith(rerunEvidenceSchema, raw, { source: 'evidence.rerun', code: 'BAD_EVIDENCE' });
  let total = 0;
  const seen = new Set<string>();
  const outputs = e.outputs.map((o, i) => {
    let path: string;
    try {
      path = normaliseOutputPath(o.path);
    } catch (err) {
      throw new VerdictError('BAD_EVIDENCE', `evidence.rerun: field "outputs[${i}].path": ${(err as Error).message}`);
    }
    if (seen.has(path)) throw new VerdictError('BAD_EVIDENCE', `evidence.rerun: duplicate output path "${path}"`);
    seen.add(path);
    const data = new Uint8Array(Buffer.from(o.base64, 'base64'));
    total += data.length;
    if (total > MAX_EVIDENCE_BYTES) throw new VerdictError('LIMIT_EXCEEDED', `evidence.rerun: outputs exceed ${MAX_EVIDENCE_BYTES} bytes`);
    return { path, data };
  });
  return { exitCode: e.exitCode, outputs };
}

/** Builds rerun evidence from output files (the provider side). */
export function rerunEvidence(outputs: readonly OutputFile[], exitCode = 0): { v: 1; exitCode: number; outputs: { path: string; base64: string }[] } {
  return { v: 1, exitCode, outputs: outputs.map((o) => ({ path: o.path, base64: Buffer.from(o.data).toString('base64') })) };
}

export type { Hex };
