#!/usr/bin/env node
/**
 * `npm run demo`: the end-to-end run on embedded defaults. Providers of every job type (honest and cheating) run
 * their jobs; on a local anvil chain they post results with collateral, the job creator disputes them as often
 * as reputation asks, a committee of mediator daemons verifies under each job type's policy and votes on-chain,
 * collateral is slashed or released, reputation is updated. Prints a summary; writes .verdict/demo/report.html.
 * `npm run demo -- --offline` decides every job by its policy alone (no chain, no mediator).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256, silentLogger, systemClock, utf8, type Decision } from '../core/index.js';
import { evaluatePolicy, loadPolicyFile } from '../policy/index.js';
import { VerifierRegistry } from '../verifiers/index.js';
import { defaultModelPath } from '../inference/index.js';
import { createFheDemo } from './fhe.js';
import { createRerunDemo } from './rerun.js';
import { createSpotSampleDemo } from './spot-sample.js';
import { createTelemetryDemo } from './telemetry.js';
import { createZkDemo } from './zk.js';
import { renderTable } from './table.js';
import type { DemoCase, DemoContext, DemoModule } from './types.js';
import { DemoAccounts, type DemoAccount } from './accounts.js';
import { startDemoChain } from './chain.js';
import { runMarket } from './market.js';
import { startDemoMediators, stopDemoMediators, type DemoMediator } from './mediators.js';
import { renderHtml, renderText, totals, type DemoReport } from './report.js';
import { EvidenceStore } from '../mediator/evidence-store.js';
import { ReputationScorer, SqliteReputationStore } from '../reputation/index.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface DemoResult {
  module: DemoModule;
  case: DemoCase;
  decision: Decision;
}

export async function runDemo(ctx: DemoContext, modules: DemoModule[]): Promise<DemoResult[]> {
  const results: DemoResult[] = [];
  for (const module of modules) {
    const registry = new VerifierRegistry({ clock: ctx.clock, logger: ctx.logger });
    for (const v of await module.verifiers(ctx)) registry.register(v);
    const policy = loadPolicyFile(join(repoRoot, module.policyFile));
    try {
      for (const c of await module.cases(ctx)) {
        const seed = c.seed ?? sha256(utf8(`demo-seed:${c.job.id}`));
        const decision = await evaluatePolicy(registry, policy, c.job, c.bundle.claim, c.bundle.items, { seed, clock: ctx.clock });
        results.push({ module, case: c, decision });
      }
    } finally {
      await registry.dispose();
    }
  }
  return results;
}

function summarise(results: DemoResult[]): { table: string; wrong: number } {
  let wrong = 0;
  const rows = results.map(({ case: c, decision }) => {
    const ok = decision.outcome === c.expected;
    if (!ok) wrong++;
    const findings = decision.findings.map((f) => `${f.verifier}:${f.outcome}`).join(' ') || '(none drawn)';
    const reason = decision.findings.find((f) => f.outcome !== 'pass')?.reason ?? decision.findings[0]?.reason ?? decision.reasons[0] ?? '';
    return [c.job.type, c.job.id, c.scenario, findings, decision.outcome.toUpperCase(), ok ? '✓' : `✗ (expected ${c.expected})`, reason];
  });
  return { table: renderTable(['job type', 'job', 'provider', 'findings', 'decision', 'right?', 'why'], rows, 70), wrong };
}

function caseTable(results: DemoResult[]): { table: string; wrong: number } {
  return summarise(results);
}

/** `npm run demo -- --offline`: every case through its policy, no chain, no mediator. */
async function offline(ctx: DemoContext, modules: DemoModule[], outDir: string): Promise<number> {
  const started = performance.now();
  const results = await runDemo(ctx, modules);
  const { table, wrong } = caseTable(results);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const summary = `${results.length} jobs, ${results.filter((r) => r.decision.outcome === 'reject').length} rejected, ${wrong} wrong decisions, ${seconds} s`;
  process.stdout.write(`\nverdict demo (offline) — jobs decided by their job type's policy\n\n${table}\n\n${summary}\n`);
  const report = join(outDir, 'offline-report.json');
  writeFileSync(report, JSON.stringify(results.map((r) => ({ scenario: r.case.scenario, expected: r.case.expected, decision: r.decision })), null, 2));
  process.stdout.write(`decisions with every finding: ${report}\n`);
  return wrong === 0 ? 0 : 1;
}

async function endToEnd(ctx: DemoContext & { accounts: DemoAccounts }, modules: DemoModule[], outDir: string): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say('verdict demo — a compute market on a local chain: providers, a job creator, and a mediator committee\n');
  let t0 = performance.now();
  const prepared: Array<{ module: DemoModule; cases: DemoCase[] }> = [];
  for (const module of modules) {
    const cases = await module.cases(ctx);
    prepared.push({ module, cases });
    say(`  ${module.jobType}: ${cases.length} jobs run by honest and cheating providers`);
  }
  const prepare = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const chain = await startDemoChain();
  say(`anvil on ${chain.anvil.url} (chain ${chain.anvil.chainId}); VerdictMediation at ${chain.contract}; ${chain.mediatorKeys.length} mediators bonded`);
  const sharedEvidence = new EvidenceStore(join(outDir, 'network-evidence'));
  const reputationDb = join(outDir, 'reputation.db');
  const reputation = new SqliteReputationStore(reputationDb);
  let mediators: DemoMediator[] = [];
  try {
    mediators = await startDemoMediators({
      ctx,
      modules,
      repoRoot,
      rpcUrl: chain.anvil.url,
      chainId: chain.anvil.chainId,
      contract: chain.contract,
      keys: chain.mediatorKeys,
      sharedEvidence,
      reputationDb,
      outDir,
    });
    say(`mediator daemons: ${mediators.map((m) => `${m.daemon.address.slice(0, 10)}… ${m.daemon.status.url}`).join(', ')}`);
    const veteran = seedVeteran(reputation, ctx, VETERAN_HISTORY);
    say(`  (${veteran.name} comes with ${VETERAN_HISTORY} earlier verified wasi jobs and a stake of ${VETERAN_STAKE}, seeded into the reputation database)`);
    const jobs = await runMarket({ chain, modules: prepared, accounts: ctx.accounts, mediators, sharedEvidence, reputation, clock: ctx.clock, progress: (l) => say(`  ${l}`) });
    const market = (performance.now() - t0) / 1000;
    const network = new ReputationScorer({ store: reputation, clock: ctx.clock });
    const names = new Map(ctx.accounts.all().map((a) => [a.address.toLowerCase(), a.name]));
    const rep = reputation
      .listRecords()
      .map((record) => ({ name: names.get(record.provider.toLowerCase()) ?? record.provider, record, assessment: network.assess(record.provider, record.jobType) }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.record.jobType.localeCompare(b.record.jobType));
    const medRows = [];
    for (const m of mediators) {
      const counts = m.daemon.store.countsByStatus();
      medRows.push({
        address: m.daemon.address,
        statusUrl: m.daemon.status.url,
        confirmed: counts.confirmed ?? 0,
        failed: counts.failed ?? 0,
        balance: await chain.keeper.balanceOf(m.daemon.address),
        logFile: m.logFile,
      });
    }
    const files = {
      'report (open in a browser)': join(outDir, 'report.html'),
      'report data': join(outDir, 'report.json'),
      'mediator databases and logs': join(outDir, 'mediator-*'),
      'verdict bundles (re-check with `verdict verify --bundle`)': join(outDir, 'mediator-*/evidence/sha256'),
      'reputation database': reputationDb,
    };
    const report: DemoReport = {
      chain: { url: chain.anvil.url, chainId: chain.anvil.chainId, contract: chain.contract },
      jobs,
      reputation: rep,
      mediators: medRows,
      creatorBalance: await chain.keeper.balanceOf(chain.creator.account),
      seconds: { prepare, market },
      files,
    };
    say(`\n${renderText(report)}`);
    writeFileSync(join(outDir, 'report.html'), renderHtml(report));
    writeFileSync(join(outDir, 'report.json'), JSON.stringify(toJson(report), null, 2));
    return totals(report).wrong.length === 0 && jobs.every((j) => !j.challenged || j.outcome) ? 0 : 1;
  } finally {
    await stopDemoMediators(mediators);
    reputation.close();
    await chain.stop();
  }
}

const VETERAN_HISTORY = 400;
const VETERAN_STAKE = 25;

/** A provider with a long record: `history` passed wasi checks from before this run, at the reference stake. */
function seedVeteran(store: SqliteReputationStore, ctx: DemoContext & { accounts: DemoAccounts }, history: number): DemoAccount {
  const veteran = ctx.accounts.account('dave');
  const scorer = new ReputationScorer({ store, clock: ctx.clock });
  scorer.setStake(veteran.address, VETERAN_STAKE);
  for (let i = 0; i < history; i++) scorer.recordOutcome(veteran.address, 'wasi', 'pass', { jobId: `earlier-wasi-job-${i}` });
  return veteran;
}

/** JSON of the report: bigints as decimal strings, the modules by job type. */
function toJson(r: DemoReport): unknown {
  return JSON.parse(
    JSON.stringify({ ...r, jobs: r.jobs.map(({ module, case: c, ...rest }) => ({ jobType: module.jobType, scenario: c.scenario, expected: c.expected, job: c.job.id, ...rest })) }, (_k, v) =>
      typeof v === 'bigint' ? v.toString() : v,
    ),
  );
}

async function main(argv: string[]): Promise<number> {
  const outDir = join(repoRoot, '.verdict', 'demo');
  // a fresh chain every run: the mediators' databases of an earlier run describe another chain
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const modelPath = defaultModelPath();
  const ctx = { logger: silentLogger, clock: systemClock, workDir: outDir, accounts: new DemoAccounts(), ...(existsSync(modelPath) ? { modelPath } : {}) };
  if (!ctx.modelPath) {
    process.stdout.write(`note: the real model is absent (${modelPath}); LLM jobs use a seeded RANDOM-WEIGHT model of the same architecture.\n      Set VERDICT_MODEL to tinystories_260k_v1.bin (see docs/inference.md).\n`);
  }
  const modules = [createRerunDemo(), createSpotSampleDemo(), createZkDemo(), createFheDemo(), createTelemetryDemo()];
  return argv.includes('--offline') ? offline(ctx, modules, outDir) : endToEnd(ctx, modules, outDir);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`demo failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
