import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, silentLogger, VerdictError, type Claim } from '../../src/core/index.js';
import { TelemetrySession, telemetryEvidence } from '../../src/provider/index.js';
import { SyntheticSource, generateTrace, type TelemetrySample, type TelemetrySource } from '../../src/telemetry/index.js';
import { TelemetryVerifier } from '../../src/verifiers/telemetry/index.js';
import { demoNonce, demoSigner, telemetryJob } from '../../src/demo/telemetry.js';

const T = Date.UTC(2024, 8, 1);

test('a provider session records from job start to stop and its trace passes the verifier', async () => {
  const clock = new ManualClock(T);
  const signer = demoSigner('session provider');
  const nonce = demoNonce('session-job', T - 500);
  const job = telemetryJob({ id: 'session-job', provider: signer.address, createdAt: T - 1000, expectation: { device: 'a100-sxm4-80gb', nonce } });
  const synthetic = new SyntheticSource({ profile: 'a100-sxm4-80gb', seed: 'session', startAt: T + 120, durationS: 200 });
  // stands in for nvidia-smi: delivers every sample of the run, then waits for the job to end
  let drained!: () => void;
  const allDelivered = new Promise<void>((r) => (drained = r));
  const source: TelemetrySource = {
    kind: 'synthetic',
    rejected: 0,
    async *samples(signal) {
      for await (const s of synthetic.samples(signal)) yield s;
      drained();
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    },
  };
  const session = await TelemetrySession.start({ job, signer, device: 'a100-sxm4-80gb', source, clock });
  const expected = generateTrace({ profile: 'a100-sxm4-80gb', seed: 'session', startAt: T + 120, durationS: 200 }).samples;
  await allDelivered;
  clock.set(expected[expected.length - 1]!.t + 100);
  const { trace, stats } = await session.stop({ tokens: 123_456 });
  assert.equal(stats.samples, expected.length);
  assert.equal(trace.summary.startedAt, T);
  assert.equal(trace.summary.work?.tokens, 123_456);
  const v = new TelemetryVerifier();
  const f = await v.verify(job, trace, { claim: {} as Claim, signal: new AbortController().signal, deadline: Infinity, clock: new ManualClock(T + 3_600_000), logger: silentLogger, seed: new Uint8Array(32), options: { periodMs: 250 } });
  assert.equal(f.outcome, 'pass', f.reason);
  assert.deepEqual(telemetryEvidence(trace), JSON.parse(JSON.stringify(trace)));
});

test('a session refuses to start without a nonce, with a key that is not the provider\'s, or for an unknown board', async () => {
  const signer = demoSigner('p');
  const nonce = demoNonce('j', T);
  const job = telemetryJob({ id: 'j', provider: signer.address, createdAt: T, expectation: { device: 'l4', nonce } });
  const source: TelemetrySource = { kind: 'synthetic', rejected: 0, samples: async function* (): AsyncGenerator<TelemetrySample> {} };
  await assert.rejects(TelemetrySession.start({ job: { ...job, spec: {} }, signer, device: 'l4', source }), (e: unknown) => e instanceof VerdictError && /no telemetry nonce/.test(e.message));
  await assert.rejects(TelemetrySession.start({ job, signer: demoSigner('someone else'), device: 'l4', source }), /not the job's provider/);
  await assert.rejects(TelemetrySession.start({ job, signer, device: 'mystery-gpu', source }), (e: unknown) => e instanceof VerdictError && e.code === 'NOT_FOUND');
  // a source that yields nothing: stop() reports it
  const empty = await TelemetrySession.start({ job, signer, device: 'l4', source });
  await assert.rejects(empty.stop(), /no telemetry sample recorded/);
});
