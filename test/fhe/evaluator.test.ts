import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  PRESETS,
  ProgramEvaluator,
  analyzeProgram,
  evaluatePlainModular,
  evaluatePlainReal,
  loadSealBackend,
  packRecords,
  parseProgram,
  programHash,
  unpackRecords,
  validateCiphertext,
  validateGaloisKeys,
  validatePublicKey,
  validateRelinKeys,
  validateSecretKey,
  type FheBackend,
  type FheEngine,
  type FheParams,
  type FheProgram,
} from '../../src/fhe/index.js';
import { VerdictError } from '../../src/core/index.js';
import { bfvProgram, ckksProgram, matrix, numbers, ints } from './fixtures.js';

let backend: FheBackend;
const engines: FheEngine[] = [];
before(async () => {
  backend = await loadSealBackend();
});
after(() => {
  for (const e of engines) e.delete();
});

function engineFor(params: FheParams): FheEngine {
  const e = backend.createEngine(params);
  engines.push(e);
  return e;
}

/** Keys for the program, records encrypted, evaluated, decrypted: returns decrypted outputs and the plaintext reference. */
function roundTrip(engine: FheEngine, program: FheProgram, records: number[][]) {
  const a = analyzeProgram(program, engine.params);
  const keys = engine.keygen(a.galoisSteps);
  engine.setEvaluationKeys({
    relin: validateRelinKeys(keys.relinKeys, engine.chain),
    ...(keys.galoisKeys ? { galois: validateGaloisKeys(keys.galoisKeys, engine.chain, a.galoisSteps) } : {}),
  });
  const enc = engine.encryptor(validatePublicKey(keys.publicKey, engine.chain));
  const dec = engine.decryptor(validateSecretKey(keys.secretKey, engine.chain));
  const ev = new ProgramEvaluator(engine, program);
  try {
    const input = enc.encrypt(packRecords(program, engine.params, records));
    const out = ev.evaluateBytes(input);
    const again = ev.evaluateBytes(input);
    const got = unpackRecords(program, dec.decrypt(validateCiphertext(out, engine.chain, ev.outputExpectation())), records.length, a.outputWidth);
    const want =
      engine.params.scheme === 'ckks'
        ? records.map((r) => evaluatePlainReal(program, r))
        : records.map((r) => evaluatePlainModular(program, r, BigInt(engine.params.plainModulus!)).map(Number));
    return { got, want, out, again, input, keys, analysis: a };
  } finally {
    ev.dispose();
    enc.delete();
    dec.delete();
  }
}

function maxError(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i]![j]!)))));
  return m;
}

/** Worst |got − want| / (1e-3 + 1e-3·|want|): below 1 means within the default CKKS canary tolerance. */
function toleranceRatio(got: number[][], want: number[][]): number {
  let m = 0;
  got.forEach((row, i) => row.forEach((x, j) => (m = Math.max(m, Math.abs(x - want[i]![j]!) / (1e-3 + 1e-3 * Math.abs(want[i]![j]!))))));
  return m;
}

const records = (tag: string, n: number, width: number) => matrix(tag, n, width, numbers);

test('CKKS: dense → cubic → dense on 256 packed records matches float64 within 1e-3, and is deterministic', () => {
  const program = ckksProgram();
  const r = roundTrip(engineFor(PRESETS['ckks-8192-d4']), program, records('x', 256, 4));
  assert.equal(r.analysis.depth, 4);
  assert.ok(maxError(r.got, r.want) < 1e-3, `max error ${maxError(r.got, r.want)}`);
  assert.deepEqual(Buffer.from(r.out), Buffer.from(r.again), 'same evaluator, same input: same bytes');
});

test('BFV: integer dense → (x+1)² → dense → sum on 512 records is exact modulo t', () => {
  const program = bfvProgram();
  const r = roundTrip(engineFor(PRESETS['bfv-8192']), program, matrix('ix', 512, 4, (t, n) => ints(t, n, 20)));
  assert.deepEqual(r.got, r.want);
  assert.deepEqual(Buffer.from(r.out), Buffer.from(r.again));
});

test('CKKS: other polynomial shapes and mean (degree 2 general, degree 4, x⁴ fast path)', () => {
  const e = engineFor(PRESETS['ckks-8192-d4']);
  const dense = { op: 'dense' as const, in: 3, out: 5, weights: matrix('pw', 5, 3, numbers), bias: numbers('pb', 5) };
  const shapes: [number[], number][] = [
    [[0.25, -0.5, 0.75], 4], // dense 1 + general quadratic 2 + mean 1
    [[0.1, 0.2, -0.3, 0.4, 0.05], 4], // dense 1 + general quartic 3
    [[0, 0, 0, 0, 1], 3], // dense 1 + x⁴ 2
  ];
  for (const [coeffs, depth] of shapes) {
    const ops: FheProgram['ops'] = [dense, { op: 'poly', coeffs }];
    if (coeffs.length === 3) ops.push({ op: 'mean' });
    const program = parseProgram({ format: 'verdict-fhe-program', v: 1, scheme: 'ckks', input: { width: 3 }, block: 16, ops });
    const r = roundTrip(e, program, records(`s${coeffs.length}`, 64, 3));
    assert.equal(r.analysis.depth, depth, JSON.stringify(coeffs));
    // CKKS error grows with magnitude (x⁴ reaches ~18 here, at scale 2^30): the canaries' abs + rel bound.
    assert.ok(toleranceRatio(r.got, r.want) < 1, `${JSON.stringify(coeffs)}: max error ${maxError(r.got, r.want)}`);
    assert.ok(maxError(r.got, r.want) > 0);
  }
});

test('only the Galois keys the program needs are generated, and evaluation refuses keys for other steps', () => {
  const program = ckksProgram();
  const e = engineFor(PRESETS['ckks-8192-d4']);
  const a = analyzeProgram(program, e.params);
  // dense 4→8 and 8→3 (D = 8): replication by −8, baby steps 1..3 and giant step 4 of BSGS with n1 = 4.
  assert.deepEqual(a.galoisSteps, [-8, 1, 2, 3, 4]);
  const keys = e.keygen([1, 2, 3]);
  assert.throws(() => validateGaloisKeys(keys.galoisKeys!, e.chain, a.galoisSteps), (err) => err instanceof VerdictError);
  // A sparse layer needs fewer: a diagonal matrix uses only diagonal 0.
  const diag = parseProgram({
    format: 'verdict-fhe-program', v: 1, scheme: 'ckks', input: { width: 4 }, block: 8,
    ops: [{ op: 'dense', in: 4, out: 4, weights: [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 4]] }],
  });
  assert.deepEqual(analyzeProgram(diag, e.params).galoisSteps, [-4]);
});

test('programs deeper than the parameters, or for the other scheme, are refused', () => {
  assert.throws(() => analyzeProgram(ckksProgram(), PRESETS['ckks-8192-d3']), (e) => e instanceof VerdictError && /levels/.test(e.message));
  assert.throws(() => analyzeProgram(bfvProgram(), PRESETS['ckks-8192-d4']), (e) => e instanceof VerdictError && /scheme|bfv/.test(e.message));
  assert.throws(() => parseProgram({ ...bfvProgram(), ops: [{ op: 'mean' }] }), (e) => e instanceof VerdictError && /BFV/.test(e.message));
});

test('parseProgram rejects malformed programs with VerdictError (property)', () => {
  const good = [ckksProgram(), bfvProgram()];
  const mutate = fc.record({
    which: fc.constantFrom(0, 1),
    path: fc.constantFrom('block', 'input', 'ops', 'scheme', 'v', 'format', 'ops.0.in', 'ops.0.weights', 'ops.0.bias', 'ops.1.coeffs', 'ops.2.out'),
    value: fc.oneof(fc.jsonValue(), fc.constantFrom(0, -1, 3, 2 ** 40, 1e-9, 'x', null, [], [[]])),
  });
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), mutate.map(({ which, path, value }) => {
      const p = JSON.parse(JSON.stringify(good[which])) as Record<string, unknown>;
      const parts = path.split('.');
      let at: Record<string, unknown> = p;
      for (const k of parts.slice(0, -1)) at = at[k] as Record<string, unknown>;
      at[parts[parts.length - 1]!] = value;
      return p;
    })), (raw) => {
      try {
        const p = parseProgram(raw);
        assert.equal(typeof programHash(p), 'string');
      } catch (e) {
        assert.ok(e instanceof VerdictError && e.code === 'BAD_INPUT', String(e));
      }
    }),
    { numRuns: 500 },
  );
});

test('record packing refuses values that cannot be encoded, and too many records', () => {
  const p = bfvProgram();
  assert.throws(() => packRecords(p, PRESETS['bfv-8192'], [[1, 2, 3, 2 ** 30]]), (e) => e instanceof VerdictError);
  assert.throws(() => packRecords(p, PRESETS['bfv-8192'], [[1, 2, 3]]), (e) => e instanceof VerdictError);
  assert.throws(() => packRecords(ckksProgram(), PRESETS['ckks-8192-d4'], records('many', 257, 4)), (e) => e instanceof VerdictError);
  assert.throws(() => packRecords(ckksProgram(), PRESETS['ckks-8192-d4'], [[NaN, 0, 0, 0]]), (e) => e instanceof VerdictError);
});
