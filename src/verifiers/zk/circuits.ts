/**
 * The catalogue of circuits this module knows: their shapes (what the TypeScript reference in model.ts computes),
 * their public signals, and how circuits/build.ts builds them. One entry per (id, version); a new circuit version
 * is a new entry, and old ones stay so old proofs keep verifying.
 */

export type ProofScheme = 'groth16' | 'plonk';

/** One int8 dense layer: y = clamp(round((W·x + b) / 2^shift), relu ? 0 : -128, 127). */
export interface LayerShape {
  nIn: number;
  nOut: number;
  shift: number;
  relu: boolean;
}

export interface SchemeBuild {
  /** circom optimisation level: O2 gives the fewest R1CS constraints (Groth16); O1 the fewest PLONK gates. */
  optimization: 1 | 2;
  /** Power of the powers-of-tau ceremony the key comes from. */
  ptauPower: number;
  /** Whether the proving key (and witness generator) are committed under circuits/build/ (size limits). */
  commitProvingKey: boolean;
}

export interface CircuitDef {
  id: string;
  version: number;
  /** Main file under circuits/. */
  source: string;
  description: string;
  layers: readonly LayerShape[];
  builds: Partial<Record<ProofScheme, SchemeBuild>>;
}

/** Public signals of every model circuit, in the order the proofs carry them. */
export const PUBLIC_SIGNALS = ['jobId', 'modelCommitment', 'inputCommitment', 'outputCommitment'] as const;
export type PublicSignalName = (typeof PUBLIC_SIGNALS)[number];

export const CIRCUITS: readonly CircuitDef[] = Object.freeze([
  {
    id: 'dense-q8-32x16',
    version: 1,
    source: 'dense_q8_32x16.circom',
    description: 'one int8 dense layer, 32 inputs, 16 outputs, shift 6',
    layers: [{ nIn: 32, nOut: 16, shift: 6, relu: false }],
    builds: { groth16: { optimization: 2, ptauPower: 13, commitProvingKey: true } },
  },
  {
    id: 'mlp-q8-16x16x4',
    version: 1,
    source: 'mlp_q8_16x16x4.circom',
    description: 'int8 MLP 16 -> 16 (ReLU) -> 4, shifts 6 and 6',
    layers: [
      { nIn: 16, nOut: 16, shift: 6, relu: true },
      { nIn: 16, nOut: 4, shift: 6, relu: false },
    ],
    builds: {
      groth16: { optimization: 2, ptauPower: 13, commitProvingKey: true },
      // PLONK counts every addition as a gate: 19,552 gates at O1 need a 2^15 ceremony (38 MB ptau) and give a
      // 66 MB proving key, too large to commit. The verification key, the Solidity verifier and proof vectors are
      // committed; the proving key stays where the ceremony ran, recorded by sha256 (docs/zk.md).
      plonk: { optimization: 1, ptauPower: 15, commitProvingKey: false },
    },
  },
]);

export function findCircuit(id: string, version: number): CircuitDef | undefined {
  return CIRCUITS.find((c) => c.id === id && c.version === version);
}
