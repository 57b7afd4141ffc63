import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from '../../core/index.js';
import { cheatingAdvantage, minCheckProbability } from '../../sampling/economics.js';
import type { RuleResult, SimResult, StrategyStats } from './engine.js';
import { empiricalCdf } from './stats.js';
import { PALETTE, barChart, lineChart, svgDocument, type Series } from './svg.js';
import type { StrategyName } from './strategies.js';

/** Report files (name → content) for a simulation result. Pure and deterministic: no dates, no timings. */
export function renderReport(result: SimResult): Record<string, string> {
  return {
    'report.md': markdown(result),
    'report.json': `${JSON.stringify(jsonSummary(result), null, 2)}\n`,
    'detection-cdf.svg': detectionCdf(result),
    'check-rate.svg': checkRateOverTime(result),
    'cheating-ev.svg': evChart(result),
    'overhead.svg': overheadChart(result),
    'economics.svg': economicsChart(result),
  };
}

/** Writes the report into `dir` (created if needed); returns the paths written. */
export function writeReport(dir: string, result: SimResult): string[] {
  mkdirSync(dir, { recursive: true });
  const files = renderReport(result);
  return Object.entries(files).map(([name, content]) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  });
}

const STRATEGY_COLORS: Record<StrategyName, string> = {
  honest: PALETTE[2]!,
  noisy: PALETTE[7]!,
  always: PALETTE[8]!,
  rare: PALETTE[1]!,
  sleeper: PALETTE[6]!,
  poison: PALETTE[4]!,
  oscillate: PALETTE[3]!,
  whitewash: PALETTE[5]!,
};
const RULE_COLORS = [PALETTE[0]!, PALETTE[1]!, PALETTE[3]!];

const pct = (x: number, digits = 2) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '—');
const num = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : x === Number.POSITIVE_INFINITY ? '∞' : '—');
const jobs = (x: number, horizon: number) => (Number.isNaN(x) ? '—' : Number.isFinite(x) ? String(x) : `> ${horizon}`);

function cheaters(rule: RuleResult): StrategyStats[] {
  return rule.strategies.filter((s) => !s.honest);
}

/** The JSON summary: everything but the raw detection times (kept as quantiles). */
function jsonSummary(r: SimResult): unknown {
  const clean = (x: number) => (Number.isFinite(x) ? x : Number.isNaN(x) ? null : 'Infinity');
  return {
    v: r.v,
    params: r.params,
    config: r.config,
    economicMinimum: r.economicMinimum,
    targets: r.targets.map((t) => ({ ...t, value: clean(t.value) })),
    rules: r.rules.map((rule) => ({
      rule: rule.rule,
      label: rule.label,
      description: rule.description,
      network: rule.network,
      strategies: rule.strategies.map((s) => {
        const { times: _times, ...detection } = s.detection;
        return {
          ...s,
          detection: Object.fromEntries(Object.entries(detection).map(([k, v]) => [k, clean(v)])),
          netCheatingSE: clean(s.netCheatingSE),
          rateSeries: s.rateSeries.map((x) => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null)),
        };
      }),
    })),
  };
}

function markdown(r: SimResult): string {
  const p = r.params;
  const ours = r.rules[0]!;
  const e = p.economics;
  const pStar = minCheckProbability({ ...e, stake: p.stake });
  const lines: string[] = [];
  lines.push('# Reputation and adaptive verification: marketplace simulation', '');
  lines.push(
    `Seed \`${p.seed}\`; ${p.population.honest} honest and ${p.population.noisy} honest-with-benign-noise providers, ${p.jobs} jobs each; ` +
      `${p.trials} runs of every cheating strategy (the first ${p.population.cheatersPerStrategy} of each also belong to the network). ` +
      `The same providers, making the same draws, face every check rule. Regenerate: \`verdict simulate ${cliArgs(p)}\`.`,
    '',
  );
  lines.push(
    `Economics per job: reward R = ${e.reward}, honest cost C = ${e.cost}, gain of a cheat G = ${e.gain}, stake S = ${p.stake}, ` +
      `entry bond ${p.entryBond}; a check catches a cheat with probability d = ${e.detection}; an appeal upholds a caught cheat with ` +
      `probability ${p.confirm} and a benign mis-flag with probability ${p.falseConfirm}. ` +
      `Cheating stops paying at p* = G/(d·(R+S)) = ${pct(pStar)}; the scorer never checks below ${r.config.economicMargin}·p* = ${pct(r.economicMinimum)} nor below its floor ${pct(r.config.floor, 1)}.`,
    '',
  );
  lines.push('## Targets (verdict reputation, default parameters)', '');
  lines.push('| target | measured | required | met |', '|---|---:|---:|:---:|');
  for (const t of r.targets) {
    const fmt = t.id === 'honest-slashed' ? String(t.value) : t.id.startsWith('ev-') ? num(t.value) : pct(t.value, t.id === 'wrongful-suspension' ? 4 : 2);
    const thr = t.id === 'honest-slashed' ? '0' : t.id.startsWith('ev-') ? '< 0' : t.id === 'rare-caught' ? `≥ ${pct(t.threshold, 0)}` : `≤ ${pct(t.threshold, t.id === 'wrongful-suspension' ? 2 : 0)}`;
    lines.push(`| ${t.statement} | ${fmt} | ${thr} | ${t.met ? 'yes' : '**no**'} |`);
  }
  lines.push('');
  lines.push('## Detection and cost per strategy, rule by rule', '');
  lines.push(
    'Jobs until detection count from the first cheat of the first identity to the job whose check confirmed it, inclusive. ' +
      '“Net EV of cheating” is the mean over runs of gain − (slashed stake + rewards withheld on failed jobs + extra entry bonds): ' +
      'the payoff against doing the same jobs honestly (a negative value means cheating does not pay even before counting the ' +
      'income a banned provider loses). “Incl. lost income” adds that income over the whole horizon. Checks per job include appeals.',
    '',
  );
  for (const rule of r.rules) {
    lines.push(`### ${rule.label}`, '', `${rule.description}. Network check rate: **${pct(rule.network.checkRate)}** (${rule.network.agents} providers).`, '');
    lines.push(
      `| strategy | checks/job | caught ≤ ${p.targetJobs} | median | p99 | gain | slashed | net EV of cheating (± s.e.) | incl. lost income |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of rule.strategies) {
      const d = s.detection;
      lines.push(
        `| ${s.label} | ${pct(s.checksPerJob)} | ${d.runs ? pct(d.caughtWithinTarget, 1) : '—'} | ${jobs(d.median, p.jobs)} | ${jobs(d.p99, p.jobs)} | ` +
          `${num(s.gain)} | ${num(s.slashed)} | ${num(s.netCheating)} ± ${num(s.netCheatingSE)} | ${num(s.vsHonestHorizon)} |`,
      );
    }
    const honest = rule.strategies.filter((s) => s.honest);
    lines.push('');
    lines.push(
      `Honest providers: ${honest.reduce((a, s) => a + s.wronglySlashed, 0)} slashed, ${honest.reduce((a, s) => a + s.wronglySuspended, 0)} ever suspended, ` +
        `time suspended ${honest.map((s) => `${s.label}: ${pct(s.suspendedFraction, 4)}`).join(', ')}.`,
      '',
    );
  }
  lines.push('## Plots', '');
  lines.push('![Jobs until detection, CDF per strategy and rule](detection-cdf.svg)', '');
  lines.push('![Check probability over a provider’s life](check-rate.svg)', '');
  lines.push('![Net expected value of cheating per strategy](cheating-ev.svg)', '');
  lines.push('![Verification overhead per strategy](overhead.svg)', '');
  lines.push('![Advantage of cheating against the check probability](economics.svg)', '');
  lines.push('## Strategies', '');
  for (const s of ours.strategies) lines.push(`- **${s.label}** (\`${s.strategy}\`): ${s.description}.`);
  lines.push('', '## Scorer configuration', '', '```json', JSON.stringify(r.config, null, 2), '```', '');
  return lines.join('\n');
}

/** The CLI flags that reproduce a run (only the ones that differ from the defaults would do, but explicit is clearer). */
export function cliArgs(p: SimResult['params']): string {
  return [
    `--seed ${p.seed}`,
    `--jobs ${p.jobs}`,
    `--honest ${p.population.honest}`,
    `--noisy ${p.population.noisy}`,
    `--cheaters ${p.population.cheatersPerStrategy}`,
    `--trials ${p.trials}`,
    `--detection ${p.economics.detection}`,
    `--stake ${p.stake}`,
  ].join(' ');
}

function detectionCdf(r: SimResult): string {
  const charts = r.rules.map((rule) =>
    lineChart({
      title: `Jobs until detection — ${rule.label}`,
      xLabel: 'jobs from first cheat to confirmed detection (log)',
      yLabel: 'fraction of runs caught',
      xLog: true,
      xMin: 1,
      xMax: r.params.jobs,
      yMin: 0,
      yMax: 1,
      yFormat: (y) => pct(y, 0),
      vLines: [{ x: r.params.targetJobs, label: `${r.params.targetJobs} jobs` }],
      hLines: [{ y: 0.99, label: '99%' }],
      series: cheaters(rule).map(
        (s): Series => ({ name: s.label, color: STRATEGY_COLORS[s.strategy], step: true, points: [[1, 0], ...empiricalCdf(s.detection.times)] }),
      ),
    }),
  );
  return svgDocument(charts);
}

function checkRateOverTime(r: SimResult): string {
  const n = r.params.buckets;
  const charts = r.rules.map((rule) =>
    lineChart({
      title: `Check probability over time — ${rule.label}`,
      xLabel: 'jobs done by the provider',
      yLabel: 'mean check probability (clipped at 40%)',
      xMin: 0,
      xMax: r.params.jobs,
      yMin: 0,
      yMax: 0.4,
      yFormat: (y) => pct(y, 0),
      hLines: [{ y: r.config.floor, label: `floor ${pct(r.config.floor, 0)}` }],
      series: rule.strategies
        .filter((s) => s.strategy !== 'always')
        .map((s): Series => ({
          name: s.label,
          color: STRATEGY_COLORS[s.strategy],
          points: s.rateSeries.map((y, i): [number, number] => [((i + 0.5) * r.params.jobs) / n, y]),
        })),
    }),
  );
  return svgDocument(charts);
}

function evChart(r: SimResult): string {
  const names = cheaters(r.rules[0]!);
  return svgDocument([
    barChart({
      title: 'Net expected value of cheating per provider (signed log scale; < 0: cheating does not pay)',
      yLabel: 'gain − slashed − withheld − bonds',
      symlog: true,
      width: 860,
      groups: names.map((s) => ({
        label: s.label,
        values: r.rules.map((rule, i) => ({ name: rule.label, value: rule.strategies.find((x) => x.strategy === s.strategy)!.netCheating, color: RULE_COLORS[i % RULE_COLORS.length]! })),
      })),
    }),
  ]);
}

function overheadChart(r: SimResult): string {
  return svgDocument([
    barChart({
      title: 'Verification overhead: checks (and appeals) per job',
      yLabel: 'checks per job',
      width: 860,
      yFormat: (y) => pct(y, 0),
      groups: [
        { label: 'network', values: r.rules.map((rule, i) => ({ name: rule.label, value: rule.network.checkRate, color: RULE_COLORS[i % RULE_COLORS.length]! })) },
        ...r.rules[0]!.strategies
          .filter((s) => s.strategy !== 'always')
          .map((s) => ({
            label: s.label,
            values: r.rules.map((rule, i) => ({ name: rule.label, value: rule.strategies.find((x) => x.strategy === s.strategy)!.checksPerJob, color: RULE_COLORS[i % RULE_COLORS.length]! })),
          })),
      ],
    }),
  ]);
}

function economicsChart(r: SimResult): string {
  const e = r.params.economics;
  const stakes = [r.params.stake / 2, r.params.stake, r.params.stake * 2];
  const xMax = Math.min(1, Math.max(0.1, 2 * r.config.floor, 2 * r.economicMinimum));
  const grid = Array.from({ length: 201 }, (_, i) => (i / 200) * xMax);
  const series: Series[] = stakes.map((stake, i) => ({
    name: `stake ${stake}`,
    color: PALETTE[i]!,
    dash: stake === r.params.stake ? undefined : '5,3',
    points: grid.map((pp): [number, number] => [pp, cheatingAdvantage({ ...e, stake }, pp)]),
  }));
  const pStar = minCheckProbability({ ...e, stake: r.params.stake });
  return svgDocument([
    lineChart({
      title: 'Advantage of cheating on one job: G − p·d·(R + S)',
      xLabel: 'check probability p',
      yLabel: 'EV(cheat) − EV(honest) per job',
      xMin: 0,
      xMax,
      yMin: -2 * e.gain,
      yMax: 1.2 * e.gain,
      yFormat: (y) => String(Math.round(y * 100) / 100),
      width: 640,
      hLines: [{ y: 0, label: 'break-even' }],
      vLines: [
        { x: pStar, label: `p* = ${pct(pStar, 1)}`, color: PALETTE[1] },
        { x: r.economicMinimum, label: `${r.config.economicMargin}·p*`, color: PALETTE[3], row: 1 },
        { x: r.config.floor, label: `floor`, color: PALETTE[2], row: 2 },
      ],
      series,
    }),
  ]);
}

/** Stable fingerprint of a result (for determinism checks). */
export function resultDigest(result: SimResult): string {
  return canonicalize(jsonSummary(result) as never);
}
