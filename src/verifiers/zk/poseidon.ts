import { grainGenConstants, poseidon, type PoseidonFn } from '@noble/curves/abstract/poseidon.js';
import { bn254_Fr } from '@noble/curves/bn254.js';
import { VerdictError } from '../../core/index.js';
import { FR } from './field.js';

/**
 * Poseidon as circomlib's `Poseidon(n)` computes it (x^5 S-box, 8 full rounds, circomlib's partial round counts,
 * constants from the reference Grain LFSR): state [0, in...], output state[0]. A test checks it against the
 * circomlib test vector and against the compiled circuits.
 */
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68] as const;
const permutations = new Map<number, PoseidonFn>();

function permutation(t: number): PoseidonFn {
  let p = permutations.get(t);
  if (!p) {
    const opts = { Fp: bn254_Fr, t, roundsFull: 8, roundsPartial: PARTIAL_ROUNDS[t - 2]! };
    p = poseidon({ ...opts, ...grainGenConstants(opts), sboxPower: 5 });
    permutations.set(t, p);
  }
  return p;
}

export function poseidonHash(inputs: readonly bigint[]): bigint {
  if (inputs.length < 1 || inputs.length > 16) throw new VerdictError('INTERNAL', `poseidonHash takes 1..16 inputs, got ${inputs.length}`);
  for (const x of inputs) if (x < 0n || x >= FR) throw new VerdictError('INTERNAL', 'poseidonHash: input is not a field element');
  return permutation(inputs.length + 1)([0n, ...inputs])[0]!;
}

/** circuits/lib/commit.circom PoseidonChain: the first 16 elements in one call, then chained 15 at a time. */
export function poseidonChain(inputs: readonly bigint[]): bigint {
  const first = Math.min(16, inputs.length);
  let h = poseidonHash(inputs.slice(0, first));
  for (let at = first; at < inputs.length; at += 15) h = poseidonHash([h, ...inputs.slice(at, at + 15)]);
  return h;
}
