import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CIRCUITS, readManifest } from '../../src/verifiers/zk/index.js';

test('every circuit and scheme of the catalogue is built, with its constraint count recorded', () => {
  const manifest = readManifest();
  for (const def of CIRCUITS) {
    const entry = manifest.circuits.find((c) => c.id === def.id && c.version === def.version);
    assert.ok(entry, `${def.id} is in the manifest`);
    for (const scheme of Object.keys(def.builds)) {
      const b = entry.builds[scheme as 'groth16'];
      assert.ok(b, `${def.id} ${scheme} is built`);
      // Groth16 needs a domain of constraints + public signals + 1; PLONK one of its gate count
      const size = scheme === 'plonk' ? b.plonkGates! : b.constraints + 5;
      assert.ok(b.constraints > 0 && size <= 2 ** b.ptauPower, `${def.id} ${scheme} fits its ceremony`);
      assert.deepEqual(entry.publicSignals, ['jobId', 'modelCommitment', 'inputCommitment', 'outputCommitment']);
    }
  }
  assert.match(manifest.warning, /NOT for production/);
});

test('committed artifacts match the manifest, a fresh compile gives the recorded r1cs, keys derive from the proving keys', () => {
  // circuits/verify.ts compiles every circuit with circom2 (a few seconds each); --full (zkey verify) runs in CI.
  const script = fileURLToPath(new URL('../../circuits/verify.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, /FAIL/);
  assert.match(r.stdout, /fresh r1cs/);
});
