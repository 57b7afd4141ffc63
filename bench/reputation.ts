/**
 * Reputation benchmark: the full-scale marketplace simulation (targets of issue 7, side by side with BOINC's
 * adaptive replication as the baseline), and the scorer's hot path (check-probability lookups and outcome
 * writes) on the SQLite store against the in-memory store as the baseline.
 *
 *   npx tsx bench/reputation.ts [--out bench/out/reputation] [--scale full|small] [--seed verdict]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ManualClock } from '../src/core/index.js';
import {
  FULL_SCALE,
  MemoryReputationStore,
  ReputationScorer,
  SMALL_SCALE,
  SqliteReputationStore,
  defaultSimParams,
  simulate,
  writeReport,
  type ReputationStore,
  type RuleResult,
  type StrategyName,
} from '../src/reputation/index.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench/out/reputation' },
    scale: { type: 'string', default: 'full' },
    seed: { type: 'string', default: 'verdict' },
  },
});

const pct = (x: number, d = 2) => (Number.isFinite(x) ? `${(x * 100).toFixed(d)}%` : String(x));
const fmtJobs = (x: number, horizon: number) => (Number.isFinite(x) ? String(x) : `>${horizon}`);

// 1. The simulation.
const params = defaultSimParams({ ...(values.scale === 'small' ? SMALL_SCALE : FULL_SCALE), seed: values.seed! });
const t0 = performance.now();
const result = simulate(params);
const seconds = (performance.now() - t0) / 1000;
const files = writeReport(values.out!, result);
const simulatedJobs = result.rules.reduce((s, r) => s + r.strategies.reduce((a, x) => a + x.jobs, 0), 0);

console.log(`# Reputation simulation (${values.scale} scale, seed ${params.seed})`);
console.log(`${simulatedJobs.toLocaleString('en-US')} provider-jobs over ${result.rules.length} rules in ${seconds.toFixed(1)} s (${Math.round(simulatedJobs / seconds).toLocaleString('en-US')} jobs/s); report: ${files.find((f) => f.endsWith('report.md'))}`);
console.log('');
console.log('Targets (verdict reputation):');
for (const t of result.targets) console.log(`  ${t.met ? 'met   ' : 'MISSED'} ${t.statement}: ${t.id.startsWith('ev-') ? t.value.toFixed(2) : t.id === 'honest-slashed' ? t.value : pct(t.value, 4)}`);
console.log('');

const by = (rule: RuleResult, s: StrategyName) => rule.strategies.find((x) => x.strategy === s)!;
const rows: Array<[string, (r: RuleResult) => string]> = [
  ['network check rate (checks + appeals per job)', (r) => pct(r.network.checkRate)],
  ['honest provider: checks per job', (r) => pct(by(r, 'honest').checksPerJob)],
  ['honest with benign noise: checks per job', (r) => pct(by(r, 'noisy').checksPerJob)],
  ['5% cheater caught within 1,000 jobs', (r) => pct(by(r, 'rare').detection.caughtWithinTarget)],
  ['5% cheater: median / p99 jobs to detection', (r) => `${fmtJobs(by(r, 'rare').detection.median, params.jobs)} / ${fmtJobs(by(r, 'rare').detection.p99, params.jobs)}`],
  ['established, then 5%: caught within 1,000 jobs', (r) => pct(by(r, 'sleeper').detection.caughtWithinTarget)],
  ['established, then 5%: median / p99', (r) => `${fmtJobs(by(r, 'sleeper').detection.median, params.jobs)} / ${fmtJobs(by(r, 'sleeper').detection.p99, params.jobs)}`],
  ['slow poisoning: median / p99', (r) => `${fmtJobs(by(r, 'poison').detection.median, params.jobs)} / ${fmtJobs(by(r, 'poison').detection.p99, params.jobs)}`],
  ['oscillating: median / p99', (r) => `${fmtJobs(by(r, 'oscillate').detection.median, params.jobs)} / ${fmtJobs(by(r, 'oscillate').detection.p99, params.jobs)}`],
  ['whitewashing: median / p99 (first identity)', (r) => `${fmtJobs(by(r, 'whitewash').detection.median, params.jobs)} / ${fmtJobs(by(r, 'whitewash').detection.p99, params.jobs)}`],
  ...(['always', 'rare', 'sleeper', 'poison', 'oscillate', 'whitewash'] as StrategyName[]).map(
    (s): [string, (r: RuleResult) => string] => [`net EV of cheating, ${by(result.rules[0]!, s).label}`, (r) => `${by(r, s).netCheating.toFixed(2)} ± ${by(r, s).netCheatingSE.toFixed(2)}`],
  ),
  ['honest providers slashed', (r) => String(r.strategies.filter((s) => s.honest).reduce((a, s) => a + s.wronglySlashed, 0))],
  ['honest providers ever suspended', (r) => String(r.strategies.filter((s) => s.honest).reduce((a, s) => a + s.wronglySuspended, 0))],
];
console.log(`| figure | ${result.rules.map((r) => r.label).join(' | ')} |`);
console.log(`|---|${result.rules.map(() => '---:').join('|')}|`);
for (const [name, f] of rows) console.log(`| ${name} | ${result.rules.map(f).join(' | ')} |`);
console.log('');

// 2. The scorer's hot path: lookups and durable writes, SQLite against the in-memory store.
function scorerOps(store: ReputationStore, writes: number, n = 20_000): { lookupUs: number; writeUs: number } {
  const clock = new ManualClock(1_700_000_000_000);
  const scorer = new ReputationScorer({ store, clock });
  const providers = Array.from({ length: 100 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
  for (const p of providers) scorer.setStake(p, 25);
  let t = performance.now();
  for (let i = 0; i < writes; i++) {
    scorer.recordOutcome(providers[i % providers.length]!, 'wasi', i % 97 === 0 ? 'fail' : 'pass', { jobId: `job-${i}` });
    clock.advance(1000);
  }
  const writeUs = ((performance.now() - t) * 1000) / writes;
  t = performance.now();
  let sink = 0;
  for (let i = 0; i < n; i++) sink += scorer.checkProbability(providers[i % providers.length]!, 'wasi');
  const lookupUs = ((performance.now() - t) * 1000) / n;
  if (!(sink > 0)) throw new Error('unreachable');
  return { lookupUs, writeUs };
}

const dir = mkdtempSync(join(tmpdir(), 'verdict-bench-reputation-'));
try {
  const n = 20_000;
  const memory = scorerOps(new MemoryReputationStore(), n);
  // An fsync per commit: fewer writes, or this part alone would take minutes.
  const full = new SqliteReputationStore(join(dir, 'full.db'));
  const sqlite = scorerOps(full, 1000);
  full.close();
  const normal = new SqliteReputationStore(join(dir, 'normal.db'), { synchronous: 'NORMAL' });
  const sqliteNormal = scorerOps(normal, n);
  normal.close();
  console.log(`# Scorer hot path (outcomes over 100 providers — ${n.toLocaleString('en-US')}, 1,000 with synchronous=FULL — then ${n.toLocaleString('en-US')} lookups)`);
  console.log('| store | checkProbability | recordOutcome (durable write) |');
  console.log('|---|---:|---:|');
  console.log(`| in-memory (baseline) | ${memory.lookupUs.toFixed(2)} µs | ${memory.writeUs.toFixed(2)} µs |`);
  for (const [name, r] of [['SQLite, WAL, synchronous=FULL (default)', sqlite], ['SQLite, WAL, synchronous=NORMAL', sqliteNormal]] as const) {
    console.log(`| ${name} | ${r.lookupUs.toFixed(2)} µs (${(r.lookupUs / memory.lookupUs).toFixed(1)}×) | ${r.writeUs.toFixed(2)} µs (${(r.writeUs / memory.writeUs).toFixed(1)}×) |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
