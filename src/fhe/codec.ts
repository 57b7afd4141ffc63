import { VerdictError } from '../core/index.js';
import type { FheParams } from './params.js';
import { slotLayout } from './params.js';
import type { FheProgram } from './program.js';

/**
 * Slot layout of records (docs/formats.md § FHE): record r occupies slots [r·block, r·block + width) of
 * the flattened slot vector (BFV: row 0 then row 1; CKKS: its single row); everything else is zero.
 */
export type Records = number[][];

const CKKS_INPUT_MAX = 1e6;

export function recordsPerCiphertext(program: FheProgram, params: FheParams): number {
  return slotLayout(params).slots / program.block;
}

export function packRecords(program: FheProgram, params: FheParams, records: readonly (readonly number[])[]): Float64Array | BigInt64Array {
  const { slots } = slotLayout(params);
  const capacity = slots / program.block;
  if (records.length > capacity) throw new VerdictError('BAD_INPUT', `${records.length} records do not fit one ciphertext (${capacity})`);
  const width = program.input.width;
  const half = params.plainModulus === undefined ? 0 : Number((BigInt(params.plainModulus) - 1n) / 2n);
  const check = (x: number, r: number) => {
    const ok = params.scheme === 'ckks' ? Number.isFinite(x) && Math.abs(x) <= CKKS_INPUT_MAX : Number.isSafeInteger(x) && Math.abs(x) <= half;
    if (!ok) throw new VerdictError('BAD_INPUT', `record ${r}: value ${x} cannot be encoded under ${params.scheme}`);
  };
  if (params.scheme === 'ckks') {
    const out = new Float64Array(slots);
    records.forEach((rec, r) => {
      if (rec.length !== width) throw new VerdictError('BAD_INPUT', `record ${r} has ${rec.length} values, expected ${width}`);
      rec.forEach((x, c) => {
        check(x, r);
        out[r * program.block + c] = x;
      });
    });
    return out;
  }
  const out = new BigInt64Array(slots);
  records.forEach((rec, r) => {
    if (rec.length !== width) throw new VerdictError('BAD_INPUT', `record ${r} has ${rec.length} values, expected ${width}`);
    rec.forEach((x, c) => {
      check(x, r);
      out[r * program.block + c] = BigInt(x);
    });
  });
  return out;
}

/** Reads `count` records of `width` values back from decrypted slots (BFV values as numbers, they are small). */
export function unpackRecords(program: FheProgram, slotsValues: Float64Array | BigInt64Array, count: number, width: number): Records {
  const out: Records = [];
  for (let r = 0; r < count; r++) {
    const rec: number[] = [];
    for (let c = 0; c < width; c++) rec.push(Number(slotsValues[r * program.block + c]!));
    out.push(rec);
  }
  return out;
}

// ---- base64 for ciphertexts and keys inside JSON ----

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 decoding with a size bound checked before anything is allocated. */
export function fromBase64(text: unknown, what: string, maxBytes: number, code: 'BAD_INPUT' | 'BAD_EVIDENCE' = 'BAD_EVIDENCE'): Uint8Array {
  if (typeof text !== 'string') throw new VerdictError(code, `${what}: expected a base64 string`);
  if (text.length % 4 !== 0 || !B64_RE.test(text)) throw new VerdictError(code, `${what}: not canonical base64`);
  const size = (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
  if (size > maxBytes) {
    throw new VerdictError('LIMIT_EXCEEDED', `${what}: ${size} bytes exceeds the limit of ${maxBytes}`, { details: { what, size, maxBytes } });
  }
  const buf = Buffer.from(text, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
