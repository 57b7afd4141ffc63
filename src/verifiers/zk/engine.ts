import { bn254 } from '@noble/curves/bn254.js';

/** Affine BN254 points as validated bigints (proof.ts): G2 coordinates are Fp2 elements [c0, c1]. */
export interface G1Affine {
  x: bigint;
  y: bigint;
}
export interface G2Affine {
  x: [bigint, bigint];
  y: [bigint, bigint];
}

/**
 * The few curve operations batched verification needs, so the algorithm (batch.ts) runs on either backend:
 * ffjavascript's WebAssembly curve (snark.ts, fast) or @noble/curves (pure TypeScript, a cross-check in tests).
 */
export interface PairingEngine<P1 = unknown, P2 = unknown> {
  readonly name: string;
  g1(p: G1Affine): P1;
  g2(p: G2Affine): P2;
  g1Mul(p: P1, s: bigint): P1;
  g1Add(a: P1, b: P1): P1;
  g1Neg(a: P1): P1;
  g1MultiExp(points: P1[], scalars: bigint[]): Promise<P1>;
  /** Whether a point of the twist (already checked on it) lies in the order-r subgroup G2. */
  g2InSubgroup(p: P2): boolean;
  /** Whether Π e(P_i, Q_i) is the identity of GT (one final exponentiation for all pairs). */
  pairingProductIsOne(pairs: [P1, P2][]): Promise<boolean>;
}

type NobleG1 = InstanceType<typeof bn254.G1.Point>;
type NobleG2 = InstanceType<typeof bn254.G2.Point>;

export class NobleEngine implements PairingEngine<NobleG1, NobleG2> {
  readonly name = 'noble';
  g1(p: G1Affine): NobleG1 {
    return bn254.G1.Point.fromAffine({ x: p.x, y: p.y });
  }
  g2(p: G2Affine): NobleG2 {
    const Fp2 = bn254.fields.Fp2;
    return bn254.G2.Point.fromAffine({ x: Fp2.fromBigTuple(p.x), y: Fp2.fromBigTuple(p.y) });
  }
  g1Mul(p: NobleG1, s: bigint): NobleG1 {
    return s === 0n ? bn254.G1.Point.ZERO : p.multiplyUnsafe(s);
  }
  g1Add(a: NobleG1, b: NobleG1): NobleG1 {
    return a.add(b);
  }
  g1Neg(a: NobleG1): NobleG1 {
    return a.negate();
  }
  async g1MultiExp(points: NobleG1[], scalars: bigint[]): Promise<NobleG1> {
    let acc = bn254.G1.Point.ZERO;
    points.forEach((p, i) => {
      acc = acc.add(this.g1Mul(p, scalars[i]!));
    });
    return acc;
  }
  g2InSubgroup(p: NobleG2): boolean {
    return p.isTorsionFree();
  }
  async pairingProductIsOne(pairs: [NobleG1, NobleG2][]): Promise<boolean> {
    // noble refuses infinity in a pairing; e(O, Q) = 1, so such pairs drop out of the product.
    const live = pairs.filter(([p, q]) => !p.is0() && !q.is0()).map(([g1, g2]) => ({ g1, g2 }));
    const gt = bn254.pairingBatch(live);
    return bn254.fields.Fp12.eql(gt, bn254.fields.Fp12.ONE);
  }
}
