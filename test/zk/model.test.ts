import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CIRCUITS,
  FR,
  SnarkBackend,
  findCircuit,
  forward,
  inputCommitment,
  jobIdToField,
  modelCommitment,
  outputCommitment,
  pack,
  poseidonChain,
  poseidonHash,
  provingArtifacts,
  requantize,
  seededInt8,
  seededModel,
  witnessInput,
  type CircuitDef,
  type QuantModel,
} from '../../src/verifiers/zk/index.js';
import { VerdictError } from '../../src/core/index.js';

const dense = findCircuit('dense-q8-32x16', 1)!;
const mlp = findCircuit('mlp-q8-16x16x4', 1)!;

test('Poseidon matches the circomlib test vector', () => {
  assert.equal(poseidonHash([1n, 2n]), 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an);
  assert.throws(() => poseidonHash([]), VerdictError);
  assert.throws(() => poseidonHash([FR]), VerdictError);
  // the chain is a plain Poseidon up to 16 inputs, then folds 15 more per call
  const xs = Array.from({ length: 40 }, (_, i) => BigInt(i + 1));
  assert.equal(poseidonChain(xs.slice(0, 16)), poseidonHash(xs.slice(0, 16)));
  assert.equal(poseidonChain(xs), poseidonHash([poseidonHash([poseidonHash(xs.slice(0, 16)), ...xs.slice(16, 31)]), ...xs.slice(31)]));
});

test('requantize is round-half-up division by 2^shift, then saturation', () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 25), max: 2 ** 25 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), (acc, shift, relu) => {
      const lo = relu ? 0 : -128;
      const want = Math.min(127, Math.max(lo, Math.floor((acc + 2 ** (shift - 1)) / 2 ** shift)));
      assert.equal(requantize(BigInt(acc), shift, lo, 127), want);
    }),
  );
  // ties round up, also for negatives: -1.5 → -1, -2.5 → -2
  assert.equal(requantize(-96n, 6, -128, 127), -1);
  assert.equal(requantize(-160n, 6, -128, 127), -2);
  assert.equal(requantize(32n, 6, -128, 127), 1);
});

test('pack is injective on int values: unpacking gives the values back', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -128, max: 127 }), { minLength: 1, maxLength: 100 }), (vals) => {
      const packed = pack(vals, 8);
      assert.equal(packed.length, Math.ceil(vals.length / 31));
      const back: number[] = [];
      packed.forEach((e, k) => {
        assert.ok(e < 1n << 248n);
        for (let j = 0; j < 31 && k * 31 + j < vals.length; j++) back.push(Number((e >> BigInt(8 * j)) & 0xffn) - 128);
      });
      assert.deepEqual(back, vals);
    }),
  );
});

test('commitments change with every weight, bias, salt, input and job id', () => {
  const model = seededModel(mlp, new Uint8Array([7]), { salt: 5n });
  const base = modelCommitment(mlp, model);
  const variants: QuantModel[] = [];
  for (let l = 0; l < 2; l++) {
    const w = structuredClone(model);
    w.layers[l]!.W[1]![2]! += w.layers[l]!.W[1]![2]! === 127 ? -1 : 1;
    variants.push(w);
    const b = structuredClone(model);
    b.layers[l]!.b[0]! += 1;
    variants.push(b);
  }
  variants.push({ ...model, salt: 6n });
  for (const v of variants) assert.notEqual(modelCommitment(mlp, v), base);
  const x = seededInt8(new Uint8Array([1]), 16);
  assert.notEqual(inputCommitment(x, 0n), inputCommitment(x, 1n));
  assert.notEqual(inputCommitment(x, 0n), inputCommitment([...x.slice(0, 15), x[15] === 0 ? 1 : 0], 0n));
  const y = forward(mlp, model, x);
  assert.notEqual(outputCommitment('job-a', y), outputCommitment('job-b', y));
  assert.notEqual(jobIdToField('a'), jobIdToField('b'));
  assert.ok(jobIdToField('a') < 1n << 248n);
});

test('the reference refuses models and inputs of the wrong shape or range', () => {
  const model = seededModel(dense, new Uint8Array([1]));
  const x = seededInt8(new Uint8Array([2]), 32);
  assert.throws(() => forward(dense, model, x.slice(1)), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
  assert.throws(() => forward(dense, model, [...x.slice(1), 128]), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
  const big = structuredClone(model);
  big.layers[0]!.b[3] = 2 ** 23;
  assert.throws(() => modelCommitment(dense, big), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
  assert.throws(() => forward(mlp, model, x.slice(0, 16)), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
});

/** Models at the edges of the ranges: saturating weights, extreme biases, all-negative inputs. */
const modelArb = (def: CircuitDef) =>
  fc
    .record({
      seed: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      maxAbs: fc.constantFrom(4, 16, 127),
      extremeBias: fc.boolean(),
      salt: fc.bigInt({ min: 0n, max: FR - 1n }),
      inputSalt: fc.bigInt({ min: 0n, max: FR - 1n }),
      x: fc.array(fc.integer({ min: -128, max: 127 }), { minLength: def.layers[0]!.nIn, maxLength: def.layers[0]!.nIn }),
    })
    .map(({ seed, maxAbs, extremeBias, salt, inputSalt, x }) => {
      const model = seededModel(def, seed, { salt, maxAbs });
      if (extremeBias) model.layers[0]!.b = model.layers[0]!.b.map((_, j) => (j % 2 ? 2 ** 23 - 1 : -(2 ** 23)));
      return { model, x, inputSalt };
    });

for (const def of CIRCUITS) {
  test(`the compiled circuit ${def.id} agrees with the TypeScript reference (outputs and all commitments)`, async () => {
    const { wasm } = provingArtifacts(def.id, def.version, 'groth16');
    const backend = new SnarkBackend();
    try {
      await fc.assert(
        fc.asyncProperty(modelArb(def), async ({ model, x, inputSalt }) => {
          const { input, output } = witnessInput(def, model, 'job-witness', x, inputSalt);
          await backend.calculateWitness(input, wasm);
          // one output off by one: the circuit's output commitment constraint must fail
          const wrong = [...output];
          wrong[0] = wrong[0] === 127 ? 126 : wrong[0]! + 1;
          await assert.rejects(backend.calculateWitness({ ...input, outputCommitment: outputCommitment('job-witness', wrong).toString() }, wasm));
        }),
        { numRuns: 4 },
      );
    } finally {
      await backend.dispose();
    }
  });
}
