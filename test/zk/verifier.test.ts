import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, silentLogger, type Claim, type Job } from '../../src/core/index.js';
import { VerifierRegistry, type VerifyContext } from '../../src/verifiers/index.js';
import {
  SnarkBackend,
  ZkKeyRegistry,
  createZkVerifier,
  fieldToHex,
  forward,
  outputCommitment,
  readManifest,
  artifactPath,
  type ZkEvidence,
} from '../../src/verifiers/zk/index.js';
import { ZkProver } from '../../src/provider/zk.js';
import { readFileSync } from 'node:fs';
import { clone, dense, loadVectors, mlp, twistPointsOutsideG2, vectorJob } from './fixtures.js';

const backend = new SnarkBackend();
const verifier = createZkVerifier({ backend });
const registry = new VerifierRegistry({ clock: new ManualClock(1) }).register(verifier);
const prover = new ZkProver({ backend });
after(async () => {
  await registry.dispose();
});

const seed = new Uint8Array(32).fill(9);
const run = (job: Job, claim: Claim, evidence: unknown, options: Record<string, unknown> = {}) =>
  registry.run('zk', job, claim, evidence, { seed, options: { zk: options } });

const vectors = loadVectors('groth16', dense.id)!;
const mlpVectors = loadVectors('groth16', mlp.id)!;

test('committed vectors come from the committed proving keys', () => {
  const manifest = readManifest();
  for (const v of [vectors, mlpVectors, loadVectors('plonk', mlp.id)]) {
    if (!v) continue;
    const build = manifest.circuits.find((c) => c.id === v.circuit)!.builds[v.scheme]!;
    assert.equal(v.zkeySha256, build.zkey.sha256, `${v.scheme} ${v.circuit}: regenerate with npx tsx test/zk/vectors/generate.ts`);
  }
});

test('honest providers pass: live proofs of both circuits, and proofs that differ byte for byte', async () => {
  for (const def of [dense, mlp]) {
    const { model, input, inputSalt, job } = vectorJob(def, 2);
    const a = await prover.prove({ job, model, input, inputSalt });
    const b = await prover.prove({ job, model, input, inputSalt });
    assert.deepEqual(a.output, forward(def, model, input));
    assert.notDeepEqual(a.evidence.proof, b.evidence.proof, 'Groth16 proofs are randomised');
    for (const bundle of [a, b]) {
      const f = await run(job, bundle.claim, clone(bundle.evidence));
      assert.equal(f.outcome, 'pass', f.reason);
      assert.equal(f.confidence, 1);
    }
  }
});

test('every committed vector passes (Groth16 and, when built, PLONK)', async () => {
  const plonk = loadVectors('plonk', mlp.id);
  for (const v of [vectors, mlpVectors, ...(plonk ? [plonk] : [])]) {
    for (const c of v.cases) {
      const f = await run(c.job, c.claim, clone(c.evidence));
      assert.equal(f.outcome, 'pass', `${v.scheme} ${v.circuit}: ${f.reason}`);
    }
  }
});

test('cheat: a valid proof for other outputs than the claimed ones', async () => {
  const c = vectors.cases[0]!;
  const lazy = forward(dense, vectorJob(dense, 0).model, vectorJob(dense, 0).input).map((y) => (y === 127 ? 126 : y + 1));
  const claim = { ...c.claim, outputCommitment: fieldToHex(outputCommitment(c.job.id, lazy)) };
  const f = await run(c.job, claim, { ...clone(c.evidence), output: lazy });
  assert.equal(f.outcome, 'fail');
  assert.match(f.reason, /other outputs/);
  // same claim, evidence without outputs: still caught by the public signal
  const g = await run(c.job, claim, { ...clone(c.evidence), output: undefined });
  assert.equal(g.outcome, 'fail');
  // honest claim, but the evidence ships outputs that are not the committed ones
  const h = await run(c.job, c.claim, { ...clone(c.evidence), output: lazy });
  assert.equal(h.outcome, 'fail');
  assert.match(h.reason, /do not match the claimed output commitment/);
});

test('cheat: replaying another job\'s proof (same model and input, new job id)', async () => {
  const c = vectors.cases[0]!;
  const job2: Job = { ...c.job, id: `${c.job.id}-again` };
  // the replayer copies the claim's commitment, or recommits the copied outputs under the new job id: both fail
  for (const claim of [
    { ...c.claim, jobId: job2.id },
    { ...c.claim, jobId: job2.id, outputCommitment: fieldToHex(outputCommitment(job2.id, c.evidence.output!)) },
  ]) {
    const f = await run(job2, claim, clone(c.evidence));
    assert.equal(f.outcome, 'fail');
    assert.match(f.reason, /another job/);
  }
});

test('cheat: forged proofs (valid curve points, wrong proof) fail the pairing check', async () => {
  const c = vectors.cases[0]!;
  const other = vectors.cases[1]!.evidence.proof as Record<string, unknown>;
  const forgeries: ZkEvidence[] = [];
  for (const field of ['pi_a', 'pi_b', 'pi_c'] as const) {
    const e = clone(c.evidence);
    (e.proof as Record<string, unknown>)[field] = clone(other[field]);
    forgeries.push(e);
  }
  // a proof with public signals edited to this job's statement
  const e = clone(vectors.cases[1]!.evidence);
  e.publicSignals = [...c.evidence.publicSignals];
  e.output = c.evidence.output;
  forgeries.push(e);
  for (const forged of forgeries) {
    const f = await run(c.job, c.claim, forged);
    assert.equal(f.outcome, 'fail', f.reason);
    assert.match(f.reason, /does not verify/);
  }
});

test('cheat: another model, another input, another circuit', async () => {
  const c = vectors.cases[0]!;
  // case 4 uses the same model seed index as 0 but another input; case 1 another model
  const otherModel = vectors.cases[1]!;
  const spec = { ...c.job.spec, modelCommitment: otherModel.job.spec.modelCommitment! };
  const f1 = await run({ ...c.job, spec }, c.claim, clone(c.evidence));
  assert.equal(f1.outcome, 'fail');
  assert.match(f1.reason, /another model/);
  const f2 = await run({ ...c.job, inputCommitment: otherModel.job.inputCommitment! }, c.claim, clone(c.evidence));
  assert.equal(f2.outcome, 'fail');
  assert.match(f2.reason, /another input/);
  const m = mlpVectors.cases[0]!;
  const f3 = await run(c.job, c.claim, { ...clone(m.evidence) });
  assert.equal(f3.outcome, 'fail');
  assert.match(f3.reason, /circuit mlp-q8-16x16x4/);
});

test('policy options: schemes and requireOutput; bad options are inconclusive, not a crash', async () => {
  const c = vectors.cases[0]!;
  assert.equal((await run(c.job, c.claim, clone(c.evidence), { schemes: ['plonk'] })).outcome, 'fail');
  const noOut = { ...clone(c.evidence), output: undefined };
  assert.equal((await run(c.job, c.claim, noOut, { requireOutput: true })).outcome, 'fail');
  assert.equal((await run(c.job, c.claim, noOut)).outcome, 'pass');
  const bad = await run(c.job, c.claim, clone(c.evidence), { schemes: 'groth16' });
  assert.equal(bad.outcome, 'inconclusive');
  assert.equal(bad.error?.code, 'BAD_CONFIG');
});

test('jobs and keys the mediator cannot judge are inconclusive; garbage evidence fails', async () => {
  const c = vectors.cases[0]!;
  const noKeys = new VerifierRegistry().register(
    new (verifier.constructor as typeof import('../../src/verifiers/zk/index.js').ZkVerifier)({ keys: new ZkKeyRegistry(), backend }),
  );
  const f = await noKeys.run('zk', c.job, c.claim, clone(c.evidence), { seed });
  assert.equal(f.outcome, 'inconclusive');
  assert.equal(f.error?.code, 'NOT_FOUND');
  const broken = await run({ ...c.job, spec: { circuit: dense.id } }, c.claim, clone(c.evidence));
  assert.equal(broken.outcome, 'inconclusive');
  for (const garbage of [null, 'proof', { v: 1 }, [], { ...clone(c.evidence), proof: { pi_a: 'x' } }]) {
    const g = await run(c.job, c.claim, garbage);
    assert.equal(g.outcome, 'fail');
    assert.equal(g.error?.code, 'BAD_EVIDENCE');
  }
  const wrongClaim = await run(c.job, { ...c.claim, jobId: 'other' }, clone(c.evidence));
  assert.equal(wrongClaim.outcome, 'fail');
  const notField = await run(c.job, { ...c.claim, outputCommitment: `0x${'ff'.repeat(32)}` }, clone(c.evidence));
  assert.equal(notField.outcome, 'fail');
});

test('the key registry refuses duplicates and keys of the wrong shape', () => {
  const keys = new ZkKeyRegistry();
  const build = readManifest().circuits[0]!.builds.groth16!;
  const vk = JSON.parse(readFileSync(artifactPath(build.verificationKey), 'utf8'));
  keys.register({ jobType: 'zk-inference', circuit: 'c', version: 1, scheme: 'groth16', verificationKey: vk });
  assert.throws(() => keys.register({ jobType: 'zk-inference', circuit: 'c', version: 1, scheme: 'groth16', verificationKey: vk }), /already registered/);
  assert.throws(() => keys.register({ jobType: 'zk-inference', circuit: 'c', version: 2, scheme: 'plonk', verificationKey: vk }), /groth16 key/);
  assert.throws(() => keys.register({ jobType: 'zk-inference', circuit: 'c', version: 3, scheme: 'groth16', verificationKey: { ...vk, nPublic: 3, IC: vk.IC.slice(0, 4) } }), /public signals/);
});

test('the prover refuses a model or input that does not match the job', async () => {
  const { model, input, inputSalt, job } = vectorJob(dense, 0);
  const other = vectorJob(dense, 1);
  await assert.rejects(prover.prove({ job, model: other.model, input, inputSalt }), /model commitment/);
  await assert.rejects(prover.prove({ job, model, input: other.input, inputSalt }), /input commitment/);
});

test('verifyMany: one batch per key, bad proofs and bad statements named', async () => {
  const ctx = { seed, options: {} } as Pick<VerifyContext, 'options' | 'seed'>;
  const entries = [...vectors.cases, ...mlpVectors.cases].map((c) => ({ job: c.job, claim: c.claim, evidence: verifier.parseEvidence(clone(c.evidence)) }));
  const good = await verifier.verifyMany(entries, ctx);
  assert.deepEqual(good.map((f) => f.outcome), entries.map(() => 'pass'));
  const forged = clone(vectors.cases[2]!.evidence);
  (forged.proof as Record<string, unknown>).pi_a = clone((vectors.cases[3]!.evidence.proof as Record<string, unknown>).pi_a);
  entries[2] = { ...entries[2]!, evidence: verifier.parseEvidence(forged) };
  entries[5] = { ...entries[5]!, job: { ...entries[5]!.job, id: 'replayed' }, claim: { ...entries[5]!.claim, jobId: 'replayed' } };
  const mixed = await verifier.verifyMany(entries, ctx);
  const failed = mixed.map((f, i) => (f.outcome === 'fail' ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual(failed, [2, 5]);
  assert.match(mixed[2]!.reason, /bisection/);
  assert.match(mixed[5]!.reason, /another job/);
});

test('PLONK: the catalogue\'s PLONK build has committed vectors; honest proofs pass, tampered proofs and wrong statements fail', async () => {
  const plonk = loadVectors('plonk', mlp.id);
  assert.ok(mlp.builds.plonk && plonk, 'mlp-q8-16x16x4 declares a PLONK build: its vectors are committed (test/zk/vectors/generate.ts --scheme plonk)');
  assert.ok(plonk.cases.length >= 2);
  const [c, d] = plonk.cases as [(typeof plonk.cases)[0], (typeof plonk.cases)[0]];
  const pass = await run(c.job, c.claim, clone(c.evidence));
  assert.equal(pass.outcome, 'pass', pass.reason);
  assert.equal(pass.details?.scheme, 'plonk');
  const other = d.evidence.proof as Record<string, unknown>;
  // tampered proofs: every point and evaluation still valid on its own, the proof as a whole is not
  for (const field of ['A', 'Z', 'T1', 'Wxi', 'eval_a', 'eval_zw']) {
    const e = clone(c.evidence);
    (e.proof as Record<string, unknown>)[field] = clone(other[field]);
    const f = await run(c.job, c.claim, e);
    assert.equal(f.outcome, 'fail', `${field}: ${f.reason}`);
    assert.match(f.reason, /plonk proof does not verify/);
  }
  // wrong public signals: proof d with the statement of job c (signals, outputs and claim all say job c)
  const swapped = { ...clone(d.evidence), publicSignals: [...c.evidence.publicSignals], output: c.evidence.output };
  const g = await run(c.job, c.claim, swapped);
  assert.equal(g.outcome, 'fail', g.reason);
  assert.match(g.reason, /plonk proof does not verify/);
  // replayed for another job: caught by the statement binding, before any pairing
  const job2 = { ...c.job, id: `${c.job.id}-again` };
  const h = await run(job2, { ...c.claim, jobId: job2.id }, clone(c.evidence));
  assert.equal(h.outcome, 'fail');
  assert.match(h.reason, /another job/);
  // a policy that accepts only Groth16 refuses it
  assert.match((await run(c.job, c.claim, clone(c.evidence), { schemes: ['groth16'] })).reason, /does not accept plonk/);
});

test('verifyMany: PLONK proofs are checked one by one beside the Groth16 batches', async () => {
  const plonk = loadVectors('plonk', mlp.id)!;
  const ctx = { seed, options: {} } as Pick<VerifyContext, 'options' | 'seed'>;
  const all = [...mlpVectors.cases.slice(0, 3), ...plonk.cases];
  const entries = all.map((c) => ({ job: c.job, claim: c.claim, evidence: verifier.parseEvidence(clone(c.evidence)) }));
  assert.deepEqual((await verifier.verifyMany(entries, ctx)).map((f) => f.outcome), entries.map(() => 'pass'));
  const tampered = clone(plonk.cases[0]!.evidence);
  (tampered.proof as Record<string, unknown>).eval_a = (plonk.cases[1]!.evidence.proof as Record<string, unknown>).eval_a;
  entries[3] = { ...entries[3]!, evidence: verifier.parseEvidence(tampered) };
  const mixed = await verifier.verifyMany(entries, ctx);
  assert.deepEqual(mixed.map((f) => f.outcome), entries.map((_, i) => (i === 3 ? 'fail' : 'pass')));
  assert.match(mixed[3]!.reason, /plonk proof does not verify/);
});

test('a pi_b on the twist but outside G2 fails (BAD_EVIDENCE) in verify and verifyMany, checked on the WASM curve', async () => {
  const c = vectors.cases[0]!;
  const [outside] = twistPointsOutsideG2(1);
  const e = clone(c.evidence);
  (e.proof as Record<string, unknown>).pi_b = outside;
  assert.equal((verifier.parseEvidence(clone(e)).proof as { bSubgroupChecked: boolean }).bSubgroupChecked, false, 'parseEvidence defers the check');
  const f = await run(c.job, c.claim, clone(e));
  assert.equal(f.outcome, 'fail');
  assert.equal(f.error?.code, 'BAD_EVIDENCE');
  assert.match(f.reason, /G2 subgroup/);
  const ctx = { seed, options: {} } as Pick<VerifyContext, 'options' | 'seed'>;
  const entries = vectors.cases.slice(0, 4).map((v) => ({ job: v.job, claim: v.claim, evidence: verifier.parseEvidence(clone(v.evidence)) }));
  entries[0] = { ...entries[0]!, evidence: verifier.parseEvidence(clone(e)) };
  const many = await verifier.verifyMany(entries, ctx);
  assert.deepEqual(many.map((x) => x.outcome), ['fail', 'pass', 'pass', 'pass']);
  assert.equal(many[0]!.error?.code, 'BAD_EVIDENCE');
});
