/**
 * Telemetry verifier benchmark.
 *   npx tsx bench/telemetry.ts [trials per forgery = 40] [honest traces = 2000]
 *
 * 1. Throughput: verifying a one-hour trace at 4 Hz (14,400 samples) with every check, against named baselines
 *    in the same run: the integrity-only pass (parse + chain + signature: the least any verifier does), and a
 *    naive chain (generic canonical JSON + pure-JS sha256 per link, what one writes first); and the copy search
 *    through the shingle index vs a brute-force comparison with every stored trace at every alignment.
 * 2. Detection: each forgery, `trials` times with fresh seeds over several claimed boards, against a verifier
 *    that has seen some honest jobs; the detection rate and the check that catches it.
 * 3. Honest false-positive rate over `honest` traces (8 boards × 3 loads, 60–240 s), through one verifier.
 */
import { cpus, loadavg } from 'node:os';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ManualClock, canonicalBytes, concatBytes, fromHex, equalBytes, silentLogger, utf8, type Claim, type Finding } from '../src/core/index.js';
import { generateTrace, genesisLink, parseSignedTrace, checkChain, recoverDigestSigner, statementDigest, type SignedTrace } from '../src/telemetry/index.js';
import {
  TelemetryVerifier,
  InMemoryTraceSimilarityStore,
  compareFingerprints,
  fingerprintPower,
  toStoredFingerprint,
  telemetryStats,
  type TraceFingerprint,
} from '../src/verifiers/telemetry/index.js';
import { TELEMETRY_FORGERIES, demoSigner, forgedRun, honestCorpus, honestRun, type HonestRun, type TelemetryForgery } from '../src/demo/telemetry.js';

const trials = Number(process.argv[2] ?? 40);
const honestN = Number(process.argv[3] ?? 2000);
const T0 = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
const clock = new ManualClock(Date.UTC(2026, 0, 1));
const ctx = (options: Record<string, unknown> = { periodMs: 250 }, claim: Partial<Claim> = {}) => ({
  claim: claim as Claim,
  signal: new AbortController().signal,
  deadline: Infinity,
  clock,
  logger: silentLogger,
  seed: new Uint8Array(32),
  options,
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Wilson score interval (95%) of x successes in n trials: honest error bars for 40-trial rates and rare false positives. */
function wilson(x: number, n: number, z = 1.96): [number, number] {
  const p = x / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}
const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;
const ci = (x: number, n: number, digits = 1) => wilson(x, n).map((v) => pct(v, digits)).join('–');
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(`telemetry benchmark — ${process.version}, ${process.arch}, ${cpus().length} cores, trials per forgery ${trials}, honest traces ${honestN}; load average at start ${load()}`);

// ---------------------------------------------------------------- 1. throughput
{
  const honest = demoSigner('bench honest');
  const run = await honestRun({ jobId: 'bench-hour', signer: honest, profile: 'h100-sxm', load: 'llm-serving', startAt: T0, durationS: 3600, seed: 'bench-hour' });
  const raw = JSON.parse(JSON.stringify(run.trace));
  const n = run.trace.samples.length;
  // a verifier whose indexes already hold 1,000 traces, as a mediator's would
  const similarity = new InMemoryTraceSimilarityStore();
  const stored: TraceFingerprint[] = [];
  for await (const r of honestCorpus(1000, { seed: 'bench-index', maxS: 120 })) {
    const fp = toStoredFingerprint(fingerprintPower(Float64Array.from(r.trace.samples, (s) => s.powerW ?? 0)), { jobId: r.job.id, provider: r.job.provider, uuid: r.trace.summary.device.uuid });
    stored.push(fp);
    await similarity.add(fp);
  }
  const full: number[] = [];
  const integrity: number[] = [];
  const naive: number[] = [];
  const chainOnly: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const v = new TelemetryVerifier({ similarity });
    let t = performance.now();
    const f = await v.verify(run.job, v.parseEvidence(raw), ctx());
    full.push(performance.now() - t);
    if (f.outcome !== 'pass') throw new Error(`hour trace did not pass: ${f.reason}`);
    t = performance.now();
    const tr = parseSignedTrace(raw);
    if (!checkChain(tr).ok || recoverDigestSigner(statementDigest(tr.genesis, tr.summary), tr.signature) !== honest.address) throw new Error('integrity');
    integrity.push(performance.now() - t);
    t = performance.now();
    if (!checkChain(tr).ok) throw new Error('chain');
    chainOnly.push(performance.now() - t);
    t = performance.now();
    let link = genesisLink(tr.genesis);
    for (const s of tr.samples) link = nobleSha256(concatBytes(link, canonicalBytes(s as never)));
    if (!equalBytes(link, fromHex(tr.summary.head))) throw new Error('naive chain');
    naive.push(performance.now() - t);
  }
  const rate = (ms: number) => fmt(n / (ms / 1000));
  console.log(`\n## Throughput: one hour at 4 Hz = ${fmt(n)} samples (${(JSON.stringify(raw).length / 2 ** 20).toFixed(1)} MiB JSON), median of 5`);
  console.log('| pass | time | samples/s |');
  console.log('|---|---|---|');
  console.log(`| full verification (parse, integrity, coverage, identity, physics, forgery signs, copy search in a 1,000-trace index) | ${median(full).toFixed(0)} ms | **${rate(median(full))}** |`);
  console.log(`| baseline: integrity only (parse + chain + signature) | ${median(integrity).toFixed(0)} ms | ${rate(median(integrity))} |`);
  console.log(`| chain alone (ours: direct canonical sample encoding + node:crypto sha256) | ${median(chainOnly).toFixed(0)} ms | ${rate(median(chainOnly))} |`);
  console.log(`| baseline: naive chain alone (generic canonical JSON + @noble sha256 per link) | ${median(naive).toFixed(0)} ms | ${rate(median(naive))} |`);

  // copy search: index vs brute force over the same 1,000 stored fingerprints
  const power = Float64Array.from(run.trace.samples, (s) => s.powerW ?? 0);
  const probe = Float64Array.from(generateTrace({ profile: 'a100-sxm4-40gb', seed: 'probe', startAt: T0, durationS: 600 }).samples, (s) => s.powerW ?? 0);
  let t = performance.now();
  const phases = Array.from({ length: 4 }, (_, k) => fingerprintPower(probe, k));
  const cands = await similarity.candidates([...new Set(phases.flatMap((p) => p.keys))], 5);
  for (const c of cands) for (const p of phases) compareFingerprints(p, c.fingerprint, 32);
  const indexMs = performance.now() - t;
  t = performance.now();
  const fp = fingerprintPower(probe);
  let best = 0;
  for (const s of stored) {
    const minOv = Math.max(32, Math.floor(0.6 * Math.min(fp.bins.length, s.bins.length)));
    for (let lag = -(s.bins.length - minOv); lag <= fp.bins.length - minOv; lag++) {
      const a = Math.max(0, lag);
      const b = Math.min(fp.bins.length, s.bins.length + lag);
      best = Math.max(best, telemetryStats.pearson(fp.bins.subarray(a, b), s.bins.slice(a - lag, b - lag)));
    }
  }
  const bruteMs = performance.now() - t;
  console.log(`\ncopy search for a 10-minute trace among 1,000 stored: shingle index ${indexMs.toFixed(1)} ms (${cands.length} candidates confirmed) vs brute force over every alignment ${bruteMs.toFixed(0)} ms (${(bruteMs / indexMs).toFixed(0)}×; best honest r = ${best.toFixed(2)})`);
  void power;
}

// ---------------------------------------------------------------- 2. detection
type Row = { name: string; detected: number; total: number; by: Map<string, number> };
const rows: Row[] = [];
{
  const boards = ['h100-sxm', 'h100-pcie', 'a100-sxm4-80gb', 'rtx-4090'];
  const honest = demoSigner('bench honest provider');
  const forger = demoSigner('bench forger');
  const variants: { name: string; kind: TelemetryForgery; careful?: boolean; unseen?: boolean; completedBound?: boolean }[] = [
    ...TELEMETRY_FORGERIES.map((kind) => ({ name: kind, kind })),
    { name: 'replayed, original never shown to this verifier', kind: 'replayed', unseen: true },
    { name: 'scaled-to-bigger-gpu, clocks rescaled too', kind: 'scaled-to-bigger-gpu', careful: true },
    { name: 'time-stretched-interpolated, job completion known', kind: 'time-stretched-interpolated', completedBound: true },
  ];
  let k = 0;
  for (const variant of variants) {
    const row: Row = { name: variant.name, detected: 0, total: 0, by: new Map() };
    for (let i = 0; i < trials; i++) {
      const claimed = boards[i % boards.length]!;
      const v = new TelemetryVerifier();
      // the verifier has seen an honest job on the claimed board (the one replays and double claims reuse)
      const previous: HonestRun = await honestRun({ jobId: `seen-${k}`, signer: honest, profile: claimed, startAt: T0 + k * 10 * HOUR, durationS: 600, seed: `seen-${variant.name}-${i}` });
      if (!variant.unseen) await v.verify(previous.job, previous.trace, ctx());
      const reuse = ['replayed', 'double-claim', 'other-job'].includes(variant.kind);
      const startAt = variant.kind === 'double-claim' ? previous.trace.samples[0]!.t : T0 + k * 10 * HOUR + 2 * HOUR;
      const r = await forgedRun(variant.kind, {
        jobId: `forged-${k}`,
        signer: reuse ? honest : forger,
        claimed,
        startAt,
        durationS: 600,
        seed: `${variant.name}-${i}`,
        previous,
        careful: variant.careful ?? false,
      });
      const claim = variant.completedBound ? { completedAt: r.trace.samples[0]!.t + 400_000 } : {};
      const f: Finding = await v.verify(r.job, r.trace as SignedTrace, ctx({ periodMs: 250 }, claim));
      row.total++;
      if (f.outcome === 'fail') {
        row.detected++;
        const checks = Object.entries((f.details?.checks ?? {}) as Record<string, { status: string }>).filter(([, c]) => c.status === 'fail').map(([n]) => n);
        const key = checks.join('+') || 'evidence';
        row.by.set(key, (row.by.get(key) ?? 0) + 1);
      }
      k++;
    }
    rows.push(row);
  }
}

// ---------------------------------------------------------------- 3. honest false positives
let fp = 0;
let fpSamples = 0;
const fpReasons = new Map<string, number>();
{
  const v = new TelemetryVerifier();
  const t = performance.now();
  for await (const run of honestCorpus(honestN, { seed: 'bench-honest' })) {
    fpSamples += run.trace.samples.length;
    const f = await v.verify(run.job, run.trace, ctx());
    if (f.outcome !== 'pass') {
      fp++;
      const key = f.reason.replace(/[0-9.]+/g, '#').slice(0, 90);
      fpReasons.set(key, (fpReasons.get(key) ?? 0) + 1);
    }
  }
  console.log(`\nhonest corpus: ${honestN} traces, ${fmt(fpSamples)} samples, verified in ${((performance.now() - t) / 1000).toFixed(1)} s (generation and signing included)`);
}

console.log('\n## Detection rate per forgery, and honest false positives');
console.log('| provider | trials | flagged | rate | 95% interval (Wilson) | caught by |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const by = [...r.by.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} (${n})`).join(', ') || '—';
  console.log(`| cheat: ${r.name} | ${r.total} | ${r.detected} | **${pct(r.detected / r.total)}** | ${ci(r.detected, r.total)} | ${by} |`);
}
console.log(`| honest (false positives) | ${honestN} | ${fp} | **${pct(fp / honestN, 2)}** | ${ci(fp, honestN, 2)} | ${[...fpReasons.entries()].map(([k, n]) => `${k} (${n})`).join('; ') || '—'} |`);
console.log(`\nload average at end ${load()}`);
void utf8;
