import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { VerdictError, utf8 } from '../../../src/core/index.js';
import {
  DEFAULT_LIMITS,
  DockerExecutor,
  ProcessExecutor,
  WasiExecutor,
  assertPinnedImage,
  capWasmMemory,
  dockerAvailable,
  dockerRunArgs,
  type ExecRequest,
} from '../../../src/verifiers/rerun/index.js';

const probe = new Uint8Array(readFileSync(new URL('../../../programs/probe/probe.wasm', import.meta.url)));
const heat = new Uint8Array(readFileSync(new URL('../../../programs/heat/heat.wasm', import.meta.url)));
const det = (seedByte = 1) => ({ clockNs: 1_700_000_000_123_456_789n, randomSeed: new Uint8Array(32).fill(seedByte) });
const req = (over: Partial<ExecRequest>): ExecRequest => ({ args: ['prog'], inputs: [], limits: DEFAULT_LIMITS, determinism: det(), ...over });
const text = (r: { outputs: { path: string; data: Uint8Array }[] }, path: string) => new TextDecoder().decode(r.outputs.find((o) => o.path === path)!.data);

/** A hand-assembled module whose _start loops forever. */
const LOOP_FOREVER = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00,
  0x01, 0x07, 0x13, 0x02, 0x06, ...utf8('memory'), 0x02, 0x00, 0x06, ...utf8('_start'), 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x03,
  0x40, 0x0c, 0x00, 0x0b, 0x0b,
]);

const wasi = new WasiExecutor();

test('WASI: clock, randomness, environment are fixed by the job, so two runs are identical', async () => {
  const a = await wasi.run(req({ program: probe, args: ['probe', 'x y'], stdoutAs: 'stdout.txt' }));
  const b = await wasi.run(req({ program: probe, args: ['probe', 'x y'], stdoutAs: 'stdout.txt' }));
  assert.equal(a.exitCode, 0);
  const out = text(a, 'stdout.txt');
  assert.equal(out, text(b, 'stdout.txt'));
  assert.match(out, /^realtime 1700000000\.123456789$/m);
  assert.match(out, /^env 0$/m);
  assert.match(out, /^arg x y$/m);
  const other = await wasi.run(req({ program: probe, args: ['probe'], stdoutAs: 'stdout.txt', determinism: det(2) }));
  const entropy = (s: string) => /entropy ([0-9a-f]+)/.exec(s)![1];
  assert.notEqual(entropy(text(other, 'stdout.txt')), entropy(out), 'randomness follows the job seed');
});

test('WASI: the wall-time limit stops a program that never ends', async () => {
  const started = Date.now();
  await assert.rejects(wasi.run(req({ program: LOOP_FOREVER, limits: { ...DEFAULT_LIMITS, wallMs: 300 } })), (e: unknown) => e instanceof VerdictError && e.code === 'TIMEOUT');
  assert.ok(Date.now() - started < 5000);
});

test('WASI: the memory limit caps linear memory (malloc fails inside the program)', async () => {
  const r = await wasi.run(req({ program: probe, args: ['probe', 'grow'], stdoutAs: 'o', limits: { ...DEFAULT_LIMITS, memoryMb: 16 } }));
  const mib = Number(/allocated (\d+) MiB/.exec(text(r, 'o'))![1]);
  assert.ok(mib > 0 && mib < 16, `allocated ${mib} MiB under a 16 MiB cap`);
  const big = await wasi.run(req({ program: heat, inputs: [{ path: 'params.txt', data: utf8('4096 4096 1 0.1 1') }], limits: { ...DEFAULT_LIMITS, memoryMb: 32 } }));
  assert.equal(big.exitCode, 3, 'heat reports out of memory');
});

test('WASI: inputs appear under /in, outputs are collected from /out, bad modules are refused', async () => {
  const r = await wasi.run(req({ program: heat, inputs: [{ path: 'params.txt', data: utf8('8 8 3 0.2 5') }] }));
  assert.deepEqual(r.outputs.map((o) => o.path).sort(), ['field.csv', 'summary.json']);
  assert.equal(JSON.parse(text(r, 'summary.json')).steps, 3);
  const missing = await wasi.run(req({ program: heat }));
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderrTail, /cannot open/);
  await assert.rejects(wasi.run(req({ program: utf8('not wasm') })), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
});

test('capWasmMemory: real modules keep working; arbitrary bytes give a VerdictError or a valid result', () => {
  for (const m of [probe, heat, LOOP_FOREVER]) assert.ok(WebAssembly.validate(new Uint8Array(capWasmMemory(m, 100))));
  assert.throws(() => capWasmMemory(heat, 1), (e: unknown) => e instanceof VerdictError && e.code === 'LIMIT_EXCEEDED');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 40 }), (junk, cut) => {
      for (const bytes of [junk, new Uint8Array([...LOOP_FOREVER.subarray(0, cut), ...junk])]) {
        try {
          capWasmMemory(bytes, 10);
        } catch (e) {
          assert.ok(e instanceof VerdictError, String(e));
        }
      }
    }),
    { numRuns: 500 },
  );
});

test('process executor: {in}/{out} placeholders, exit code, timeout kills the process group', async () => {
  const px = new ProcessExecutor();
  const script = "const fs=require('fs');fs.writeFileSync(process.argv[2]+'/copy.txt', fs.readFileSync(process.argv[1]+'/a.txt','utf8').toUpperCase());process.exit(4)";
  const r = await px.run(req({ command: process.execPath, args: ['-e', script, '{in}', '{out}'], inputs: [{ path: 'a.txt', data: utf8('hi') }] }));
  assert.equal(r.exitCode, 4);
  assert.equal(text(r, 'copy.txt'), 'HI');
  const started = Date.now();
  await assert.rejects(px.run(req({ command: 'sleep', args: ['30'], limits: { ...DEFAULT_LIMITS, wallMs: 200 } })), (e: unknown) => e instanceof VerdictError && e.code === 'TIMEOUT');
  assert.ok(Date.now() - started < 5000);
  await assert.rejects(px.run(req({ command: '/nonexistent/cmd' })), (e: unknown) => e instanceof VerdictError && e.code === 'EXECUTOR_FAILED');
  await assert.rejects(new ProcessExecutor({ allowedCommands: ['ls'] }).run(req({ command: 'rm' })), VerdictError);
});

test('docker executor: only digest-pinned images, no network, read-only, bounded', () => {
  const image = `docker.io/library/python@sha256:${'a'.repeat(64)}`;
  const args = dockerRunArgs(req({ command: image, args: ['python', '/in/job.py'] }), '/tmp/in', '/tmp/out');
  for (const flag of ['--network', 'none', '--read-only', '--cap-drop', '--memory', '512m', '/tmp/in:/in:ro']) assert.ok(args.includes(flag), flag);
  assert.deepEqual(args.slice(-3), [image, 'python', '/in/job.py']);
  for (const bad of ['python:3.12', 'python@sha256:abc', `python:latest`]) assert.throws(() => assertPinnedImage(bad), VerdictError);
});

test('docker executor runs a pinned image where a Docker engine exists', async (t) => {
  if (!(await dockerAvailable())) {
    t.skip('no Docker engine on this machine (docker info failed)');
    return;
  }
  const image = process.env.VERDICT_DOCKER_TEST_IMAGE;
  if (!image) {
    t.skip('set VERDICT_DOCKER_TEST_IMAGE=name@sha256:... to an image with /bin/sh');
    return;
  }
  const r = await new DockerExecutor().run(req({ command: image, args: ['/bin/sh', '-c', 'cat /in/a > /out/b'], inputs: [{ path: 'a', data: utf8('x') }] }));
  assert.equal(text(r, 'b'), 'x');
});
