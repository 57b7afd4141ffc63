import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { VerdictError, concatBytes, utf8 } from '../core/index.js';

/**
 * HMAC_DRBG with SHA-256, as specified in NIST SP 800-90A Rev. 1 §10.1.2 (no prediction resistance).
 *
 * Used to expand a challenge seed into sample positions: everyone who knows the seed derives the same
 * positions, nobody who does not can predict them. Checked against the NIST CAVP HMAC_DRBG vectors in
 * test/sampling/drbg.test.ts.
 */
const OUTLEN = 32;
/** SP 800-90A Table 2: at most 2^19 bits per Generate request. */
export const DRBG_MAX_BYTES_PER_REQUEST = 1 << 16;
/** SP 800-90A Table 2: reseed_interval ≤ 2^48. */
const RESEED_INTERVAL = 2 ** 48;
const EMPTY = new Uint8Array(0);

export class HmacDrbg {
  private k: Uint8Array = new Uint8Array(OUTLEN);
  private v: Uint8Array = new Uint8Array(OUTLEN).fill(1);
  private reseedCounter = 1;

  /** HMAC_DRBG_Instantiate: seed_material = entropy ‖ nonce ‖ personalization. */
  constructor(entropy: Uint8Array, nonce: Uint8Array = EMPTY, personalization: Uint8Array = EMPTY) {
    if (!(entropy instanceof Uint8Array) || entropy.length < 32) {
      // Security strength 256 needs at least 256 bits of entropy input.
      throw new VerdictError('BAD_INPUT', 'HMAC-DRBG entropy input must be at least 32 bytes');
    }
    this.update(concatBytes(entropy, nonce, personalization));
  }

  /** HMAC_DRBG_Update (§10.1.2.2). */
  private update(provided: Uint8Array): void {
    this.k = hmac(sha256, this.k, concatBytes(this.v, new Uint8Array([0x00]), provided));
    this.v = hmac(sha256, this.k, this.v);
    if (provided.length === 0) return;
    this.k = hmac(sha256, this.k, concatBytes(this.v, new Uint8Array([0x01]), provided));
    this.v = hmac(sha256, this.k, this.v);
  }

  /** HMAC_DRBG_Reseed (§10.1.2.4). */
  reseed(entropy: Uint8Array, additional: Uint8Array = EMPTY): void {
    if (entropy.length < 32) throw new VerdictError('BAD_INPUT', 'HMAC-DRBG reseed entropy must be at least 32 bytes');
    this.update(concatBytes(entropy, additional));
    this.reseedCounter = 1;
  }

  /** HMAC_DRBG_Generate (§10.1.2.5): `n` pseudorandom bytes. */
  generate(n: number, additional: Uint8Array = EMPTY): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0 || n > DRBG_MAX_BYTES_PER_REQUEST) {
      throw new VerdictError('BAD_INPUT', `HMAC-DRBG request of ${n} bytes is outside [0, ${DRBG_MAX_BYTES_PER_REQUEST}]`);
    }
    if (this.reseedCounter > RESEED_INTERVAL) throw new VerdictError('LIMIT_EXCEEDED', 'HMAC-DRBG needs a reseed');
    if (additional.length > 0) this.update(additional);
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += OUTLEN) {
      this.v = hmac(sha256, this.k, this.v);
      out.set(this.v.subarray(0, Math.min(OUTLEN, n - at)), at);
    }
    this.update(additional);
    this.reseedCounter++;
    return out;
  }
}

/**
 * The DRBG every sampler in verdict uses: entropy = the 32-byte challenge seed, empty nonce,
 * personalization = "verdict.sample.v1" ‖ 0x00 ‖ purpose. Different purposes (positions of a token
 * commitment, requests of a batch, ...) get independent streams from the same seed.
 */
export function samplingDrbg(seed: Uint8Array, purpose: string): HmacDrbg {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new VerdictError('BAD_INPUT', 'a challenge seed is exactly 32 bytes');
  return new HmacDrbg(seed, EMPTY, utf8(`verdict.sample.v1\u0000${purpose}`));
}

/** Largest population a sampler accepts: integers are drawn from at most 6 bytes. */
export const MAX_POPULATION = 2 ** 48;

/**
 * Uniform integer in [0, n) without modulo bias: each candidate is one Generate call of
 * ceil(bits/8) bytes (bits = bit length of n−1), read big-endian, masked to `bits` bits, and rejected
 * when ≥ n. Every candidate is accepted with probability > 1/2, so the loop ends quickly; n = 1 draws nothing.
 */
export function uniformInt(drbg: HmacDrbg, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_POPULATION) {
    throw new VerdictError('BAD_INPUT', `uniformInt: bound ${n} must be an integer in [1, 2^48]`);
  }
  if (n === 1) return 0;
  const bits = bitLength(n - 1);
  const bytes = Math.ceil(bits / 8);
  const topMask = 0xff >>> (bytes * 8 - bits);
  for (;;) {
    const b = drbg.generate(bytes);
    let value = b[0]! & topMask;
    for (let i = 1; i < bytes; i++) value = value * 256 + b[i]!;
    if (value < n) return value;
  }
}

export function bitLength(x: number): number {
  let bits = 0;
  while (x >= 1) {
    bits++;
    x = Math.floor(x / 2);
  }
  return bits;
}
