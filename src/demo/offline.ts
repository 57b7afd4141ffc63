/**
 * The offline demo (`npm run demo -- --offline`): every case of every module decided by its job type's policy,
 * in process — no chain, no mediator. The quickest way to see each verifier's findings.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, utf8, type Decision } from '../core/index.js';
import { evaluatePolicy, loadPolicyFile } from '../policy/index.js';
import { VerifierRegistry } from '../verifiers/index.js';
import { renderTable } from './table.js';
import type { DemoCase, DemoContext, DemoModule } from './types.js';

export interface DemoResult {
  module: DemoModule;
  case: DemoCase;
  decision: Decision;
}

export async function runDemo(ctx: DemoContext, modules: DemoModule[], repoRoot: string): Promise<DemoResult[]> {
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

/** `npm run demo -- --offline`: every case through its policy, no chain, no mediator. */
/** `npm run demo -- --offline`: every case through its policy, no chain, no mediator. */
export async function runOffline(ctx: DemoContext, modules: DemoModule[], outDir: string, repoRoot: string): Promise<number> {
  const started = performance.now();
  const results = await runDemo(ctx, modules, repoRoot);
  const { table, wrong } = summarise(results);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const summary = `${results.length} jobs, ${results.filter((r) => r.decision.outcome === 'reject').length} rejected, ${wrong} wrong decisions, ${seconds} s`;
  process.stdout.write(`\nverdict demo (offline) — jobs decided by their job type's policy\n\n${table}\n\n${summary}\n`);
  const report = join(outDir, 'offline-report.json');
  writeFileSync(report, JSON.stringify(results.map((r) => ({ scenario: r.case.scenario, expected: r.case.expected, decision: r.decision })), null, 2));
  process.stdout.write(`decisions with every finding: ${report}\n`);
  return wrong === 0 ? 0 : 1;
}

