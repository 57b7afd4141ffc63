import { VerdictError, z, parseWith } from '../../core/index.js';
import { PUBLIC_SIGNALS, type ProofScheme } from './circuits.js';
import { parseProof, parsePublicSignals, type ParsedProof, type ParseOptions } from './proof.js';

/**
 * Evidence of the 'zk' verifier (docs/formats.md, "## ZK", zk-evidence v1): a proof that the circuit named by the
 * job ran on the committed model and input and produced the outputs behind the claim's output commitment.
 */
export interface ZkEvidence {
  v: 1;
  scheme: ProofScheme;
  circuit: string;
  circuitVersion: number;
  /** snarkjs proof JSON. */
  proof: unknown;
  /** Decimal strings, in the order of PUBLIC_SIGNALS. */
  publicSignals: string[];
  /** The int8 outputs the output commitment covers, so the job creator can read them and the mediator check them. */
  output?: number[];
}

export interface ParsedZkEvidence {
  v: 1;
  scheme: ProofScheme;
  circuit: string;
  circuitVersion: number;
  proof: ParsedProof;
  publicSignals: bigint[];
  output?: number[];
}

/** Largest evidence accepted, as JSON (a Groth16 bundle is ~1 KB, PLONK ~2 KB, outputs up to 4096). */
export const MAX_EVIDENCE_BYTES = 64 * 1024;

const envelopeSchema = z
  .object({
    v: z.literal(1),
    scheme: z.enum(['groth16', 'plonk']),
    circuit: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a circuit id like "dense-q8-32x16"'),
    circuitVersion: z.number().int().min(1).max(1_000_000),
    proof: z.unknown(),
    publicSignals: z.array(z.unknown()).max(64),
    output: z.array(z.number().int().min(-128).max(127)).max(4096).optional(),
  })
  .strict();

export function parseZkEvidence(raw: unknown, source = 'evidence.zk', options: ParseOptions = {}): ParsedZkEvidence {
  let size: number;
  try {
    // JSON.stringify, not canonicalize: an absent optional field set to undefined is fine here
    size = (JSON.stringify(raw) ?? '').length;
  } catch (e) {
    throw new VerdictError('BAD_EVIDENCE', `${source}: not JSON data (${(e as Error).message})`, { cause: e });
  }
  if (size > MAX_EVIDENCE_BYTES) {
    throw new VerdictError('BAD_EVIDENCE', `${source}: ${size} bytes exceeds the limit of ${MAX_EVIDENCE_BYTES}`);
  }
  const env = parseWith(envelopeSchema, raw, { source, code: 'BAD_EVIDENCE' });
  const parsed: ParsedZkEvidence = {
    v: 1,
    scheme: env.scheme,
    circuit: env.circuit,
    circuitVersion: env.circuitVersion,
    proof: parseProof(env.scheme, env.proof, `${source}.proof`, options),
    publicSignals: parsePublicSignals(env.publicSignals, PUBLIC_SIGNALS.length, `${source}.publicSignals`),
  };
  if (env.output) parsed.output = [...env.output];
  return parsed;
}
