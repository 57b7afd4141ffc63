import { parseArgs } from 'node:util';
import { VerdictError } from '../../core/index.js';
import { FULL_SCALE, SMALL_SCALE, defaultSimParams, simulate, writeReport, type SimParams } from '../../reputation/index.js';
import type { CliIO } from '../io.js';

export const SIMULATE_USAGE = `verdict simulate [--out <dir>] [--seed <text>] [--scale full|small] [--jobs N] [--honest N] [--noisy N]
                 [--cheaters N] [--trials N] [--detection d] [--stake S] [--confirm p] [--false-confirm p] [--json] [--quiet]

Simulates a marketplace of honest, noisy and cheating providers under the reputation scorer and under BOINC's
adaptive replication, and writes a report (report.md, report.json, SVG plots) into --out (default simulation-report).
Deterministic: the same arguments give the same report. Exit code: 0 when every target is met, 1 otherwise, 3 on bad input.`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new VerdictError('BAD_INPUT', `--${name} expects a non-negative integer, got "${v}"`);
  return Number(v);
}

function real(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new VerdictError('BAD_INPUT', `--${name} expects a number, got "${v}"`);
  return x;
}

export async function simulateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: 'simulation-report' },
      seed: { type: 'string', default: 'verdict' },
      scale: { type: 'string', default: 'full' },
      jobs: { type: 'string' },
      honest: { type: 'string' },
      noisy: { type: 'string' },
      cheaters: { type: 'string' },
      trials: { type: 'string' },
      detection: { type: 'string' },
      stake: { type: 'string' },
      confirm: { type: 'string' },
      'false-confirm': { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(`${SIMULATE_USAGE}\n`);
    return 0;
  }
  if (values.scale !== 'full' && values.scale !== 'small') throw new VerdictError('BAD_INPUT', `--scale must be "full" or "small", got "${values.scale}"`);
  const scale = values.scale === 'full' ? FULL_SCALE : SMALL_SCALE;
  const base = defaultSimParams({ ...scale, seed: values.seed! });
  const params: SimParams = {
    ...base,
    jobs: int('jobs', values.jobs) ?? base.jobs,
    population: {
      honest: int('honest', values.honest) ?? base.population.honest,
      noisy: int('noisy', values.noisy) ?? base.population.noisy,
      cheatersPerStrategy: int('cheaters', values.cheaters) ?? base.population.cheatersPerStrategy,
    },
    trials: int('trials', values.trials) ?? base.trials,
    economics: { ...base.economics, detection: real('detection', values.detection) ?? base.economics.detection },
    stake: real('stake', values.stake) ?? base.stake,
    confirm: real('confirm', values.confirm) ?? base.confirm,
    falseConfirm: real('false-confirm', values['false-confirm']) ?? base.falseConfirm,
  };
  const started = Date.now();
  const result = simulate(params, values.quiet ? undefined : (e) => io.stderr.write(`  ${e.rule} ${e.strategy} ${e.done}/${e.total}\r`));
  const files = writeReport(values.out!, result);
  if (!values.quiet) io.stderr.write(`\nsimulated in ${((Date.now() - started) / 1000).toFixed(1)} s; wrote ${files.length} files to ${values.out}\n`);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ targets: result.targets, network: result.rules.map((r) => ({ rule: r.rule, ...r.network })), files }, null, 2)}\n`);
  } else {
    for (const t of result.targets) io.stdout.write(`${t.met ? 'met   ' : 'MISSED'}  ${t.statement}: ${formatValue(t.id, t.value)}\n`);
    for (const r of result.rules) io.stdout.write(`network check rate, ${r.label}: ${(r.network.checkRate * 100).toFixed(2)}%\n`);
    io.stdout.write(`report: ${files.find((f) => f.endsWith('report.md'))}\n`);
  }
  return result.targets.every((t) => t.met) ? 0 : 1;
}

function formatValue(id: string, v: number): string {
  if (id === 'honest-slashed') return String(v);
  if (id.startsWith('ev-')) return `${v.toFixed(2)} per provider`;
  return `${(v * 100).toFixed(id === 'wrongful-suspension' ? 4 : 2)}%`;
}
