import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VerdictError } from '../../src/core/index.js';
import {
  NvidiaSmiSource,
  ReplaySource,
  SMI_QUERY_FIELDS,
  SyntheticSource,
  checkChain,
  recordTrace,
  walletSigner,
  type EnergyCounter,
  type TelemetrySample,
} from '../../src/telemetry/index.js';

/**
 * A fake `nvidia-smi` on PATH: a Node script that checks it was called with our query and TZ=UTC, then behaves
 * as FAKE_SMI_MODE says: prints a line per period until killed (normal), dies after a few lines (crash), mixes
 * in garbage (garbage), prints nothing (silent), or prints a driver error and exits 0 (exit).
 */
const FAKE = String.raw`#!/usr/bin/env node
const args = process.argv.slice(2);
const q = args.find((a) => a.startsWith('--query-gpu='));
if (q !== '--query-gpu=' + process.env.FAKE_SMI_FIELDS || !args.includes('--format=csv,noheader,nounits') || process.env.TZ !== 'UTC') {
  process.stderr.write('fake nvidia-smi: unexpected invocation ' + args.join(' ') + ' TZ=' + process.env.TZ + '\n');
  process.exit(9);
}
const period = Number(args[args.indexOf('-lms') + 1]);
const mode = process.env.FAKE_SMI_MODE;
const pad = (n, w = 2) => String(n).padStart(w, '0');
const ts = (d) => d.getUTCFullYear() + '/' + pad(d.getUTCMonth() + 1) + '/' + pad(d.getUTCDate()) + ' ' + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()) + '.' + pad(d.getUTCMilliseconds(), 3);
let i = 0;
const line = () => ts(new Date()) + ', GPU-6be9eb14-50bd-9709-f971-b98cfe242b70, 1654022012345, NVIDIA H100 80GB HBM3, ' + (400 + (i % 7)).toFixed(2) + ', 1980, 91, 44, 73403, 81559, 60, P0';
const other = () => ts(new Date()) + ', GPU-00000000-1111-2222-3333-444444444444, 1654022012399, NVIDIA H100 80GB HBM3, 71.00, 345, 0, 0, 3, 81559, 30, P0';
if (mode === 'silent') setInterval(() => {}, 1000);
else if (mode === 'exit') { process.stdout.write('Failed to initialize NVML: Driver/library version mismatch\n'); process.exit(0); }
else if (mode === 'notfound') process.exit(127);
else setInterval(() => {
  i++;
  if (mode === 'garbage' && i % 3 === 0) process.stdout.write('\u0000\u0001 garbage ' + i + ', [GPU is lost]\n');
  else if (mode === 'garbage-only') process.stdout.write('nonsense ' + i + '\n');
  else { process.stdout.write(line() + '\n'); if (mode === 'two-gpus') process.stdout.write(other() + '\n'); }
  if (mode === 'crash' && i === 5) { process.stderr.write('NVML: Unknown Error\n'); process.exit(3); }
}, period);
process.on('SIGTERM', () => process.exit(0));
`;

let dir = '';
const env = (mode: string): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${dir}:${process.env.PATH}`, FAKE_SMI_MODE: mode, FAKE_SMI_FIELDS: SMI_QUERY_FIELDS.join(',') });

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'verdict-fake-smi-'));
  writeFileSync(join(dir, 'nvidia-smi'), FAKE);
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(source: NvidiaSmiSource, stopAfter: number, timeoutMs = 8000): Promise<{ samples: TelemetrySample[]; error?: unknown }> {
  const ac = new AbortController();
  const samples: TelemetrySample[] = [];
  const guard = setTimeout(() => ac.abort(), timeoutMs);
  try {
    for await (const s of source.samples(ac.signal)) {
      samples.push(s);
      if (samples.length >= stopAfter) ac.abort();
    }
    return { samples };
  } catch (error) {
    return { samples, error };
  } finally {
    clearTimeout(guard);
  }
}

test('nvidia-smi source: starts the real query with TZ=UTC, yields parsed samples, stops on abort', async () => {
  const src = new NvidiaSmiSource({ periodMs: 40, env: env('normal') });
  const started = Date.now();
  const { samples, error } = await collect(src, 6);
  assert.equal(error, undefined);
  assert.equal(samples.length, 6);
  assert.equal(samples[0]!.name, 'NVIDIA H100 80GB HBM3');
  assert.ok(Math.abs(samples[0]!.t - started) < 5000, 'UTC timestamps parse to now');
  for (let i = 1; i < samples.length; i++) assert.ok(samples[i]!.t >= samples[i - 1]!.t);
});

test('nvidia-smi source: a crash mid-run is EXECUTOR_FAILED with the tool\'s message, after the good lines', async () => {
  const { samples, error } = await collect(new NvidiaSmiSource({ periodMs: 30, env: env('crash') }), 1000);
  assert.equal(samples.length, 5);
  assert.ok(error instanceof VerdictError && error.code === 'EXECUTOR_FAILED', String(error));
  assert.match((error as Error).message, /exit code 3.*NVML: Unknown Error/);
});

test('nvidia-smi source: garbage lines are skipped and counted; only garbage ends with an error', async () => {
  const src = new NvidiaSmiSource({ periodMs: 20, env: env('garbage') });
  const { samples, error } = await collect(src, 8);
  assert.equal(error, undefined);
  assert.equal(samples.length, 8);
  assert.ok(src.rejected >= 3);
  const bad = await collect(new NvidiaSmiSource({ periodMs: 10, env: env('garbage-only'), maxRejectedLines: 5 }), 1000);
  assert.equal(bad.samples.length, 0);
  assert.ok(bad.error instanceof VerdictError && bad.error.code === 'EXECUTOR_FAILED' && /unparsable/.test(bad.error.message));
});

test('nvidia-smi source: missing binary, silent tool, driver error, other GPUs', async () => {
  const missing = await collect(new NvidiaSmiSource({ periodMs: 50, command: join(dir, 'no-such-nvidia-smi') }), 1);
  assert.ok(missing.error instanceof VerdictError && missing.error.code === 'EXECUTOR_FAILED' && /not found/.test(missing.error.message));
  const silent = await collect(new NvidiaSmiSource({ periodMs: 50, env: env('silent'), firstSampleTimeoutMs: 300 }), 1);
  assert.ok(silent.error instanceof VerdictError && silent.error.code === 'TIMEOUT');
  const exit = await collect(new NvidiaSmiSource({ periodMs: 50, env: env('exit') }), 1);
  assert.ok(exit.error instanceof VerdictError && exit.error.code === 'EXECUTOR_FAILED' && /stopped unexpectedly/.test(exit.error.message));
  const two = await collect(new NvidiaSmiSource({ periodMs: 30, env: env('two-gpus') }), 6);
  assert.equal(new Set(two.samples.map((s) => s.uuid)).size, 1, 'locks onto one GPU');
});

test('recorder over the fake nvidia-smi: signed, chained trace; energy counter attached; a crash keeps the samples so far', async () => {
  const signer = walletSigner('0x' + '42'.repeat(32));
  let mJ = 1_000_000;
  const energy: EnergyCounter = { readMilliJ: async () => (mJ += 100_000) };
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 600);
  const nonceIssuedAt = Date.now() - 1000;
  const { trace, stats } = await recordTrace({
    jobId: 'job-rec',
    nonce: `0x${'11'.repeat(32)}`,
    nonceIssuedAt,
    signer,
    source: new NvidiaSmiSource({ periodMs: 40, env: env('normal'), energy }),
    periodMs: 40,
    signal: ac.signal,
    device: { profile: 'h100-sxm' },
  });
  assert.ok(stats.samples >= 5, `got ${stats.samples}`);
  assert.equal(stats.sourceError, undefined);
  assert.equal(trace.genesis.source, 'nvidia-smi');
  assert.equal(checkChain(trace).ok, true);
  assert.ok(trace.samples.every((s) => typeof s.energyMilliJ === 'number'));

  const crashed = await recordTrace({
    jobId: 'job-crash',
    nonce: `0x${'11'.repeat(32)}`,
    nonceIssuedAt,
    signer,
    source: new NvidiaSmiSource({ periodMs: 30, env: env('crash') }),
    periodMs: 30,
    signal: new AbortController().signal,
    device: { profile: 'h100-sxm' },
  });
  assert.equal(crashed.stats.samples, 5);
  assert.equal(crashed.stats.sourceError?.code, 'EXECUTOR_FAILED');
  assert.equal(checkChain(crashed.trace).ok, true);

  await assert.rejects(
    recordTrace({
      jobId: 'job-none',
      nonce: `0x${'11'.repeat(32)}`,
      nonceIssuedAt,
      signer,
      source: new NvidiaSmiSource({ periodMs: 50, command: join(dir, 'absent') }),
      periodMs: 50,
      signal: new AbortController().signal,
      device: { profile: 'h100-sxm' },
    }),
    (e: unknown) => e instanceof VerdictError && e.code === 'EXECUTOR_FAILED',
  );
});

test('replay source re-times a recorded CSV; samples from before the nonce are dropped by the recorder', async () => {
  const csv = readFileSync(new URL('../vectors/telemetry/h100-sxm-serving.csv', import.meta.url), 'utf8');
  const signer = walletSigner('0x' + '42'.repeat(32));
  const startAt = Date.UTC(2025, 0, 1);
  const src = new ReplaySource(csv, { startAt });
  assert.equal(src.rejected, 0);
  const { trace, stats } = await recordTrace({
    jobId: 'job-replay',
    nonce: `0x${'22'.repeat(32)}`,
    nonceIssuedAt: startAt + 60_000,
    signer,
    source: src,
    periodMs: 250,
    signal: new AbortController().signal,
    device: { profile: 'h100-sxm' },
  });
  assert.equal(trace.genesis.source, 'replay');
  assert.ok(trace.samples[0]!.t >= startAt + 60_000);
  assert.ok(stats.dropped > 200 && stats.dropped < 260, `dropped ${stats.dropped}`);
  let slept = 0;
  const paced = new ReplaySource(csv.split('\n').slice(0, 5).join('\n'), { sleep: async (ms) => void (slept += ms) });
  for await (const _ of paced.samples(new AbortController().signal)) void _;
  assert.ok(slept > 900 && slept < 1100, `paced ${slept} ms`);
});

test('synthetic source yields the generator\'s samples and honours abort', async () => {
  const src = new SyntheticSource({ profile: 'l4', seed: 's', startAt: 0, durationS: 20 });
  const ac = new AbortController();
  let n = 0;
  for await (const _ of src.samples(ac.signal)) {
    void _;
    if (++n === 10) ac.abort();
  }
  assert.equal(n, 10);
});
