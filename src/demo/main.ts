#!/usr/bin/env node
/**
 * `npm run demo`: the end-to-end run on embedded defaults (src/demo/end-to-end.ts) — a local anvil chain, SQLite,
 * the bundled circuits, the real model when present. Prints a summary and writes .verdict/demo/report.html.
 * `npm run demo -- --offline` decides every job by its policy alone (no chain, no mediator).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger, systemClock } from '../core/index.js';
import { defaultModelPath } from '../inference/index.js';
import { DemoAccounts } from './accounts.js';
import { runEndToEnd } from './end-to-end.js';
import { createFheDemo } from './fhe.js';
import { expectedOutcome } from './market.js';
import { runOffline } from './offline.js';
import { totals } from './report.js';
import { createRerunDemo } from './rerun.js';
import { createSpotSampleDemo } from './spot-sample.js';
import { createTelemetryDemo } from './telemetry.js';
import { createZkDemo } from './zk.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

async function main(argv: string[]): Promise<number> {
  const outDir = join(repoRoot, '.verdict', 'demo');
  // a fresh chain every run: the mediators' databases of an earlier run describe another chain
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const modelPath = defaultModelPath();
  const ctx = { logger: silentLogger, clock: systemClock, workDir: outDir, accounts: new DemoAccounts(), ...(existsSync(modelPath) ? { modelPath } : {}) };
  if (!ctx.modelPath) {
    say(`note: the real model is absent (${modelPath}); LLM jobs use a seeded RANDOM-WEIGHT model of the same architecture.`);
    say('      Set VERDICT_MODEL to tinystories_260k_v1.bin (see docs/inference.md).');
  }
  const modules = [createRerunDemo(), createSpotSampleDemo(), createZkDemo(), createFheDemo(), createTelemetryDemo()];
  if (argv.includes('--offline')) return runOffline(ctx, modules, outDir, repoRoot);

  say('verdict demo — a compute market on a local chain: providers, a job creator, and a mediator committee\n');
  const report = await runEndToEnd({ ctx, modules, outDir, repoRoot, say });
  const wrong = totals(report).wrong;
  for (const j of wrong) say(`WRONG: ${j.case.job.id} (${j.case.scenario}) got ${j.outcome}, expected ${expectedOutcome(j.case.expected)}`);
  return wrong.length === 0 ? 0 : 1;
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
