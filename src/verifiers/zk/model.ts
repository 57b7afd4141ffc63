import { sha256 } from '@noble/hashes/sha2.js';
import { VerdictError, concatBytes, u32be } from '../../core/index.js';
import type { CircuitDef, LayerShape } from './circuits.js';
import { FR, jobIdToField, toField } from './field.js';
import { poseidonChain } from './poseidon.js';

/**
 * The TypeScript reference of the model circuits (circuits/lib/*.circom): the same integer arithmetic and the
 * same Poseidon commitments, so providers can compute outputs and commitments before proving, and job creators
 * and mediators can recompute commitments without a circuit.
 */

/** Domain tags: the big-endian integers of these ASCII strings (also written out in circuits/lib/commit.circom). */
export const TAG_MODEL = asciiTag('verdict.zk.model.v1');
export const TAG_INPUT = asciiTag('verdict.zk.input.v1');
export const TAG_OUTPUT = asciiTag('verdict.zk.output.v1');

function asciiTag(text: string): bigint {
  return BigInt(`0x${Buffer.from(text, 'ascii').toString('hex')}`);
}

export const INT8_MIN = -128;
export const INT8_MAX = 127;
export const BIAS_BITS = 24;
export const BIAS_MIN = -(2 ** (BIAS_BITS - 1));
export const BIAS_MAX = 2 ** (BIAS_BITS - 1) - 1;

/** One layer's integer parameters: W[j][i] (output j, input i) in int8, b[j] in int24 at the accumulator scale. */
export interface QuantLayer {
  W: number[][];
  b: number[];
}

/** A quantised model for one circuit. The salt (a field element) hides the weights behind the commitment. */
export interface QuantModel {
  layers: QuantLayer[];
  salt: bigint;
}

function isIntIn(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

/** Throws BAD_INPUT unless `x` is an int8 vector of length n. */
export function checkInt8Vector(x: unknown, n: number, what: string): asserts x is number[] {
  if (!Array.isArray(x) || x.length !== n) throw new VerdictError('BAD_INPUT', `${what}: expected ${n} int8 values`);
  for (let i = 0; i < n; i++) {
    if (!isIntIn(x[i], INT8_MIN, INT8_MAX)) throw new VerdictError('BAD_INPUT', `${what}[${i}]: expected an integer in [-128, 127]`);
  }
}

function checkField(x: unknown, what: string): asserts x is bigint {
  if (typeof x !== 'bigint' || x < 0n || x >= FR) throw new VerdictError('BAD_INPUT', `${what}: expected a field element`);
}

/** Throws BAD_INPUT unless the model has exactly the circuit's shapes and ranges. */
export function checkModel(def: CircuitDef, model: QuantModel): void {
  checkField(model.salt, 'model.salt');
  if (!Array.isArray(model.layers) || model.layers.length !== def.layers.length) {
    throw new VerdictError('BAD_INPUT', `model: circuit ${def.id} has ${def.layers.length} layer(s)`);
  }
  def.layers.forEach((shape, l) => {
    const layer = model.layers[l]!;
    if (!Array.isArray(layer.W) || layer.W.length !== shape.nOut) throw new VerdictError('BAD_INPUT', `model.layers[${l}].W: expected ${shape.nOut} rows`);
    layer.W.forEach((row, j) => checkInt8Vector(row, shape.nIn, `model.layers[${l}].W[${j}]`));
    if (!Array.isArray(layer.b) || layer.b.length !== shape.nOut) throw new VerdictError('BAD_INPUT', `model.layers[${l}].b: expected ${shape.nOut} values`);
    layer.b.forEach((v, j) => {
      if (!isIntIn(v, BIAS_MIN, BIAS_MAX)) throw new VerdictError('BAD_INPUT', `model.layers[${l}].b[${j}]: expected an int24`);
    });
  });
}

/** floor(a / 2^s) for a signed bigint (BigInt division truncates toward zero, the circuit floors). */
function floorShift(a: bigint, s: number): bigint {
  const d = 1n << BigInt(s);
  const q = a / d;
  return a < 0n && q * d !== a ? q - 1n : q;
}

/** clamp(floor((acc + 2^(s-1)) / 2^s), lo, hi): round half up, then saturate (circuits/lib/fixedpoint.circom). */
export function requantize(acc: bigint, shift: number, lo: number, hi: number): number {
  const q = floorShift(acc + (1n << BigInt(shift - 1)), shift);
  return q < BigInt(lo) ? lo : q > BigInt(hi) ? hi : Number(q);
}

export function denseLayer(shape: LayerShape, layer: QuantLayer, x: readonly number[]): number[] {
  const y: number[] = [];
  for (let j = 0; j < shape.nOut; j++) {
    let acc = BigInt(layer.b[j]!);
    const row = layer.W[j]!;
    // |acc| < 2^25, so plain numbers would do; bigint keeps the reference obviously exact.
    for (let i = 0; i < shape.nIn; i++) acc += BigInt(row[i]! * x[i]!);
    y.push(requantize(acc, shape.shift, shape.relu ? 0 : INT8_MIN, INT8_MAX));
  }
  return y;
}

/** The model's output on x, exactly as the circuit computes it. */
export function forward(def: CircuitDef, model: QuantModel, x: readonly number[]): number[] {
  checkModel(def, model);
  checkInt8Vector(x, def.layers[0]!.nIn, 'input');
  let h: number[] = [...x];
  def.layers.forEach((shape, l) => {
    h = denseLayer(shape, model.layers[l]!, h);
  });
  return h;
}

/** circuits/lib/commit.circom Pack(n, B): offset values, floor(248 / B) per element, little-endian. */
export function pack(values: readonly number[], bits: number): bigint[] {
  const perElement = Math.floor(248 / bits);
  const offset = 1n << BigInt(bits - 1);
  const out: bigint[] = [];
  for (let e = 0; e * perElement < values.length; e++) {
    let acc = 0n;
    for (let k = 0; k < perElement && e * perElement + k < values.length; k++) {
      acc += (BigInt(values[e * perElement + k]!) + offset) << BigInt(bits * k);
    }
    out.push(acc);
  }
  return out;
}

export function modelCommitment(def: CircuitDef, model: QuantModel): bigint {
  checkModel(def, model);
  const head: bigint[] = [TAG_MODEL, model.salt, BigInt(def.layers.length)];
  for (const s of def.layers) head.push(BigInt(s.nIn), BigInt(s.nOut), BigInt(s.shift), s.relu ? 1n : 0n);
  const body: bigint[] = [];
  for (const layer of model.layers) body.push(...pack(layer.W.flat(), 8), ...pack(layer.b, BIAS_BITS));
  return poseidonChain([...head, ...body]);
}

export function inputCommitment(x: readonly number[], salt: bigint): bigint {
  checkField(salt, 'input salt');
  checkInt8Vector(x, x.length, 'input');
  return poseidonChain([TAG_INPUT, salt, ...pack(x, 8)]);
}

/** The output commitment names the job: the same outputs for another job commit differently. */
export function outputCommitment(jobId: string, y: readonly number[]): bigint {
  checkInt8Vector(y, y.length, 'output');
  return poseidonChain([TAG_OUTPUT, jobIdToField(jobId), ...pack(y, 8)]);
}

export interface ZkStatement {
  jobId: bigint;
  modelCommitment: bigint;
  inputCommitment: bigint;
  outputCommitment: bigint;
}

/** The circuit's input signals (what snarkjs' witness calculator takes), with the statement they prove. */
export function witnessInput(
  def: CircuitDef,
  model: QuantModel,
  jobId: string,
  x: readonly number[],
  inputSalt: bigint,
): { input: Record<string, unknown>; statement: ZkStatement; output: number[] } {
  const output = forward(def, model, x);
  const statement: ZkStatement = {
    jobId: jobIdToField(jobId),
    modelCommitment: modelCommitment(def, model),
    inputCommitment: inputCommitment(x, inputSalt),
    outputCommitment: outputCommitment(jobId, output),
  };
  const f = (v: number | bigint) => toField(v).toString();
  const input: Record<string, unknown> = {
    jobId: statement.jobId.toString(),
    modelCommitment: statement.modelCommitment.toString(),
    inputCommitment: statement.inputCommitment.toString(),
    outputCommitment: statement.outputCommitment.toString(),
    modelSalt: model.salt.toString(),
    x: x.map(f),
    inputSalt: inputSalt.toString(),
  };
  const suffix = (l: number) => (def.layers.length === 1 ? '' : String(l + 1));
  model.layers.forEach((layer, l) => {
    input[`W${suffix(l)}`] = layer.W.map((row) => row.map(f));
    input[`b${suffix(l)}`] = layer.b.map(f);
  });
  return { input, statement, output };
}

/**
 * Deterministic int8 values from a seed: SHA-256 in counter mode (block i = sha256(seed ‖ u32 i)), one byte per
 * value, read as two's complement. For demos, tests and benches; real models come from a quantiser.
 */
export function seededInt8(seed: Uint8Array, count: number, maxAbs = 127): number[] {
  const out: number[] = [];
  for (let block = 0; out.length < count; block++) {
    for (const byte of sha256(concatBytes(seed, u32be(block)))) {
      if (out.length === count) break;
      const v = byte > 127 ? byte - 256 : byte;
      out.push(Math.max(-maxAbs, Math.min(maxAbs, v)));
    }
  }
  return out;
}

/** A seeded model of the circuit's shape (weights in [-maxAbs, maxAbs], 16 by default so outputs rarely saturate, biases a few units of the accumulator scale). */
export function seededModel(def: CircuitDef, seed: Uint8Array, options: { salt?: bigint; maxAbs?: number } = {}): QuantModel {
  const layers = def.layers.map((s, l) => {
    const ws = seededInt8(concatBytes(seed, u32be(2 * l)), s.nIn * s.nOut, options.maxAbs ?? 16);
    const bs = seededInt8(concatBytes(seed, u32be(2 * l + 1)), s.nOut);
    return {
      W: Array.from({ length: s.nOut }, (_, j) => ws.slice(j * s.nIn, (j + 1) * s.nIn)),
      b: bs.map((v) => v * (1 << (s.shift - 2))),
    };
  });
  return { layers, salt: options.salt ?? 0n };
}
