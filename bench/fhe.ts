/**
 * FHE benchmark (node-seal 6.0.3, SEAL 4.1 compiled to WASM, single-threaded).
 *   npx tsx bench/fhe.ts [opReps=20] [denseReps=3] [jobItems=16] [presets=all, comma-separated]
 *
 * 1. Per preset: key generation, encrypt/decrypt, and the homomorphic ops (add, multiply_plain,
 *    multiply + relinearize, rotate by one slot, rescale for CKKS) — medians over `opReps`, every result freed.
 * 2. Per preset: an encrypted 64×64 dense layer (one ciphertext packs N/256 (CKKS) or N/128 (BFV) records at a
 *    128-slot block), first evaluation (encodes the weight diagonals) and cached; baseline: the same matrix–vector
 *    products in plaintext float64 (typed-array loop) for the same records, median of 200. Decrypted results
 *    are checked against the plaintext.
 * 3. Per preset: serialized sizes of ciphertexts (top and bottom level) and keys (secret, public, relin, the
 *    dense layer's Galois keys), canonical (uncompressed SEAL) and zlib (compressBlob) — as written by SEAL.
 * 4. The demo's model (src/demo/fhe.ts, 4-8-3 square-activation MLP, ckks-8192-d3) on encrypted records vs the
 *    same rounded model in plaintext (baseline) → overhead factor; argmax agreement of the decrypted logits.
 * 5. Verification cost, as a fraction of the provider's cost for the same job measured in the same run
 *    (`jobItems` items, 2 of them canaries): full ciphertext re-run, sampled re-run (k = 8, 4, 2), canary
 *    check — each as the verifier's whole verify() (a new verifier, and one that kept its SEAL context from an
 *    earlier job, as a mediator daemon does) and as the check's own time. The rest of verify() is fixed per
 *    job: building the context, validating and loading the evaluation keys, validating every input and output
 *    ciphertext and recomputing both commitments (the provider pays the same before it starts).
 */
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { ManualClock, sha256, silentLogger, utf8, type Finding, type Job, type Claim } from '../src/core/index.js';
import {
  PRESETS,
  ProgramEvaluator,
  analyzeProgram,
  argmax,
  checkInputs,
  commitOutputs,
  blobSizes,
  compressBlob,
  createFheJob,
  decryptResults,
  evaluatePlainReal,
  generateBlobs,
  loadSealBackend,
  mlpForward,
  packRecords,
  parseFheJobSpec,
  prepareEvaluation,
  programMlp,
  scoped,
  unpackRecords,
  validateCiphertext,
  validateGaloisKeys,
  validatePublicKey,
  validateRelinKeys,
  validateSecretKey,
  type Arena,
  type FheEngine,
  type FheProgram,
  type PresetName,
} from '../src/fhe/index.js';
import { runFheJob } from '../src/provider/fhe.js';
import { FheVerifier, MemoryFheKeyring } from '../src/verifiers/fhe/index.js';
import { fheBundle, fheDemoSetup } from '../src/demo/fhe.js';

const opReps = Number(process.argv[2] ?? 20);
const denseReps = Number(process.argv[3] ?? 3);
const jobItems = Number(process.argv[4] ?? 16);
const presetNames = (process.argv[5] ? process.argv[5].split(',') : Object.keys(PRESETS)) as PresetName[];

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f2 = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const bytes = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

function timeMs(reps: number, fn: () => void): number {
  fn(); // warm-up (JIT, WASM tiers)
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

/** Deterministic numbers in [-1, 1) (no Math.random: reruns see the same data). */
function numbers(tag: string, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < count; i++) {
    const h = sha256(utf8(`${tag}:${i}`));
    for (let j = 0; j + 4 <= h.length && out.length < count; j += 4) out.push((new DataView(h.buffer, h.byteOffset + j, 4).getUint32(0) / 2 ** 32) * 2 - 1);
  }
  return out;
}

console.log(`FHE benchmark — node ${process.version}, ${process.arch}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
console.log(`opReps ${opReps}, denseReps ${denseReps}, jobItems ${jobItems}, presets ${presetNames.join(', ')}`);
console.log(`loadavg at start: ${loadavg()}`);

const backend = await loadSealBackend();
console.log(`backend: ${backend.name}, WASM heap ${bytes(backend.heapBytes() ?? 0)}`);

/** A 64×64 dense layer at a 128-slot block; BFV gets small integers so that results stay exact mod t. */
function denseProgram(scheme: 'bfv' | 'ckks'): FheProgram {
  const w = numbers('dense64.w', 64 * 64).map((x) => (scheme === 'bfv' ? Math.round(x * 5) : x));
  return {
    format: 'verdict-fhe-program',
    v: 1,
    scheme,
    name: 'dense-64x64',
    input: { width: 64 },
    block: 128,
    ops: [{ op: 'dense', in: 64, out: 64, weights: Array.from({ length: 64 }, (_, r) => w.slice(r * 64, (r + 1) * 64)) }],
  };
}

interface PresetRow {
  preset: string;
  ops: Record<string, number>;
  dense: { records: number; firstMs: number; cachedMs: number; plainMs: number; maxError: number; galoisKeys: number };
  sizes: Record<string, { canonical: number; zlib: number }>;
}
const rows: PresetRow[] = [];

for (const name of presetNames) {
  const params = PRESETS[name];
  const engine = backend.createEngine(params);
  const ckks = params.scheme === 'ckks';
  try {
    const program = denseProgram(params.scheme);
    const analysis = analyzeProgram(program, params);
    const steps = [...new Set([1, ...analysis.galoisSteps])].sort((a, b) => a - b);
    const ops: Record<string, number> = {};
    let keys!: ReturnType<FheEngine['keygen']>;
    ops['keygen (sk, pk, relin, ' + steps.length + ' Galois)'] = timeMs(Math.max(1, Math.min(3, opReps)), () => {
      keys = engine.keygen(steps);
    });
    const chain = engine.chain;
    const pk = validatePublicKey(keys.publicKey, chain);
    const sk = validateSecretKey(keys.secretKey, chain);
    const relin = validateRelinKeys(keys.relinKeys, chain);
    const galois = validateGaloisKeys(keys.galoisKeys!, chain, steps);
    engine.setEvaluationKeys({ relin, galois });
    const enc = engine.encryptor(pk);
    const dec = engine.decryptor(sk);
    const slots = engine.rows * engine.rowSize;
    const values = ckks ? Float64Array.from(numbers('v', slots)) : BigInt64Array.from(numbers('v', slots), (x) => BigInt(Math.round(x * 1000)));
    let ctBytes!: Uint8Array;
    ops['encrypt (+serialize)'] = timeMs(opReps, () => {
      ctBytes = enc.encrypt(values);
    });
    const ct = validateCiphertext(ctBytes, chain, { level: 0 });
    const ct2 = validateCiphertext(enc.encrypt(values), chain, { level: 0 });
    ops['decrypt (+load, decode)'] = timeMs(opReps, () => void dec.decrypt(ct));
    ops['validate ciphertext (TS parser)'] = timeMs(opReps, () => void validateCiphertext(ctBytes, chain, { level: 0 }));
    scoped((arena) => {
      const a = engine.loadCiphertext(ct, arena);
      const b = engine.loadCiphertext(ct2, arena);
      const pt = ckks ? engine.encodeReal(Float64Array.from(numbers('p', slots)), 0, 2 ** params.scaleBits!, arena) : engine.encodeInt(BigInt64Array.from(numbers('p', slots), (x) => BigInt(Math.round(x * 100))), arena);
      const op = (label: string, fn: (arena: Arena) => unknown) => {
        ops[label] = timeMs(opReps, () => scoped((inner) => void fn(inner)));
      };
      op('add', (x) => engine.add(a, b, x));
      op('multiply_plain', (x) => engine.mulPlain(a, pt, x));
      op('multiply + relinearize', (x) => engine.mulRelin(a, b, x));
      op('rotate (1 step)', (x) => engine.rotate(a, 1, x));
      if (ckks) {
        const prod = engine.mulRelin(a, b, arena);
        op('rescale', (x) => engine.rescale(prod, x));
      }
    });

    // 2. encrypted 64×64 dense layer vs plaintext
    const perCt = slots / program.block;
    const records = Array.from({ length: perCt }, (_, r) => numbers(`rec${r}`, 64).map((x) => (ckks ? x : Math.round(x * 30))));
    const input = validateCiphertext(enc.encrypt(packRecords(program, params, records)), chain, { level: 0 });
    let firstMs = 0;
    let cachedMs = 0;
    let maxError = 0;
    {
      const ev = new ProgramEvaluator(engine, program);
      try {
        let out!: Uint8Array;
        const t0 = performance.now();
        out = ev.evaluate(input);
        firstMs = performance.now() - t0;
        cachedMs = timeMs(denseReps, () => {
          out = ev.evaluate(input);
        });
        const got = unpackRecords(program, dec.decrypt(validateCiphertext(out, chain, ev.outputExpectation())), perCt, 64);
        records.forEach((rec, r) => evaluatePlainReal(program, rec).forEach((want, j) => (maxError = Math.max(maxError, Math.abs(got[r]![j]! - want)))));
      } finally {
        ev.dispose();
      }
    }
    // Baseline: the same products in plaintext float64, a tight typed-array loop (the fastest honest JS).
    const dense = program.ops[0] as { weights: number[][] };
    const w = Float64Array.from(dense.weights.flat());
    const xs = records.map((r) => Float64Array.from(r));
    const y = new Float64Array(64);
    let sink = 0;
    const plainMs = timeMs(200, () => {
      for (const x of xs) {
        for (let j = 0; j < 64; j++) {
          let acc = 0;
          for (let c = 0; c < 64; c++) acc += w[j * 64 + c]! * x[c]!;
          y[j] = acc;
        }
        sink += y[0]!;
      }
    });
    if (!Number.isFinite(sink)) throw new Error('unreachable');

    // 3. sizes, as SEAL wrote them
    const bottom = scoped((arena) => {
      const x = engine.loadCiphertext(ct, arena);
      return engine.saveCiphertext(engine.modSwitchTo(x, chain.data.length - 1, arena));
    });
    const expected = blobSizes(chain, galois.elements.length);
    const size = (b: Uint8Array) => ({ canonical: b.length, zlib: compressBlob(b).length });
    const sizes = {
      [`ciphertext, top level (${chain.data[0]!.primes.length} primes)`]: size(ct.bytes),
      [`ciphertext, bottom level (${chain.data[chain.data.length - 1]!.primes.length} prime${chain.data.length > 1 && chain.data[chain.data.length - 1]!.primes.length > 1 ? 's' : ''})`]: size(bottom),
      'secret key': size(keys.secretKey),
      'public key': size(keys.publicKey),
      'relinearization keys': size(keys.relinKeys),
      [`Galois keys (the 64×64 layer's ${galois.elements.length} rotations)`]: size(keys.galoisKeys!),
    };
    if (ct.bytes.length !== expected['ciphertextTop'] || keys.galoisKeys!.length !== expected['galoisKeys']) throw new Error('blobSizes disagrees with SEAL');
    enc.delete();
    dec.delete();
    rows.push({ preset: name, ops, dense: { records: perCt, firstMs, cachedMs, plainMs, maxError, galoisKeys: analysis.galoisSteps.length }, sizes });

    console.log(`\n== ${name} (N=${params.polyModulusDegree}, ${params.coeffModulus.length} primes, ${ckks ? `scale 2^${params.scaleBits}` : `t=${params.plainModulus}`}) — loadavg ${loadavg()}`);
    for (const [k, v] of Object.entries(ops)) console.log(`  ${k.padEnd(38)} ${f2(v).padStart(9)} ms`);
    console.log(
      `  dense 64×64 on ${perCt} records: first ${f2(firstMs)} ms, cached ${f2(cachedMs)} ms (${f2((cachedMs * 1000) / perCt)} µs/record); ` +
        `plaintext ${f2(plainMs * 1000)} µs → overhead ×${f2(cachedMs / plainMs)}; max |error| ${maxError.toExponential(2)}; ${analysis.galoisSteps.length} rotation keys`,
    );
    console.log(`  one Galois key: ${bytes(keys.galoisKeys!.length / galois.elements.length)}`);
    for (const [k, v] of Object.entries(sizes)) console.log(`  ${k.padEnd(50)} ${bytes(v.canonical).padStart(11)}  zlib ${bytes(v.zlib).padStart(11)} (${((100 * v.zlib) / v.canonical).toFixed(0)}%)`);
  } finally {
    engine.delete();
  }
}

// ---------------------------------------------------------------- 4. demo model, encrypted vs plaintext
const demoParams = PRESETS['ckks-8192-d3'];
const setup = fheDemoSetup();
const mlp = programMlp(setup.program);
const keyring = new MemoryFheKeyring();
const engine = backend.createEngine(demoParams);
const perItem = analyzeProgram(setup.program, demoParams).recordsPerCiphertext;
const realItems = jobItems - 2;
// Same distribution as the demo (same seed: same blob centers), as many records as the real items hold.
const data = generateBlobs({ seed: sha256(utf8('verdict.demo.fhe.v1')), perClass: Math.ceil((realItems * perItem) / 3) });
const records = data.x.slice(0, realItems * perItem);
let createMs = performance.now();
const created = createFheJob({
  engine,
  program: setup.program,
  id: 'bench-fhe-job',
  provider: '0xbench',
  records,
  canaries: { items: 2, pool: setup.pool },
  seed: sha256(utf8('bench creator')),
});
createMs = performance.now() - createMs;
keyring.set(created.job.id, created.secret.secretKey);
console.log(`\n== demo model ${setup.program.name} on ckks-8192-d3: ${records.length} records in ${realItems} real items + 2 canaries (${perItem} records per ciphertext) — loadavg ${loadavg()}`);
console.log(`  creator: keygen + encrypt ${jobItems} items + commitments ${f2(createMs)} ms`);

let jobWallMs = performance.now();
const result = await runFheJob(backend, created.job, created.pkg);
jobWallMs = performance.now() - jobWallMs;
let decMs = performance.now();
const decrypted = decryptResults(engine, setup.program, created.secret, result.outputs);
decMs = performance.now() - decMs;
const plainReps = 200;
const plainMs = timeMs(plainReps, () => {
  for (const r of records) mlpForward(mlp, r);
});
let agree = 0;
let maxErr = 0;
records.forEach((r, i) => {
  const want = mlpForward(mlp, r);
  if (argmax(want) === argmax(decrypted[i]!)) agree++;
  want.forEach((w, j) => (maxErr = Math.max(maxErr, Math.abs(w - decrypted[i]![j]!))));
});
console.log(`  provider runFheJob (validate inputs, evaluate ${jobItems} items, hash, compress, commit): ${f2(jobWallMs)} ms wall, evaluation ${f2(result.evalMs)} ms (${f2(result.evalMs / jobItems)} ms/item)`);
console.log(`  creator decrypts ${records.length} results: ${f2(decMs)} ms`);
console.log(`  plaintext baseline (same rounded model, float64, ${records.length} records): ${f2(plainMs * 1000)} µs`);
const realEvalMs = (result.evalMs * realItems) / jobItems;
console.log(
  `  overhead: encrypted evaluation of the real items ${f2(realEvalMs)} ms / plaintext = ×${Math.round(realEvalMs / plainMs).toLocaleString('en-US')}; ` +
    `with encryption and decryption ×${Math.round((realEvalMs + (createMs * realItems) / jobItems + decMs) / plainMs).toLocaleString('en-US')}`,
);
console.log(`  argmax agreement ${agree}/${records.length}, max |logit error| ${maxErr.toExponential(2)}`);

// ---------------------------------------------------------------- 5. verification cost vs the provider's job
const bundle = fheBundle(created, result);
const clock = new ManualClock(0);
/** A mediator daemon's verifier, which has verified a job of these parameters before (its SEAL context is kept). */
const warmVerifier = new FheVerifier({ keyring, loadBackend: async () => backend });
async function verifyOnce(options: Record<string, unknown>, seedTag: string, warm: boolean): Promise<{ f: Finding; ms: number }> {
  const verifier = warm ? warmVerifier : new FheVerifier({ keyring, loadBackend: async () => backend });
  const ev = verifier.parseEvidence(JSON.parse(JSON.stringify(bundle.items['fhe'])));
  const t = performance.now();
  const f = await verifier.verify(created.job as Job, ev, {
    claim: result.claim as Claim,
    signal: new AbortController().signal,
    deadline: Infinity,
    clock,
    logger: silentLogger,
    seed: sha256(utf8(seedTag)),
    options,
  });
  const ms = performance.now() - t;
  if (f.outcome !== 'pass') throw new Error(`honest job did not pass: ${f.reason}`);
  return { f, ms };
}
let parseMs = performance.now();
new FheVerifier().parseEvidence(JSON.parse(JSON.stringify(bundle.items['fhe'])));
parseMs = performance.now() - parseMs;
console.log(`\n== verification cost (job: ${jobItems} items; provider cost = runFheJob wall ${f2(jobWallMs)} ms) — loadavg ${loadavg()}`);
console.log(`  parseEvidence (JSON → base64 decode, bounds): ${f2(parseMs)} ms (${((100 * parseMs) / jobWallMs).toFixed(1)}%)`);
const cases: [string, Record<string, unknown>, 'rerun' | 'canary'][] = [
  [`full re-run (all ${jobItems} items)`, { checks: ['rerun'], sample: jobItems }, 'rerun'],
  ['sampled re-run, k = 8 (policy default)', { checks: ['rerun'], sample: 8 }, 'rerun'],
  ['sampled re-run, k = 4', { checks: ['rerun'], sample: 4 }, 'rerun'],
  ['sampled re-run, k = 2', { checks: ['rerun'], sample: 2 }, 'rerun'],
  ['canary check (2 canaries, creator key)', { checks: ['canary'] }, 'canary'],
];
await verifyOnce({ checks: ['canary'] }, 'bench warm-up', true);
const pct = (ms: number) => `${((100 * ms) / jobWallMs).toFixed(1).padStart(5)}%`;
for (const [label, options, check] of cases) {
  const cold = await verifyOnce(options, `bench ${label}`, false);
  const warm = await verifyOnce(options, `bench ${label}`, true);
  const d = (warm.f.details as Record<string, { ms: number; detection?: Record<string, number> }>)[check]!;
  console.log(
    `  ${label.padEnd(40)} verify() new verifier ${f2(cold.ms).padStart(6)} ms = ${pct(cold.ms)}, kept context ${f2(warm.ms).padStart(6)} ms = ${pct(warm.ms)} of the job; ` +
      `the check itself ${f2(d.ms).padStart(6)} ms = ${pct(d.ms)}; ` +
      `P(detect) 1 item faked ${d.detection?.['oneItem']}, 10% ${d.detection?.['f0.1']}, 50% ${d.detection?.['f0.5']}`,
  );
}
await warmVerifier.dispose();
// Where the fixed part goes (the same steps the provider takes before it evaluates).
{
  const ev = new FheVerifier().parseEvidence(JSON.parse(JSON.stringify(bundle.items['fhe'])));
  const spec = parseFheJobSpec(created.job);
  const step = <T>(label: string, fn: () => T): T => {
    const t = performance.now();
    const r = fn();
    console.log(`    fixed: ${label.padEnd(58)} ${f2(performance.now() - t).padStart(7)} ms`);
    return r;
  };
  const e2 = step('create the SEAL context', () => backend.createEngine(spec.params));
  const { evaluator } = step('validate + hash relin and Galois keys, load them into WASM', () => prepareEvaluation(e2, spec, ev.program, ev.keys, 'BAD_EVIDENCE'));
  const inputs = step(`validate + hash ${jobItems} inputs, input commitment`, () => checkInputs(created.job, evaluator, ev.inputs, 'BAD_EVIDENCE'));
  step(`validate + hash ${jobItems} outputs, output commitment`, () =>
    commitOutputs(
      created.job.id,
      inputs.map((x) => x.hash),
      ev.outputs.map((b, i) => validateCiphertext(b, e2.chain, evaluator.outputExpectation(), { what: `output ${i}` }).hash),
    ),
  );
  evaluator.dispose();
  e2.delete();
}
console.log(`  canaries also cost the job itself 2 extra items: ${((100 * 2) / realItems).toFixed(1)}% more provider work than the ${realItems} real items`);
engine.delete();
console.log(`\nWASM heap at end: ${bytes(backend.heapBytes() ?? 0)}; loadavg at end: ${loadavg()}`);
