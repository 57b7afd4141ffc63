/**
 * Rebuilds every circuit artifact from source: `npx tsx circuits/build.ts [--only <circuit-id>] [--scheme groth16|plonk]`.
 *
 * 1. compiles each circuit with circom 2 (the `circom2` npm package: circom compiled to WebAssembly);
 * 2. runs a local powers-of-tau ceremony per power (new → one random contribution → public beacon → prepare
 *    phase 2), cached in circuits/build/tmp/ (git-ignored) so a rebuild does not redo it;
 * 3. Groth16: circuit-specific setup, one random contribution, a beacon, `zkey verify`; PLONK: universal setup;
 * 4. exports the verification keys and the Solidity verifiers, and writes circuits/build/manifest.json with the
 *    sha256 of every committed file, the r1cs hashes, constraint counts and the ceremony transcript.
 *
 * This is a SINGLE-PARTY ceremony: whoever ran it could forge proofs. Production needs a multi-party ceremony
 * (see docs/zk.md). Run time on a 2-core VM: ~2 min at 2^13, ~15 min for the 2^15 PLONK ceremony.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CIRCUITS, PUBLIC_SIGNALS, type CircuitDef, type ProofScheme } from '../src/verifiers/zk/circuits.js';

const CIRCUITS_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(CIRCUITS_DIR);
const BUILD = join(CIRCUITS_DIR, 'build');
const TMP = join(BUILD, 'tmp');
const SNARKJS = join(ROOT, 'node_modules', '.bin', 'snarkjs');
const CIRCOM = join(ROOT, 'node_modules', '.bin', 'circom2');
/** The committed ptau (prepared for phase 2): lets CI run `zkey verify` on the committed Groth16 keys. */
const COMMITTED_PTAU_POWER = 13;
/** Public, fixed beacon: the sha256 of this text, applied 2^10 times (snarkjs beacon). */
const BEACON_TEXT = 'verdict zk ceremony beacon v1';
const BEACON_ITER_EXP = 10;

const args = process.argv.slice(2);
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const onlyCircuit = argValue('--only');
const onlyScheme = argValue('--scheme') as ProofScheme | undefined;

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const beaconHash = createHash('sha256').update(BEACON_TEXT).digest('hex');
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

function run(cmd: string, argv: string[], what: string): string {
  const started = Date.now();
  process.stdout.write(`• ${what} ... `);
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const out = stripAnsi(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.status !== 0 || /\[ERROR\]/.test(out)) {
    console.log('failed');
    console.error(out);
    throw new Error(`${what} failed (exit ${r.status})`);
  }
  console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

/** The "... Hash:" blocks of snarkjs output (4 lines of hex each), for the ceremony transcript. */
function contributionLines(out: string): string[] {
  const lines = out.split('\n');
  const picked: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /snarkJS:\s*(.*Hash[^:]*):\s*$/.exec(lines[i]!);
    if (!m) continue;
    const hex = lines.slice(i + 1, i + 5).map((l) => l.trim().replace(/\s+/g, '')).join('');
    if (/^[0-9a-f]{128}$/.test(hex)) picked.push(`${m[1]}: ${hex}`);
  }
  return picked;
}

interface PtauRecord {
  power: number;
  file: string;
  sha256: string;
  committed: boolean;
  transcript: string[];
}

function ceremony(power: number): PtauRecord {
  mkdirSync(TMP, { recursive: true });
  const final = join(TMP, `pot${power}_final.ptau`);
  const transcriptFile = join(TMP, `pot${power}_transcript.json`);
  if (!existsSync(final) || !existsSync(transcriptFile)) {
    const p0 = join(TMP, `pot${power}_0000.ptau`);
    const p1 = join(TMP, `pot${power}_0001.ptau`);
    const pb = join(TMP, `pot${power}_beacon.ptau`);
    run(SNARKJS, ['powersoftau', 'new', 'bn128', String(power), p0], `powers of tau 2^${power}: new`);
    const c1 = run(SNARKJS, ['powersoftau', 'contribute', p0, p1, '--name=verdict local contribution', `-e=${randomBytes(32).toString('hex')}`], `powers of tau 2^${power}: contribute`);
    const cb = run(SNARKJS, ['powersoftau', 'beacon', p1, pb, beaconHash, String(BEACON_ITER_EXP), '-n=verdict beacon'], `powers of tau 2^${power}: beacon`);
    run(SNARKJS, ['powersoftau', 'prepare', 'phase2', pb, `${final}.part`], `powers of tau 2^${power}: prepare phase2`);
    renameSync(`${final}.part`, final);
    writeFileSync(transcriptFile, JSON.stringify([...contributionLines(c1), ...contributionLines(cb)], null, 2));
    for (const f of [p0, p1, pb]) rmSync(f, { force: true });
  }
  const committed = power === COMMITTED_PTAU_POWER;
  let file = relative(ROOT, final);
  if (committed) {
    const dest = join(BUILD, `pot${power}_final.ptau`);
    if (!existsSync(dest) || sha256File(dest) !== sha256File(final)) copyFileSync(final, dest);
    file = relative(ROOT, dest);
  }
  return { power, file, sha256: sha256File(final), committed, transcript: JSON.parse(readFileSync(transcriptFile, 'utf8')) };
}

interface Compiled {
  r1cs: string;
  wasm: string;
  wires: number;
  privateInputs: number;
  templateInstances: number;
}

function compile(c: CircuitDef, optimization: 1 | 2): Compiled {
  const out = join(TMP, `${c.id}-v${c.version}`, `O${optimization}`);
  mkdirSync(out, { recursive: true });
  const log = run(CIRCOM, [join(CIRCUITS_DIR, c.source), '--r1cs', '--wasm', '--sym', `--O${optimization}`, '-o', out, '-l', join(ROOT, 'node_modules')], `compile ${c.id} v${c.version} (--O${optimization})`);
  const num = (label: string) => Number(/(\d+)/.exec(log.split('\n').find((l) => l.includes(label)) ?? '')?.[1] ?? NaN);
  const base = c.source.replace(/\.circom$/, '');
  return {
    r1cs: join(out, `${base}.r1cs`),
    wasm: join(out, `${base}_js`, `${base}.wasm`),
    wires: num('wires'),
    privateInputs: num('private inputs'),
    templateInstances: num('template instances'),
  };
}

interface FileRecord {
  path: string;
  sha256: string;
  bytes: number;
}

function fileRecord(path: string): FileRecord {
  return { path: relative(ROOT, path), sha256: sha256File(path), bytes: statSync(path).size };
}

function buildScheme(c: CircuitDef, scheme: ProofScheme, ptaus: Map<number, PtauRecord>) {
  const spec = c.builds[scheme]!;
  const compiled = compile(c, spec.optimization);
  const r1csInfo = run(SNARKJS, ['r1cs', 'info', compiled.r1cs], `r1cs info ${c.id} (${scheme})`);
  const constraints = Number(/# of Constraints:\s*(\d+)/.exec(r1csInfo)?.[1]);
  let ptau = ptaus.get(spec.ptauPower);
  if (!ptau) {
    ptau = ceremony(spec.ptauPower);
    ptaus.set(spec.ptauPower, ptau);
  }
  const ptauPath = join(ROOT, ptau.file);
  const dir = join(BUILD, `${c.id}-v${c.version}`, scheme);
  const work = join(TMP, `${c.id}-v${c.version}`, scheme);
  mkdirSync(dir, { recursive: true });
  mkdirSync(work, { recursive: true });
  const zkey = join(spec.commitProvingKey ? dir : work, 'proving.zkey');
  const wasm = join(spec.commitProvingKey ? dir : work, 'circuit.wasm');
  copyFileSync(compiled.wasm, wasm);
  const transcript: string[] = [];
  let plonkGates: number | undefined;
  if (scheme === 'groth16') {
    const z0 = join(work, 'c_0000.zkey');
    const z1 = join(work, 'c_0001.zkey');
    run(SNARKJS, ['groth16', 'setup', compiled.r1cs, ptauPath, z0], `groth16 setup ${c.id}`);
    transcript.push(...contributionLines(run(SNARKJS, ['zkey', 'contribute', z0, z1, '--name=verdict local contribution', `-e=${randomBytes(32).toString('hex')}`], `zkey contribute ${c.id}`)));
    transcript.push(...contributionLines(run(SNARKJS, ['zkey', 'beacon', z1, zkey, beaconHash, String(BEACON_ITER_EXP), '-n=verdict beacon'], `zkey beacon ${c.id}`)));
    run(SNARKJS, ['zkey', 'verify', compiled.r1cs, ptauPath, zkey], `zkey verify ${c.id}`);
    rmSync(z0, { force: true });
    rmSync(z1, { force: true });
  } else {
    const out = run(SNARKJS, ['plonk', 'setup', compiled.r1cs, ptauPath, zkey], `plonk setup ${c.id}`);
    plonkGates = Number(/Plonk constraints:\s*(\d+)/.exec(out)?.[1]);
  }
  const vkey = join(dir, 'verification_key.json');
  run(SNARKJS, ['zkey', 'export', 'verificationkey', zkey, vkey], `export verification key ${c.id} (${scheme})`);
  const sol = join(dir, scheme === 'groth16' ? 'Groth16Verifier.sol' : 'PlonkVerifier.sol');
  run(SNARKJS, ['zkey', 'export', 'solidityverifier', zkey, sol], `export Solidity verifier ${c.id} (${scheme})`);
  return {
    optimization: `O${spec.optimization}`,
    ptauPower: spec.ptauPower,
    r1csSha256: sha256File(compiled.r1cs),
    constraints,
    ...(plonkGates !== undefined ? { plonkGates } : {}),
    wires: compiled.wires,
    privateInputs: compiled.privateInputs,
    provingKeyCommitted: spec.commitProvingKey,
    wasm: spec.commitProvingKey ? fileRecord(wasm) : { ...fileRecord(wasm), committed: false },
    zkey: spec.commitProvingKey ? fileRecord(zkey) : { ...fileRecord(zkey), committed: false },
    verificationKey: fileRecord(vkey),
    solidity: fileRecord(sol),
    transcript,
  };
}

function circuitSources(): FileRecord[] {
  const files = [...new Set(CIRCUITS.map((c) => join(CIRCUITS_DIR, c.source)))];
  for (const lib of ['fixedpoint.circom', 'commit.circom', 'model.circom']) files.push(join(CIRCUITS_DIR, 'lib', lib));
  return files.sort().map(fileRecord);
}

function main() {
  mkdirSync(TMP, { recursive: true });
  const manifestPath = join(BUILD, 'manifest.json');
  const previous = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : undefined;
  const ptaus = new Map<number, PtauRecord>();
  const circuits: Record<string, unknown>[] = [];
  for (const c of CIRCUITS) {
    const prevEntry = previous?.circuits?.find((p: { id: string; version: number }) => p.id === c.id && p.version === c.version);
    const builds: Record<string, unknown> = {};
    for (const scheme of Object.keys(c.builds) as ProofScheme[]) {
      const wanted = (!onlyCircuit || onlyCircuit === c.id) && (!onlyScheme || onlyScheme === scheme);
      if (wanted) builds[scheme] = buildScheme(c, scheme, ptaus);
      else if (prevEntry?.builds?.[scheme]) builds[scheme] = prevEntry.builds[scheme];
    }
    circuits.push({ id: c.id, version: c.version, source: `circuits/${c.source}`, description: c.description, publicSignals: PUBLIC_SIGNALS, layers: c.layers, builds });
  }
  const ptauList = [...ptaus.values()];
  for (const p of previous?.ptau ?? []) if (!ptaus.has(p.power)) ptauList.push(p);
  ptauList.sort((a, b) => a.power - b.power);
  const manifest = {
    v: 1,
    warning: 'Keys from a single-party local ceremony: fine for tests and demos, NOT for production (docs/zk.md).',
    tools: {
      circom: '2.2.3 (npm circom2 0.2.23)',
      snarkjs: JSON.parse(readFileSync(join(ROOT, 'node_modules/snarkjs/package.json'), 'utf8')).version,
      circomlib: JSON.parse(readFileSync(join(ROOT, 'node_modules/circomlib/package.json'), 'utf8')).version,
    },
    beacon: { text: BEACON_TEXT, sha256: beaconHash, iterationsExp: BEACON_ITER_EXP },
    sources: circuitSources(),
    ptau: ptauList,
    circuits,
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`wrote ${relative(ROOT, manifestPath)}`);
}

const ceremonyOnly = argValue('--ceremony');
if (ceremonyOnly) console.log(JSON.stringify(ceremony(Number(ceremonyOnly)), null, 2));
else main();
