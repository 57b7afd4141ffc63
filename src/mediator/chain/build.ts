/**
 * Rebuilds contracts/artifacts/*.json from contracts/**.sol with solc-js:
 *   npx tsx src/mediator/chain/build.ts [--check]
 * `--check` compiles and exits 1 when a committed artifact differs (what CI and the tests rely on).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS_DIR, compileContracts, writeArtifacts } from './compile.js';

function main(): void {
  const check = process.argv.includes('--check');
  const { artifacts, warnings, ms } = compileContracts();
  for (const w of warnings) process.stderr.write(`${w}\n`);
  if (check) {
    const stale = Object.values(artifacts).filter((a) => {
      const file = join(ARTIFACTS_DIR, `${a.contractName}.json`);
      return !existsSync(file) || readFileSync(file, 'utf8') !== `${JSON.stringify(a, null, 2)}\n`;
    });
    for (const a of stale) process.stderr.write(`stale artifact: ${a.contractName}\n`);
    process.stdout.write(`compiled ${Object.keys(artifacts).length} contracts in ${ms.toFixed(0)} ms; ${stale.length} stale\n`);
    process.exitCode = stale.length === 0 ? 0 : 1;
    return;
  }
  const files = writeArtifacts(artifacts);
  process.stdout.write(`compiled in ${ms.toFixed(0)} ms:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
}

main();
