import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, silentLogger, type Claim } from '../../src/core/index.js';
import { TelemetryVerifier } from '../../src/verifiers/telemetry/index.js';
import { honestCorpus } from '../../src/demo/telemetry.js';

/**
 * The measured false-positive rate: 1,000 honest traces (8 boards × 3 loads, 60–180 s at 4 Hz, 20 providers)
 * through ONE verifier, so every trace is also compared against every earlier one by the copy index and the
 * device-window index. bench/telemetry.ts measures the same corpus, larger.
 */
test('false positives on 1,000 honest traces stay under 0.5% (measured and printed)', async () => {
  const N = 1000;
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const v = new TelemetryVerifier();
  const ctx = { claim: {} as Claim, signal: new AbortController().signal, deadline: Infinity, clock, logger: silentLogger, seed: new Uint8Array(32), options: { periodMs: 250 } };
  const failures: string[] = [];
  let samples = 0;
  const started = performance.now();
  for await (const run of honestCorpus(N, { seed: 'fp-test', maxS: 180 })) {
    samples += run.trace.samples.length;
    const f = await v.verify(run.job, run.trace, ctx);
    if (f.outcome !== 'pass') failures.push(`${run.job.id} (${run.profile}/${run.load}): ${f.outcome}: ${f.reason}`);
  }
  const rate = failures.length / N;
  console.log(`# telemetry honest false-positive rate: ${failures.length}/${N} = ${(rate * 100).toFixed(2)}% over ${samples} samples in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const f of failures.slice(0, 5)) console.log(`#   ${f}`);
  assert.ok(rate <= 0.005, `false-positive rate ${(rate * 100).toFixed(2)}%: ${failures.slice(0, 3).join(' | ')}`);
});
