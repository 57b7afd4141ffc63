import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { utf8, type Job } from '../../src/core/index.js';
import { DirectoryBlobStore } from '../../src/verifiers/rerun/index.js';
import { claimOutputs, runDeterministicJob } from '../../src/provider/rerun.js';
import { WasiExecutor } from '../../src/verifiers/rerun/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'verdict-cli-'));
const blobsDir = join(dir, 'blobs');
const policy = join(root, 'policies/wasi.yaml');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function write(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

test('verdict verify: exit codes 0 accept, 1 reject, 2 inconclusive, 3 bad input', async () => {
  const blobs = new DirectoryBlobStore(blobsDir);
  const heat = await blobs.put(new Uint8Array(readFileSync(join(root, 'programs/heat/heat.wasm'))));
  const params = await blobs.put(utf8('16 16 20 0.2 9'));
  const job: Job = { v: 1, id: 'cli-job', type: 'wasi', provider: '0x1', spec: { executor: 'wasi', module: heat, args: ['heat'], inputs: [{ path: 'params.txt', sha256: params }] } };
  const honest = await runDeterministicJob(job, { blobs, executors: { wasi: new WasiExecutor() } });
  const jobFile = write('job.json', job);
  const good = write('good.json', { v: 1, jobId: job.id, claim: honest.claim, items: { rerun: honest.evidence } });
  const tampered = honest.outputs.map((o) => (o.path === 'summary.json' ? { ...o, data: utf8('{"total":1}') } : o));
  const cheat = claimOutputs(job, tampered);
  const bad = write('bad.json', { v: 1, jobId: job.id, claim: cheat.claim, items: { rerun: cheat.evidence } });

  const accept = cli('verify', '--policy', policy, '--job', jobFile, '--evidence', good, '--blobs', blobsDir, '--json');
  assert.equal(accept.code, 0, accept.err);
  assert.equal(JSON.parse(accept.out).outcome, 'accept');

  const reject = cli('verify', '--policy', policy, '--job', jobFile, '--evidence', bad, '--blobs', blobsDir);
  assert.equal(reject.code, 1, reject.err);
  assert.match(reject.out, /^REJECT job cli-job/);

  // The mediator lacks the program: it cannot decide, so it says so.
  const inconclusive = cli('verify', '--policy', policy, '--job', jobFile, '--evidence', good, '--blobs', join(dir, 'empty'));
  assert.equal(inconclusive.code, 2, inconclusive.err);
  assert.match(inconclusive.out, /INCONCLUSIVE/);

  for (const args of [
    ['verify', '--policy', policy, '--job', write('garbage.json', '{"v":'), '--evidence', good],
    ['verify', '--policy', policy, '--job', jobFile],
    ['verify', '--policy', write('p.yaml', 'v: 1\n'), '--job', jobFile, '--evidence', good],
    ['verify', '--policy', policy, '--job', jobFile, '--evidence', write('e.json', { v: 1, jobId: 'other', claim: honest.claim, items: {} })],
    ['verify', '--bogus'],
    ['frobnicate'],
  ]) {
    const r = cli(...args);
    assert.equal(r.code, 3, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    assert.match(r.err, /^verdict: [A-Z_]+: /);
    assert.doesNotMatch(r.err, /\n\s+at /);
  }
  const debug = cli('verify', '--policy', write('p2.yaml', 'v: 1\n'), '--job', jobFile, '--evidence', good, '--debug');
  assert.equal(debug.code, 3);
  assert.match(debug.err, /\n\s+at /, '--debug prints the stack');
});
