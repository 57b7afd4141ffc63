import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PRESETS, createFheJob, loadSealBackend } from '../../src/fhe/index.js';
import { runFheJob } from '../../src/provider/fhe.js';
import { fheDemoSetup } from '../../src/demo/fhe.js';
import { sha256, utf8 } from '../../src/core/index.js';

const run = promisify(execFile);

test('the same program on the same ciphertexts gives bit-identical outputs in another process', async () => {
  const backend = await loadSealBackend();
  const engine = backend.createEngine(PRESETS['ckks-8192-d3']);
  const { program, records } = fheDemoSetup();
  const created = createFheJob({ engine, program, id: 'fhe-determinism', provider: '0xp', records: records.slice(0, 300), seed: sha256(utf8('determinism')) });
  engine.delete();
  const here = await runFheJob(backend, created.job, created.pkg);
  const dir = mkdtempSync(join(tmpdir(), 'verdict-fhe-'));
  try {
    writeFileSync(join(dir, 'job.json'), JSON.stringify(created.job));
    writeFileSync(join(dir, 'program.json'), JSON.stringify(created.pkg.program));
    writeFileSync(join(dir, 'relin.bin'), created.pkg.keys.relin!);
    writeFileSync(join(dir, 'galois.bin'), created.pkg.keys.galois!);
    writeFileSync(join(dir, 'count.txt'), String(created.pkg.inputs.length));
    created.pkg.inputs.forEach((b, i) => writeFileSync(join(dir, `input-${i}.bin`), b));
    const child = fileURLToPath(new URL('./child-eval.ts', import.meta.url));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', child, dir], { maxBuffer: 1 << 20, timeout: 120_000 });
    const there = JSON.parse(stdout) as { outputCommitment: string; outputHashes: string[]; pid: number };
    assert.notEqual(there.pid, process.pid);
    assert.equal(here.outputHashes.length, 2);
    assert.deepEqual(there.outputHashes, here.outputHashes);
    assert.equal(there.outputCommitment, here.claim.outputCommitment);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
