/**
 * The one adapter to snarkjs (and, through it, ffjavascript's WebAssembly BN254 curve). Loaded lazily, so a process
 * that never checks a proof never loads it. Everything handed to it has been validated by proof.ts first.
 *
 * snarkjs builds the BN254 curve once per process with worker threads (ffjavascript caches it in
 * globalThis.curve_bn128) and never stops them: dispose() terminates them, or the process never exits.
 * The curve is shared by every SnarkBackend of the process; dispose() when none of them is working.
 */
import { VerdictError } from '../../core/index.js';
import type { G1Affine, G2Affine, PairingEngine } from './engine.js';
import { FR } from './field.js';

/** A proof and its public signals as snarkjs writes them (decimal strings). */
export interface SnarkjsProofResult {
  proof: Record<string, unknown>;
  publicSignals: string[];
}

interface SnarkjsApi {
  groth16: {
    verify(vk: unknown, publicSignals: string[], proof: unknown): Promise<boolean>;
    fullProve(input: unknown, wasm: string, zkey: string): Promise<SnarkjsProofResult>;
  };
  plonk: {
    verify(vk: unknown, publicSignals: string[], proof: unknown): Promise<boolean>;
    fullProve(input: unknown, wasm: string, zkey: string): Promise<SnarkjsProofResult>;
  };
  wtns: { calculate(input: unknown, wasm: string, out: { type: 'mem'; data?: Uint8Array }): Promise<void> };
  zKey: { exportVerificationKey(zkey: string): Promise<Record<string, unknown>> };
  curves: { getCurveFromName(name: string): Promise<FfCurve> };
}

type Buf = Uint8Array;
interface FfGroup {
  fromObject(p: unknown): Buf;
  timesScalar(p: Buf, s: bigint): Buf;
  add(a: Buf, b: Buf): Buf;
  neg(a: Buf): Buf;
  toAffine(a: Buf): Buf;
  isZero(a: Buf): boolean;
  isValid(a: Buf): boolean;
  multiExpAffine(bases: Buf, scalars: Buf): Promise<Buf>;
  F: { n8: number };
}
interface FfCurve {
  G1: FfGroup;
  G2: FfGroup;
  pairingEq(...args: Buf[]): Promise<boolean>;
  terminate(): Promise<void>;
}

type CurveGlobals = { curve_bn128?: FfCurve | null };

export class SnarkBackend {
  private api?: Promise<SnarkjsApi>;

  private load(): Promise<SnarkjsApi> {
    this.api ??= import('snarkjs').then((m) => m as SnarkjsApi).catch((e: unknown) => {
      this.api = undefined;
      throw new VerdictError('INTERNAL', `cannot load snarkjs: ${(e as Error).message}`, { cause: e });
    });
    return this.api;
  }

  async groth16Verify(vkey: unknown, publicSignals: string[], proof: unknown): Promise<boolean> {
    return (await this.load()).groth16.verify(vkey, publicSignals, proof);
  }

  async plonkVerify(vkey: unknown, publicSignals: string[], proof: unknown): Promise<boolean> {
    return (await this.load()).plonk.verify(vkey, publicSignals, proof);
  }

  async prove(scheme: 'groth16' | 'plonk', input: Record<string, unknown>, wasmPath: string, zkeyPath: string): Promise<SnarkjsProofResult> {
    const api = await this.load();
    return api[scheme].fullProve(input, wasmPath, zkeyPath);
  }

  /** Runs the witness generator alone (it throws when a constraint fails): the cheap check before proving. */
  async calculateWitness(input: Record<string, unknown>, wasmPath: string): Promise<void> {
    await (await this.load()).wtns.calculate(input, wasmPath, { type: 'mem' });
  }

  async exportVerificationKey(zkeyPath: string): Promise<Record<string, unknown>> {
    return (await this.load()).zKey.exportVerificationKey(zkeyPath);
  }

  /** The WebAssembly BN254 curve as a PairingEngine, for batched verification. */
  async engine(): Promise<PairingEngine> {
    const curve = await (await this.load()).curves.getCurveFromName('bn128');
    return new FfEngine(curve);
  }

  /** Stops the curve's worker threads (shared by the process: see the file comment). */
  async dispose(): Promise<void> {
    const g = globalThis as CurveGlobals;
    const curve = g.curve_bn128;
    if (curve) await curve.terminate();
    g.curve_bn128 = null;
  }
}

const le32 = (s: bigint): Buf => {
  const out = new Uint8Array(32);
  let x = s;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
};

/** PairingEngine over ffjavascript's curve: points are its Montgomery-form buffers. */
class FfEngine implements PairingEngine<Buf, Buf> {
  constructor(private readonly curve: FfCurve) {}
  readonly name = 'ffjavascript-wasm';
  g1(p: G1Affine): Buf {
    return this.curve.G1.fromObject([p.x, p.y, 1n]);
  }
  g2(p: G2Affine): Buf {
    return this.curve.G2.fromObject([[p.x[0], p.x[1]], [p.y[0], p.y[1]], [1n, 0n]]);
  }
  g1Mul(p: Buf, s: bigint): Buf {
    return this.curve.G1.timesScalar(p, s);
  }
  g1Add(a: Buf, b: Buf): Buf {
    return this.curve.G1.add(a, b);
  }
  g1Neg(a: Buf): Buf {
    return this.curve.G1.neg(a);
  }
  async g1MultiExp(points: Buf[], scalars: bigint[]): Promise<Buf> {
    const G1 = this.curve.G1;
    const n8 = G1.F.n8;
    const bases = new Uint8Array(points.length * n8 * 2);
    const ss = new Uint8Array(points.length * 32);
    points.forEach((p, i) => {
      bases.set(G1.toAffine(p), i * n8 * 2);
      ss.set(le32(scalars[i]!), i * 32);
    });
    return G1.multiExpAffine(bases, ss);
  }
  /** [r]P = O (and on the twist): ~0.85 ms in WebAssembly, against ~3.1 ms for noble's endomorphism check. */
  g2InSubgroup(p: Buf): boolean {
    const G2 = this.curve.G2;
    return G2.isValid(p) && G2.isZero(G2.timesScalar(p, FR));
  }
  async pairingProductIsOne(pairs: [Buf, Buf][]): Promise<boolean> {
    return this.curve.pairingEq(...pairs.flat());
  }
}
