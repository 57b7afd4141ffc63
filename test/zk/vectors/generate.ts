/**
 * Regenerates the proof vectors the zk tests use: `npx tsx test/zk/vectors/generate.ts [count] [--scheme groth16|plonk]`.
 * Run after circuits/build.ts rebuilt the keys (the tests check the vectors' zkeySha256 against the manifest);
 * --scheme leaves the other scheme's vectors as they are.
 */
import { writeFileSync } from 'node:fs';
import { CIRCUITS, provingArtifacts, readManifest, schemeArtifacts, type ProofScheme } from '../../../src/verifiers/zk/index.js';
import { ZkProver } from '../../../src/provider/zk.js';
import { vectorJob, vectorPath, type VectorFile } from '../fixtures.js';

const args = process.argv.slice(2);
const schemeAt = args.indexOf('--scheme');
const onlyScheme = schemeAt >= 0 ? (args.splice(schemeAt, 2)[1] as ProofScheme) : undefined;
const count = Number(args[0] ?? 8);
const prover = new ZkProver();
const manifest = readManifest();
try {
  for (const def of CIRCUITS) {
    for (const scheme of Object.keys(def.builds) as ProofScheme[]) {
      if (onlyScheme && scheme !== onlyScheme) continue;
      try {
        provingArtifacts(def.id, def.version, scheme);
      } catch (e) {
        console.log(`skip ${scheme} ${def.id}: ${(e as Error).message}`);
        continue;
      }
      const n = scheme === 'plonk' ? Math.min(count, 3) : count;
      const file: VectorFile = { v: 1, scheme, circuit: def.id, circuitVersion: def.version, zkeySha256: schemeArtifacts(manifest, def.id, def.version, scheme)!.zkey.sha256, cases: [] };
      for (let i = 0; i < n; i++) {
        const { model, input, inputSalt, job } = vectorJob(def, i);
        const b = await prover.prove({ job, model, input, inputSalt, scheme });
        console.log(`${scheme} ${def.id} #${i}: ${b.proveMs.toFixed(0)} ms`);
        file.cases.push({ job, claim: b.claim, evidence: b.evidence });
      }
      writeFileSync(vectorPath(scheme, def.id, def.version), `${JSON.stringify(file, null, 1)}\n`);
    }
  }
} finally {
  await prover.dispose();
}
