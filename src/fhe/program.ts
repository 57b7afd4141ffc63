import { VerdictError, hashCanonical, parseWith, z, type Hex } from '../core/index.js';
import type { FheParams, Scheme } from './params.js';
import { ckksLevels, slotLayout } from './params.js';

/**
 * FHE programs (docs/formats.md § FHE): a straight-line list of layers a provider evaluates on
 * ciphertexts. Records are packed `block` slots apart; each record's vector starts at its block's first
 * slot and the rest of the block is kept zero between layers. The evaluation schedule (which rotations,
 * in which order, where rescaling happens) is part of format version 1 and implemented in evaluator.ts,
 * because homomorphic evaluation is only bit-reproducible when every party follows the same schedule.
 *
 * - dense: y = W·x + b with plaintext W (out × in), by the diagonal method with baby-step/giant-step
 *   rotations on the input replicated with period D = max(in, out) (needs block ≥ 2D);
 * - poly: c0 + c1·x + … + cd·x^d slot-wise, degree 1 to 4 (square activation, low-degree sigmoid fits);
 * - sum / mean: the sum (mean: CKKS only) of the current vector, left in the block's first slot.
 */
export interface DenseOp {
  op: 'dense';
  in: number;
  out: number;
  /** out rows of in numbers. */
  weights: number[][];
  bias?: number[];
}
export interface PolyOp {
  op: 'poly';
  /** c0 … cd, lowest degree first. */
  coeffs: number[];
}
export interface SumOp {
  op: 'sum';
}
export interface MeanOp {
  op: 'mean';
}
export type ProgramOp = DenseOp | PolyOp | SumOp | MeanOp;

export interface FheProgram {
  format: 'verdict-fhe-program';
  v: 1;
  scheme: Scheme;
  name?: string;
  /** Features per record. */
  input: { width: number };
  /** Slots per record (a power of two). */
  block: number;
  ops: ProgramOp[];
}

export const PROGRAM_LIMITS = Object.freeze({ maxOps: 16, maxDim: 1024, maxWeights: 1 << 20, maxPolyDegree: 4, maxBlock: 16384 });

const num = z.number().refine(Number.isFinite, 'expected a finite number');
const opSchema = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('dense'),
      in: z.number().int().min(1).max(PROGRAM_LIMITS.maxDim),
      out: z.number().int().min(1).max(PROGRAM_LIMITS.maxDim),
      weights: z.array(z.array(num).max(PROGRAM_LIMITS.maxDim)).max(PROGRAM_LIMITS.maxDim),
      bias: z.array(num).max(PROGRAM_LIMITS.maxDim).optional(),
    })
    .strict(),
  z
    .object({ op: z.literal('poly'), coeffs: z.array(num).min(2).max(PROGRAM_LIMITS.maxPolyDegree + 1) })
    .strict(),
  z.object({ op: z.literal('sum') }).strict(),
  z.object({ op: z.literal('mean') }).strict(),
]);

const programSchema = z
  .object({
    format: z.literal('verdict-fhe-program'),
    v: z.literal(1),
    scheme: z.enum(['bfv', 'ckks']),
    name: z.string().max(200).optional(),
    input: z.object({ width: z.number().int().min(1).max(PROGRAM_LIMITS.maxDim) }).strict(),
    block: z.number().int().min(2).max(PROGRAM_LIMITS.maxBlock),
    ops: z.array(opSchema).min(1).max(PROGRAM_LIMITS.maxOps),
  })
  .strict();

/** CKKS numbers below this magnitude (but not 0) would vanish when encoded; above the upper bound they overflow. */
const CKKS_MIN = 1e-6;
const CKKS_MAX = 1e6;

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Validates an untrusted program (structure, shapes, number ranges, block size). */
export function parseProgram(raw: unknown, source = 'fhe program', code: 'BAD_INPUT' | 'BAD_EVIDENCE' = 'BAD_INPUT'): FheProgram {
  const p = parseWith(programSchema, raw, { source, code }) as FheProgram;
  const bad = (why: string): never => {
    throw new VerdictError(code, `${source}: ${why}`);
  };
  if ((p.block & (p.block - 1)) !== 0) bad(`block ${p.block} is not a power of two`);
  const checkNumber = (x: number, where: string) => {
    if (p.scheme === 'bfv') {
      if (!Number.isSafeInteger(x) || Math.abs(x) > 2 ** 40) bad(`${where}: BFV numbers must be integers of at most 40 bits`);
    } else if (x !== 0 && (Math.abs(x) < CKKS_MIN || Math.abs(x) > CKKS_MAX)) {
      bad(`${where}: CKKS numbers must be 0 or between ${CKKS_MIN} and ${CKKS_MAX} in magnitude`);
    }
  };
  let width = p.input.width;
  if (width > p.block) bad(`input width ${width} exceeds the block of ${p.block} slots`);
  let weights = 0;
  p.ops.forEach((op, i) => {
    const at = `ops[${i}]`;
    switch (op.op) {
      case 'dense': {
        if (op.in !== width) bad(`${at}: dense layer takes ${op.in} inputs but receives ${width}`);
        const d = Math.max(op.in, op.out);
        if (p.block < 2 * d) bad(`${at}: block ${p.block} is smaller than 2·max(in, out) = ${2 * d}`);
        if (op.weights.length !== op.out) bad(`${at}: weights has ${op.weights.length} rows, expected ${op.out}`);
        let nonzero = false;
        op.weights.forEach((row, r) => {
          if (row.length !== op.in) bad(`${at}: weights[${r}] has ${row.length} entries, expected ${op.in}`);
          row.forEach((x, c) => {
            checkNumber(x, `${at}.weights[${r}][${c}]`);
            if (x !== 0) nonzero = true;
          });
        });
        if (!nonzero) bad(`${at}: all weights are zero`);
        weights += op.in * op.out;
        if (op.bias) {
          if (op.bias.length !== op.out) bad(`${at}: bias has ${op.bias.length} entries, expected ${op.out}`);
          op.bias.forEach((x, r) => checkNumber(x, `${at}.bias[${r}]`));
        }
        width = op.out;
        break;
      }
      case 'poly': {
        op.coeffs.forEach((x, k) => checkNumber(x, `${at}.coeffs[${k}]`));
        if (op.coeffs[op.coeffs.length - 1] === 0) bad(`${at}: leading coefficient is zero`);
        break;
      }
      case 'sum':
      case 'mean':
        if (op.op === 'mean' && p.scheme === 'bfv') bad(`${at}: mean needs division, which BFV cannot do (use sum)`);
        width = 1;
        break;
    }
  });
  if (weights > PROGRAM_LIMITS.maxWeights) bad(`${weights} weights exceed the limit of ${PROGRAM_LIMITS.maxWeights}`);
  return p;
}

export function programHash(program: FheProgram): Hex {
  return hashCanonical(program as never);
}

/** Baby-step/giant-step split of a dense layer: n1 baby steps (a power of two ≥ √D). */
export function bsgs(d: number): { n1: number; n2: number } {
  const n1 = nextPow2(Math.ceil(Math.sqrt(d)));
  return { n1, n2: Math.ceil(d / n1) };
}

/**
 * Generalized diagonal i of the zero-padded D×D matrix restricted to the out output rows:
 * diag_i[j] = W[j][(j + i) mod D] for j < out (0 where the column is padding).
 */
export function diagonal(op: DenseOp, i: number): number[] {
  const d = Math.max(op.in, op.out);
  const out: number[] = new Array(op.out);
  for (let j = 0; j < op.out; j++) {
    const c = (j + i) % d;
    out[j] = c < op.in ? op.weights[j]![c]! : 0;
  }
  return out;
}

export function nonzeroDiagonals(op: DenseOp): number[] {
  const d = Math.max(op.in, op.out);
  const out: number[] = [];
  for (let i = 0; i < d; i++) if (diagonal(op, i).some((x) => x !== 0)) out.push(i);
  return out;
}

function polyFastPath(coeffs: readonly number[]): boolean {
  const deg = coeffs.length - 1;
  return coeffs[deg] === 1 && coeffs.slice(1, deg).every((c) => c === 0);
}

/** CKKS levels a polynomial of degree d takes: [fast path (monic monomial), general]. */
const POLY_DEPTH: Record<number, [number, number]> = { 1: [0, 1], 2: [1, 2], 3: [2, 2], 4: [2, 3] };

export interface ProgramAnalysis {
  /** Rotation steps the program performs: exactly the Galois keys it needs. Ascending. */
  galoisSteps: number[];
  /** Whether it multiplies ciphertexts (needs relinearization keys). */
  needsRelin: boolean;
  /** CKKS levels consumed (= data level of the outputs); 0 for BFV. */
  depth: number;
  outputWidth: number;
  /** Records one ciphertext holds under given parameters. */
  recordsPerCiphertext: number;
}

/** Everything a job needs to know about a program under parameters; refuses a mismatch (code as given). */
export function analyzeProgram(program: FheProgram, params: FheParams, code: 'BAD_INPUT' | 'BAD_EVIDENCE' = 'BAD_INPUT'): ProgramAnalysis {
  const bad = (why: string): never => {
    throw new VerdictError(code, `fhe program: ${why}`);
  };
  if (program.scheme !== params.scheme) bad(`is for ${program.scheme} but the parameters are ${params.scheme}`);
  const { rows, rowSize } = slotLayout(params);
  if (program.block > rowSize) bad(`block ${program.block} exceeds the ${rowSize} slots of a row`);
  const steps = new Set<number>();
  let depth = 0;
  let needsRelin = false;
  let width = program.input.width;
  for (const op of program.ops) {
    if (op.op === 'dense') {
      const d = Math.max(op.in, op.out);
      steps.add(-d);
      const { n1 } = bsgs(d);
      for (const i of nonzeroDiagonals(op)) {
        if (i % n1 !== 0) steps.add(i % n1);
        if (i >= n1) steps.add(i - (i % n1));
      }
      depth += 1;
      width = op.out;
    } else if (op.op === 'poly') {
      const deg = op.coeffs.length - 1;
      if (deg >= 2) needsRelin = true;
      depth += POLY_DEPTH[deg]![polyFastPath(op.coeffs) ? 0 : 1];
    } else {
      const p = nextPow2(width);
      for (let s = 1; s < p; s *= 2) steps.add(s);
      depth += 1;
      width = 1;
    }
  }
  if (params.scheme === 'ckks' && depth > ckksLevels(params)) bad(`needs ${depth} levels but the parameters offer ${ckksLevels(params)}`);
  for (const s of steps) if (Math.abs(s) >= rowSize) bad(`rotation by ${s} does not fit a row of ${rowSize} slots`);
  return {
    galoisSteps: [...steps].sort((a, b) => a - b),
    needsRelin,
    depth: params.scheme === 'ckks' ? depth : 0,
    outputWidth: width,
    recordsPerCiphertext: (rows * rowSize) / program.block,
  };
}

export { polyFastPath };

// ---- plaintext reference (the canaries' expected results, and the "plaintext inference" baseline) ----

/** A record must have the program's input width; BFV records must be safe integers (they become BigInts). */
function checkRecord(program: FheProgram, record: readonly (number | bigint)[], integers: boolean): void {
  if (!Array.isArray(record) || record.length !== program.input.width) {
    throw new VerdictError('BAD_INPUT', `record has ${Array.isArray(record) ? record.length : 'no'} values, the program takes ${program.input.width}`);
  }
  for (const x of record) {
    const ok = typeof x === 'bigint' ? integers : integers ? Number.isSafeInteger(x) : Number.isFinite(x);
    if (!ok) throw new VerdictError('BAD_INPUT', `record value ${String(x)} is not ${integers ? 'a safe integer' : 'a finite number'}`);
  }
}

/** Runs the program on one record in float64 (CKKS semantics). */
export function evaluatePlainReal(program: FheProgram, record: readonly number[]): number[] {
  checkRecord(program, record, false);
  let v = [...record];
  for (const op of program.ops) {
    if (op.op === 'dense') {
      v = op.weights.map((row, j) => row.reduce((s, w, c) => s + w * v[c]!, op.bias?.[j] ?? 0));
    } else if (op.op === 'poly') {
      v = v.map((x) => op.coeffs.reduce((s, c, k) => s + c * x ** k, 0));
    } else {
      const s = v.reduce((a, b) => a + b, 0);
      v = [op.op === 'mean' ? s / v.length : s];
    }
  }
  return v;
}

/** Runs the program on one record modulo t (BFV semantics); results in the signed range (−t/2, t/2]. */
export function evaluatePlainModular(program: FheProgram, record: readonly (number | bigint)[], plainModulus: bigint): bigint[] {
  const t = plainModulus;
  if (t < 2n) throw new VerdictError('BAD_INPUT', `plain modulus ${t} is too small`);
  checkRecord(program, record, true);
  const mod = (x: bigint) => ((x % t) + t) % t;
  let v = record.map((x) => mod(BigInt(x)));
  for (const op of program.ops) {
    if (op.op === 'dense') {
      v = op.weights.map((row, j) => mod(row.reduce((s, w, c) => s + BigInt(w) * v[c]!, BigInt(op.bias?.[j] ?? 0))));
    } else if (op.op === 'poly') {
      v = v.map((x) => mod(op.coeffs.reduce((s, c, k) => s + BigInt(c) * x ** BigInt(k), 0n)));
    } else {
      v = [mod(v.reduce((a, b) => a + b, 0n))];
    }
  }
  return v.map((x) => (x > t / 2n ? x - t : x));
}
