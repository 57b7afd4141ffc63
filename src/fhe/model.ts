import { VerdictError } from '../core/index.js';
import { samplingDrbg, uniformInt, type HmacDrbg } from '../sampling/index.js';
import type { FheProgram } from './program.js';

/**
 * A small, fully reproducible model for encrypted inference: a generated data set (Gaussian blobs drawn
 * from HMAC-DRBG) and a tiny MLP with a square activation (CryptoNets-style, exact under FHE) trained by
 * deterministic full-batch gradient descent in plain TypeScript. Same seed → same data → same weights.
 */
export interface Dataset {
  x: number[][];
  y: number[];
  classes: number;
}

export interface BlobOptions {
  seed: Uint8Array;
  classes?: number;
  features?: number;
  perClass?: number;
  /** Standard deviation of each blob. */
  spread?: number;
}

const TWO48 = 2 ** 48;
function uniform(drbg: HmacDrbg): number {
  return (uniformInt(drbg, TWO48) + 0.5) / TWO48;
}
function gaussian(drbg: HmacDrbg): number {
  // Box–Muller; the +0.5 above keeps u1 away from 0.
  return Math.sqrt(-2 * Math.log(uniform(drbg))) * Math.cos(2 * Math.PI * uniform(drbg));
}

export function generateBlobs(o: BlobOptions): Dataset {
  const classes = o.classes ?? 3;
  const features = o.features ?? 4;
  const perClass = o.perClass ?? 100;
  const spread = o.spread ?? 0.6;
  const drbg = samplingDrbg(o.seed, 'fhe.dataset.blobs');
  const centers = Array.from({ length: classes }, () => Array.from({ length: features }, () => (uniform(drbg) * 2 - 1) * 1.5));
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < perClass; i++) {
    for (let c = 0; c < classes; c++) {
      x.push(centers[c]!.map((m) => m + spread * gaussian(drbg)));
      y.push(c);
    }
  }
  return { x, y, classes };
}

export interface Mlp {
  w1: number[][];
  b1: number[];
  w2: number[][];
  b2: number[];
}

export interface TrainOptions {
  seed: Uint8Array;
  hidden?: number;
  epochs?: number;
  learningRate?: number;
}

/** Forward pass in float64: logits = W2·(W1·x + b1)² + b2. */
export function mlpForward(m: Mlp, x: readonly number[]): number[] {
  const h = m.w1.map((row, j) => {
    const z = row.reduce((s, w, c) => s + w * x[c]!, m.b1[j]!);
    return z * z;
  });
  return m.w2.map((row, j) => row.reduce((s, w, c) => s + w * h[c]!, m.b2[j]!));
}

export function argmax(v: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

export function accuracy(m: Mlp, data: Dataset): number {
  let ok = 0;
  data.x.forEach((x, i) => {
    if (argmax(mlpForward(m, x)) === data.y[i]) ok++;
  });
  return ok / data.x.length;
}

/** Full-batch gradient descent on softmax cross-entropy; deterministic given the seed. */
export function trainMlp(data: Dataset, o: TrainOptions): Mlp {
  const features = data.x[0]?.length ?? 0;
  if (features === 0) throw new VerdictError('BAD_INPUT', 'empty data set');
  const hidden = o.hidden ?? 8;
  const epochs = o.epochs ?? 400;
  const lr = o.learningRate ?? 0.05;
  const drbg = samplingDrbg(o.seed, 'fhe.model.init');
  const init = (rows: number, cols: number) =>
    Array.from({ length: rows }, () => Array.from({ length: cols }, () => ((uniform(drbg) * 2 - 1) * 0.5) / Math.sqrt(cols)));
  const m: Mlp = { w1: init(hidden, features), b1: new Array(hidden).fill(0), w2: init(data.classes, hidden), b2: new Array(data.classes).fill(0) };
  const n = data.x.length;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const gw1 = m.w1.map((r) => r.map(() => 0));
    const gb1 = m.b1.map(() => 0);
    const gw2 = m.w2.map((r) => r.map(() => 0));
    const gb2 = m.b2.map(() => 0);
    data.x.forEach((x, i) => {
      const z1 = m.w1.map((row, j) => row.reduce((s, w, c) => s + w * x[c]!, m.b1[j]!));
      const h = z1.map((z) => z * z);
      const logits = m.w2.map((row, j) => row.reduce((s, w, c) => s + w * h[c]!, m.b2[j]!));
      const top = Math.max(...logits);
      const exps = logits.map((l) => Math.exp(l - top));
      const sum = exps.reduce((a, b) => a + b, 0);
      const dl = exps.map((e, j) => e / sum - (j === data.y[i] ? 1 : 0));
      const dh = new Array<number>(hidden).fill(0);
      dl.forEach((d, j) => {
        gb2[j]! += d;
        m.w2[j]!.forEach((w, c) => {
          gw2[j]![c]! += d * h[c]!;
          dh[c]! += d * w;
        });
      });
      dh.forEach((d, j) => {
        const dz = d * 2 * z1[j]!;
        gb1[j]! += dz;
        x.forEach((xc, c) => (gw1[j]![c]! += dz * xc));
      });
    });
    const step = lr / n;
    m.w1.forEach((r, j) => r.forEach((_, c) => (r[c]! -= step * gw1[j]![c]!)));
    m.b1.forEach((_, j) => (m.b1[j]! -= step * gb1[j]!));
    m.w2.forEach((r, j) => r.forEach((_, c) => (r[c]! -= step * gw2[j]![c]!)));
    m.b2.forEach((_, j) => (m.b2[j]! -= step * gb2[j]!));
  }
  return m;
}

/** Rounds weights to 6 decimals so the program JSON is compact and its hash stable across printers. */
const r6 = (x: number) => {
  const v = Math.round(x * 1e6) / 1e6;
  return Math.abs(v) < 1e-6 ? 0 : v;
};

/** The MLP as a CKKS program: dense → square → dense (3 levels; fits ckks-8192-d3). */
export function mlpProgram(m: Mlp, name = 'mlp-square'): FheProgram {
  const features = m.w1[0]!.length;
  const hidden = m.w1.length;
  const classes = m.w2.length;
  const d = Math.max(features, hidden, classes);
  let block = 2;
  while (block < 2 * d) block *= 2;
  return {
    format: 'verdict-fhe-program',
    v: 1,
    scheme: 'ckks',
    name,
    input: { width: features },
    block,
    ops: [
      { op: 'dense', in: features, out: hidden, weights: m.w1.map((r) => r.map(r6)), bias: m.b1.map(r6) },
      { op: 'poly', coeffs: [0, 0, 1] },
      { op: 'dense', in: hidden, out: classes, weights: m.w2.map((r) => r.map(r6)), bias: m.b2.map(r6) },
    ],
  };
}

/** The program's weights back as an Mlp (to run the same rounded model in plaintext). */
export function programMlp(p: FheProgram): Mlp {
  const [d1, , d2] = p.ops;
  if (d1?.op !== 'dense' || d2?.op !== 'dense') throw new VerdictError('BAD_INPUT', 'not an mlpProgram');
  return { w1: d1.weights, b1: d1.bias ?? new Array(d1.out).fill(0), w2: d2.weights, b2: d2.bias ?? new Array(d2.out).fill(0) };
}
