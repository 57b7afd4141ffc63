import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  NobleEngine,
  SnarkBackend,
  artifactPath,
  parseG2,
  batchCoefficients,
  parseVerificationKey,
  parseZkEvidence,
  readManifest,
  verifyGroth16Batch,
  type BatchItem,
  type Groth16Proof,
  type Groth16VerificationKey,
  type PairingEngine,
} from '../../src/verifiers/zk/index.js';
import { readFileSync } from 'node:fs';
import { clone, dense, loadVectors, twistPointsOutsideG2 } from './fixtures.js';

const backend = new SnarkBackend();
after(() => backend.dispose());

const vectors = loadVectors('groth16', dense.id)!;
const build = readManifest().circuits.find((c) => c.id === dense.id)!.builds.groth16!;
const vk = parseVerificationKey(JSON.parse(readFileSync(artifactPath(build.verificationKey), 'utf8'))) as Groth16VerificationKey;
const items: BatchItem[] = vectors.cases.map((c) => {
  const ev = parseZkEvidence(clone(c.evidence));
  return { proof: ev.proof as Groth16Proof, publicSignals: ev.publicSignals };
});

/** Swaps pi_a between two proofs: both become invalid, with every point still valid. */
function corrupt(list: BatchItem[], i: number): BatchItem[] {
  const out = [...list];
  const j = (i + 1) % list.length;
  out[i] = { ...list[i]!, proof: { ...list[i]!.proof, a: list[j]!.proof.a } };
  return out;
}

const engines: [string, () => Promise<PairingEngine>][] = [
  ['wasm', () => backend.engine()],
  ['noble', async () => new NobleEngine()],
];

for (const [name, make] of engines) {
  test(`${name}: a batch of valid proofs passes with one pairing check`, async () => {
    const engine = await make();
    const res = await verifyGroth16Batch(engine, vk, items);
    assert.deepEqual(res, { ok: true, bad: [], checks: 1 });
    assert.deepEqual(await verifyGroth16Batch(engine, vk, []), { ok: true, bad: [], checks: 0 });
  });

  test(`${name}: one bad proof fails the batch and is identified`, async () => {
    const engine = await make();
    for (const i of [0, 3, items.length - 1]) {
      const res = await verifyGroth16Batch(engine, vk, corrupt(items, i));
      assert.equal(res.ok, false);
      assert.deepEqual(res.bad, [i]);
    }
  });

  test(`${name}: G2 subgroup membership agrees with noble; a deferred pi_b outside G2 is bad before any pairing`, async () => {
    const engine = await make();
    const outside = twistPointsOutsideG2(2);
    for (const { proof } of items.slice(0, 2)) assert.equal(engine.g2InSubgroup(engine.g2(proof.b)), true);
    for (const raw of outside) {
      const b = parseG2(raw, 'pi_b', false);
      assert.equal(engine.g2InSubgroup(engine.g2(b)), false);
    }
    const deferred = (raw: unknown) => parseZkEvidence(raw, 'evidence.zk', { deferG2Subgroup: true });
    const list: BatchItem[] = vectors.cases.map((c, i) => {
      const e = clone(c.evidence) as unknown as Record<string, any>;
      if (i === 2) e.proof.pi_b = outside[0];
      const ev = deferred(e);
      return { proof: ev.proof as Groth16Proof, publicSignals: ev.publicSignals };
    });
    assert.equal(list[0]!.proof.bSubgroupChecked, false);
    const res = await verifyGroth16Batch(engine, vk, list);
    assert.deepEqual(res, { ok: false, bad: [2], checks: 1, outsideSubgroup: [2] });
    const clean = await verifyGroth16Batch(engine, vk, list.filter((_, i) => i !== 2));
    assert.deepEqual(clean, { ok: true, bad: [], checks: 1 });
  });
}

test('wasm: any set of bad proofs (and bad signals) is found exactly', async () => {
  const engine = await backend.engine();
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: items.length - 1 }), { maxLength: 4 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (badIdx, seed) => {
      const list = items.map((it, i) =>
        badIdx.includes(i) ? (i % 2 ? { ...it, publicSignals: [it.publicSignals[0]! + 1n, ...it.publicSignals.slice(1)] } : { ...it, proof: { ...it.proof, c: items[(i + 1) % items.length]!.proof.c } }) : it,
      );
      const res = await verifyGroth16Batch(engine, vk, list, { seed });
      assert.deepEqual(res.bad, [...badIdx].sort((a, b) => a - b));
      assert.equal(res.ok, badIdx.length === 0);
    }),
    { numRuns: 12 },
  );
});

test('batch verdicts agree with snarkjs one by one', async () => {
  const list = corrupt(items, 1);
  const res = await verifyGroth16Batch(await backend.engine(), vk, list);
  for (let i = 0; i < vectors.cases.length; i++) {
    const ev = clone(vectors.cases[i]!.evidence);
    if (i === 1) (ev.proof as Record<string, unknown>).pi_a = clone((vectors.cases[2]!.evidence.proof as Record<string, unknown>).pi_a);
    const one = await backend.groth16Verify(vk.json, ev.publicSignals, ev.proof);
    assert.equal(one, !res.bad.includes(i), `proof ${i}`);
  }
});

test('coefficients: 128-bit, non-zero, depend on the seed and on every proof', () => {
  const r1 = batchCoefficients(vk, items);
  const r2 = batchCoefficients(vk, items, new Uint8Array(32).fill(1));
  const r3 = batchCoefficients(vk, corrupt(items, 5));
  assert.deepEqual(batchCoefficients(vk, items), r1);
  for (const r of [...r1, ...r2, ...r3]) assert.ok(r > 0n && r < 1n << 128n);
  assert.notDeepEqual(r1, r2);
  assert.notDeepEqual(r1, r3);
  assert.equal(new Set(r1.map(String)).size, r1.length);
});

test('a batch refuses items with the wrong number of signals', async () => {
  await assert.rejects(verifyGroth16Batch(new NobleEngine(), vk, [{ ...items[0]!, publicSignals: [1n] }]), /public signals/);
});
