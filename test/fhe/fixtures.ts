import { sha256, utf8 } from '../../src/core/index.js';
import type { FheProgram } from '../../src/fhe/index.js';

/** Deterministic pseudo-random numbers for test weights and records (no Math.random in tests either). */
export function numbers(tag: string, count: number, scale = 1): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < count; i++) {
    const h = sha256(utf8(`${tag}:${i}`));
    for (let j = 0; j + 4 <= h.length && out.length < count; j += 4) {
      const u = new DataView(h.buffer, h.byteOffset + j, 4).getUint32(0) / 2 ** 32;
      out.push((u * 2 - 1) * scale);
    }
  }
  return out;
}

export function ints(tag: string, count: number, bound: number): number[] {
  return numbers(tag, count).map((x) => Math.round(x * bound));
}

export function matrix(tag: string, rows: number, cols: number, f: (tag: string, n: number) => number[]): number[][] {
  const flat = f(tag, rows * cols);
  return Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
}

/** A CKKS program: dense 4→8, a general cubic (the degree-3 sigmoid fit of Kim et al.), dense 8→3. Depth 4. */
export function ckksProgram(): FheProgram {
  return {
    format: 'verdict-fhe-program',
    v: 1,
    scheme: 'ckks',
    name: 'test-ckks',
    input: { width: 4 },
    block: 16,
    ops: [
      { op: 'dense', in: 4, out: 8, weights: matrix('w1', 8, 4, numbers), bias: numbers('b1', 8, 0.5) },
      { op: 'poly', coeffs: [0.5, 0.15012, 0, -0.001593] },
      { op: 'dense', in: 8, out: 3, weights: matrix('w2', 3, 8, numbers), bias: numbers('b2', 3, 0.5) },
    ],
  };
}

/** A BFV program: integer dense 4→6, x² + 2x + 1, dense 6→2, sum. */
export function bfvProgram(): FheProgram {
  const m = (tag: string, n: number) => ints(tag, n, 5);
  return {
    format: 'verdict-fhe-program',
    v: 1,
    scheme: 'bfv',
    name: 'test-bfv',
    input: { width: 4 },
    block: 16,
    ops: [
      { op: 'dense', in: 4, out: 6, weights: matrix('iw1', 6, 4, m), bias: ints('ib1', 6, 9) },
      { op: 'poly', coeffs: [1, 2, 1] },
      { op: 'dense', in: 6, out: 2, weights: matrix('iw2', 2, 6, m), bias: [3, -4] },
      { op: 'sum' },
    ],
  };
}
