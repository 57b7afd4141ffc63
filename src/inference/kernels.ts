/**
 * Numeric kernels of the forward pass, one set per accumulation. Each set is written out separately so
 * that every function sees one typed-array kind (monomorphic, fast in V8):
 *
 * - float64: activations in Float64Array, every sum and product in double (the reference).
 * - float32: activations in Float32Array and Math.fround after every operation: what a strict IEEE
 *   float32 implementation without FMA computes (double rounding of +, −, ×, ÷, √ through double is
 *   innocuous because 53 ≥ 2·24 + 2).
 * - f32x8: float32 with every dot product split into 8 lanes (lane = index mod 8) and the lanes added as
 *   ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)): the order of an 8-wide SIMD implementation.
 *
 * Matrices are row-major [d][n] (out = W·x). Activation blocks hold `nPos` consecutive positions, one row
 * each. Matmuls process 4 positions per weight row so each weight is loaded once per 4 positions; every
 * output keeps the same summation order as the 1-position loop, so results do not depend on blocking.
 */

export type Vec = Float64Array | Float32Array;

export interface Kernels<A extends Vec> {
  alloc(n: number): A;
  /** out[outOff + p·d + i] = Σ_j w[wOff + i·n + j] · x[xOff + p·n + j] */
  matmul(out: A, outOff: number, x: A, xOff: number, nPos: number, w: Float32Array, wOff: number, n: number, d: number): void;
  /** Per row: out = w ⊙ (x / sqrt(mean(x²) + eps)) */
  rmsnorm(out: A, x: A, nPos: number, w: Float32Array, wOff: number, size: number, eps: number): void;
  /** Rotates interleaved pairs of rows of q (width qDim) and k (width kDim, at kOff) for positions pos0.. */
  rope(q: A, qDim: number, k: A, kOff: number, kDim: number, nPos: number, pos0: number, cos: A, sin: A, headSize: number): void;
  /** cos/sin tables [capacity][headSize/2] for rope. */
  ropeTables(capacity: number, headSize: number): { cos: A; sin: A };
  attention(
    out: A, q: A, keys: A, values: A, layerOff: number, nPos: number, pos0: number, att: A,
    nHeads: number, kvMul: number, headSize: number, kvDim: number, dim: number,
  ): void;
  /** a[i] = silu(a[i]) · b[i] */
  swiglu(a: A, b: A, count: number): void;
  /** x[i] += y[i] */
  add(x: A, y: A, count: number): void;
}

// ---------------------------------------------------------------- float64

export const F64: Kernels<Float64Array> = {
  alloc: (n) => new Float64Array(n),

  matmul(out, outOff, x, xOff, nPos, w, wOff, n, d) {
    let p = 0;
    for (; p + 4 <= nPos; p += 4) {
      // 4 positions × 2 rows: 8 independent sums, each weight and activation loaded once per tile.
      const x0 = xOff + p * n;
      const x1 = x0 + n;
      const x2 = x1 + n;
      const x3 = x2 + n;
      const o = outOff + p * d;
      let i = 0;
      for (; i + 2 <= d; i += 2) {
        const r0 = wOff + i * n;
        const r1 = r0 + n;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0; // prettier-ignore
        for (let j = 0; j < n; j++) {
          const u = w[r0 + j]!;
          const v = w[r1 + j]!;
          const y0 = x[x0 + j]!;
          const y1 = x[x1 + j]!;
          const y2 = x[x2 + j]!;
          const y3 = x[x3 + j]!;
          a0 += u * y0;
          a1 += u * y1;
          a2 += u * y2;
          a3 += u * y3;
          b0 += v * y0;
          b1 += v * y1;
          b2 += v * y2;
          b3 += v * y3;
        }
        out[o + i] = a0;
        out[o + d + i] = a1;
        out[o + 2 * d + i] = a2;
        out[o + 3 * d + i] = a3;
        out[o + i + 1] = b0;
        out[o + d + i + 1] = b1;
        out[o + 2 * d + i + 1] = b2;
        out[o + 3 * d + i + 1] = b3;
      }
      for (; i < d; i++) {
        const row = wOff + i * n;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let j = 0; j < n; j++) {
          const wj = w[row + j]!;
          a0 += wj * x[x0 + j]!;
          a1 += wj * x[x1 + j]!;
          a2 += wj * x[x2 + j]!;
          a3 += wj * x[x3 + j]!;
        }
        out[o + i] = a0;
        out[o + d + i] = a1;
        out[o + 2 * d + i] = a2;
        out[o + 3 * d + i] = a3;
      }
    }
    for (; p < nPos; p++) {
      // One position: 4 rows at a time share each x load and give 4 independent add chains.
      const x0 = xOff + p * n;
      const o = outOff + p * d;
      let i = 0;
      for (; i + 4 <= d; i += 4) {
        const r0 = wOff + i * n;
        const r1 = r0 + n;
        const r2 = r1 + n;
        const r3 = r2 + n;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let j = 0; j < n; j++) {
          const xj = x[x0 + j]!;
          a0 += w[r0 + j]! * xj;
          a1 += w[r1 + j]! * xj;
          a2 += w[r2 + j]! * xj;
          a3 += w[r3 + j]! * xj;
        }
        out[o + i] = a0;
        out[o + i + 1] = a1;
        out[o + i + 2] = a2;
        out[o + i + 3] = a3;
      }
      for (; i < d; i++) {
        const row = wOff + i * n;
        let a0 = 0;
        for (let j = 0; j < n; j++) a0 += w[row + j]! * x[x0 + j]!;
        out[o + i] = a0;
      }
    }
  },

  rmsnorm(out, x, nPos, w, wOff, size, eps) {
    for (let p = 0; p < nPos; p++) {
      const o = p * size;
      let ss = 0;
      for (let j = 0; j < size; j++) ss += x[o + j]! * x[o + j]!;
      ss /= size;
      ss += eps;
      ss = 1 / Math.sqrt(ss);
      for (let j = 0; j < size; j++) out[o + j] = w[wOff + j]! * (ss * x[o + j]!);
    }
  },

  ropeTables(capacity, headSize) {
    const half = headSize / 2;
    const cos = new Float64Array(capacity * half);
    const sin = new Float64Array(capacity * half);
    for (let pos = 0; pos < capacity; pos++) {
      for (let i = 0; i < half; i++) {
        const freq = 1 / Math.pow(10000, (2 * i) / headSize);
        const val = pos * freq;
        cos[pos * half + i] = Math.cos(val);
        sin[pos * half + i] = Math.sin(val);
      }
    }
    return { cos, sin };
  },

  rope(q, qDim, k, kOff, kDim, nPos, pos0, cos, sin, headSize) {
    const half = headSize / 2;
    for (let p = 0; p < nPos; p++) {
      const t = (pos0 + p) * half;
      for (let i = 0; i < qDim; i += 2) {
        const c = cos[t + ((i % headSize) >> 1)]!;
        const s = sin[t + ((i % headSize) >> 1)]!;
        const a = p * qDim + i;
        const v0 = q[a]!;
        const v1 = q[a + 1]!;
        q[a] = v0 * c - v1 * s;
        q[a + 1] = v0 * s + v1 * c;
        if (i < kDim) {
          const b = kOff + p * kDim + i;
          const k0 = k[b]!;
          const k1 = k[b + 1]!;
          k[b] = k0 * c - k1 * s;
          k[b + 1] = k0 * s + k1 * c;
        }
      }
    }
  },

  attention(out, q, keys, values, layerOff, nPos, pos0, att, nHeads, kvMul, headSize, kvDim, dim) {
    const scale = Math.sqrt(headSize);
    for (let p = 0; p < nPos; p++) {
      const pos = pos0 + p;
      for (let h = 0; h < nHeads; h++) {
        const qo = p * dim + h * headSize;
        const ho = layerOff + ((h / kvMul) | 0) * headSize;
        let max = -Infinity;
        if (headSize === 8) {
          // Unrolled for head size 8 (stories260K): V8 runs 8-trip inner loops slowly. Same order of sums.
          const q0 = q[qo]!, q1 = q[qo + 1]!, q2 = q[qo + 2]!, q3 = q[qo + 3]!; // prettier-ignore
          const q4 = q[qo + 4]!, q5 = q[qo + 5]!, q6 = q[qo + 6]!, q7 = q[qo + 7]!; // prettier-ignore
          for (let t = 0, ko = ho; t <= pos; t++, ko += kvDim) {
            let s = 0;
            s += q0 * keys[ko]!;
            s += q1 * keys[ko + 1]!;
            s += q2 * keys[ko + 2]!;
            s += q3 * keys[ko + 3]!;
            s += q4 * keys[ko + 4]!;
            s += q5 * keys[ko + 5]!;
            s += q6 * keys[ko + 6]!;
            s += q7 * keys[ko + 7]!;
            s /= scale;
            att[t] = s;
            if (s > max) max = s;
          }
        } else {
          for (let t = 0, ko = ho; t <= pos; t++, ko += kvDim) {
            let s = 0;
            for (let i = 0; i < headSize; i++) s += q[qo + i]! * keys[ko + i]!;
            s /= scale;
            att[t] = s;
            if (s > max) max = s;
          }
        }
        let sum = 0;
        for (let t = 0; t <= pos; t++) {
          const e = Math.exp(att[t]! - max);
          att[t] = e;
          sum += e;
        }
        for (let t = 0; t <= pos; t++) att[t] = att[t]! / sum;
        if (headSize === 8) {
          let o0 = 0, o1 = 0, o2 = 0, o3 = 0, o4 = 0, o5 = 0, o6 = 0, o7 = 0; // prettier-ignore
          for (let t = 0, vo = ho; t <= pos; t++, vo += kvDim) {
            const a = att[t]!;
            o0 += a * values[vo]!;
            o1 += a * values[vo + 1]!;
            o2 += a * values[vo + 2]!;
            o3 += a * values[vo + 3]!;
            o4 += a * values[vo + 4]!;
            o5 += a * values[vo + 5]!;
            o6 += a * values[vo + 6]!;
            o7 += a * values[vo + 7]!;
          }
          out[qo] = o0;
          out[qo + 1] = o1;
          out[qo + 2] = o2;
          out[qo + 3] = o3;
          out[qo + 4] = o4;
          out[qo + 5] = o5;
          out[qo + 6] = o6;
          out[qo + 7] = o7;
        } else {
          for (let i = 0; i < headSize; i++) out[qo + i] = 0;
          for (let t = 0, vo = ho; t <= pos; t++, vo += kvDim) {
            const a = att[t]!;
            for (let i = 0; i < headSize; i++) out[qo + i] = out[qo + i]! + a * values[vo + i]!;
          }
        }
      }
    }
  },

  swiglu(a, b, count) {
    for (let i = 0; i < count; i++) {
      let v = a[i]!;
      v *= 1 / (1 + Math.exp(-v));
      a[i] = v * b[i]!;
    }
  },

  add(x, y, count) {
    for (let i = 0; i < count; i++) x[i] = x[i]! + y[i]!;
  },
};

// ---------------------------------------------------------------- float32 (strict)

const fr = Math.fround;

function f32Common(): Omit<Kernels<Float32Array>, 'matmul' | 'attention' | 'rmsnorm'> {
  return {
    alloc: (n) => new Float32Array(n),

    ropeTables(capacity, headSize) {
      const half = headSize / 2;
      const cos = new Float32Array(capacity * half);
      const sin = new Float32Array(capacity * half);
      for (let pos = 0; pos < capacity; pos++) {
        for (let i = 0; i < half; i++) {
          const freq = fr(1 / fr(Math.pow(10000, fr((2 * i) / headSize))));
          const val = fr(pos * freq);
          cos[pos * half + i] = Math.cos(val);
          sin[pos * half + i] = Math.sin(val);
        }
      }
      return { cos, sin };
    },

    rope(q, qDim, k, kOff, kDim, nPos, pos0, cos, sin, headSize) {
      const half = headSize / 2;
      for (let p = 0; p < nPos; p++) {
        const t = (pos0 + p) * half;
        for (let i = 0; i < qDim; i += 2) {
          const c = cos[t + ((i % headSize) >> 1)]!;
          const s = sin[t + ((i % headSize) >> 1)]!;
          const a = p * qDim + i;
          const v0 = q[a]!;
          const v1 = q[a + 1]!;
          q[a] = fr(v0 * c) - fr(v1 * s);
          q[a + 1] = fr(v0 * s) + fr(v1 * c);
          if (i < kDim) {
            const b = kOff + p * kDim + i;
            const k0 = k[b]!;
            const k1 = k[b + 1]!;
            k[b] = fr(k0 * c) - fr(k1 * s);
            k[b + 1] = fr(k0 * s) + fr(k1 * c);
          }
        }
      }
    },

    swiglu(a, b, count) {
      for (let i = 0; i < count; i++) {
        let v = a[i]!;
        v = fr(v * fr(1 / fr(1 + fr(Math.exp(-v)))));
        a[i] = v * b[i]!;
      }
    },

    add(x, y, count) {
      for (let i = 0; i < count; i++) x[i] = x[i]! + y[i]!;
    },
  };
}

/** Sums lanes of 8 partial sums in the SIMD reduction order. */
function reduce8(l0: number, l1: number, l2: number, l3: number, l4: number, l5: number, l6: number, l7: number): number {
  return fr(fr(fr(l0 + l1) + fr(l2 + l3)) + fr(fr(l4 + l5) + fr(l6 + l7)));
}

function dotF32x8(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0; // prettier-ignore
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    l0 = fr(l0 + fr(a[ao + j]! * b[bo + j]!));
    l1 = fr(l1 + fr(a[ao + j + 1]! * b[bo + j + 1]!));
    l2 = fr(l2 + fr(a[ao + j + 2]! * b[bo + j + 2]!));
    l3 = fr(l3 + fr(a[ao + j + 3]! * b[bo + j + 3]!));
    l4 = fr(l4 + fr(a[ao + j + 4]! * b[bo + j + 4]!));
    l5 = fr(l5 + fr(a[ao + j + 5]! * b[bo + j + 5]!));
    l6 = fr(l6 + fr(a[ao + j + 6]! * b[bo + j + 6]!));
    l7 = fr(l7 + fr(a[ao + j + 7]! * b[bo + j + 7]!));
  }
  // Tail elements continue their lanes (lane = index mod 8); n - j < 8 so lane = r.
  for (let r = 0; j < n; j++, r++) {
    const v = fr(a[ao + j]! * b[bo + j]!);
    if (r === 0) l0 = fr(l0 + v);
    else if (r === 1) l1 = fr(l1 + v);
    else if (r === 2) l2 = fr(l2 + v);
    else if (r === 3) l3 = fr(l3 + v);
    else if (r === 4) l4 = fr(l4 + v);
    else if (r === 5) l5 = fr(l5 + v);
    else l6 = fr(l6 + v);
  }
  return reduce8(l0, l1, l2, l3, l4, l5, l6, l7);
}

function dotF32(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s = fr(s + fr(a[ao + j]! * b[bo + j]!));
  return s;
}

function makeF32(lanes8: boolean): Kernels<Float32Array> {
  const dot = lanes8 ? dotF32x8 : dotF32;
  return {
    ...f32Common(),

    matmul: lanes8
      ? (out, outOff, x, xOff, nPos, w, wOff, n, d) => {
          for (let p = 0; p < nPos; p++) {
            for (let i = 0; i < d; i++) out[outOff + p * d + i] = dotF32x8(w, wOff + i * n, x, xOff + p * n, n);
          }
        }
      : (out, outOff, x, xOff, nPos, w, wOff, n, d) => {
          let p = 0;
          for (; p + 4 <= nPos; p += 4) {
            const x0 = xOff + p * n;
            const x1 = x0 + n;
            const x2 = x1 + n;
            const x3 = x2 + n;
            const o = outOff + p * d;
            for (let i = 0; i < d; i++) {
              const row = wOff + i * n;
              let a0 = 0;
              let a1 = 0;
              let a2 = 0;
              let a3 = 0;
              for (let j = 0; j < n; j++) {
                const wj = w[row + j]!;
                a0 = fr(a0 + fr(wj * x[x0 + j]!));
                a1 = fr(a1 + fr(wj * x[x1 + j]!));
                a2 = fr(a2 + fr(wj * x[x2 + j]!));
                a3 = fr(a3 + fr(wj * x[x3 + j]!));
              }
              out[o + i] = a0;
              out[o + d + i] = a1;
              out[o + 2 * d + i] = a2;
              out[o + 3 * d + i] = a3;
            }
          }
          for (; p < nPos; p++) {
            // One position: 4 rows at a time (as in F64), each row summed in index order.
            const x0 = xOff + p * n;
            const o = outOff + p * d;
            let i = 0;
            for (; i + 4 <= d; i += 4) {
              const r0 = wOff + i * n;
              const r1 = r0 + n;
              const r2 = r1 + n;
              const r3 = r2 + n;
              let a0 = 0;
              let a1 = 0;
              let a2 = 0;
              let a3 = 0;
              for (let j = 0; j < n; j++) {
                const xj = x[x0 + j]!;
                a0 = fr(a0 + fr(w[r0 + j]! * xj));
                a1 = fr(a1 + fr(w[r1 + j]! * xj));
                a2 = fr(a2 + fr(w[r2 + j]! * xj));
                a3 = fr(a3 + fr(w[r3 + j]! * xj));
              }
              out[o + i] = a0;
              out[o + i + 1] = a1;
              out[o + i + 2] = a2;
              out[o + i + 3] = a3;
            }
            for (; i < d; i++) out[o + i] = dotF32(w, wOff + i * n, x, x0, n);
          }
        },

    rmsnorm(out, x, nPos, w, wOff, size, eps) {
      for (let p = 0; p < nPos; p++) {
        const o = p * size;
        let ss = dot(x, o, x, o, size);
        ss = fr(ss / size);
        ss = fr(ss + eps);
        ss = fr(1 / fr(Math.sqrt(ss)));
        for (let j = 0; j < size; j++) out[o + j] = w[wOff + j]! * fr(ss * x[o + j]!);
      }
    },

    attention(out, q, keys, values, layerOff, nPos, pos0, att, nHeads, kvMul, headSize, kvDim, dim) {
      const scale = fr(Math.sqrt(headSize));
      for (let p = 0; p < nPos; p++) {
        const pos = pos0 + p;
        for (let h = 0; h < nHeads; h++) {
          const qo = p * dim + h * headSize;
          const ho = ((h / kvMul) | 0) * headSize;
          let max = -Infinity;
          if (!lanes8 && headSize === 8) {
            // Unrolled strict float32 dot product of head size 8, in index order.
            const q0 = q[qo]!, q1 = q[qo + 1]!, q2 = q[qo + 2]!, q3 = q[qo + 3]!; // prettier-ignore
            const q4 = q[qo + 4]!, q5 = q[qo + 5]!, q6 = q[qo + 6]!, q7 = q[qo + 7]!; // prettier-ignore
            for (let t = 0, ko = layerOff + ho; t <= pos; t++, ko += kvDim) {
              let s = fr(q0 * keys[ko]!);
              s = fr(s + fr(q1 * keys[ko + 1]!));
              s = fr(s + fr(q2 * keys[ko + 2]!));
              s = fr(s + fr(q3 * keys[ko + 3]!));
              s = fr(s + fr(q4 * keys[ko + 4]!));
              s = fr(s + fr(q5 * keys[ko + 5]!));
              s = fr(s + fr(q6 * keys[ko + 6]!));
              s = fr(s + fr(q7 * keys[ko + 7]!));
              s = fr(s / scale);
              att[t] = s;
              if (s > max) max = s;
            }
          } else {
            for (let t = 0; t <= pos; t++) {
              const s = fr(dot(q, qo, keys, layerOff + t * kvDim + ho, headSize) / scale);
              att[t] = s;
              if (s > max) max = s;
            }
          }
          let sum = 0;
          for (let t = 0; t <= pos; t++) {
            const e = fr(Math.exp(fr(att[t]! - max)));
            att[t] = e;
            sum = fr(sum + e);
          }
          for (let t = 0; t <= pos; t++) att[t] = att[t]! / sum;
          if (headSize === 8) {
            let o0 = 0, o1 = 0, o2 = 0, o3 = 0, o4 = 0, o5 = 0, o6 = 0, o7 = 0; // prettier-ignore
            for (let t = 0, vo = layerOff + ho; t <= pos; t++, vo += kvDim) {
              const a = att[t]!;
              o0 = fr(o0 + fr(a * values[vo]!));
              o1 = fr(o1 + fr(a * values[vo + 1]!));
              o2 = fr(o2 + fr(a * values[vo + 2]!));
              o3 = fr(o3 + fr(a * values[vo + 3]!));
              o4 = fr(o4 + fr(a * values[vo + 4]!));
              o5 = fr(o5 + fr(a * values[vo + 5]!));
              o6 = fr(o6 + fr(a * values[vo + 6]!));
              o7 = fr(o7 + fr(a * values[vo + 7]!));
            }
            out[qo] = o0;
            out[qo + 1] = o1;
            out[qo + 2] = o2;
            out[qo + 3] = o3;
            out[qo + 4] = o4;
            out[qo + 5] = o5;
            out[qo + 6] = o6;
            out[qo + 7] = o7;
          } else {
            for (let i = 0; i < headSize; i++) out[qo + i] = 0;
            for (let t = 0; t <= pos; t++) {
              const vo = layerOff + t * kvDim + ho;
              const a = att[t]!;
              for (let i = 0; i < headSize; i++) out[qo + i] = out[qo + i]! + fr(a * values[vo + i]!);
            }
          }
        }
      }
    },
  };
}

export const F32: Kernels<Float32Array> = makeF32(false);
export const F32X8: Kernels<Float32Array> = makeF32(true);
