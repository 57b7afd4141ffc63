import { VerdictError } from '../core/index.js';
import { Arena, scoped, type Ct, type FheEngine, type Pt } from './backend.js';
import {
  analyzeProgram,
  bsgs,
  diagonal,
  nextPow2,
  nonzeroDiagonals,
  polyFastPath,
  type DenseOp,
  type FheProgram,
  type PolyOp,
  type ProgramAnalysis,
} from './program.js';
import { validateCiphertext, type ValidatedCiphertext } from './seal-format.js';

/**
 * Evaluates an FHE program on ciphertexts, following the v1 schedule exactly (docs/formats.md § FHE), so
 * that any two parties evaluating the same program on the same input ciphertext bytes with the same
 * evaluation keys get bit-identical output ciphertexts (SEAL's evaluation is deterministic: all
 * randomness is in encryption; WASM float arithmetic is IEEE-754 everywhere).
 *
 * CKKS scale management: every plaintext multiplication encodes its plaintext at the scale that brings the
 * product, after rescaling, back to 2^scaleBits, so no scale drifts across layers.
 *
 * Encoded weight plaintexts do not depend on the input, so they are cached per evaluator and reused for
 * every item of a job (which makes a batch far cheaper than its first item); dispose() frees them.
 */
export class ProgramEvaluator {
  readonly analysis: ProgramAnalysis;
  private readonly cache = new Arena();
  private readonly plains = new Map<string, Pt>();
  private readonly rows: number;
  private readonly rowSize: number;
  private readonly delta: number;
  private readonly diagonals: Map<number, number[]>;

  constructor(
    readonly engine: FheEngine,
    readonly program: FheProgram,
  ) {
    this.analysis = analyzeProgram(program, engine.params);
    this.rows = engine.rows;
    this.rowSize = engine.rowSize;
    this.delta = engine.params.scheme === 'ckks' ? 2 ** engine.params.scaleBits! : 1;
    this.diagonals = new Map();
    program.ops.forEach((op, i) => {
      if (op.op === 'dense') this.diagonals.set(i, nonzeroDiagonals(op));
    });
  }

  get ckks(): boolean {
    return this.engine.params.scheme === 'ckks';
  }

  /** What an input ciphertext must look like: top level, 2 polynomials, CKKS scale 2^scaleBits. */
  inputExpectation(): { level: number; size: number; scale?: number } {
    return this.ckks ? { level: 0, size: 2, scale: this.delta } : { level: 0, size: 2 };
  }

  /** What an output ciphertext must look like: the program's depth, 2 polynomials. */
  outputExpectation(): { level: number; size: number } {
    return { level: this.analysis.depth, size: 2 };
  }

  /** Evaluates on one validated input ciphertext; returns the canonical output bytes. */
  evaluate(input: ValidatedCiphertext): Uint8Array {
    return scoped((arena) => {
      let x = this.engine.loadCiphertext(input, arena);
      this.program.ops.forEach((op, index) => {
        const next =
          op.op === 'dense'
            ? this.dense(x, op, index, arena)
            : op.op === 'poly'
              ? this.poly(x, op, this.widthBefore(index), arena)
              : this.sum(x, op.op === 'mean', this.widthBefore(index), arena);
        arena.free(x);
        x = next;
      });
      return this.engine.saveCiphertext(x);
    });
  }

  /** Validates untrusted input bytes against the parameters and evaluates them. */
  evaluateBytes(bytes: Uint8Array, code: 'BAD_INPUT' | 'BAD_EVIDENCE' = 'BAD_INPUT'): Uint8Array {
    return this.evaluate(validateCiphertext(bytes, this.engine.chain, this.inputExpectation(), { code, what: 'input ciphertext' }));
  }

  dispose(): void {
    this.plains.clear();
    this.cache.dispose();
  }

  private widthBefore(index: number): number {
    let w = this.program.input.width;
    for (const op of this.program.ops.slice(0, index)) w = op.op === 'dense' ? op.out : op.op === 'poly' ? w : 1;
    return w;
  }

  private lastPrime(level: number): number {
    const primes = this.engine.chain.data[level]!.primes;
    return Number(primes[primes.length - 1]!);
  }

  /** The plaintext scale that makes (ct · pt) rescale back to Δ. */
  private targetScale(ct: Ct): number {
    return (this.delta * this.lastPrime(ct.level)) / ct.scale;
  }

  /** Encodes a slot vector (cached by key, since weights do not depend on the input). */
  private plain(key: string, level: number, scale: number, build: () => number[] | Float64Array): Pt {
    const full = `${key}|${level}|${scale}`;
    const hit = this.plains.get(full);
    if (hit) return hit;
    const values = build();
    let pt: Pt;
    if (this.ckks) {
      pt = this.engine.encodeReal(values instanceof Float64Array ? values : Float64Array.from(values), level, scale, this.cache);
    } else {
      const t = BigInt(this.engine.params.plainModulus!);
      const ints = new BigInt64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = BigInt(values[i]!) % t;
        ints[i] = v > t / 2n ? v - t : v < -t / 2n ? v + t : v;
      }
      pt = this.engine.encodeInt(ints, this.cache);
    }
    this.plains.set(full, pt);
    return pt;
  }

  /** A vector with `values[j]` at slot j of every block, zero elsewhere, rotated right by `shift` within each row. */
  private blockVector(values: readonly number[], shift: number): number[] {
    const block = this.program.block;
    const out = new Array<number>(this.rows * this.rowSize).fill(0);
    for (let r = 0; r < this.rows; r++) {
      const base = r * this.rowSize;
      for (let t = 0; t < this.rowSize; t++) {
        const src = (((t - shift) % this.rowSize) + this.rowSize) % this.rowSize;
        const j = src % block;
        if (j < values.length) out[base + t] = values[j]!;
      }
    }
    return out;
  }

  private constVector(c: number): number[] {
    return new Array<number>(this.rows * this.rowSize).fill(c);
  }

  private dense(x: Ct, op: DenseOp, index: number, arena: Arena): Ct {
    const e = this.engine;
    const d = Math.max(op.in, op.out);
    const { n1, n2 } = bsgs(d);
    const rotated = e.rotate(x, -d, arena);
    const xr = e.add(x, rotated, arena);
    arena.free(rotated);
    const diags = new Set(this.diagonals.get(index)!);
    const babies = new Map<number, Ct>([[0, xr]]);
    for (const i of diags) {
      const b = i % n1;
      if (!babies.has(b)) babies.set(b, e.rotate(xr, b, arena));
    }
    const scale = this.ckks ? this.targetScale(xr) : 1;
    let acc: Ct | undefined;
    for (let g = 0; g < n2; g++) {
      let inner: Ct | undefined;
      for (let b = 0; b < n1; b++) {
        const i = g * n1 + b;
        if (i >= d || !diags.has(i)) continue;
        const pt = this.plain(`dense:${index}:${i}`, xr.level, scale, () => this.blockVector(diagonal(op, i), g * n1));
        if (pt.isZero) continue;
        const term = e.mulPlain(babies.get(b)!, pt, arena);
        if (inner) {
          const sum = e.add(inner, term, arena);
          arena.free(inner);
          arena.free(term);
          inner = sum;
        } else inner = term;
      }
      if (!inner) continue;
      if (g > 0) {
        const r = e.rotate(inner, g * n1, arena);
        arena.free(inner);
        inner = r;
      }
      if (acc) {
        const sum = e.add(acc, inner, arena);
        arena.free(acc);
        arena.free(inner);
        acc = sum;
      } else acc = inner;
    }
    for (const c of babies.values()) arena.free(c);
    if (!acc) throw new VerdictError('BAD_INPUT', `dense layer ${index}: every weight vanished when encoded`);
    if (this.ckks) {
      const r = e.rescale(acc, arena);
      arena.free(acc);
      acc = r;
    }
    if (op.bias && op.bias.some((v) => v !== 0)) {
      const bias = op.bias;
      const pt = this.plain(`bias:${index}`, acc.level, acc.scale, () => this.blockVector(bias, 0));
      if (!pt.isZero) {
        const r = e.addPlain(acc, pt, arena);
        arena.free(acc);
        acc = r;
      }
    }
    return acc;
  }

  private poly(x: Ct, op: PolyOp, width: number, arena: Arena): Ct {
    const e = this.engine;
    const deg = op.coeffs.length - 1;
    const own: Ct[] = [];
    const keep = (c: Ct) => {
      own.push(c);
      return c;
    };
    const mul = (a: Ct, b: Ct): Ct => {
      let bb = b;
      if (this.ckks && b.level !== a.level) bb = keep(e.modSwitchTo(b, a.level, arena));
      const p = e.mulRelin(a, bb, arena);
      if (!this.ckks) return keep(p);
      const r = e.rescale(p, arena);
      arena.free(p);
      return keep(r);
    };
    const powers: Ct[] = [];
    powers[1] = x;
    if (deg >= 2) powers[2] = mul(x, x);
    // x³ is needed except by the CKKS degree-3 shortcut below.
    const needX3 = deg === 3 ? polyFastPath(op.coeffs) || !this.ckks : deg === 4 && op.coeffs[3] !== 0;
    if (needX3) powers[3] = mul(powers[2]!, x);
    if (deg >= 4) powers[4] = mul(powers[2]!, powers[2]!);

    let result: Ct | undefined;
    const addTo = (term: Ct) => {
      if (!result) {
        result = term;
        return;
      }
      const s = e.add(result, term, arena);
      result = keep(s);
    };
    /** CKKS: c·y rescaled, with the plaintext scale chosen so that the product lands on scale `target`. */
    const constMul = (y: Ct, c: number, target: number): Ct | undefined => {
      const pt = this.plain(`const:${c}`, y.level, (target * this.lastPrime(y.level)) / y.scale, () => this.constVector(c));
      if (pt.isZero) return undefined;
      const prod = e.mulPlain(y, pt, arena);
      const term = keep(e.rescale(prod, arena));
      arena.free(prod);
      e.setScale(term, target);
      return term;
    };
    if (polyFastPath(op.coeffs)) {
      result = powers[deg]!;
    } else if (this.ckks) {
      // Degree 3 in two levels: c3·x³ = (c3·x)·x², then every other term is brought to that level and scale.
      let top: Ct;
      let first: number;
      if (deg === 3) {
        const cx = constMul(x, op.coeffs[3]!, this.delta);
        if (!cx) throw new VerdictError('BAD_INPUT', 'leading coefficient vanished when encoded');
        top = mul(cx, powers[2]!);
        first = 2;
      } else {
        top = powers[deg]!;
        first = deg;
      }
      const level = deg === 3 ? top.level - 1 : top.level;
      const target = deg === 3 ? top.scale : this.delta;
      if (deg === 3) addTo(top);
      for (let k = first; k >= 1; k--) {
        const c = op.coeffs[k]!;
        if (c === 0) continue;
        const y = powers[k]!.level === level ? powers[k]! : keep(e.modSwitchTo(powers[k]!, level, arena));
        const term = constMul(y, c, target);
        if (term) addTo(term);
      }
    } else {
      for (let k = deg; k >= 1; k--) {
        const c = op.coeffs[k]!;
        if (c === 0) continue;
        if (c === 1) addTo(powers[k]!);
        else addTo(keep(e.mulPlain(powers[k]!, this.plain(`const:${c}`, 0, 1, () => this.constVector(c)), arena)));
      }
    }
    if (!result) throw new VerdictError('BAD_INPUT', 'polynomial vanished when encoded');
    const c0 = op.coeffs[0]!;
    if (c0 !== 0) {
      const r = result;
      const pt = this.plain(`c0:${c0}:${width}`, r.level, r.scale, () => this.blockVector(new Array<number>(width).fill(c0), 0));
      if (!pt.isZero) result = keep(e.addPlain(r, pt, arena));
    }
    // Everything but the result (and the caller's x) is a temporary.
    for (const c of own) if (c !== result) arena.free(c);
    // An identity polynomial (x, or c0 that encodes to zero): hand back a copy, the caller frees x.
    return result === x ? e.modSwitchTo(x, x.level, arena) : result;
  }

  private sum(x: Ct, mean: boolean, width: number, arena: Arena): Ct {
    const e = this.engine;
    let acc = x;
    for (let s = 1; s < nextPow2(width); s *= 2) {
      const r = e.rotate(acc, s, arena);
      const next = e.add(acc, r, arena);
      arena.free(r);
      if (acc !== x) arena.free(acc);
      acc = next;
    }
    const m = mean ? 1 / width : 1;
    const scale = this.ckks ? this.targetScale(acc) : 1;
    const pt = this.plain(`mask:${m}`, acc.level, scale, () => this.blockVector([m], 0));
    const masked = e.mulPlain(acc, pt, arena);
    if (acc !== x) arena.free(acc);
    if (!this.ckks) return masked;
    const r = e.rescale(masked, arena);
    arena.free(masked);
    return r;
  }
}
