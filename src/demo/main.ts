#!/usr/bin/env node
/**
 * `npm run demo`: a small market of jobs of every type, honest and cheating providers, decided by each job
 * type's policy. Prints a table of findings and decisions and writes a report under .verdict/demo/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256, silentLogger, systemClock, utf8, type Decision } from '../core/index.js';
import { evaluatePolicy, loadPolicyFile } from '../policy/index.js';
import { VerifierRegistry } from '../verifiers/index.js';
import { existsSync } from 'node:fs';
import { defaultModelPath } from '../inference/index.js';
import { createFheDemo } from './fhe.js';
import { createRerunDemo } from './rerun.js';
import { createSpotSampleDemo } from './spot-sample.js';
import { createTelemetryDemo } from './telemetry.js';
import { createZkDemo } from './zk.js';
import { renderTable } from './table.js';
import type { DemoCase, DemoContext, DemoModule } from './types.js';

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

async function main(): Promise<number> {
  const outDir = join(repoRoot, '.verdict', 'demo');
  mkdirSync(outDir, { recursive: true });
  const modelPath = defaultModelPath();
  const ctx: DemoContext = { logger: silentLogger, clock: systemClock, workDir: outDir, ...(existsSync(modelPath) ? { modelPath } : {}) };
  if (!ctx.modelPath) {
    process.stdout.write(`note: the real model is absent (${modelPath}); LLM jobs use a seeded RANDOM-WEIGHT model of the same architecture.\n      Set VERDICT_MODEL to tinystories_260k_v1.bin (see docs/inference.md).\n`);
  }
  const started = performance.now();
  const results = await runDemo(ctx, [createRerunDemo(), createSpotSampleDemo(), createZkDemo(), createFheDemo()]);
  const { table, wrong } = summarise(results);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const summary = `${results.length} jobs, ${results.filter((r) => r.decision.outcome === 'reject').length} rejected, ${wrong} wrong decisions, ${seconds} s`;
  process.stdout.write(`\nverdict demo — jobs decided by their job type's policy\n\n${table}\n\n${summary}\n`);
  const report = join(outDir, 'report.json');
  writeFileSync(report, JSON.stringify(results.map((r) => ({ scenario: r.case.scenario, expected: r.case.expected, decision: r.decision })), null, 2));
  process.stdout.write(`decisions with every finding: ${report}\n`);
  return wrong === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`demo failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
