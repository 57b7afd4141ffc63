/**
 * The demo's summary: text tables for the terminal and the same content as a self-contained HTML page.
 */
import type { Assessment, ReputationRecord } from '../reputation/index.js';
import { expectedOutcome, fmtEth, type MarketJob } from './market.js';
import { renderTable } from './table.js';

export interface ReputationRow {
  name: string;
  record: ReputationRecord;
  assessment: Assessment;
}

export interface MediatorRow {
  address: string;
  statusUrl: string;
  confirmed: number;
  failed: number;
  balance: bigint;
  logFile: string;
}

export interface DemoReport {
  chain: { url: string; chainId: number; contract: string };
  jobs: MarketJob[];
  reputation: ReputationRow[];
  mediators: MediatorRow[];
  creatorBalance: bigint;
  seconds: { prepare: number; market: number };
  files: Record<string, string>;
}

const short = (h: string | undefined) => (h ? `${h.slice(0, 10)}…` : '');
const pct = (p: number) => `${(100 * p).toFixed(p < 0.1 ? 1 : 0)}%`;

export interface Totals {
  jobs: number;
  disputes: number;
  byOutcome: Record<string, number>;
  wrong: MarketJob[];
  slashed: bigint;
  released: bigint;
  fees: bigint;
  gas: bigint;
}

export function totals(r: DemoReport): Totals {
  const disputed = r.jobs.filter((j) => j.challenged);
  const byOutcome: Record<string, number> = {};
  for (const j of disputed) byOutcome[j.outcome ?? 'none'] = (byOutcome[j.outcome ?? 'none'] ?? 0) + 1;
  return {
    jobs: r.jobs.length,
    disputes: disputed.length,
    byOutcome,
    wrong: disputed.filter((j) => j.outcome !== expectedOutcome(j.case.expected)),
    slashed: r.jobs.filter((j) => j.outcome === 'ProviderFaulty').reduce((s, j) => s + j.collateral, 0n),
    released: r.jobs.reduce((s, j) => s + (j.toProvider ?? 0n), 0n),
    fees: r.jobs.reduce((s, j) => s + (j.toMediators ?? 0n), 0n),
    gas: r.jobs.reduce((s, j) => s + j.gasUsed, 0n),
  };
}

function jobRows(r: DemoReport): string[][] {
  return r.jobs.map((j) => {
    const findings = j.decision ? j.decision.findings.map((f) => `${f.verifier}:${f.outcome}`).join(' ') || '(none drawn)' : '';
    const right = !j.challenged ? '' : j.outcome === expectedOutcome(j.case.expected) ? '✓' : `✗ expected ${expectedOutcome(j.case.expected)}`;
    const money = j.outcome === 'ProviderFaulty' ? `slashed ${fmtEth(j.collateral)}` : `released ${fmtEth(j.toProvider ?? 0n)}`;
    return [
      j.case.job.type,
      j.case.job.id,
      j.provider.name,
      j.case.scenario,
      pct(j.checkProbability),
      j.challenged ? 'yes' : 'no',
      findings,
      j.outcome ?? (j.challenged ? 'pending' : 'released'),
      right,
      short(j.verdictTx),
      money,
    ];
  });
}

const JOB_HEADERS = ['job type', 'job', 'provider', 'scenario', 'p(check)', 'disputed', 'findings', 'verdict', 'right?', 'verdict tx', 'collateral'];
const REP_HEADERS = ['provider', 'job type', 'passes', 'fails', 'score (mean / lower)', 'tier', 'next check p'];
const MED_HEADERS = ['mediator', 'disputes confirmed', 'failed', 'credited (fees)', 'status'];

function reputationRows(r: DemoReport): string[][] {
  return r.reputation.map((x) => [
    x.name,
    x.record.jobType,
    String(x.record.passes),
    String(x.record.fails),
    `${x.assessment.score.mean.toFixed(2)} / ${x.assessment.score.lower.toFixed(2)}`,
    x.assessment.tier,
    pct(x.assessment.checkProbability),
  ]);
}

function mediatorRows(r: DemoReport): string[][] {
  return r.mediators.map((m) => [m.address, String(m.confirmed), String(m.failed), fmtEth(m.balance), `${m.statusUrl}/health`]);
}

export function renderText(r: DemoReport): string {
  const t = totals(r);
  const outcomes = Object.entries(t.byOutcome).map(([k, n]) => `${n} ${k}`).join(', ');
  return [
    `chain ${r.chain.chainId} at ${r.chain.url}, VerdictMediation ${r.chain.contract}`,
    '',
    renderTable(JOB_HEADERS, jobRows(r), 44),
    '',
    `${t.jobs} jobs, ${t.disputes} disputes → verdicts: ${outcomes}; ${t.wrong.length} wrong verdict(s)`,
    `slashed to the creator ${fmtEth(t.slashed)}; released to providers ${fmtEth(t.released)}; fees to mediators ${fmtEth(t.fees)}; market gas ${t.gas.toLocaleString('en-US')}`,
    '',
    'reputation after the run (the mediators record every verdict; the creator checks with "next check p")',
    renderTable(REP_HEADERS, reputationRows(r), 40),
    '',
    renderTable(MED_HEADERS, mediatorRows(r), 60),
    '',
    `providers' work ${r.seconds.prepare.toFixed(1)} s; market on-chain (disputes, verification, votes, settlement) ${r.seconds.market.toFixed(1)} s`,
    ...Object.entries(r.files).map(([k, v]) => `${k}: ${v}`),
  ].join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function htmlTable(headers: string[], rows: string[][], rowClass?: (i: number) => string): string {
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = rows.map((row, i) => `<tr class="${rowClass?.(i) ?? ''}">${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>${head}\n${body}</table>`;
}

export function renderHtml(r: DemoReport): string {
  const t = totals(r);
  const cls = (i: number) => {
    const j = r.jobs[i]!;
    if (!j.challenged) return 'released';
    return j.outcome === expectedOutcome(j.case.expected) ? (j.outcome === 'ProviderFaulty' ? 'faulty' : 'correct') : 'wrong';
  };
  const cards = [
    ['jobs', String(t.jobs)],
    ['disputes', String(t.disputes)],
    ['provider faulty', String(t.byOutcome.ProviderFaulty ?? 0)],
    ['provider correct', String(t.byOutcome.ProviderCorrect ?? 0)],
    ['wrong verdicts', String(t.wrong.length)],
    ['slashed', fmtEth(t.slashed)],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>verdict demo report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}
h1{margin:0 0 .2rem}.sub{color:#57606a;margin-bottom:1.2rem}
.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:12.5px}
th,td{border-bottom:1px solid #eaeef2;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
tr.faulty td{background:#fff1f0}tr.correct td{background:#f0fff4}tr.wrong td{background:#ffd7d5;font-weight:600}
tr.released td{color:#57606a}
code{font-size:12px}
</style></head><body>
<h1>verdict — end-to-end demo</h1>
<div class="sub">chain ${r.chain.chainId} (anvil, <code>${esc(r.chain.url)}</code>), VerdictMediation <code>${esc(r.chain.contract)}</code>;
providers' work ${r.seconds.prepare.toFixed(1)} s, market ${r.seconds.market.toFixed(1)} s</div>
<div class="cards">${cards.map(([k, v]) => `<div class="card">${esc(k!)}<b>${esc(v!)}</b></div>`).join('')}</div>
<h2>Jobs, disputes and verdicts</h2>
${htmlTable(JOB_HEADERS, jobRows(r).map((row, i) => [...row.slice(0, 9), r.jobs[i]!.verdictTx ?? '', row[10]!]), cls)}
<p>Released to providers ${esc(fmtEth(t.released))}; fees to mediators ${esc(fmtEth(t.fees))}; gas of the market's transactions ${t.gas.toLocaleString('en-US')}.</p>
<h2>Reputation</h2>
<p>Beta reputation per provider and job type, recorded by the mediators from each on-chain verdict (a confirmed cheat bans the identity);
"next check p" is how often the creator checks that provider's next job.</p>
${htmlTable(REP_HEADERS, reputationRows(r))}
<h2>Mediators</h2>
${htmlTable(MED_HEADERS, mediatorRows(r))}
<h2>Files</h2>
<ul>${Object.entries(r.files).map(([k, v]) => `<li>${esc(k)}: <code>${esc(v)}</code></li>`).join('')}</ul>
</body></html>
`;
}
