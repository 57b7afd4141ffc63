/** Shared fixtures of the zk tests: committed proof vectors and job builders. */
import { readFileSync, existsSync } from 'node:fs';
import { bn254 } from '@noble/curves/bn254.js';
import { fileURLToPath } from 'node:url';
import type { Claim, Job } from '../../src/core/index.js';
import {
  findCircuit,
  makeZkJob,
  modelCommitment,
  seededInt8,
  seededModel,
  type CircuitDef,
  type ProofScheme,
  type QuantModel,
  type ZkEvidence,
} from '../../src/verifiers/zk/index.js';

export interface VectorCase {
  job: Job;
  claim: Claim;
  evidence: ZkEvidence;
}

export interface VectorFile {
  v: 1;
  scheme: ProofScheme;
  circuit: string;
  circuitVersion: number;
  /** sha256 of the proving key the proofs come from (they go stale when the keys are rebuilt). */
  zkeySha256: string;
  cases: VectorCase[];
}

export function vectorPath(scheme: ProofScheme, circuit: string, version: number): string {
  return fileURLToPath(new URL(`./vectors/${scheme}-${circuit}-v${version}.json`, import.meta.url));
}

export function loadVectors(scheme: ProofScheme, circuit: string, version = 1): VectorFile | undefined {
  const path = vectorPath(scheme, circuit, version);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as VectorFile) : undefined;
}

/** The seeded model, input and job of vector case `i` (same derivation the generator used). */
export function vectorJob(def: CircuitDef, i: number, provider = '0x00000000000000000000000000000000000000a1'): { model: QuantModel; input: number[]; inputSalt: bigint; job: Job } {
  const model = seededModel(def, new Uint8Array([0x5e, i % 4]), { salt: 1000n + BigInt(i % 4) });
  const input = seededInt8(new Uint8Array([0x1a, i]), def.layers[0]!.nIn);
  const inputSalt = 77n + BigInt(i);
  const job = makeZkJob({ id: `zk-vector-${def.id}-${i}`, provider, circuit: def, modelCommitment: modelCommitment(def, model), input, inputSalt });
  return { model, input, inputSalt, job };
}

export const dense = findCircuit('dense-q8-32x16', 1)!;
export const mlp = findCircuit('mlp-q8-16x16x4', 1)!;

/** The snarkjs JSON of a value, deep-copied (tests mutate it). */
export const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/**
 * Points of the BN254 twist outside the order-r subgroup G2, as snarkjs JSON (x = i + u for small i): what a
 * forger could try to slip into pi_b. The cofactor of the twist is ~2^254, so small x values are never in G2.
 */
export function twistPointsOutsideG2(count: number): string[][][] {
  const Fp2 = bn254.fields.Fp2;
  const b = (bn254.G2.Point as unknown as { CURVE(): { b: ReturnType<typeof Fp2.fromBigTuple> } }).CURVE().b;
  const out: string[][][] = [];
  for (let i = 1n; out.length < count && i < 200n; i++) {
    const x = Fp2.fromBigTuple([i, 1n]);
    let y;
    try {
      y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), b));
    } catch {
      continue;
    }
    if (bn254.G2.Point.fromAffine({ x, y }).isTorsionFree()) continue;
    out.push([[x.c0.toString(), x.c1.toString()], [y.c0.toString(), y.c1.toString()], ['1', '0']]);
  }
  return out;
}
