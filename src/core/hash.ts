import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { canonicalBytes, type JsonValue } from './canonical.js';
import { toHex, utf8, type Hex } from './bytes.js';

export type HashName = 'sha256' | 'keccak256';
export type HashFn = (data: Uint8Array) => Uint8Array;

export const sha256: HashFn = (data) => nobleSha256(data);
export const keccak256: HashFn = (data) => keccak_256(data);

export const HASHES: Readonly<Record<HashName, HashFn>> = Object.freeze({ sha256, keccak256 });

export function sha256Hex(data: Uint8Array | string): Hex {
  return toHex(sha256(typeof data === 'string' ? utf8(data) : data));
}

export function keccak256Hex(data: Uint8Array | string): Hex {
  return toHex(keccak256(typeof data === 'string' ? utf8(data) : data));
}

/** Hash of the canonical encoding of a JSON value: equal for equal values, whatever the key order. */
export function hashCanonical(value: JsonValue, hash: HashName = 'sha256'): Hex {
  return toHex(HASHES[hash](canonicalBytes(value)));
}
