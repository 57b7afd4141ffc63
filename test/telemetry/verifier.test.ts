import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, silentLogger, type Claim, type Finding, type Job } from '../../src/core/index.js';
import { VerifierRegistry } from '../../src/verifiers/index.js';
import {
  DEVICE_PROFILES,
  generateTrace,
  signTrace,
  type SignedTrace,
  type SyntheticLoad,
  type TelemetrySample,
} from '../../src/telemetry/index.js';
import {
  InMemoryDeviceWindowStore,
  NonceBook,
  TELEMETRY_CONFIDENCE,
  TelemetryVerifier,
  type DeviceWindowStore,
} from '../../src/verifiers/telemetry/index.js';
import { demoSigner, forgedRun, honestRun, signForJob, telemetryJob, type TelemetryForgery } from '../../src/demo/telemetry.js';

const T0 = Date.UTC(2024, 5, 1);
const HOUR = 3_600_000;
const clock = new ManualClock(T0 + 400 * HOUR);
const honest = demoSigner('honest');
const forger = demoSigner('forger');
const rival = demoSigner('rival');

function ctx(options: Record<string, unknown> = { periodMs: 250 }, claim: Partial<Claim> = {}) {
  return { claim: claim as Claim, signal: new AbortController().signal, deadline: Infinity, clock, logger: silentLogger, seed: new Uint8Array(32), options };
}

function failedChecks(f: Finding): string[] {
  const checks = (f.details?.checks ?? {}) as Record<string, { status: string }>;
  return Object.entries(checks)
    .filter(([, c]) => c.status === 'fail')
    .map(([k]) => k);
}

test('honest providers pass on every device profile and load, with weak-evidence confidence', async () => {
  const v = new TelemetryVerifier();
  const loads: SyntheticLoad[] = ['llm-serving', 'batch', 'light'];
  let k = 0;
  for (const p of DEVICE_PROFILES) {
    for (const load of loads) {
      const run = await honestRun({ jobId: `h-${p.id}-${load}`, signer: honest, profile: p.id, load, startAt: T0 + k++ * HOUR, durationS: 240, seed: `honest-${p.id}-${load}` });
      const f = await v.verify(run.job, run.trace, ctx());
      assert.equal(f.outcome, 'pass', `${p.id}/${load}: ${f.reason}`);
      assert.equal(f.confidence, TELEMETRY_CONFIDENCE.pass);
      for (const name of ['integrity', 'coverage', 'identity', 'physics', 'forgery']) assert.ok((f.details!.checks as any)[name], name);
    }
  }
});

test('re-verifying the same job is idempotent: it does not conflict with itself', async () => {
  const v = new TelemetryVerifier();
  const run = await honestRun({ jobId: 'again', signer: honest, profile: 'h100-sxm', startAt: T0, durationS: 180, seed: 'again' });
  assert.equal((await v.verify(run.job, run.trace, ctx())).outcome, 'pass');
  assert.equal((await v.verify(run.job, run.trace, ctx())).outcome, 'pass');
});

/** A verifier that has already seen a few honest jobs (the index a replay or double claim hits). */
async function seeded() {
  const v = new TelemetryVerifier();
  const h100 = await honestRun({ jobId: 'seen-h100', signer: honest, profile: 'h100-sxm', startAt: T0, durationS: 600, seed: 'seen-h100' });
  const a100 = await honestRun({ jobId: 'seen-a100', signer: honest, profile: 'a100-sxm4-80gb', startAt: T0 + HOUR, durationS: 600, seed: 'seen-a100' });
  for (const r of [h100, a100]) assert.equal((await v.verify(r.job, r.trace, ctx())).outcome, 'pass');
  return { v, h100, a100 };
}

async function expectCaught(kind: TelemetryForgery, check: string, extra: Parameters<typeof forgedRun>[1] extends infer O ? Partial<O> : never = {}) {
  const { v, h100 } = await seeded();
  const r = await forgedRun(kind, { jobId: `cheat-${kind}`, signer: forger, claimed: 'h100-sxm', startAt: T0 + 10 * HOUR, durationS: 600, seed: `cheat-${kind}`, previous: h100, ...extra });
  const f = await v.verify(r.job, r.trace, ctx());
  assert.equal(f.outcome, 'fail', `${kind} passed: ${f.reason}`);
  assert.ok(failedChecks(f).includes(check), `${kind}: expected ${check} to fail, got ${failedChecks(f).join(',')}: ${f.reason}`);
  return f;
}

test('cheat: a replayed honest trace (re-timed, re-signed, lightly noised) is a copy', async () => {
  const f = await expectCaught('replayed', 'forgery', { signer: honest });
  assert.match(f.reason, /copies the one submitted for job seen-h100/);
  assert.equal(f.confidence, TELEMETRY_CONFIDENCE.statistical);
});

test('cheat: an A100 trace scaled to look like an H100 (power, energy, name, memory rescaled)', async () => {
  const f = await expectCaught('scaled-to-bigger-gpu', 'physics');
  assert.match(f.reason, /busy SM clock/);
});

test('cheat: a fabricated smooth trace; and a fabricated noisy one whose channels do not move together', async () => {
  assert.match((await expectCaught('fabricated-smooth', 'forgery')).reason, /too smooth/);
  assert.match((await expectCaught('fabricated-noisy', 'forgery')).reason, /temperature does not follow power/);
});

test('cheat: a time-stretched trace, with the true or with a re-declared period', async () => {
  assert.match((await expectCaught('time-stretched', 'forgery')).reason, /ms apart \(median\) but the recorder ran at 250 ms/);
  assert.match((await expectCaught('time-stretched-declared', 'forgery')).reason, /policy requires 250 ms/);
});

test('cheat: a stretched and resampled trace cannot claim time after the job completed', async () => {
  const { v } = await seeded();
  const r = await forgedRun('time-stretched-interpolated', { jobId: 'cheat-resampled', signer: forger, claimed: 'h100-sxm', startAt: T0 + 20 * HOUR, durationS: 600, seed: 'resampled' });
  // the chain records when the job really completed: 2/3 of the billed time
  const completedAt = r.trace.samples[0]!.t + 400_000;
  const f = await v.verify(r.job, r.trace, ctx({ periodMs: 250 }, { completedAt }));
  assert.equal(f.outcome, 'fail');
  assert.ok(failedChecks(f).includes('coverage'), f.reason);
});

test('cheat: a trace from a smaller GPU than claimed (L4 relabelled as H100)', async () => {
  const f = await expectCaught('smaller-gpu', 'physics');
  assert.match(f.reason, /outside \[48, 735\] W|SM clock above/);
});

test('cheat: a looped segment of a real trace', async () => {
  assert.match((await expectCaught('looped', 'forgery')).reason, /repeats itself every ~60 s/);
});

test('cheat: two jobs claim one GPU at the same time (same provider), and two providers claim one GPU', async () => {
  const { v, h100 } = await seeded();
  // same provider, overlapping job on the same device (its samples re-signed for a second job)
  const dup = await forgedRun('double-claim', { jobId: 'cheat-double', signer: honest, claimed: 'h100-sxm', startAt: T0, durationS: 600, seed: 'double', previous: h100 });
  const f1 = await v.verify(dup.job, dup.trace, ctx());
  assert.equal(f1.outcome, 'fail');
  assert.ok(failedChecks(f1).includes('identity'));
  assert.match(f1.reason, /claimed for job seen-h100 at the same time/);
  assert.equal(f1.confidence, TELEMETRY_CONFIDENCE.bound);

  // another provider claims the same UUID with a trace of its own, at an overlapping time
  const nonce = { jobId: 'rival-job', nonce: `0x${'77'.repeat(32)}` as const, issuedAt: T0 + 60_000 };
  const job = telemetryJob({ id: 'rival-job', provider: rival.address, createdAt: T0 + 50_000, expectation: { device: 'h100-sxm', nonce } });
  const own = generateTrace({ profile: 'h100-sxm', seed: 'rival', startAt: T0 + 120_000, durationS: 300, uuid: h100.trace.summary.device.uuid });
  const trace = await signForJob(job, nonce, rival, own.samples, 'h100-sxm');
  const f2 = await v.verify(job, trace, ctx());
  assert.equal(f2.outcome, 'fail');
  assert.match(f2.reason, /also claimed by provider .* \(job seen-h100, at the same time\)/);
});

test('integrity: a trace from another job, an old nonce, an edited sample, another signer', async () => {
  const { v, h100 } = await seeded();
  const base = { signer: forger, claimed: 'h100-sxm', startAt: T0 + 30 * HOUR, durationS: 300 };
  for (const kind of ['other-job', 'old-nonce', 'tampered'] as const) {
    const r = await forgedRun(kind, { ...base, jobId: `int-${kind}`, seed: `int-${kind}`, ...(kind === 'other-job' ? { previous: h100, signer: honest } : {}) });
    const f = await v.verify(r.job, r.trace, ctx());
    assert.equal(f.outcome, 'fail', kind);
    assert.ok(failedChecks(f).includes('integrity'), `${kind}: ${f.reason}`);
    assert.equal(f.confidence, TELEMETRY_CONFIDENCE.integrity);
  }
  // signed by a key that is not the job's provider
  const run = await honestRun({ jobId: 'int-signer', signer: honest, profile: 'h100-sxm', startAt: T0 + 31 * HOUR, durationS: 120, seed: 'int-signer' });
  const job: Job = { ...run.job, provider: rival.address };
  const f = await v.verify(job, run.trace, ctx());
  assert.match(f.reason, /not by the job's provider/);
  // a job whose provider is not an address cannot be bound
  const f2 = await v.verify({ ...run.job, provider: 'provider-7' }, run.trace, ctx());
  assert.match(f2.reason, /not an 0x address/);
});

async function resign(run: Awaited<ReturnType<typeof honestRun>>, samples: TelemetrySample[], claim: Partial<{ startedAt: number; endedAt: number }> = {}): Promise<SignedTrace> {
  return signTrace(
    { jobId: run.job.id, nonce: run.nonce.nonce, nonceIssuedAt: run.nonce.issuedAt, provider: honest.address, periodMs: 250, source: 'nvidia-smi' },
    samples,
    honest,
    { device: { profile: run.trace.summary.device.profile }, ...claim },
  );
}

test('coverage: a claimed run longer than the samples, and a gap inside the run', async () => {
  const v = new TelemetryVerifier();
  const run = await honestRun({ jobId: 'cov', signer: honest, profile: 'a100-sxm4-40gb', startAt: T0, durationS: 300, seed: 'cov' });
  const longer = await resign(run, run.trace.samples, { endedAt: run.trace.summary.endedAt + 120_000 });
  const f1 = await v.verify(run.job, longer, ctx());
  assert.ok(failedChecks(f1).includes('coverage'));
  assert.match(f1.reason, /samples end 120\.0 s before the claimed end/);
  const holed = run.trace.samples.filter((s) => s.t < run.trace.samples[300]!.t || s.t > run.trace.samples[380]!.t);
  const f2 = await v.verify({ ...run.job, id: 'cov' }, await resign(run, holed), ctx());
  assert.ok(failedChecks(f2).includes('coverage'));
  assert.match(f2.reason, /gap\(s\) longer than 2000 ms/);
});

test('physics: weights that do not fit the memory used, work beyond the board, energy counter disagreeing', async () => {
  const v = new TelemetryVerifier();
  const run = await honestRun({ jobId: 'phys', signer: honest, profile: 'l4', startAt: T0, durationS: 300, seed: 'phys' });
  const spec = run.job.spec.telemetry as Record<string, unknown>;
  const heavy: Job = { ...run.job, spec: { telemetry: { ...spec, weightsMiB: 40_000 } as never } };
  assert.match((await v.verify(heavy, run.trace, ctx())).reason, /less than the 40000 MiB of model weights/);
  const big: Job = { ...run.job, spec: { telemetry: { ...spec, flops: 121e12 * 400 } as never } };
  assert.match((await v.verify(big, run.trace, ctx())).reason, /need ≥ 400\.0 s on a NVIDIA L4/);
  const idleWork: Job = { ...run.job, spec: { telemetry: { ...spec, flops: 1e12 } as never } };
  assert.match((await v.verify(idleWork, run.trace, ctx({ periodMs: 250, mfuRange: [0.01, 1] }))).reason, /far more energy than the job's work needs/);
  const e0 = run.trace.samples[0]!.energyMilliJ!;
  const halved = run.trace.samples.map((s) => ({ ...s, energyMilliJ: e0 + Math.round((s.energyMilliJ! - e0) / 2) }));
  assert.match((await v.verify(run.job, await resign(run, halved), ctx())).reason, /energy counter .* differ by 50%/);
  const noCounter = run.trace.samples.map(({ energyMilliJ: _e, ...s }) => s);
  assert.equal((await v.verify(run.job, await resign(run, noCounter), ctx())).outcome, 'pass');
  assert.match((await v.verify(run.job, await resign(run, noCounter), ctx({ requireEnergyCounter: true }))).reason, /no NVML energy counter/);
});

test('identity: the job asks for a device class the trace does not claim; the UUID or name changes mid-trace', async () => {
  const v = new TelemetryVerifier();
  const run = await honestRun({ jobId: 'ident', signer: honest, profile: 'a10', startAt: T0, durationS: 200, seed: 'ident', device: 'h100-sxm' });
  assert.match((await v.verify(run.job, run.trace, ctx())).reason, /job asked for h100-sxm, trace claims a10/);
  const swapped = run.trace.samples.map((s, i) => (i > 400 ? { ...s, uuid: 'GPU-00000000-0000-0000-0000-000000000001' } : s));
  const f = await v.verify({ ...run.job, spec: { telemetry: { ...(run.job.spec.telemetry as object), device: 'a10' } as never } }, await resign(run, swapped), ctx());
  assert.match(f.reason, /uuid changes during the trace/);
});

test('inconclusive, not fail, when the verifier cannot decide: no nonce issued, store down, bad policy', async () => {
  const run = await honestRun({ jobId: 'inc', signer: honest, profile: 'h100-sxm', startAt: T0, durationS: 120, seed: 'inc' });
  const v = new TelemetryVerifier();
  const noNonce = await v.verify({ ...run.job, spec: {} }, run.trace, ctx());
  assert.equal(noNonce.outcome, 'inconclusive');
  assert.equal(noNonce.error?.code, 'NOT_FOUND');
  const broken: DeviceWindowStore = { windowsFor: async () => Promise.reject(new Error('database is locked')), record: async () => {} };
  const down = await new TelemetryVerifier({ windows: broken }).verify(run.job, run.trace, ctx());
  assert.equal(down.outcome, 'inconclusive');
  assert.deepEqual(down.error, { code: 'STORE_ERROR', retryable: true });
  // through the registry, a policy option the verifier does not know is a configuration error
  const registry = new VerifierRegistry({ clock }).register(new TelemetryVerifier());
  const claim: Claim = { v: 1, jobId: run.job.id, provider: run.job.provider, outputCommitment: `0x${'00'.repeat(32)}` };
  const bad = await registry.run('telemetry', run.job, claim, JSON.parse(JSON.stringify(run.trace)), { seed: new Uint8Array(32), options: { telemetry: { nonsense: 1 } } });
  assert.equal(bad.outcome, 'inconclusive');
  assert.equal(bad.error?.code, 'BAD_CONFIG');
});

test('through the registry: raw JSON evidence passes; garbage evidence is a fail, never a throw', async () => {
  const registry = new VerifierRegistry({ clock }).register(new TelemetryVerifier());
  const run = await honestRun({ jobId: 'reg', signer: honest, profile: 'h100-pcie', startAt: T0, durationS: 180, seed: 'reg' });
  const claim: Claim = { v: 1, jobId: run.job.id, provider: run.job.provider, outputCommitment: `0x${'00'.repeat(32)}` };
  const ok = await registry.run('telemetry', run.job, claim, JSON.parse(JSON.stringify(run.trace)), { seed: new Uint8Array(32), options: { telemetry: { periodMs: 250 } } });
  assert.equal(ok.outcome, 'pass', ok.reason);
  for (const garbage of [null, 42, 'trace', { format: 'verdict-telemetry-trace', v: 1 }, { ...JSON.parse(JSON.stringify(run.trace)), samples: [{ t: -1 }] }]) {
    const f = await registry.run('telemetry', run.job, claim, garbage, { seed: new Uint8Array(32) });
    assert.equal(f.outcome, 'fail');
    assert.equal(f.error?.code, 'BAD_EVIDENCE');
  }
});

test('nonce book: issued nonces are fresh, a reissue replaces the old one, and the lookup serves the verifier', async () => {
  let n = 0;
  const book = new NonceBook({ clock, randomBytes: (k) => new Uint8Array(k).fill(++n) });
  const first = await book.issue('job-n');
  const second = await book.issue('job-n');
  assert.notEqual(first.nonce, second.nonce);
  assert.deepEqual(await book.current('job-n'), second);
  const v = new TelemetryVerifier({ nonces: book.lookup, windows: new InMemoryDeviceWindowStore() });
  const samples = generateTrace({ profile: 'h100-sxm', seed: 'nb', startAt: clock.now() + 1000, durationS: 120 }).samples;
  const job = telemetryJob({ id: 'job-n', provider: honest.address, createdAt: clock.now() - 1000, expectation: { device: 'h100-sxm', nonce: second } });
  const later = new ManualClock(clock.now() + 10 * HOUR);
  const withSecond = await signForJob(job, second, honest, samples, 'h100-sxm');
  assert.equal((await v.verify(job, withSecond, { ...ctx(), clock: later })).outcome, 'pass');
  const withFirst = await signForJob(job, first, honest, samples, 'h100-sxm');
  assert.match((await v.verify(job, withFirst, { ...ctx(), clock: later })).reason, /old nonce/);
  // samples from the future are refused
  assert.match((await v.verify(job, withSecond, ctx())).reason, /in the future/);
});
