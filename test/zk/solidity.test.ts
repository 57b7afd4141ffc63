import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifactPath, readManifest } from '../../src/verifiers/zk/index.js';
import { clone, dense, loadVectors, mlp } from './fixtures.js';
import { groth16Args, plonkArgs, startEvm } from './evm.js';

test('the exported Solidity verifiers accept honest proofs and reject forged ones on a real anvil', async () => {
  const evm = await startEvm();
  try {
    const manifest = readManifest();
    for (const def of [dense, mlp]) {
      const build = manifest.circuits.find((c) => c.id === def.id)!.builds.groth16!;
      const { contract } = await evm.deploy(artifactPath(build.solidity));
      const vectors = loadVectors('groth16', def.id)!;
      const [c0, c1] = vectors.cases;
      assert.equal(await contract.getFunction('verifyProof').staticCall(...groth16Args(c0!.evidence)), true, `${def.id}: honest proof`);
      assert.equal(await contract.getFunction('verifyProof').staticCall(...groth16Args(c1!.evidence)), true);
      // replayed for another statement: the public signals of case 1 with the proof of case 0
      const replay = { ...clone(c0!.evidence), publicSignals: c1!.evidence.publicSignals };
      assert.equal(await contract.getFunction('verifyProof').staticCall(...groth16Args(replay)), false, `${def.id}: replay`);
      const forged = clone(c0!.evidence);
      (forged.proof as Record<string, unknown>).pi_a = (c1!.evidence.proof as Record<string, unknown>).pi_a;
      assert.equal(await contract.getFunction('verifyProof').staticCall(...groth16Args(forged)), false, `${def.id}: forged`);
    }
    const plonk = loadVectors('plonk', mlp.id);
    const plonkBuild = manifest.circuits.find((c) => c.id === mlp.id)!.builds.plonk;
    assert.ok(plonk && plonkBuild, 'mlp-q8-16x16x4 has a PLONK build and committed PLONK vectors');
    const { contract } = await evm.deploy(artifactPath(plonkBuild.solidity));
    const ev = plonk.cases[0]!.evidence;
    assert.equal(await contract.getFunction('verifyProof').staticCall(...plonkArgs(ev)), true, 'plonk: honest proof');
    assert.equal(await contract.getFunction('verifyProof').staticCall(...plonkArgs({ ...ev, publicSignals: plonk.cases[1]!.evidence.publicSignals })), false, 'plonk: replay');
    const tampered = clone(ev);
    (tampered.proof as Record<string, unknown>).eval_a = (plonk.cases[1]!.evidence.proof as Record<string, unknown>).eval_a;
    assert.equal(await contract.getFunction('verifyProof').staticCall(...plonkArgs(tampered)), false, 'plonk: tampered');
  } finally {
    await evm.close();
  }
});
