/**
 * The end-to-end run behind `npm run demo`: the demo modules' providers run their jobs; on a local anvil chain
 * they post results with collateral, the job creator disputes them as often as reputation asks, a committee of
 * mediator daemons verifies under each job type's policy and votes on-chain, collateral is slashed or
 * released, and the mediators record every verdict in the network's reputation.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvidenceStore } from '../mediator/evidence-store.js';
import { ReputationScorer, SqliteReputationStore } from '../reputation/index.js';
import type { DemoAccount, DemoAccounts } from './accounts.js';
import { startDemoChain } from './chain.js';
import { runMarket } from './market.js';
import { startDemoMediators, stopDemoMediators, type DemoMediator } from './mediators.js';
import { renderHtml, renderText, type DemoReport, type MediatorRow } from './report.js';
import type { DemoCase, DemoContext, DemoModule } from './types.js';

export interface EndToEndOptions {
  ctx: DemoContext & { accounts: DemoAccounts };
  modules: DemoModule[];
  /** Databases, logs, evidence and the report go here (expected empty: a fresh chain every run). */
  outDir: string;
  repoRoot: string;
  say?: (line: string) => void;
  /** Earlier verified wasi jobs of the veteran provider "dave" (0: no veteran). */
  veteranHistory?: number;
}

export const VETERAN_NAME = 'dave';
export const VETERAN_STAKE = 25;

export async function runEndToEnd(o: EndToEndOptions): Promise<DemoReport> {
  const { ctx, modules, outDir } = o;
  const say = o.say ?? (() => {});
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
      repoRoot: o.repoRoot,
      rpcUrl: chain.anvil.url,
      chainId: chain.anvil.chainId,
      contract: chain.contract,
      keys: chain.mediatorKeys,
      sharedEvidence,
      reputationDb,
      outDir,
    });
    say(`mediator daemons: ${mediators.map((m) => `${m.daemon.address.slice(0, 10)}… ${m.daemon.status.url}`).join(', ')}`);
    const history = o.veteranHistory ?? 400;
    if (history > 0) {
      const veteran = seedVeteran(reputation, ctx, history);
      say(`  (${veteran.name} comes with ${history} earlier verified wasi jobs and a stake of ${VETERAN_STAKE}, seeded into the reputation database)`);
    }
    const jobs = await runMarket({ chain, modules: prepared, accounts: ctx.accounts, mediators, sharedEvidence, reputation, clock: ctx.clock, progress: (l) => say(`  ${l}`) });
    const market = (performance.now() - t0) / 1000;

    const network = new ReputationScorer({ store: reputation, clock: ctx.clock });
    const names = new Map(ctx.accounts.all().map((a) => [a.address.toLowerCase(), a.name]));
    const rep = reputation
      .listRecords()
      .map((record) => ({ name: names.get(record.provider.toLowerCase()) ?? record.provider, record, assessment: network.assess(record.provider, record.jobType) }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.record.jobType.localeCompare(b.record.jobType));
    const medRows: MediatorRow[] = [];
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
    const report: DemoReport = {
      chain: { url: chain.anvil.url, chainId: chain.anvil.chainId, contract: chain.contract },
      jobs,
      reputation: rep,
      mediators: medRows,
      creatorBalance: await chain.keeper.balanceOf(chain.creator.account),
      seconds: { prepare, market },
      files: {
        'report (open in a browser)': join(outDir, 'report.html'),
        'report data': join(outDir, 'report.json'),
        'mediator databases and logs': join(outDir, 'mediator-*'),
        'verdict bundles (re-check with `verdict verify --bundle`)': join(outDir, 'mediator-*', 'evidence', 'sha256'),
        'reputation database': reputationDb,
      },
    };
    writeFileSync(join(outDir, 'report.html'), renderHtml(report));
    writeFileSync(join(outDir, 'report.json'), JSON.stringify(reportJson(report), null, 2));
    say(`\n${renderText(report)}`);
    return report;
  } finally {
    await stopDemoMediators(mediators);
    reputation.close();
    await chain.stop();
  }
}

/** A provider with a long record: `history` passed wasi checks from before this run, at the reference stake. */
function seedVeteran(store: SqliteReputationStore, ctx: EndToEndOptions['ctx'], history: number): DemoAccount {
  const veteran = ctx.accounts.account(VETERAN_NAME);
  const scorer = new ReputationScorer({ store, clock: ctx.clock });
  scorer.setStake(veteran.address, VETERAN_STAKE);
  for (let i = 0; i < history; i++) scorer.recordOutcome(veteran.address, 'wasi', 'pass', { jobId: `earlier-wasi-job-${i}` });
  return veteran;
}

/** JSON of the report: bigints as decimal strings, each job with its type and scenario instead of the module, no keys. */
export function reportJson(r: DemoReport): unknown {
  const jobs = r.jobs.map(({ module, case: c, provider, ...rest }) => ({
    jobType: module.jobType,
    job: c.job.id,
    scenario: c.scenario,
    expected: c.expected,
    provider: { name: provider.name, address: provider.address },
    ...rest,
  }));
  return JSON.parse(JSON.stringify({ ...r, jobs }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}
