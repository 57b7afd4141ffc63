import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bn254 } from '@noble/curves/bn254.js';
import { VerdictError } from '../../src/core/index.js';
import {
  FQ,
  FR,
  parseG2,
  parseGroth16Proof,
  parsePlonkProof,
  parseVerificationKey,
  parseZkEvidence,
  proofToSnarkjs,
  readManifest,
  artifactPath,
} from '../../src/verifiers/zk/index.js';
import { readFileSync } from 'node:fs';
import { clone, dense, loadVectors, twistPointsOutsideG2 } from './fixtures.js';

const vectors = loadVectors('groth16', dense.id)!;
const good = vectors.cases[0]!.evidence;

const isBad = (code = 'BAD_EVIDENCE') => (e: unknown) => e instanceof VerdictError && e.code === code;

test('a valid proof parses, and prints back to the same snarkjs JSON', () => {
  const parsed = parseZkEvidence(clone(good));
  assert.equal(parsed.scheme, 'groth16');
  assert.equal(parsed.publicSignals.length, 4);
  assert.deepEqual(proofToSnarkjs(parsed.proof), good.proof);
});

test('garbage evidence gives BAD_EVIDENCE, never another error', () => {
  fc.assert(
    fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }), (raw) => {
      assert.throws(() => parseZkEvidence(raw), isBad());
    }),
    { numRuns: 300 },
  );
});

/** Every leaf path of a JSON value. */
function leafPaths(x: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(x)) return x.flatMap((v, i) => leafPaths(v, [...path, i]));
  if (x && typeof x === 'object') return Object.entries(x).flatMap(([k, v]) => leafPaths(v, [...path, k]));
  return [path];
}

function setPath(x: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = clone(x) as Record<string | number, unknown>;
  let at = copy;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}

const junkValue = fc.oneof(
  fc.constantFrom('', '0', '1', '-1', '01', ' 1', '1e3', '0x1', 'NaN', FQ.toString(), FR.toString(), (FQ - 1n).toString(), '9'.repeat(80)),
  fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }).map(String),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, [], {}, ['1', '2']),
  fc.string({ maxLength: 8 }),
);

test('mutating any leaf of a valid evidence gives BAD_EVIDENCE or a still-well-formed evidence', () => {
  const paths = leafPaths(good);
  fc.assert(
    fc.property(fc.constantFrom(...paths), junkValue, (path, value) => {
      const mutated = setPath(good, path, value);
      try {
        parseZkEvidence(mutated);
      } catch (e) {
        assert.ok(isBad()(e), `path ${path.join('.')}: ${String(e)}`);
      }
    }),
    { numRuns: 400 },
  );
});

test('coordinates must be canonical decimals below q; signals below r', () => {
  const cases: [string, (e: Record<string, any>) => void][] = [
    ['x = q', (e) => (e.proof.pi_a[0] = FQ.toString())],
    ['leading zero', (e) => (e.proof.pi_a[0] = `0${e.proof.pi_a[0]}`)],
    ['negative', (e) => (e.proof.pi_c[1] = `-${e.proof.pi_c[1]}`)],
    ['number instead of string', (e) => (e.proof.pi_a[0] = 1)],
    ['hex', (e) => (e.proof.pi_b[0][0] = '0x1')],
    ['G2 coordinate = q', (e) => (e.proof.pi_b[1][1] = FQ.toString())],
    ['signal = r', (e) => (e.publicSignals[0] = FR.toString())],
    ['signal negative', (e) => (e.publicSignals[3] = '-1')],
    ['3 signals', (e) => e.publicSignals.pop()],
    ['5 signals', (e) => e.publicSignals.push('1')],
    ['pi_a of 2 coordinates', (e) => e.proof.pi_a.pop()],
    ['pi_b of 2 rows', (e) => e.proof.pi_b.pop()],
    ['projective z', (e) => (e.proof.pi_a[2] = '2')],
    ['infinity', (e) => (e.proof.pi_c = ['0', '1', '0'])],
    ['G2 infinity', (e) => (e.proof.pi_b = [['0', '0'], ['1', '0'], ['0', '0']])],
    ['off curve', (e) => (e.proof.pi_a[1] = ((BigInt(e.proof.pi_a[1]) + 1n) % FQ).toString())],
    ['G2 off curve', (e) => (e.proof.pi_b[1][0] = ((BigInt(e.proof.pi_b[1][0]) + 1n) % FQ).toString())],
    ['extra proof field', (e) => (e.proof.extra = 1)],
    ['extra evidence field', (e) => (e.extra = 1)],
    ['wrong protocol', (e) => (e.proof.protocol = 'plonk')],
    ['wrong curve', (e) => (e.proof.curve = 'bls12381')],
    ['unknown scheme', (e) => (e.scheme = 'fflonk')],
    ['version 2', (e) => (e.v = 2)],
    ['output out of int8', (e) => (e.output[0] = 128)],
    ['output too long', (e) => (e.output = Array(5000).fill(0))],
    ['huge string', (e) => (e.proof.pi_a[0] = '1'.repeat(100_000))],
  ];
  for (const [name, mutate] of cases) {
    const e = clone(good) as unknown as Record<string, any>;
    mutate(e);
    assert.throws(() => parseZkEvidence(e), isBad(), name);
  }
});

test('a G2 point on the twist but outside the order-r subgroup is refused', () => {
  const Fp2 = bn254.fields.Fp2;
  const b = (bn254.G2.Point as unknown as { CURVE(): { b: ReturnType<typeof Fp2.fromBigTuple> } }).CURVE().b;
  let found = 0;
  for (let i = 1n; i < 50n && found < 3; i++) {
    const x = Fp2.fromBigTuple([i, 1n]);
    let y;
    try {
      y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), b));
    } catch {
      continue;
    }
    found++;
    const raw = [[x.c0.toString(), x.c1.toString()], [y.c0.toString(), y.c1.toString()], ['1', '0']];
    assert.throws(() => parseG2(raw, 'pi_b'), /subgroup/);
    const e = clone(good) as unknown as Record<string, any>;
    e.proof.pi_b = raw;
    assert.throws(() => parseZkEvidence(e), isBad());
  }
  assert.ok(found > 0);
});

test('PLONK proofs: garbage and mutations give BAD_EVIDENCE', () => {
  const plonk = loadVectors('plonk', 'mlp-q8-16x16x4');
  fc.assert(
    fc.property(fc.anything(), (raw) => {
      assert.throws(() => parsePlonkProof(raw), isBad());
    }),
    { numRuns: 100 },
  );
  assert.ok(plonk, 'the PLONK vectors of mlp-q8-16x16x4 are committed');
  const proof = plonk.cases[0]!.evidence.proof as Record<string, unknown>;
  assert.deepEqual(proofToSnarkjs(parsePlonkProof(clone(proof))), proof);
  const paths = leafPaths(proof);
  fc.assert(
    fc.property(fc.constantFrom(...paths), junkValue, (path, value) => {
      try {
        parsePlonkProof(setPath(proof, path, value));
      } catch (e) {
        assert.ok(isBad()(e), String(e));
      }
    }),
    { numRuns: 200 },
  );
});

test('Groth16 proof parser: a proof object with missing points is refused', () => {
  const p = clone(good.proof) as Record<string, unknown>;
  delete p.pi_c;
  assert.throws(() => parseGroth16Proof(p), isBad());
});

test('verification keys are validated: broken keys give BAD_CONFIG', () => {
  const manifest = readManifest();
  for (const c of manifest.circuits) {
    for (const build of Object.values(c.builds)) {
      const vk = JSON.parse(readFileSync(artifactPath(build!.verificationKey), 'utf8'));
      assert.equal(parseVerificationKey(vk).nPublic, 4);
      for (const path of leafPaths(vk).filter((p) => p[0] !== 'vk_alphabeta_12')) {
        const v = setPath(vk, path, 'x');
        assert.throws(() => parseVerificationKey(v), isBad('BAD_CONFIG'), path.join('.'));
      }
    }
  }
  fc.assert(
    fc.property(fc.anything(), (raw) => {
      assert.throws(() => parseVerificationKey(raw), isBad('BAD_CONFIG'));
    }),
    { numRuns: 100 },
  );
});

test('deferred G2 subgroup check: pi_b must still be on the twist, and is marked unchecked', () => {
  const full = parseZkEvidence(clone(good));
  assert.equal(full.proof.scheme === 'groth16' && full.proof.bSubgroupChecked, true);
  const deferred = parseZkEvidence(clone(good), 'evidence.zk', { deferG2Subgroup: true });
  assert.equal(deferred.proof.scheme === 'groth16' && deferred.proof.bSubgroupChecked, false);
  assert.deepEqual(proofToSnarkjs(deferred.proof), good.proof);
  for (const raw of twistPointsOutsideG2(3)) {
    const e = clone(good) as unknown as Record<string, any>;
    e.proof.pi_b = raw;
    assert.throws(() => parseZkEvidence(e), isBad());
    const p = parseZkEvidence(e, 'evidence.zk', { deferG2Subgroup: true });
    assert.equal(p.proof.scheme === 'groth16' && p.proof.bSubgroupChecked, false);
    // off the twist: refused either way
    e.proof.pi_b = [raw[0], [raw[1]![0], String(BigInt(raw[1]![1]!) ^ 1n)], raw[2]];
    assert.throws(() => parseZkEvidence(e, 'evidence.zk', { deferG2Subgroup: true }), (err: unknown) => isBad()(err) && /twist/.test(String(err)));
  }
});
