import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VerdictError, sha256, utf8 } from '../../src/core/index.js';
import {
  PRESETS,
  analyzeProgram,
  auditCanaries,
  canaryCommitment,
  canaryDetectionProbability,
  createFheJob,
  decryptResults,
  evaluatePlainModular,
  evaluatePlainReal,
  loadSealBackend,
  parseCanaryOpening,
} from '../../src/fhe/index.js';
import { runFheJob } from '../../src/provider/fhe.js';
import { bfvProgram, ints, matrix } from './fixtures.js';

function choose(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
}

test('canary detection probability is 1 − C(n−m, k)/C(n, k): checked against enumerating every placement', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }))), ([n, k, m]) => {
      // Enumerate all k-subsets of n items; the faked items are 0..m−1 (placement is uniform, so which ones does not matter).
      let caught = 0;
      let total = 0;
      for (let mask = 0; mask < 1 << n; mask++) {
        let bits = 0;
        for (let i = 0; i < n; i++) if (mask & (1 << i)) bits++;
        if (bits !== k) continue;
        total++;
        if (mask & ((1 << m) - 1)) caught++;
      }
      const p = canaryDetectionProbability(n, k, m);
      assert.ok(Math.abs(p - caught / total) < 1e-12, `n=${n} k=${k} m=${m}: ${p} vs ${caught}/${total}`);
      assert.ok(Math.abs(p - (1 - choose(n - m, k) / choose(n, k))) < 1e-9);
    }),
    { numRuns: 300 },
  );
});

const opening = {
  format: 'verdict-fhe-canaries' as const,
  v: 1 as const,
  salt: `0x${'11'.repeat(32)}` as const,
  indices: [1, 4],
  expected: [[[1, 2]], [[3, 4]]],
  tolerance: { abs: 0.001, rel: 0.001 },
};

test('the canary commitment binds everything in the opening and hides it behind the salt', () => {
  const c = canaryCommitment(opening);
  assert.equal(canaryCommitment(parseCanaryOpening(JSON.parse(JSON.stringify(opening)))), c);
  for (const changed of [
    { ...opening, indices: [1, 5] },
    { ...opening, expected: [[[1, 2]], [[3, 4.0001]]] },
    { ...opening, tolerance: { abs: 0.01, rel: 0.001 } },
    { ...opening, salt: `0x${'12'.repeat(32)}` as const },
  ]) {
    assert.notEqual(canaryCommitment(changed), c);
  }
});

test('parseCanaryOpening refuses malformed openings (property)', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.jsonValue(),
        fc.record({ key: fc.constantFrom('format', 'v', 'salt', 'indices', 'expected', 'tolerance', 'x'), value: fc.jsonValue() }).map(({ key, value }) => ({ ...opening, [key]: value })),
      ),
      (raw) => {
        try {
          parseCanaryOpening(raw, 'opening', 'BAD_EVIDENCE');
        } catch (e) {
          assert.ok(e instanceof VerdictError && e.code === 'BAD_EVIDENCE', String(e));
        }
      },
    ),
    { numRuns: 400 },
  );
  assert.throws(() => parseCanaryOpening({ ...opening, indices: [4, 1] }), (e) => e instanceof VerdictError && /ascending/.test(e.message));
  assert.throws(() => parseCanaryOpening({ ...opening, expected: [[[1]]] }), (e) => e instanceof VerdictError);
});

test('BFV canaries are compared exactly: an honest job passes, a wrong expected value fails; only canary items are decrypted', async () => {
  const backend = await loadSealBackend();
  const engine = backend.createEngine(PRESETS['bfv-8192']);
  try {
    const program = bfvProgram();
    const records = matrix('cr', 600, 4, (t, n) => ints(t, n, 30));
    const created = createFheJob({
      engine,
      program,
      id: 'bfv-canary',
      provider: '0xp',
      records,
      canaries: { items: 2, pool: records.slice(0, 50) },
      seed: sha256(utf8('bfv canaries')),
    });
    assert.equal(created.spec.items, 4); // 512 records per item → 2 real items + 2 canaries
    const result = await runFheJob(backend, created.job, created.pkg);
    const a = analyzeProgram(program, engine.params);
    const opening = created.secret.canary!;
    const ok = auditCanaries(engine, program, a.depth, created.secret.secretKey, opening, result.outputs);
    assert.equal(ok.ok, true, JSON.stringify(ok.failures.slice(0, 2)));
    assert.equal(ok.maxError, 0);
    const t = BigInt(engine.params.plainModulus!);
    // Every expected canary result is the plaintext result of some record of the pool.
    const poolResults = new Set(records.slice(0, 50).map((r) => JSON.stringify(evaluatePlainModular(program, r, t).map(Number))));
    assert.equal(opening.expected.length, 2);
    for (const item of opening.expected) {
      assert.equal(item.length, 512);
      for (const want of item) assert.ok(poolResults.has(JSON.stringify(want)), JSON.stringify(want));
    }
    // Only canary items are decrypted: garbage in every other item changes nothing.
    const onlyCanaries = result.outputs.map((o, i) => (opening.indices.includes(i) ? o : new Uint8Array(7)));
    assert.equal(auditCanaries(engine, program, a.depth, created.secret.secretKey, opening, onlyCanaries).ok, true);
    const wrong = { ...opening, expected: opening.expected.map((e, i) => (i === 0 ? e.map((r, j) => (j === 7 ? r.map((x) => x + 1) : r)) : e)) };
    const bad = auditCanaries(engine, program, a.depth, created.secret.secretKey, wrong, result.outputs);
    assert.equal(bad.ok, false);
    assert.deepEqual([...new Set(bad.failures.map((f) => f.index))], [opening.indices[0]]);
    assert.equal(bad.failures[0]!.record, 7);
    // Real items decrypt to the exact plaintext results.
    const out = decryptResults(engine, program, created.secret, result.outputs);
    assert.deepEqual(out, records.map((r) => evaluatePlainModular(program, r, t).map(Number)));
    // Output ciphertexts that are not the provider's (garbage) make the canary fail, they do not throw.
    const garbage = result.outputs.map((o) => o.slice(0, 100));
    const g = auditCanaries(engine, program, a.depth, created.secret.secretKey, opening, garbage);
    assert.equal(g.ok, false);
    assert.deepEqual(g.failures.map((f) => f.index), opening.indices);
    // A pool record the program cannot take is the creator's error: BAD_INPUT, not a TypeError.
    const badPool = (pool: number[][]) => () =>
      createFheJob({ engine, program, id: 'bfv-bad-pool', provider: '0xp', records: records.slice(0, 10), canaries: { items: 1, pool }, seed: sha256(utf8('bad pool')), keys: created.secret.keys });
    for (const pool of [[[1, 2, 3]], [[1, 2, 3, 0.5]], [[]]]) {
      assert.throws(badPool(pool), (e) => e instanceof VerdictError && e.code === 'BAD_INPUT', JSON.stringify(pool));
    }
  } finally {
    engine.delete();
  }
});

test('the plaintext reference refuses records the program cannot take (VerdictError, not TypeError or NaN)', () => {
  const program = bfvProgram();
  const t = BigInt(PRESETS['bfv-4096'].plainModulus!);
  assert.deepEqual(evaluatePlainModular(program, [1, 2, 3, 4], t), evaluatePlainModular(program, [1n, 2n, 3n, 4n], t));
  const refused = (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT';
  for (const rec of [[], [1, 2, 3], [1, 2, 3, 4, 5], [1, 2, 3, 0.5], [1, 2, 3, Number.NaN]]) {
    assert.throws(() => evaluatePlainModular(program, rec, t), refused, JSON.stringify(rec));
    assert.throws(() => evaluatePlainReal({ ...program, scheme: 'ckks' }, rec.length === 4 && rec.every(Number.isFinite) ? [1, 2, 3, Infinity] : rec), refused);
  }
  assert.throws(() => evaluatePlainModular(program, [1, 2, 3, 4], 1n), refused);
});
