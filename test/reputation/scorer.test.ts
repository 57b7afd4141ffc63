import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock, VerdictError, type Decision } from '../../src/core/index.js';
import { parsePolicy, selectVerifiers } from '../../src/policy/index.js';
import {
  DEFAULT_REPUTATION_CONFIG,
  MemoryReputationStore,
  ReputationScorer,
  SqliteReputationStore,
  checkProbability,
  type ReputationOutcome,
} from '../../src/reputation/index.js';

const HOUR = 3_600_000;

function tmp(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-reputation-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a newcomer is checked on every job, then the rate falls with passes to the floor, never below', () => {
  const clock = new ManualClock(0);
  const scorer = new ReputationScorer({ store: new MemoryReputationStore(), clock });
  scorer.setStake('alice', 25);
  const rates: number[] = [];
  for (let i = 0; i < 400; i++) {
    rates.push(checkProbability(scorer, 'alice', 'wasi'));
    scorer.recordOutcome('alice', 'wasi', 'pass');
    clock.advance(60_000);
  }
  const n = DEFAULT_REPUTATION_CONFIG.newcomerJobs;
  assert.ok(rates.slice(0, n).every((r) => r === 1));
  assert.equal(scorer.assess('alice', 'wasi').tier, 'trusted');
  assert.equal(rates.at(-1), DEFAULT_REPUTATION_CONFIG.floor);
  for (let i = 1; i < rates.length; i++) assert.ok(rates[i]! <= rates[i - 1]!, `rate rose at ${i}`);
  // Another job type starts from scratch.
  assert.equal(scorer.assess('alice', 'llm-inference').tier, 'new');
});

test('inconclusive outcomes are recorded but move nothing', () => {
  const scorer = new ReputationScorer({ store: new MemoryReputationStore(), clock: new ManualClock(0) });
  for (let i = 0; i < 60; i++) scorer.recordOutcome('bob', 'wasi', 'pass');
  const before = scorer.assess('bob', 'wasi');
  for (let i = 0; i < 100; i++) scorer.recordOutcome('bob', 'wasi', 'inconclusive');
  assert.deepEqual(scorer.assess('bob', 'wasi'), before);
  assert.equal(scorer.record('bob', 'wasi').inconclusive, 100);
});

test('recordDecision: accept/reject/inconclusive map to pass/fail/inconclusive; undrawn jobs are no evidence', () => {
  const scorer = new ReputationScorer({ store: new MemoryReputationStore(), clock: new ManualClock(0) });
  const decision = (outcome: Decision['outcome'], findings = 1): Decision => ({
    v: 1,
    jobId: `job-${outcome}-${findings}`,
    jobType: 'wasi',
    outcome,
    reasons: [],
    findings: Array.from({ length: findings }, () => ({ verifier: 'rerun', outcome: 'pass' as const, reason: 'ok' })),
    skipped: [],
    policy: { id: 'p', version: '1', hash: `0x${'00'.repeat(32)}` },
    decidedAt: 0,
  });
  assert.equal(scorer.recordDecision(decision('accept', 0), 'carol'), undefined);
  assert.equal(scorer.record('carol', 'wasi').passes, 0);
  scorer.recordDecision(decision('accept'), 'carol');
  scorer.recordDecision(decision('inconclusive'), 'carol');
  const r = scorer.recordDecision(decision('reject'), 'carol', { confirmed: true })!;
  const rec = scorer.record('carol', 'wasi');
  assert.deepEqual([rec.passes, rec.inconclusive, rec.fails, rec.cheats], [1, 1, 1, 1]);
  assert.equal(r.actions.banned, true);
  assert.equal(r.assessment.eligible, false);
  assert.throws(() => scorer.setStake('carol', 10), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
});

test('a policy rule with probability "adaptive" is drawn at the scorer’s rate', () => {
  const policy = parsePolicy({
    v: 1,
    id: 'adaptive-wasi',
    jobType: 'wasi',
    verifiers: [{ id: 'rerun', required: true, probability: 'adaptive' }],
  });
  const clock = new ManualClock(0);
  const scorer = new ReputationScorer({ store: new MemoryReputationStore(), clock });
  scorer.setStake('dave', 25);
  for (let i = 0; i < 2000; i++) scorer.recordOutcome('dave', 'wasi', 'pass');
  const p = checkProbability(scorer, 'dave', 'wasi');
  assert.equal(p, DEFAULT_REPUTATION_CONFIG.floor);
  const seed = new Uint8Array(32).fill(7);
  let drawn = 0;
  const n = 5000;
  for (let i = 0; i < n; i++) if (selectVerifiers(policy, `job-${i}`, { seed, adaptiveProbability: p }).run.length) drawn++;
  // Binomial(5000, 0.04): sd ≈ 14; allow 5 sd.
  assert.ok(Math.abs(drawn - n * p) < 5 * Math.sqrt(n * p * (1 - p)), `drawn ${drawn}`);
  // A newcomer's jobs are all drawn.
  const newcomer = checkProbability(scorer, 'erin', 'wasi');
  assert.equal(newcomer, 1);
  assert.equal(selectVerifiers(policy, 'job-x', { seed, adaptiveProbability: newcomer }).run.length, 1);
});

test('time decay: old evidence fades, so an idle trusted provider is checked more when it returns', () => {
  const clock = new ManualClock(0);
  const scorer = new ReputationScorer({ store: new MemoryReputationStore(), clock });
  scorer.setStake('fay', 25);
  for (let i = 0; i < 300; i++) scorer.recordOutcome('fay', 'wasi', 'pass');
  const fresh = scorer.assess('fay', 'wasi');
  clock.advance(120 * 24 * HOUR);
  const later = scorer.assess('fay', 'wasi');
  assert.ok(later.score.alpha < fresh.score.alpha);
  assert.ok(later.checkProbability > fresh.checkProbability);
});

test('SQLite store: WAL mode, and a restart (close, reopen) loses nothing', () => {
  const { dir, cleanup } = tmp();
  try {
    const path = join(dir, 'reputation.db');
    const clock = new ManualClock(1_700_000_000_000);
    let store = new SqliteReputationStore(path);
    let scorer = new ReputationScorer({ store, clock });
    scorer.setStake('gus', 25);
    scorer.setStake('hal', 40);
    const outcomes: ReputationOutcome[] = ['pass', 'pass', 'fail', 'inconclusive', 'pass'];
    for (let i = 0; i < 200; i++) {
      scorer.recordOutcome('gus', 'wasi', outcomes[i % outcomes.length]!, { jobId: `j${i}` });
      scorer.recordOutcome('hal', 'llm', 'pass');
      clock.advance(10 * 60_000);
    }
    scorer.recordOutcome('hal', 'wasi', 'fail', { confirmed: true, jobId: 'cheat-1' });
    const before = {
      gus: scorer.assess('gus', 'wasi'),
      halLlm: scorer.assess('hal', 'llm'),
      records: store.listRecords(),
      providers: store.listProviders(),
      events: store.events('hal', 5),
    };
    const mode = new Database(path, { readonly: true });
    assert.equal(mode.pragma('journal_mode', { simple: true }), 'wal');
    mode.close();
    store.close();

    store = new SqliteReputationStore(path);
    scorer = new ReputationScorer({ store, clock });
    assert.deepEqual(store.listRecords(), before.records);
    assert.deepEqual(store.listProviders(), before.providers);
    assert.deepEqual(store.events('hal', 5), before.events);
    assert.deepEqual(scorer.assess('gus', 'wasi'), before.gus);
    assert.deepEqual(scorer.assess('hal', 'llm'), before.halLlm);
    assert.equal(scorer.assess('hal', 'llm').tier, 'banned');
    assert.equal(store.events('hal', 1)[0]!.jobId, 'cheat-1');
    assert.equal(store.events('gus', 1000).length, 200);
    store.close();
  } finally {
    cleanup();
  }
});

test('memory and SQLite stores give the same scorer behaviour for any sequence of outcomes', () => {
  const { dir, cleanup } = tmp();
  let n = 0;
  try {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            who: fc.constantFrom('a', 'b'),
            type: fc.constantFrom('wasi', 'llm'),
            outcome: fc.constantFrom<ReputationOutcome>('pass', 'pass', 'pass', 'fail', 'inconclusive'),
            confirmed: fc.boolean(),
            dt: fc.integer({ min: 0, max: 30 * HOUR }),
          }),
          { maxLength: 60 },
        ),
        (steps) => {
          const clockA = new ManualClock(0);
          const clockB = new ManualClock(0);
          const sqlite = new SqliteReputationStore(join(dir, `p${n++}.db`), { synchronous: 'NORMAL' });
          const a = new ReputationScorer({ store: new MemoryReputationStore(), clock: clockA });
          const b = new ReputationScorer({ store: sqlite, clock: clockB });
          try {
            for (const s of steps) {
              clockA.advance(s.dt);
              clockB.advance(s.dt);
              const confirmed = s.outcome === 'fail' && s.confirmed && s.who === 'b';
              const ra = a.recordOutcome(s.who, s.type, s.outcome, { confirmed });
              const rb = b.recordOutcome(s.who, s.type, s.outcome, { confirmed });
              assert.deepEqual(rb, ra);
              for (const who of ['a', 'b']) for (const t of ['wasi', 'llm']) assert.deepEqual(b.assess(who, t), a.assess(who, t));
            }
          } finally {
            sqlite.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  } finally {
    cleanup();
  }
});

test('SQLite store refuses a newer schema and a file that is not a database, with a VerdictError', () => {
  const { dir, cleanup } = tmp();
  try {
    const future = join(dir, 'future.db');
    const db = new Database(future);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => new SqliteReputationStore(future), (e: unknown) => e instanceof VerdictError && e.code === 'UNSUPPORTED');
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not an SQLite database, just some text that is long enough to have a header');
    assert.throws(() => new SqliteReputationStore(junk), (e: unknown) => e instanceof VerdictError && e.code === 'STORE_ERROR');
  } finally {
    cleanup();
  }
});

test('bad arguments to the scorer are BAD_INPUT', () => {
  const scorer = new ReputationScorer({ store: new MemoryReputationStore(), clock: new ManualClock(0) });
  assert.throws(() => scorer.setStake('x', -1), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
  assert.throws(() => scorer.setStake('', 1), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
  assert.throws(() => scorer.recordOutcome('x', 'wasi', 'maybe' as never), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
  assert.throws(() => scorer.reinstate('nobody', 'wasi'), (e: unknown) => e instanceof VerdictError && e.code === 'NOT_FOUND');
  assert.throws(() => new ReputationScorer({ store: new MemoryReputationStore(), config: { floor: -1 } }), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_CONFIG');
});

test('reinstate lifts a timed suspension early but keeps the record', () => {
  const clock = new ManualClock(0);
  const scorer = new ReputationScorer({ store: new MemoryReputationStore(), clock });
  scorer.setStake('ivy', 25);
  let suspended = false;
  for (let i = 0; i < 10 && !suspended; i++) suspended = scorer.recordOutcome('ivy', 'wasi', 'fail').actions.suspendedUntil !== undefined;
  assert.ok(suspended);
  assert.equal(scorer.assess('ivy', 'wasi').tier, 'suspended');
  const a = scorer.reinstate('ivy', 'wasi');
  assert.equal(a.eligible, true);
  assert.equal(a.checkProbability, 1);
  assert.ok(scorer.record('ivy', 'wasi').fails >= 3);
});
