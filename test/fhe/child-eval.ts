/**
 * Child process of determinism.test.ts: runs a provider's evaluation of the job in its own process (its own
 * WASM module instance) and prints the output commitment and output hashes as JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSealBackend } from '../../src/fhe/index.js';
import { runFheJob } from '../../src/provider/fhe.js';

const dir = process.argv[2]!;
const job = JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8'));
const program = JSON.parse(readFileSync(join(dir, 'program.json'), 'utf8'));
const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const count = Number(readFileSync(join(dir, 'count.txt'), 'utf8'));
const pkg = {
  program,
  keys: { relin: read('relin.bin'), galois: read('galois.bin') },
  inputs: Array.from({ length: count }, (_, i) => read(`input-${i}.bin`)),
};
const result = await runFheJob(await loadSealBackend(), job, pkg);
process.stdout.write(JSON.stringify({ outputCommitment: result.claim.outputCommitment, outputHashes: result.outputHashes, pid: process.pid }));
