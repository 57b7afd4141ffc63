/** Shared fixtures of the zk tests: committed proof vectors and job builders. */
import { readFileSync, existsSync } from 'node:fs';
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
