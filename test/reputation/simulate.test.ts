import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VerdictError } from '../../src/core/index.js';
import {
  SMALL_SCALE,
  Sfc32,
  boincRule,
  defaultSimParams,
  empiricalCdf,
  makeStrategy,
  quantile,
  renderReport,
  reputationRule,
  runAgent,
  simReputationConfig,
  simulate,
  type SimParams,
} from '../../src/reputation/index.js';
import { simulateCommand } from '../../src/cli/commands/simulate.js';

const small = (overrides: Partial<SimParams> = {}) => defaultSimParams({ ...SMALL_SCALE, ...overrides });

test('SFC32 streams are reproducible, label-separated and uniform', () => {
  const a = new Sfc32('x');
  const b = new Sfc32('x');
  const c = new Sfc32('y');
  const xs = Array.from({ length: 20_000 }, () => a.next());
  assert.deepEqual(Array.from({ length: 20_000 }, () => b.next()), xs);
  assert.notDeepEqual(Array.from({ length: 20 }, () => c.next()), xs.slice(0, 20));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(m - 0.5) < 0.01, `mean ${m}`);
  // Ten equal bins: chi-square with 9 degrees of freedom stays well below 30 (p ≈ 0.0004).
  const bins = new Array(10).fill(0);
  for (const x of xs) bins[Math.floor(x * 10)]++;
  const chi = bins.reduce((s, o) => s + (o - 2000) ** 2 / 2000, 0);
  assert.ok(chi < 30, `chi-square ${chi}`);
});

test('stats helpers: nearest-rank quantiles and a CDF that counts undetected runs', () => {
  assert.equal(quantile([5, 1, 3, 2, 4], 0.5), 3);
  assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99), 10);
  assert.equal(quantile([1, 2, Infinity], 0.99), Infinity);
  assert.deepEqual(empiricalCdf([1, 1, 3, Infinity]), [[1, 0.5], [3, 0.75]]);
});

test('the simulation is deterministic: same seed, same report; another seed, another report', () => {
  const a = renderReport(simulate(small({ seed: 's1' })));
  const b = renderReport(simulate(small({ seed: 's1' })));
  const c = renderReport(simulate(small({ seed: 's2' })));
  assert.deepEqual(Object.keys(a).sort(), ['cheating-ev.svg', 'check-rate.svg', 'detection-cdf.svg', 'economics.svg', 'overhead.svg', 'report.json', 'report.md']);
  for (const name of Object.keys(a)) assert.equal(a[name], b[name], name);
  assert.notEqual(a['report.json'], c['report.json']);
  for (const [name, content] of Object.entries(a)) {
    if (!name.endsWith('.svg')) continue;
    assert.ok(content.startsWith('<?xml') && content.trimEnd().endsWith('</svg>'), name);
    assert.ok(!/NaN|undefined|Infinity/.test(content), `${name} has a non-number`);
  }
});

test('a cheat on a checked job is caught only with the verifier’s detection probability', () => {
  // Newcomers are checked on every job, so an always-cheater's detection time is geometric with mean 1/d.
  for (const d of [1, 0.5, 0.25]) {
    const p = small({ economics: { reward: 1, cost: 0.5, gain: 0.5, detection: d } });
    const rule = reputationRule(simReputationConfig(p));
    const times = Array.from({ length: 400 }, (_, i) => runAgent(makeStrategy('always'), i, rule.agent(), p).detection);
    const m = times.reduce((s, t) => s + t, 0) / times.length;
    if (d === 1) assert.ok(times.every((t) => t === 1));
    const sd = Math.sqrt((1 - d) / (d * d) / times.length);
    assert.ok(Math.abs(m - 1 / d) < 5 * sd + 1e-9, `d=${d}: mean ${m}`);
  }
});

test('small network: honest providers are never slashed, every cheater is caught, cheating does not pay under the scorer', () => {
  const r = simulate(small());
  const ours = r.rules[0]!;
  assert.equal(ours.rule, 'reputation');
  for (const s of ours.strategies) {
    if (s.honest) {
      assert.equal(s.wronglySlashed, 0, s.strategy);
      assert.equal(s.detection.runs, 0);
    } else {
      assert.ok(s.detection.runs > 0, `${s.strategy} never cheated`);
      assert.ok(s.netCheating < 0, `${s.strategy}: ${s.netCheating}`);
      assert.ok(s.detection.caught / s.detection.runs > 0.9, `${s.strategy}: ${s.detection.caught}/${s.detection.runs}`);
    }
  }
  // The honest provider's check rate starts at 1 (newcomer) and falls to just above the floor within 2,000 jobs.
  const honest = ours.strategies.find((s) => s.strategy === 'honest')!;
  assert.equal(honest.rateSeries[0], 1);
  const last = honest.rateSeries.at(-1)!;
  assert.ok(last >= r.config.floor && last < r.config.floor + 0.005, `last bucket ${last}`);
  // BOINC's 1/c rule checks established providers less than the floor; the slow poisoner is checked less.
  const boinc = r.rules.find((x) => x.rule === 'boinc')!;
  const poison = (rule: typeof boinc) => rule.strategies.find((s) => s.strategy === 'poison')!;
  assert.ok(poison(boinc).checksPerJob < poison(ours).checksPerJob);
  assert.ok(boinc.network.checkRate < ours.network.checkRate);
});

test('BOINC rule: every job until the threshold, then 1/c; an invalid result resets c', () => {
  const agent = boincRule({ threshold: 10, minRate: 0 }).agent();
  agent.join('h', 1, 0);
  for (let i = 0; i < 10; i++) {
    assert.equal(agent.assess('h', 0).rate, 1);
    agent.record('h', 'pass', false, 0);
  }
  assert.equal(agent.assess('h', 0).rate, 1 / 10);
  for (let i = 0; i < 90; i++) agent.record('h', 'pass', false, 0);
  assert.equal(agent.assess('h', 0).rate, 1 / 100);
  agent.record('h', 'inconclusive', false, 0);
  assert.equal(agent.assess('h', 0).rate, 1 / 100);
  agent.record('h', 'fail', false, 0);
  assert.equal(agent.assess('h', 0).rate, 1);
  agent.record('h', 'fail', true, 0);
  assert.equal(agent.assess('h', 0).eligible, false);
  const capped = boincRule({ threshold: 10, minRate: 0.04 }).agent();
  for (let i = 0; i < 500; i++) capped.record('k', 'pass', false, 0);
  assert.equal(capped.assess('k', 0).rate, 0.04);
});

test('false confirmations slash honest providers: the simulator measures what it claims to', () => {
  const r = simulate(small({ falseConfirm: 1, population: { honest: 0, noisy: 10, cheatersPerStrategy: 0 }, trials: 1 }));
  const noisy = r.rules[0]!.strategies.find((s) => s.strategy === 'noisy')!;
  assert.ok(noisy.wronglySlashed > 0);
  assert.equal(r.targets.find((t) => t.id === 'honest-slashed')!.met, false);
});

test('verdict simulate writes the report and rejects bad arguments', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-sim-'));
  try {
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true } };
    const code = await simulateCommand(['--scale', 'small', '--out', dir, '--quiet', '--seed', 'cli'], io);
    assert.ok(code === 0 || code === 1);
    for (const f of ['report.md', 'report.json', 'detection-cdf.svg', 'check-rate.svg', 'cheating-ev.svg', 'economics.svg', 'overhead.svg']) {
      assert.ok(existsSync(join(dir, f)), f);
    }
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    assert.match(md, /BOINC 1\/c/);
    assert.match(md, /verdict simulate --seed cli/);
    assert.match(out.join(''), /network check rate/);
    assert.equal(await simulateCommand(['--help'], io), 0);
    for (const bad of [['--jobs', 'abc'], ['--scale', 'huge'], ['--detection', '0'], ['--false-confirm', '2'], ['--stake', 'x']]) {
      await assert.rejects(simulateCommand([...bad, '--out', dir, '--quiet'], io), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT', bad.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
