/**
 * A small seeded PRNG for building model variants (random weights, perturbations). Not part of any
 * verification protocol: it only has to be deterministic and fast. xoshiro128** (Blackman & Vigna),
 * its 128-bit state taken from sha256(domain ‖ seed) so that any seed (number or string) is usable.
 */
import { sha256 } from '@noble/hashes/sha2.js';

export type VariantSeed = number | string | Uint8Array;

function seedBytes(seed: VariantSeed): Uint8Array {
  if (seed instanceof Uint8Array) return seed;
  return new TextEncoder().encode(typeof seed === 'number' ? `n:${seed}` : `s:${seed}`);
}

export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(domain: string, seed: VariantSeed) {
    const d = new TextEncoder().encode(`verdict-variant-rng-v1/${domain}/`);
    const sb = seedBytes(seed);
    const msg = new Uint8Array(d.length + sb.length);
    msg.set(d, 0);
    msg.set(sb, d.length);
    const h = sha256(msg);
    const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
    this.s0 = v.getUint32(0, true);
    this.s1 = v.getUint32(4, true);
    this.s2 = v.getUint32(8, true);
    this.s3 = v.getUint32(12, true);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller, both values used). */
  nextNormal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
