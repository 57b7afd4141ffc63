/**
 * Mediator benchmark: `npx tsx bench/mediator.ts [--disputes 300] [--kills 100] [--skip-included] [--skip-crash]`
 *
 * 1. Disputes per minute through the dispute engine (SQLite store with FULL and NORMAL sync, evidence store,
 *    in-memory chain), verification excluded (a verifier that costs ~0), against the baseline of the policy
 *    alone (parse the evidence + evaluatePolicy, no persistence, no chain).
 * 2. The same with verification included: every case of the demo modules (WASI re-run, LLM spot-sample on the
 *    real stories260K model, GPU telemetry, ZK proofs, FHE), against the baseline of evaluatePolicy on the same cases.
 * 3. Recovery: mediator child processes killed with SIGKILL after random durable steps (≥ 100 kill points),
 *    restart-to-resume time (spawn → first persisted step), lost and duplicated verdicts; against the baseline
 *    of a cold start of the same process on a fresh database.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ManualClock, fromHex, parseJson, silentLogger, systemClock, type Decision } from '../src/core/index.js';
import { PolicySet, evaluatePolicy, loadPolicyFile } from '../src/policy/index.js';
import { VerifierRegistry } from '../src/verifiers/index.js';
import { deriveSeed, parseDisputeEvidence } from '../src/mediator/bundle.js';
import { jobIdToBytes32 } from '../src/mediator/ports.js';
import type { DemoCase, DemoContext, DemoModule } from '../src/demo/types.js';
import { World, drain } from '../test/mediator/fixtures/world.js';
import { crashRun } from '../test/mediator/fixtures/crash-harness.js';

const { values } = parseArgs({
  options: {
    disputes: { type: 'string', default: '300' },
    kills: { type: 'string', default: '100' },
    seed: { type: 'string', default: '424242' },
    'skip-included': { type: 'boolean', default: false },
    'skip-crash': { type: 'boolean', default: false },
  },
});
const N = Number(values.disputes);
const KILLS = Number(values.kills);
const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const perMin = (n: number, ms: number) => Math.round((n / ms) * 60_000);
const fmt = (x: number) => x.toLocaleString('en-US');
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function excluded(): Promise<void> {
  console.log(`\n## 1. Disputes per minute, verification excluded (${N} disputes, half of them cheats)\n`);
  const rows: string[][] = [];
  for (const sync of ['FULL', 'NORMAL'] as const) {
    const w = new World();
    const store = w.store(`m-${sync}.db`, sync);
    const engine = w.engine(store);
    for (let i = 0; i < N; i++) w.dispute({ honest: i % 2 === 0 });
    const t0 = performance.now();
    await drain(w, engine, 10 * N);
    const ms = performance.now() - t0;
    const confirmed = store.countsByStatus().confirmed ?? 0;
    if (confirmed !== N || w.chain.stats.transactions !== N) throw new Error(`expected ${N} verdicts, got ${confirmed} (${w.chain.stats.transactions} txs)`);
    rows.push([`engine, SQLite synchronous=${sync}`, fmt(perMin(N, ms)), (ms / N).toFixed(2)]);
    store.close();
    w.cleanup();
  }
  // baseline: the policy alone on the same documents
  const w = new World();
  const docs = Array.from({ length: N }, (_, i) => w.evidenceStore.get(w.dispute({ honest: i % 2 === 0 }).evidenceId as `0x${string}`));
  const policy = w.policies.forJobType('mtest');
  const t0 = performance.now();
  for (const bytes of docs) {
    const doc = parseDisputeEvidence(parseJson(bytes));
    const seed = fromHex(deriveSeed(`0x${'11'.repeat(32)}`, jobIdToBytes32(doc.job.id)), 'seed', 32);
    await evaluatePolicy(w.registry, policy, doc.job, doc.evidence.claim, doc.evidence.items as Record<string, unknown>, { seed });
  }
  const ms = performance.now() - t0;
  rows.push(['baseline: parse + evaluatePolicy only (no store, no chain)', fmt(perMin(N, ms)), (ms / N).toFixed(2)]);
  w.cleanup();
  console.log('| pipeline | disputes / min | ms / dispute |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

async function included(): Promise<void> {
  console.log('\n## 2. Disputes per minute, verification included (every demo case, real verifiers)\n');
  const { createRerunDemo } = await import('../src/demo/rerun.js');
  const { createSpotSampleDemo } = await import('../src/demo/spot-sample.js');
  const { createTelemetryDemo } = await import('../src/demo/telemetry.js');
  const { createFheDemo } = await import('../src/demo/fhe.js');
  const { createZkDemo } = await import('../src/demo/zk.js');
  const modelPath = process.env.VERDICT_MODEL ?? resolve(repoRoot, '../shared/models/stories260k/tinystories_260k_v1.bin');
  const ctx: DemoContext = { logger: silentLogger, clock: systemClock, workDir: join(repoRoot, '.verdict', 'bench-mediator'), modelPath };
  const modules: DemoModule[] = [createRerunDemo(), createSpotSampleDemo(), createTelemetryDemo(), createZkDemo(), createFheDemo()];
  const registry = new VerifierRegistry();
  // the baseline gets verifier instances of its own: some remember what they saw (telemetry's copy index would
  // flag the engine's second look at a trace as a replay)
  const baselineRegistry = new VerifierRegistry();
  const policies = new PolicySet();
  const cases: { module: string; c: DemoCase }[] = [];
  for (const m of modules) {
    if (!existsSync(join(repoRoot, m.policyFile))) {
      console.log(`(skipping ${m.jobType}: ${m.policyFile} is not in this checkout)`);
      continue;
    }
    // modules share verifiers (the LLM module also uses telemetry): one instance per id, as the demo's mediators do
    for (const v of await m.verifiers(ctx)) if (!registry.has(v.id)) registry.register(v);
    for (const v of await m.verifiers(ctx)) if (!baselineRegistry.has(v.id)) baselineRegistry.register(v);
    policies.add(loadPolicyFile(join(repoRoot, m.policyFile)));
    for (const c of await m.cases(ctx)) cases.push({ module: m.jobType, c });
  }
  // baseline: the demo's path, evaluatePolicy on each case, same seeds as the engine will derive
  const w = new World({ registry, policies });
  w.clock = new ManualClock(1_700_000_000_000);
  const events = cases.map(({ c }) => w.disputeFor(c.job, c.bundle));
  const t0 = performance.now();
  const baseline: Decision[] = [];
  for (let i = 0; i < cases.length; i++) {
    const { c } = cases[i]!;
    const seed = fromHex(deriveSeed(events[i]!.blockHash, events[i]!.jobId), 'seed', 32);
    baseline.push(await evaluatePolicy(baselineRegistry, policies.forJobType(c.job.type), c.job, c.bundle.claim, c.bundle.items, { seed }));
  }
  const baseMs = performance.now() - t0;
  const store = w.store('included.db', 'FULL');
  const engine = w.engine(store, { confirmations: 1 });
  const t1 = performance.now();
  await drain(w, engine, 100 * cases.length);
  const engineMs = performance.now() - t1;
  let agree = 0;
  let expected = 0;
  const perType = new Map<string, { n: number; verifyMs: number }>();
  for (let i = 0; i < cases.length; i++) {
    const d = store.byJobId(events[i]!.jobId)!;
    const dec = store.decision(d.id)!;
    if (dec.decision.outcome === baseline[i]!.outcome) agree++;
    if (dec.decision.outcome === cases[i]!.c.expected) expected++;
    else {
      const why = dec.decision.reasons.join('; ').slice(0, 300);
      console.log(`(case ${cases[i]!.c.job.id} [${cases[i]!.module}]: engine ${dec.decision.outcome}, baseline ${baseline[i]!.outcome}, expected ${cases[i]!.c.expected}: ${why})`);
    }
    const t = perType.get(cases[i]!.module) ?? { n: 0, verifyMs: 0 };
    t.n++;
    t.verifyMs += dec.verifyMs;
    perType.set(cases[i]!.module, t);
  }
  const n = cases.length;
  console.log('| pipeline | disputes | disputes / min | ms / dispute |\n|---|---|---|---|');
  console.log(`| engine (SQLite FULL, evidence store, chain) | ${n} | ${fmt(perMin(n, engineMs))} | ${(engineMs / n).toFixed(1)} |`);
  console.log(`| baseline: evaluatePolicy only | ${n} | ${fmt(perMin(n, baseMs))} | ${(baseMs / n).toFixed(1)} |`);
  console.log(`\nverification time per job type (inside the engine): ${[...perType].map(([k, v]) => `${k} ${(v.verifyMs / v.n).toFixed(1)} ms × ${v.n}`).join(', ')}`);
  console.log(`engine decisions equal to the baseline's: ${agree}/${n}; equal to the demo's expected outcome: ${expected}/${n}`);
  console.log(`verdict transactions: ${w.chain.stats.transactions} for ${n} disputes`);
  store.close();
  await registry.dispose();
  await baselineRegistry.dispose();
  w.cleanup();
}

async function recovery(): Promise<void> {
  console.log(`\n## 3. Recovery after kill -9 (${KILLS} random kill points)\n`);
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await crashRun({ kills: 0, disputes: 1, seed: i + 1 });
    cold.push(...r.resumeMs);
  }
  const r = await crashRun({
    kills: KILLS,
    disputes: KILLS + 20,
    seed: Number(values.seed),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  console.log('| measure | median | p95 | max |\n|---|---|---|---|');
  console.log(`| restart → first persisted step after kill -9 (ms) | ${pct(r.resumeMs, 50).toFixed(0)} | ${pct(r.resumeMs, 95).toFixed(0)} | ${Math.max(...r.resumeMs).toFixed(0)} |`);
  console.log(`| baseline: cold start on a fresh database → first step (ms) | ${pct(cold, 50).toFixed(0)} | ${pct(cold, 95).toFixed(0)} | ${Math.max(...cold).toFixed(0)} |`);
  console.log(`| process start → engine ready, as the child measured (ms) | ${pct(r.readyMs, 50).toFixed(0)} | ${pct(r.readyMs, 95).toFixed(0)} | ${Math.max(...r.readyMs).toFixed(0)} |`);
  console.log(
    `\nkills ${r.kills}, disputes ${r.disputes}: verdicts on-chain ${r.verdictsOnChain}, verdict transactions ${r.transactions}, ` +
      `reverted ${r.reverted}, dropped ${r.dropped}; lost ${r.lost}, duplicated ${r.duplicated}, wrong outcome ${r.wrongOutcome}; ` +
      `SQLite integrity_check: ${r.integrity}; ${(r.totalMs / 1000).toFixed(0)} s`,
  );
  console.log(`kill points: ${Object.entries(r.killPoints).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.lost || r.duplicated || r.wrongOutcome || r.integrity !== 'ok') process.exitCode = 1;
}

console.log(`# verdict mediator benchmark — ${new Date().toISOString()}, Node ${process.version}, ${process.arch}`);
await excluded();
if (!values['skip-included']) await included();
if (!values['skip-crash']) await recovery();
