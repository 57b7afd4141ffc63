import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VerdictError, sha256, silentLogger, systemClock, utf8, type Claim, type Finding, type Job } from '../../src/core/index.js';
import {
  PRESETS,
  ProgramEvaluator,
  analyzeProgram,
  canaryDetectionProbability,
  createFheJob,
  decryptResults,
  loadSealBackend,
  toBase64,
  validateCiphertext,
  validateGaloisKeys,
  validateRelinKeys,
  type CreatedFheJob,
  type FheBackend,
  type FheEngine,
  type FheEvidenceWire,
} from '../../src/fhe/index.js';
import { runFheJob, type FheJobResult } from '../../src/provider/fhe.js';
import { FheVerifier, MemoryFheKeyring } from '../../src/verifiers/fhe/index.js';
import { VerifierRegistry } from '../../src/verifiers/index.js';
import { sampleWithoutReplacement, samplingDrbg } from '../../src/sampling/index.js';
import { cheatClaim, cheatingOutputs, fheBundle, fheDemoSetup, wrongParamsOutputs, FHE_CHEATS } from '../../src/demo/fhe.js';

let backend: FheBackend;
let engine: FheEngine;
let honest: CreatedFheJob;
let honestResult: FheJobResult;
const keyring = new MemoryFheKeyring();
const setup = fheDemoSetup();

function make(id: string, offset: number, keysFrom?: CreatedFheJob): CreatedFheJob {
  const created = createFheJob({
    engine,
    program: setup.program,
    id,
    provider: '0xprovider',
    records: setup.records.slice(offset, offset + 300),
    canaries: { items: 2, pool: setup.pool },
    seed: sha256(utf8(`creator:${id}`)),
    ...(keysFrom ? { keys: keysFrom.secret.keys } : {}),
  });
  keyring.set(id, created.secret.secretKey);
  return created;
}

before(async () => {
  backend = await loadSealBackend();
  engine = backend.createEngine(PRESETS['ckks-8192-d3']);
  honest = make('fhe-honest', 0);
  honestResult = await runFheJob(backend, honest.job, honest.pkg);
});
after(async () => {
  await shared.dispose();
  engine.delete();
});
/** One verifier for most tests, as a mediator has: it keeps its SEAL context between jobs (~1 s each to build). */
const shared = new FheVerifier({ keyring, loadBackend: async () => backend });

async function verify(job: Job, claim: Claim, evidence: unknown, options: Record<string, unknown> = {}, seed = sha256(utf8('seed')), verifier = shared): Promise<Finding> {
  const ev = verifier.parseEvidence(evidence);
  return verifier.verify(job, ev, { claim, signal: new AbortController().signal, deadline: Date.now() + 600_000, clock: systemClock, logger: silentLogger, seed, options });
}

const evidenceOf = (created: CreatedFheJob, result: Pick<FheJobResult, 'claim' | 'evidence'>, withCanaries = true) =>
  fheBundle(created, result, withCanaries).items['fhe'] as FheEvidenceWire;

test('honest provider passes both checks; the creator decrypts correct results', async () => {
  assert.equal(honest.spec.items, 4);
  const f = await verify(honest.job, honestResult.claim, evidenceOf(honest, honestResult));
  assert.equal(f.outcome, 'pass', f.reason);
  const d = f.details as { rerun: { status: string; sampled: number[] }; canary: { status: string; maxError: number; tolerance: { abs: number } } };
  assert.equal(d.rerun.status, 'pass');
  assert.deepEqual(d.rerun.sampled, [0, 1, 2, 3]);
  assert.equal(d.canary.status, 'pass');
  // CKKS is approximate: the canaries are not bit-exact, they are within the declared tolerance.
  assert.ok(d.canary.maxError > 0 && d.canary.maxError < d.canary.tolerance.abs, String(d.canary.maxError));
  assert.ok((f.confidence ?? 0) > 0.99);
  const results = decryptResults(engine, setup.program, honest.secret, honestResult.outputs);
  assert.equal(results.length, 300);
});

test('an honest provider whose output bytes differ (uncompressed transport) passes: hashes are over canonical form', async () => {
  const plain = await runFheJob(backend, honest.job, honest.pkg, { compress: false });
  assert.notDeepEqual(Buffer.from(plain.outputs[0]!), Buffer.from(honestResult.outputs[0]!));
  assert.deepEqual(plain.outputHashes, honestResult.outputHashes);
  assert.equal(plain.claim.outputCommitment, honestResult.claim.outputCommitment);
  const f = await verify(honest.job, plain.claim, evidenceOf(honest, plain));
  assert.equal(f.outcome, 'pass', f.reason);
});

for (const strategy of FHE_CHEATS) {
  test(`cheat "${strategy}" is caught`, async () => {
    const created = make(`fhe-cheat-${strategy}`, 100, honest);
    const outputs = strategy === 'wrong-params' ? wrongParamsOutputs(backend, created) : cheatingOutputs(engine, created, strategy, honestResult.outputs);
    const claimed = cheatClaim(engine, created, outputs);
    const f = await verify(created.job, claimed.claim, evidenceOf(created, claimed));
    assert.equal(f.outcome, 'fail', `${strategy}: ${f.reason}`);
    assert.equal(f.confidence, 1);
    if (strategy !== 'wrong-params') {
      // Well-formed outputs: both checks catch it on their own.
      const d = f.details as { rerun: { status: string }; canary: { status: string } };
      assert.equal(d.rerun.status, 'fail', f.reason);
      if (strategy !== 'partial-batch') assert.equal(d.canary.status, 'fail', f.reason);
    } else {
      assert.match(f.reason, /output ciphertext 0/);
    }
  });
}

test('partial batch with canaries only: caught exactly when a canary is among the faked items', async () => {
  const created = make('fhe-partial-canary', 0, honest);
  const outputs = cheatingOutputs(engine, created, 'partial-batch');
  const claimed = cheatClaim(engine, created, outputs);
  const f = await verify(created.job, claimed.claim, evidenceOf(created, claimed), { checks: ['canary'] });
  const faked = [2, 3]; // items ≥ n/2 repeat item 0's output
  const hit = created.secret.canary!.indices.some((i) => faked.includes(i));
  assert.equal(f.outcome, hit ? 'fail' : 'pass', f.reason);
  const d = f.details as { canary: { detection: { 'f0.5': number } } };
  assert.equal(d.canary.detection['f0.5'], Math.round(canaryDetectionProbability(4, 2, 2) * 1e6) / 1e6);
  assert.ok(Math.abs(canaryDetectionProbability(4, 2, 2) - 5 / 6) < 1e-12); // C(2,2)/C(4,2) = 1/6 escape
});

test('re-run with a sample of one: caught exactly when the seed draws a faked item', async () => {
  const created = make('fhe-partial-rerun', 0, honest);
  const claimed = cheatClaim(engine, created, cheatingOutputs(engine, created, 'partial-batch'));
  const evidence = evidenceOf(created, claimed);
  let sawPass = false;
  let sawFail = false;
  for (let s = 0; s < 12 && !(sawPass && sawFail); s++) {
    const seed = sha256(utf8(`seed-${s}`));
    const [drawn] = sampleWithoutReplacement(samplingDrbg(seed, `fhe.rerun\u0000${created.job.id}`), 4, 1);
    if ((drawn! >= 2 && sawFail) || (drawn! < 2 && sawPass)) continue;
    const f = await verify(created.job, claimed.claim, evidence, { checks: ['rerun'], sample: 1 }, seed);
    assert.deepEqual((f.details as { rerun: { sampled: number[] } }).rerun.sampled, [drawn]);
    assert.equal(f.outcome, drawn! >= 2 ? 'fail' : 'pass', `drawn ${drawn}: ${f.reason}`);
    if (f.outcome === 'fail') sawFail = true;
    else sawPass = true;
  }
  assert.ok(sawPass && sawFail);
});

test("the creator's inconsistent material never blames the provider", async () => {
  const good = evidenceOf(honest, honestResult);
  // A canary opening that does not match the commitment: that check is invalid, the re-run still decides.
  const forged = { ...good, canary: { ...good.canary!, tolerance: { abs: 0, rel: 0 } } };
  let f = await verify(honest.job, honestResult.claim, forged);
  assert.equal(f.outcome, 'pass', f.reason);
  assert.equal((f.details as { canary: { status: string } }).canary.status, 'invalid');
  f = await verify(honest.job, honestResult.claim, forged, { requireAll: true });
  assert.equal(f.outcome, 'inconclusive', f.reason);
  f = await verify(honest.job, honestResult.claim, forged, { checks: ['canary'] });
  assert.equal(f.outcome, 'inconclusive', f.reason);
  // Inputs that are not the committed ones.
  const inputs = [...good.inputs];
  inputs[0] = good.inputs[1]!;
  f = await verify(honest.job, honestResult.claim, { ...good, inputs });
  assert.equal(f.outcome, 'inconclusive', f.reason);
  assert.match(f.reason, /input commitment/);
  // A different program.
  f = await verify(honest.job, honestResult.claim, { ...good, program: { ...good.program, name: 'other' } });
  assert.equal(f.outcome, 'inconclusive', f.reason);
  // No secret key: the canary check is skipped, the re-run decides.
  f = await verify(honest.job, honestResult.claim, good, {}, undefined, new FheVerifier({ loadBackend: async () => backend }));
  assert.equal(f.outcome, 'pass', f.reason);
  assert.equal((f.details as { canary: { status: string } }).canary.status, 'skipped');
});

test('outputs that do not match the claim, or tampered output bytes, fail', async () => {
  const good = evidenceOf(honest, honestResult);
  const other = make('fhe-other', 50, honest);
  const otherResult = await runFheJob(backend, other.job, other.pkg);
  let f = await verify(honest.job, otherResult.claim, good);
  assert.equal(f.outcome, 'fail', f.reason);
  const outputs = [...good.outputs];
  const raw = Buffer.from(outputs[1]!, 'base64');
  raw[raw.length - 100] = raw[raw.length - 100]! ^ 0x40;
  outputs[1] = raw.toString('base64');
  f = await verify(honest.job, honestResult.claim, { ...good, outputs });
  assert.equal(f.outcome, 'fail', f.reason);
});

test('parseEvidence refuses malformed evidence with VerdictError (property)', () => {
  const verifier = new FheVerifier();
  const good = evidenceOf(honest, honestResult);
  const small = { ...good, keys: {}, inputs: good.inputs.slice(0, 1).map((s) => s.slice(0, 400)), outputs: good.outputs.slice(0, 1).map((s) => s.slice(0, 400)) };
  const mutation = fc.record({
    key: fc.constantFrom('format', 'v', 'program', 'keys', 'inputs', 'outputs', 'canary', 'extra'),
    value: fc.oneof(fc.jsonValue(), fc.constant('!!notbase64'), fc.constant(['AAAA=']), fc.constant({ relin: 'A' })),
  });
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), mutation.map(({ key, value }) => ({ ...small, [key]: value }))), (raw) => {
      try {
        verifier.parseEvidence(raw);
      } catch (e) {
        assert.ok(e instanceof VerdictError && ['BAD_EVIDENCE', 'LIMIT_EXCEEDED'].includes(e.code), String(e));
      }
    }),
    { numRuns: 300 },
  );
  assert.throws(() => verifier.parseEvidence({ ...good, outputs: good.outputs.slice(1) }), (e) => e instanceof VerdictError && e.code === 'BAD_EVIDENCE');
  const tooBig = toBase64(new Uint8Array(17 << 20));
  assert.throws(() => verifier.parseEvidence({ ...good, inputs: [tooBig, ...good.inputs.slice(1)] }), (e) => e instanceof VerdictError && e.code === 'LIMIT_EXCEEDED');
});

test('through the registry, garbage ciphertexts in otherwise valid evidence are a fail, never a throw (property)', async () => {
  const registry = new VerifierRegistry().register(new FheVerifier({ keyring, loadBackend: async () => backend }));
  const good = evidenceOf(honest, honestResult);
  await fc.assert(
    fc.asyncProperty(fc.nat(3), fc.uint8Array({ minLength: 0, maxLength: 3000 }), async (i, bytes) => {
      const outputs = [...good.outputs];
      outputs[i] = toBase64(bytes);
      const f = await registry.run('fhe', honest.job, honestResult.claim, { ...good, outputs }, { seed: sha256(utf8('r')), options: { fhe: { checks: ['canary'] } } });
      assert.equal(f.outcome, 'fail', f.reason);
    }),
    { numRuns: 8 },
  );
  assert.equal(backend.broken, false);
});

test('SEAL contexts are kept between jobs: one for sequential verifications, one each for concurrent ones, all freed on dispose', async () => {
  let created = 0;
  let freed = 0;
  const counting: FheBackend = {
    get name() {
      return backend.name;
    },
    get broken() {
      return backend.broken;
    },
    heapBytes: () => backend.heapBytes(),
    createEngine(params) {
      created++;
      const e = backend.createEngine(params);
      const del = e.delete.bind(e);
      return Object.assign(e, {
        delete: () => {
          freed++;
          del();
        },
      });
    },
  };
  const verifier = new FheVerifier({ keyring, loadBackend: async () => counting });
  const good = evidenceOf(honest, honestResult);
  const once = () => verify(honest.job, honestResult.claim, good, { checks: ['rerun'], sample: 1 }, undefined, verifier);
  for (let i = 0; i < 2; i++) {
    const f = await once(); // the second run reloads the keys its engine was returned without
    assert.equal(f.outcome, 'pass', f.reason);
  }
  assert.equal(created, 1);
  assert.equal(verifier.idleEngines, 1);
  const both = await Promise.all([once(), once()]);
  assert.deepEqual(both.map((f) => f.outcome), ['pass', 'pass']);
  assert.equal(created, 2);
  assert.equal(verifier.idleEngines, 2);
  // A cheat verified on a kept engine is still caught.
  const f = await verify(honest.job, honestResult.claim, { ...good, outputs: [good.outputs[1]!, ...good.outputs.slice(1)] }, { checks: ['rerun'], sample: 4 }, undefined, verifier);
  assert.equal(f.outcome, 'fail', f.reason);
  await verifier.dispose();
  assert.equal(verifier.idleEngines, 0);
  assert.equal(freed, created);
});

test('more cheats: outputs of this job moved between items, and a model with other weights, are caught by both checks', async () => {
  const depth = analyzeProgram(setup.program, engine.params).depth;
  const canonical = honestResult.outputs.map((o) => validateCiphertext(o, engine.chain, { level: depth }).bytes);
  // Moved: every output is a genuine output of this job, for another item (the canaries included).
  const moved = cheatClaim(engine, honest, [...canonical.slice(1), canonical[0]!]);
  let f = await verify(honest.job, moved.claim, evidenceOf(honest, moved));
  assert.equal(f.outcome, 'fail', f.reason);
  let d = f.details as { rerun: { status: string; mismatches: number[] }; canary: { status: string } };
  assert.deepEqual(d.rerun.mismatches, [0, 1, 2, 3]);
  assert.equal(d.canary.status, 'fail');
  // Other weights: same shape (same keys, same levels), biases shifted by 0.5 — a cheaper or wrong model.
  const other = { ...setup.program, ops: setup.program.ops.map((op) => (op.op === 'dense' ? { ...op, bias: op.bias!.map((b) => b + 0.5) } : op)) };
  const created = make('fhe-cheat-weights', 100, honest);
  const spec = created.spec;
  engine.setEvaluationKeys({
    relin: validateRelinKeys(created.pkg.keys.relin!, engine.chain),
    galois: validateGaloisKeys(created.pkg.keys.galois!, engine.chain, spec.galoisSteps),
  });
  const ev = new ProgramEvaluator(engine, other);
  let outputs: Uint8Array[];
  try {
    outputs = created.pkg.inputs.map((b) => ev.evaluateBytes(b));
  } finally {
    ev.dispose();
  }
  const claimed = cheatClaim(engine, created, outputs);
  f = await verify(created.job, claimed.claim, evidenceOf(created, claimed));
  assert.equal(f.outcome, 'fail', f.reason);
  d = f.details as typeof d;
  assert.deepEqual(d.rerun.mismatches, [...Array(created.spec.items).keys()]);
  assert.equal(d.canary.status, 'fail');
});

test("garbage, truncated or altered evaluation keys in the evidence are the creator's problem: inconclusive, never a throw (property)", async () => {
  const verifier = new FheVerifier({ keyring, loadBackend: async () => backend });
  const good = evidenceOf(honest, honestResult);
  const galois = Buffer.from(good.keys.galois!, 'base64');
  const relin = Buffer.from(good.keys.relin!, 'base64');
  const mutate = fc.oneof(
    fc.uint8Array({ maxLength: 4000 }).map((b) => ({ kind: 'random', bytes: b })),
    fc.nat().map((n) => ({ kind: 'truncated', bytes: galois.subarray(0, n % galois.length) })),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
      const b = Buffer.from(relin);
      b[at % b.length] = b[at % b.length]! ^ x;
      return { kind: 'flipped', bytes: b };
    }),
  );
  await fc.assert(
    fc.asyncProperty(fc.boolean(), mutate, async (inGalois, m) => {
      const keys = { ...good.keys, [inGalois ? 'galois' : 'relin']: toBase64(m.bytes) };
      const f = await verify(honest.job, honestResult.claim, { ...good, keys }, { checks: ['rerun'], sample: 1 }, undefined, verifier);
      assert.equal(f.outcome, 'inconclusive', `${m.kind}: ${f.reason}`);
      assert.equal(f.error?.retryable, false);
    }),
    { numRuns: 10 },
  );
  assert.equal(backend.broken, false);
  await verifier.dispose();
});
