/**
 * ZK benchmark: proving time and constraint count per circuit; steady-state verification per proof (verdict's
 * verifier and batched verification vs snarkjs `groth16.verify` one by one, same proofs, same run); gas of the
 * exported Solidity verifiers on a real anvil.
 *   npx tsx bench/zk.ts [batch=64] [proveRuns=3]
 * The batch's proofs are proved once and cached in bench/out/ (keyed by the proving key's sha256). PLONK proving
 * needs the local proving key of circuits/build/tmp/ (not committed: docs/zk.md); without it the row says so.
 * Results: printed, and bench/out/zk.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ManualClock, silentLogger, type Claim, type Job } from '../src/core/index.js';
import {
  CIRCUITS,
  NobleEngine,
  SnarkBackend,
  ZkKeyRegistry,
  ZkVerifier,
  artifactPath,
  makeZkJob,
  modelCommitment,
  parseVerificationKey,
  parseZkEvidence,
  readManifest,
  schemeArtifacts,
  seededInt8,
  seededModel,
  verifyGroth16Batch,
  type BatchItem,
  type CircuitDef,
  type Groth16Proof,
  type Groth16VerificationKey,
  type ProofScheme,
  type ZkEvidence,
} from '../src/verifiers/zk/index.js';
import { ZkProver } from '../src/provider/zk.js';
import { groth16Args, intrinsicGas, plonkArgs, startEvm } from '../test/zk/evm.js';

const batchSize = Number(process.argv[2] ?? 64);
const proveRuns = Number(process.argv[3] ?? 3);
const OUT = fileURLToPath(new URL('./out/', import.meta.url));
mkdirSync(OUT, { recursive: true });
const manifest = readManifest();
const backend = new SnarkBackend();
const prover = new ZkProver({ backend });
const loadavg = () => (existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').trim() : 'n/a');
const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const results: Record<string, unknown> = { batchSize, machine, loadavgStart: loadavg() };
console.log(`machine: ${machine}\nload at start: ${loadavg()}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(2));

interface Proved {
  job: Job;
  claim: Claim;
  evidence: ZkEvidence;
}

function jobFor(def: CircuitDef, i: number) {
  const model = seededModel(def, new Uint8Array([0xbe, i % 8]), { salt: BigInt(i % 8) });
  const input = seededInt8(new Uint8Array([0xbf, i & 0xff, i >> 8]), def.layers[0]!.nIn);
  const job = makeZkJob({ id: `bench-${def.id}-${i}`, provider: '0xbe', circuit: def, modelCommitment: modelCommitment(def, model), input, inputSalt: BigInt(i) });
  return { model, input, inputSalt: BigInt(i), job };
}

async function provedBatch(def: CircuitDef, n: number): Promise<Proved[]> {
  const zkeySha = schemeArtifacts(manifest, def.id, def.version, 'groth16')!.zkey.sha256;
  const cache = `${OUT}zk-proofs-${def.id}-${zkeySha.slice(0, 16)}.json`;
  const have: Proved[] = existsSync(cache) ? JSON.parse(readFileSync(cache, 'utf8')) : [];
  if (have.length < n) process.stdout.write(`proving ${n - have.length} more ${def.id} proofs for the batch (cached in ${cache}) `);
  for (let i = have.length; i < n; i++) {
    const w = jobFor(def, i);
    const b = await prover.prove(w);
    have.push({ job: w.job, claim: b.claim, evidence: b.evidence });
    if (i % 8 === 7) process.stdout.write('.');
  }
  if (have.length > 0) writeFileSync(cache, JSON.stringify(have));
  if (n > 0) console.log('');
  return have.slice(0, n);
}

try {
  // 1. Proving time and constraints per circuit.
  console.log(`\n== proving (${proveRuns} runs each, median) ==`);
  const proving: Record<string, unknown>[] = [];
  for (const def of CIRCUITS) {
    for (const scheme of Object.keys(def.builds) as ProofScheme[]) {
      const build = schemeArtifacts(manifest, def.id, def.version, scheme);
      if (!build) {
        console.log(`${def.id} ${scheme}: declared in the catalogue, not built (npx tsx circuits/build.ts --only ${def.id} --scheme ${scheme})`);
        proving.push({ circuit: def.id, scheme, proveMs: null });
        continue;
      }
      const times: number[] = [];
      try {
        for (let r = 0; r < proveRuns; r++) {
          const w = jobFor(def, 1000 + r);
          const t = performance.now();
          await prover.prove({ ...w, scheme });
          times.push(performance.now() - t);
        }
      } catch (e) {
        console.log(`${def.id} ${scheme}: not proved (${(e as Error).message.split('\n')[0]})`);
        proving.push({ circuit: def.id, scheme, constraints: build.constraints, plonkGates: build.plonkGates, proveMs: null });
        continue;
      }
      const row = { circuit: def.id, scheme, constraints: build.constraints, plonkGates: build.plonkGates, wires: build.wires, ptauPower: build.ptauPower, zkeyBytes: build.zkey.bytes, proveMs: Math.round(median(times)) };
      proving.push(row);
      console.log(`${def.id} ${scheme}: ${build.constraints} R1CS constraints${build.plonkGates ? ` (${build.plonkGates} PLONK gates)` : ''}, 2^${build.ptauPower} ceremony, proving ${row.proveMs} ms (witness + proof, runs: ${times.map((t) => t.toFixed(0)).join(', ')})`);
    }
  }
  results.proving = proving;

  // 2. Verification: same proofs, same run.
  const dense = CIRCUITS[0]!;
  const batch = await provedBatch(dense, batchSize);
  const vkJson = JSON.parse(readFileSync(artifactPath(schemeArtifacts(manifest, dense.id, 1, 'groth16')!.verificationKey), 'utf8'));
  const vk = parseVerificationKey(vkJson) as Groth16VerificationKey;
  const keys = ZkKeyRegistry.fromManifest();
  const verifier = new ZkVerifier({ keys, backend });
  const clock = new ManualClock(1);
  const seed = new Uint8Array(32).fill(3);
  const ctxFor = (claim: Claim) => ({ claim, signal: new AbortController().signal, deadline: Infinity, clock, logger: silentLogger, seed, options: {} });

  console.log(`\n== verification of ${batch.length} ${dense.id} Groth16 proofs (3 rounds each, median; curve warmed up first) ==`);
  await backend.groth16Verify(vkJson, batch[0]!.evidence.publicSignals, batch[0]!.evidence.proof);
  const rounds = 3;
  const measure = async (fn: () => Promise<void>) => {
    const ts: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      await fn();
      ts.push(performance.now() - t);
    }
    return median(ts);
  };

  let snarkOk = 0;
  const snarkMs = await measure(async () => {
    snarkOk = 0;
    for (const p of batch) if (await backend.groth16Verify(vkJson, p.evidence.publicSignals, p.evidence.proof)) snarkOk++;
  });
  let oursOk = 0;
  const oursMs = await measure(async () => {
    oursOk = 0;
    for (const p of batch) {
      const f = await verifier.verify(p.job, verifier.parseEvidence(p.evidence), ctxFor(p.claim));
      if (f.outcome === 'pass') oursOk++;
    }
  });
  const toItems = (deferG2Subgroup: boolean): BatchItem[] =>
    batch.map((p) => {
      const ev = parseZkEvidence(p.evidence, 'evidence.zk', { deferG2Subgroup });
      return { proof: ev.proof as Groth16Proof, publicSignals: ev.publicSignals };
    });
  let items: BatchItem[] = [];
  const parseMs = await measure(async () => {
    items = toItems(false);
  });
  let deferredItems: BatchItem[] = [];
  const parseDeferredMs = await measure(async () => {
    deferredItems = toItems(true);
  });
  const engine = await backend.engine();
  let batchOk = false;
  const batchMs = await measure(async () => {
    batchOk = (await verifyGroth16Batch(engine, vk, items, { seed })).ok;
  });
  let batchSubOk = false;
  const batchSubMs = await measure(async () => {
    batchSubOk = (await verifyGroth16Batch(engine, vk, deferredItems, { seed })).ok;
  });
  let manyOk = 0;
  const manyMs = await measure(async () => {
    const entries = batch.map((p) => ({ job: p.job, claim: p.claim, evidence: verifier.parseEvidence(p.evidence) }));
    manyOk = (await verifier.verifyMany(entries, { seed, options: {} })).filter((f) => f.outcome === 'pass').length;
  });
  const bad = [...items];
  bad[17] = { ...bad[17]!, proof: { ...bad[17]!.proof, a: items[18]!.proof.a } };
  let found: number[] = [];
  let badChecks = 0;
  const badMs = await measure(async () => {
    const r = await verifyGroth16Batch(engine, vk, bad, { seed });
    found = r.bad;
    badChecks = r.checks;
  });
  const nobleMs = await measure(async () => {
    await verifyGroth16Batch(new NobleEngine(), vk, items, { seed });
  });

  const n = batch.length;
  const perProof = (ms: number) => ms / n;
  const rows: [string, number, string][] = [
    ['snarkjs groth16.verify, one by one (baseline)', snarkMs, `${snarkOk}/${n} valid`],
    ['verdict ZkVerifier.verify, one by one (parse + statement + WASM G2 subgroup check + snarkjs)', oursMs, `${oursOk}/${n} pass`],
    ['verdict parse, full validation in TypeScript (noble G2 subgroup check)', parseMs, ''],
    ['verdict parse, G2 subgroup check deferred to the WASM curve (as ZkVerifier does)', parseDeferredMs, ''],
    ['verdict batch, WASM curve, pairing check only (proofs fully validated beforehand)', batchMs, batchOk ? 'all valid, 1 pairing check' : 'FAILED'],
    ['verdict batch incl. WASM G2 subgroup checks (deferred parse + batch)', parseDeferredMs + batchSubMs, batchSubOk ? 'all valid' : 'FAILED'],
    ['verdict ZkVerifier.verifyMany, end to end (parse + statements + subgroup + batch)', manyMs, `${manyOk}/${n} pass`],
    [`verdict batch with 1 bad proof (#17), bisection`, badMs, `found ${JSON.stringify(found)} in ${badChecks} checks`],
    ['verdict batch, noble engine (pure TypeScript)', nobleMs, ''],
  ];
  for (const [name, ms, note] of rows) {
    console.log(`${name.padEnd(92)} ${fmt(ms).padStart(8)} ms  ${fmt(perProof(ms)).padStart(7)} ms/proof  ${(snarkMs / ms).toFixed(2).padStart(6)}× snarkjs  ${note}`);
  }
  results.verification = Object.fromEntries(rows.map(([name, ms, note]) => [name, { totalMs: Math.round(ms * 10) / 10, perProofMs: Math.round(perProof(ms) * 100) / 100, speedupVsSnarkjs: Math.round((snarkMs / ms) * 100) / 100, note }]));

  // PLONK verification, per proof: the committed vectors (proving them needs the uncommitted key).
  const plonkFile = fileURLToPath(new URL('../test/zk/vectors/plonk-mlp-q8-16x16x4-v1.json', import.meta.url));
  const plonkBuild = schemeArtifacts(manifest, 'mlp-q8-16x16x4', 1, 'plonk');
  if (existsSync(plonkFile) && plonkBuild) {
    const plonkCases: Proved[] = JSON.parse(readFileSync(plonkFile, 'utf8')).cases;
    const plonkVk = JSON.parse(readFileSync(artifactPath(plonkBuild.verificationKey), 'utf8'));
    const reps = 8; // each vector verified `reps` times per round
    let pSnarkOk = 0;
    let pOursOk = 0;
    const pSnark = await measure(async () => {
      pSnarkOk = 0;
      for (let k = 0; k < reps; k++) for (const p of plonkCases) if (await backend.plonkVerify(plonkVk, p.evidence.publicSignals, p.evidence.proof)) pSnarkOk++;
    });
    const pOurs = await measure(async () => {
      pOursOk = 0;
      for (let k = 0; k < reps; k++) {
        for (const p of plonkCases) if ((await verifier.verify(p.job, verifier.parseEvidence(p.evidence), ctxFor(p.claim))).outcome === 'pass') pOursOk++;
      }
    });
    const np = reps * plonkCases.length;
    console.log(`\n== PLONK verification of mlp-q8-16x16x4 (${plonkCases.length} committed proofs × ${reps}, 3 rounds, median) ==`);
    console.log(`${'snarkjs plonk.verify, one by one (baseline)'.padEnd(92)} ${fmt(pSnark / np).padStart(7)} ms/proof  ${pSnarkOk}/${np} valid`);
    console.log(`${'verdict ZkVerifier.verify, one by one'.padEnd(92)} ${fmt(pOurs / np).padStart(7)} ms/proof  ${(pSnark / pOurs).toFixed(2)}× snarkjs  ${pOursOk}/${np} pass`);
    results.plonkVerification = { proofs: np, snarkjsPerProofMs: Math.round((pSnark / np) * 100) / 100, oursPerProofMs: Math.round((pOurs / np) * 100) / 100 };
  }

  // 3. Gas of the exported Solidity verifiers on anvil.
  console.log('\n== gas of the exported Solidity verifiers (anvil, solc 0.8.30, optimizer 10000 runs) ==');
  const evm = await startEvm();
  const gas: Record<string, unknown>[] = [];
  try {
    for (const def of CIRCUITS) {
      for (const scheme of Object.keys(def.builds) as ProofScheme[]) {
        const build = schemeArtifacts(manifest, def.id, def.version, scheme);
        if (!build) continue;
        let ev: ZkEvidence | undefined;
        if (scheme === 'groth16') ev = (def === dense ? batch[0] : (await provedBatch(def, 1))[0])!.evidence;
        else {
          const vecPath = fileURLToPath(new URL(`../test/zk/vectors/plonk-${def.id}-v${def.version}.json`, import.meta.url));
          if (existsSync(vecPath)) ev = JSON.parse(readFileSync(vecPath, 'utf8')).cases[0].evidence;
        }
        if (!ev) continue;
        const { contract, deployGas, bytecodeBytes } = await evm.deploy(artifactPath(build.solidity));
        const args = scheme === 'groth16' ? groth16Args(ev) : plonkArgs(ev);
        const fn = contract.getFunction('verifyProof');
        const ok = await fn.staticCall(...args);
        const tx = await fn.send(...args, { gasLimit: 2_000_000n });
        const receipt = (await tx.wait())!;
        const intrinsic = intrinsicGas(tx.data);
        const row = { circuit: def.id, scheme, valid: ok, txGas: Number(receipt.gasUsed), executionGas: Number(receipt.gasUsed - intrinsic), deployGas: Number(deployGas), bytecodeBytes };
        gas.push(row);
        console.log(`${def.id} ${scheme}: verifyProof → ${ok}; tx ${row.txGas} gas (${row.executionGas} execution + ${Number(intrinsic)} intrinsic); deploy ${row.deployGas} gas, ${bytecodeBytes} bytes`);
      }
    }
} finally {
  await evm.close();
}
results.gas = gas;

results.loadavgEnd = loadavg();
console.log(`\nload at end: ${results.loadavgEnd}`);
writeFileSync(`${OUT}zk.json`, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${OUT}zk.json`);
} finally {
  // snarkjs' curve worker threads keep the process alive until terminated (prover and verifier share them).
  await prover.dispose();
  await backend.dispose();
}
