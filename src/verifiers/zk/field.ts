import { sha256 } from '@noble/hashes/sha2.js';
import { VerdictError, isHex, toHex, utf8, type Hex } from '../../core/index.js';

/** Order of the BN254 scalar field: every circuit signal is an element of it. */
export const FR = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** Order of the BN254 base field: every curve coordinate is an element of it. */
export const FQ = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** Canonical decimal: no sign, no leading zeros, at most 78 digits (2^256 has 78). */
const DECIMAL_RE = /^(?:0|[1-9][0-9]{0,77})$/;

/** Parses a canonical decimal string below `modulus`; anything else is BAD_EVIDENCE naming `what`. */
export function parseDecimal(value: unknown, modulus: bigint, what: string): bigint {
  if (typeof value !== 'string' || !DECIMAL_RE.test(value)) {
    throw new VerdictError('BAD_EVIDENCE', `${what}: expected a canonical decimal string`, { details: { field: what } });
  }
  const n = BigInt(value);
  if (n >= modulus) throw new VerdictError('BAD_EVIDENCE', `${what}: not below the field modulus`, { details: { field: what } });
  return n;
}

/** A field element as 32-byte big-endian hex: how commitments appear in Job, Claim and on-chain. */
export function fieldToHex(x: bigint): Hex {
  if (x < 0n || x >= FR) throw new VerdictError('INTERNAL', 'fieldToHex: not a field element');
  return `0x${x.toString(16).padStart(64, '0')}`;
}

/** Reads a 32-byte big-endian hex commitment; it must be a canonical field element (below r). */
export function hexToField(hex: unknown, what: string, code: 'BAD_EVIDENCE' | 'BAD_INPUT' = 'BAD_INPUT'): bigint {
  if (!isHex(hex, 32)) throw new VerdictError(code, `${what}: expected 0x-prefixed hex of 32 bytes`, { details: { field: what } });
  const x = BigInt(hex);
  if (x >= FR) throw new VerdictError(code, `${what}: not a BN254 scalar field element`, { details: { field: what } });
  return x;
}

/**
 * The job id as a circuit signal: the first 31 bytes of sha256("verdict.zk.job.v1" ‖ 0x00 ‖ utf8(jobId)),
 * big-endian. 248 bits are always below r, so every id maps to exactly one signal value.
 */
export function jobIdToField(jobId: string): bigint {
  const digest = sha256(new Uint8Array([...utf8('verdict.zk.job.v1'), 0, ...utf8(jobId)]));
  return BigInt(toHex(digest.subarray(0, 31)));
}

/** Signed integer → field element (negatives wrap to r − |v|), as circom carries them. */
export function toField(v: bigint | number): bigint {
  const x = BigInt(v) % FR;
  return x < 0n ? x + FR : x;
}
