import { sha256, utf8 } from '../../core/index.js';

/**
 * Seeded pseudo-random numbers for the simulator: SFC32 (Chris Doty-Humphrey's Small Fast Counting generator,
 * 128-bit state, period ≥ 2^32, passes PractRand to 2^40+ bytes), seeded from SHA-256 of a label so that every
 * stream ("seed/rule/strategy/agent/behaviour") is independent and reproducible. Not for cryptography: the
 * simulator only needs reproducible, well-mixed draws, never unpredictable ones.
 */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(label: string) {
    const h = sha256(utf8(`verdict.sim.prng.v1\u0000${label}`));
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    this.a = view.getUint32(0);
    this.b = view.getUint32(4);
    this.c = view.getUint32(8);
    this.d = view.getUint32(12) | 1;
    // Discard the first outputs so that related labels diverge fully (as the reference implementation does).
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 4294967296;
  }
}
