import { bn254 } from '@noble/curves/bn254.js';
import { VerdictError } from '../../core/index.js';
import type { G1Affine, G2Affine } from './engine.js';
import { FQ, FR, parseDecimal } from './field.js';

/**
 * Parsers of untrusted snarkjs proofs and verification keys. Everything is checked before it reaches snarkjs'
 * WebAssembly: shapes and lengths, canonical decimal coordinates below the base field modulus, affine form
 * (z = 1), points on the curve and — for G2, whose cofactor is not 1 — in the prime-order subgroup, and no point
 * at infinity (an honest proof has one with probability ~2^-254). Any failure is VerdictError('BAD_EVIDENCE').
 *
 * The G2 subgroup check costs ~3.1 ms in pure TypeScript (noble) and ~0.85 ms on snarkjs' WebAssembly curve, which
 * a synchronous parser cannot reach. With `deferG2Subgroup`, a Groth16 proof's pi_b is checked on the twist here
 * and marked `bSubgroupChecked: false`; the verifier (ZkVerifier.verify, verifyGroth16Batch) then checks it on the
 * WASM curve before any pairing. Verification keys are configuration, parsed once: always fully checked.
 */

export interface ParseOptions {
  /** Leave the G2 subgroup check of a Groth16 proof's pi_b to the verifier (see above). */
  deferG2Subgroup?: boolean;
}

export interface Groth16Proof {
  scheme: 'groth16';
  a: G1Affine;
  b: G2Affine;
  c: G1Affine;
  /** false when the parser left b's subgroup check to the verifier (ParseOptions.deferG2Subgroup). */
  bSubgroupChecked: boolean;
}

export const PLONK_G1 = ['A', 'B', 'C', 'Z', 'T1', 'T2', 'T3', 'Wxi', 'Wxiw'] as const;
export const PLONK_EVALS = ['eval_a', 'eval_b', 'eval_c', 'eval_s1', 'eval_s2', 'eval_zw'] as const;

export interface PlonkProof {
  scheme: 'plonk';
  points: Record<(typeof PLONK_G1)[number], G1Affine>;
  evals: Record<(typeof PLONK_EVALS)[number], bigint>;
}

export type ParsedProof = Groth16Proof | PlonkProof;

const bad = (what: string, message: string): never => {
  throw new VerdictError('BAD_EVIDENCE', `${what}: ${message}`, { details: { field: what } });
};

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function array(x: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(x) || x.length !== length) bad(what, `expected an array of ${length}`);
  return x as unknown[];
}

/** A snarkjs G1 point [x, y, "1"], on the curve, not infinity. */
export function parseG1(raw: unknown, what: string): G1Affine {
  const [xs, ys, zs] = array(raw, 3, what);
  if (zs !== '1') bad(what, 'expected affine coordinates (z = "1"); infinity and projective forms are refused');
  const x = parseDecimal(xs, FQ, `${what}[0]`);
  const y = parseDecimal(ys, FQ, `${what}[1]`);
  try {
    bn254.G1.Point.fromAffine({ x, y }).assertValidity();
  } catch {
    bad(what, 'not a point of BN254 G1');
  }
  return { x, y };
}

function parseFp2(raw: unknown, what: string): [bigint, bigint] {
  const [c0, c1] = array(raw, 2, what);
  return [parseDecimal(c0, FQ, `${what}[0]`), parseDecimal(c1, FQ, `${what}[1]`)];
}

/** A snarkjs G2 point [[x0, x1], [y0, y1], ["1", "0"]], on the twist and (unless `subgroup` is false) in the order-r subgroup. */
export function parseG2(raw: unknown, what: string, subgroup = true): G2Affine {
  const [xr, yr, zr] = array(raw, 3, what);
  const z = array(zr, 2, `${what}[2]`);
  if (z[0] !== '1' || z[1] !== '0') bad(what, 'expected affine coordinates (z = ["1", "0"])');
  const x = parseFp2(xr, `${what}[0]`);
  const y = parseFp2(yr, `${what}[1]`);
  const Fp2 = bn254.fields.Fp2;
  if (!subgroup) {
    // y^2 = x^3 + b' on the twist; (0, 0) is not on it, so infinity cannot sneak in as affine coordinates.
    const X = Fp2.fromBigTuple(x);
    const Y = Fp2.fromBigTuple(y);
    if (!Fp2.eql(Fp2.sqr(Y), Fp2.add(Fp2.mul(Fp2.sqr(X), X), TWIST_B))) bad(what, 'not a point of the BN254 G2 twist');
    return { x, y };
  }
  let point;
  try {
    point = bn254.G2.Point.fromAffine({ x: Fp2.fromBigTuple(x), y: Fp2.fromBigTuple(y) });
    point.assertValidity(); // on the curve and torsion-free (noble checks [6x^2]P = psi(P))
  } catch {
    bad(what, 'not a point of the BN254 G2 subgroup');
  }
  return { x, y };
}

function checkHeader(raw: Record<string, unknown>, protocol: string, what: string): void {
  if (raw.protocol !== undefined && raw.protocol !== protocol) bad(`${what}.protocol`, `expected "${protocol}"`);
  if (raw.curve !== undefined && raw.curve !== 'bn128') bad(`${what}.curve`, 'expected "bn128"');
}

const TWIST_B = (bn254.G2.Point as unknown as { CURVE(): { b: ReturnType<typeof bn254.fields.Fp2.fromBigTuple> } }).CURVE().b;

export function parseGroth16Proof(raw: unknown, what = 'proof', options: ParseOptions = {}): Groth16Proof {
  if (!isRecord(raw)) return bad(what, 'expected an object');
  checkHeader(raw, 'groth16', what);
  for (const key of Object.keys(raw)) {
    if (!['pi_a', 'pi_b', 'pi_c', 'protocol', 'curve'].includes(key)) bad(`${what}.${key}`, 'unexpected field');
  }
  return {
    scheme: 'groth16',
    a: parseG1(raw.pi_a, `${what}.pi_a`),
    b: parseG2(raw.pi_b, `${what}.pi_b`, !options.deferG2Subgroup),
    c: parseG1(raw.pi_c, `${what}.pi_c`),
    bSubgroupChecked: !options.deferG2Subgroup,
  };
}

export function parsePlonkProof(raw: unknown, what = 'proof'): PlonkProof {
  if (!isRecord(raw)) return bad(what, 'expected an object');
  checkHeader(raw, 'plonk', what);
  const known = new Set<string>([...PLONK_G1, ...PLONK_EVALS, 'protocol', 'curve']);
  for (const key of Object.keys(raw)) if (!known.has(key)) bad(`${what}.${key}`, 'unexpected field');
  const points = {} as PlonkProof['points'];
  for (const k of PLONK_G1) points[k] = parseG1(raw[k], `${what}.${k}`);
  const evals = {} as PlonkProof['evals'];
  for (const k of PLONK_EVALS) evals[k] = parseDecimal(raw[k], FR, `${what}.${k}`);
  return { scheme: 'plonk', points, evals };
}

export function parseProof(scheme: 'groth16' | 'plonk', raw: unknown, what = 'proof', options: ParseOptions = {}): ParsedProof {
  return scheme === 'groth16' ? parseGroth16Proof(raw, what, options) : parsePlonkProof(raw, what);
}

/** Public signals: exactly `n` canonical decimals below r. */
export function parsePublicSignals(raw: unknown, n: number, what = 'publicSignals'): bigint[] {
  return array(raw, n, what).map((s, i) => parseDecimal(s, FR, `${what}[${i}]`));
}

/** The snarkjs JSON of a parsed proof (canonical decimals, affine): what snarkjs' verifiers take. */
export function proofToSnarkjs(p: ParsedProof): Record<string, unknown> {
  const g1 = (q: G1Affine) => [q.x.toString(), q.y.toString(), '1'];
  if (p.scheme === 'groth16') {
    return {
      pi_a: g1(p.a),
      pi_b: [p.b.x.map(String), p.b.y.map(String), ['1', '0']],
      pi_c: g1(p.c),
      protocol: 'groth16',
      curve: 'bn128',
    };
  }
  const out: Record<string, unknown> = { protocol: 'plonk', curve: 'bn128' };
  for (const k of PLONK_G1) out[k] = g1(p.points[k]);
  for (const k of PLONK_EVALS) out[k] = p.evals[k].toString();
  return out;
}

export interface Groth16VerificationKey {
  protocol: 'groth16';
  nPublic: number;
  alpha: G1Affine;
  beta: G2Affine;
  gamma: G2Affine;
  delta: G2Affine;
  ic: G1Affine[];
  /** The JSON snarkjs takes, rebuilt from the validated values. */
  json: Record<string, unknown>;
}

export interface PlonkVerificationKey {
  protocol: 'plonk';
  nPublic: number;
  json: Record<string, unknown>;
}

export type VerificationKey = Groth16VerificationKey | PlonkVerificationKey;

/**
 * Verification keys are configuration, not evidence, but they are validated the same way: a broken key must not
 * make every proof pass or crash the verifier. Errors are BAD_CONFIG.
 */
export function parseVerificationKey(raw: unknown, what = 'verification key'): VerificationKey {
  try {
    if (!isRecord(raw)) return bad(what, 'expected an object');
    if (raw.curve !== 'bn128') bad(`${what}.curve`, 'expected "bn128"');
    const nPublic = raw.nPublic;
    if (typeof nPublic !== 'number' || !Number.isInteger(nPublic) || nPublic < 0 || nPublic > 1024) bad(`${what}.nPublic`, 'expected an integer in [0, 1024]');
    if (raw.protocol === 'groth16') {
      const ic = array(raw.IC, (nPublic as number) + 1, `${what}.IC`).map((p, i) => parseG1(p, `${what}.IC[${i}]`));
      const key: Groth16VerificationKey = {
        protocol: 'groth16',
        nPublic: nPublic as number,
        alpha: parseG1(raw.vk_alpha_1, `${what}.vk_alpha_1`),
        beta: parseG2(raw.vk_beta_2, `${what}.vk_beta_2`),
        gamma: parseG2(raw.vk_gamma_2, `${what}.vk_gamma_2`),
        delta: parseG2(raw.vk_delta_2, `${what}.vk_delta_2`),
        ic,
        json: {},
      };
      key.json = {
        protocol: 'groth16',
        curve: 'bn128',
        nPublic: key.nPublic,
        vk_alpha_1: [key.alpha.x.toString(), key.alpha.y.toString(), '1'],
        vk_beta_2: [key.beta.x.map(String), key.beta.y.map(String), ['1', '0']],
        vk_gamma_2: [key.gamma.x.map(String), key.gamma.y.map(String), ['1', '0']],
        vk_delta_2: [key.delta.x.map(String), key.delta.y.map(String), ['1', '0']],
        IC: key.ic.map((p) => [p.x.toString(), p.y.toString(), '1']),
      };
      return key;
    }
    if (raw.protocol === 'plonk') {
      for (const k of ['Qm', 'Ql', 'Qr', 'Qo', 'Qc', 'S1', 'S2', 'S3']) parseG1(raw[k], `${what}.${k}`);
      parseG2(raw.X_2, `${what}.X_2`);
      for (const k of ['k1', 'k2', 'w']) parseDecimal(raw[k], FR, `${what}.${k}`);
      const power = raw.power;
      if (typeof power !== 'number' || !Number.isInteger(power) || power < 1 || power > 28) bad(`${what}.power`, 'expected an integer in [1, 28]');
      return { protocol: 'plonk', nPublic: nPublic as number, json: structuredClone(raw) };
    }
    return bad(`${what}.protocol`, 'expected "groth16" or "plonk"');
  } catch (e) {
    if (e instanceof VerdictError && e.code === 'BAD_EVIDENCE') throw new VerdictError('BAD_CONFIG', e.message, { cause: e, details: e.details });
    throw e;
  }
}
