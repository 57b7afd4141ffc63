/**
 * Checks that the committed circuit artifacts are the ones the committed sources give:
 * `npx tsx circuits/verify.ts [--full]`.
 *
 * Always (seconds): every committed file matches the sha256 in circuits/build/manifest.json; a fresh circom compile
 * of every circuit gives the recorded r1cs hash and the committed witness generator; every committed verification key
 * is the one exported from its committed proving key.
 * --full (minutes; CI): `snarkjs zkey verify` of every committed Groth16 key against the fresh r1cs and the committed
 * powers of tau, which replays the ceremony transcript (the key derives from this circuit and this ptau); and, where
 * this machine still has an uncommitted proving key from its ceremony, that the committed verification key is its export.
 * Exits 1 on any mismatch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CIRCUITS, type ProofScheme } from '../src/verifiers/zk/circuits.js';
import { REPO_ROOT, SnarkBackend, artifactPath, readManifest, sha256File } from '../src/verifiers/zk/index.js';

const full = process.argv.includes('--full');
const problems: string[] = [];
const note = (ok: boolean, what: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) problems.push(what);
};

const manifest = readManifest();
for (const f of manifest.sources) note(sha256File(join(REPO_ROOT, f.path)) === f.sha256, `source ${f.path}`);
for (const p of manifest.ptau.filter((p) => p.committed)) note(sha256File(join(REPO_ROOT, p.file)) === p.sha256, `ptau ${p.file}`);

const work = mkdtempSync(join(tmpdir(), 'verdict-circuits-'));
const backend = new SnarkBackend();
try {
  for (const def of CIRCUITS) {
    const entry = manifest.circuits.find((c) => c.id === def.id && c.version === def.version);
    if (!entry) {
      note(false, `${def.id} v${def.version} is missing from the manifest`);
      continue;
    }
    for (const [scheme, build] of Object.entries(entry.builds) as [ProofScheme, NonNullable<(typeof entry.builds)[ProofScheme]>][]) {
      const files = [build.verificationKey, build.solidity, ...(build.provingKeyCommitted ? [build.wasm, build.zkey] : [])];
      for (const f of files) note(sha256File(artifactPath(f)) === f.sha256, `${def.id} ${scheme}: ${f.path}`);
      const out = join(work, `${def.id}-${scheme}`);
      mkdirSync(out, { recursive: true });
      const r = spawnSync(join(REPO_ROOT, 'node_modules/.bin/circom2'), [join(REPO_ROOT, 'circuits', def.source), '--r1cs', '--wasm', `--${build.optimization}`, '-o', out, '-l', join(REPO_ROOT, 'node_modules')], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      if (r.status !== 0) {
        note(false, `${def.id} ${scheme}: circom failed: ${r.stderr}`);
        continue;
      }
      const base = def.source.replace(/\.circom$/, '');
      const r1cs = join(out, `${base}.r1cs`);
      note(sha256File(r1cs) === build.r1csSha256, `${def.id} ${scheme}: fresh r1cs (${build.optimization}) = recorded ${build.r1csSha256.slice(0, 16)}…`);
      note(sha256File(join(out, `${base}_js`, `${base}.wasm`)) === build.wasm.sha256, `${def.id} ${scheme}: fresh witness generator = recorded`);
      // With --full, an uncommitted proving key (PLONK, 2^15, 66 MB) is checked too where this machine still has it.
      const localKey = full && !build.provingKeyCommitted && existsSync(artifactPath(build.zkey)) && sha256File(artifactPath(build.zkey)) === build.zkey.sha256;
      if (!build.provingKeyCommitted && !localKey) console.log(`skip ${def.id} ${scheme}: proving key not committed (recorded by sha256 only)`);
      if (build.provingKeyCommitted || localKey) {
        const vk = await backend.exportVerificationKey(artifactPath(build.zkey));
        const committed = JSON.parse(readFileSync(artifactPath(build.verificationKey), 'utf8'));
        note(JSON.stringify(vk) === JSON.stringify(committed), `${def.id} ${scheme}: verification key = export of the ${localKey ? 'local (uncommitted)' : 'committed'} proving key`);
        if (full && scheme === 'groth16') {
          const ptau = manifest.ptau.find((p) => p.power === build.ptauPower && p.committed);
          if (!ptau) {
            note(false, `${def.id}: no committed ptau of power ${build.ptauPower}`);
            continue;
          }
          const v = spawnSync(join(REPO_ROOT, 'node_modules/.bin/snarkjs'), ['zkey', 'verify', r1cs, join(REPO_ROOT, ptau.file), artifactPath(build.zkey)], { cwd: REPO_ROOT, encoding: 'utf8' });
          const text = `${v.stdout}${v.stderr}`;
          note(v.status === 0 && /ZKey Ok!/.test(text), `${def.id} groth16: snarkjs zkey verify (fresh r1cs, committed ptau, committed zkey)`);
        }
      }
    }
  }
} finally {
  await backend.dispose();
  rmSync(work, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`${problems.length} problem(s)`);
  process.exit(1);
}
console.log('circuit artifacts match their sources');
