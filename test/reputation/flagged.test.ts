import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { ManualClock, VerdictError, type Decision } from '../../src/core/index.js';
import { scorerReputation } from '../../src/mediator/reputation.js';
import {
  DEFAULT_REPUTATION_CONFIG,
  MemoryReputationStore,
  ReputationScorer,
  SqliteReputationStore,
  applyOutcome,
  assess,
  newProvider,
  newRecord,
  resolveReputationConfig,
  scoreOf,
  type ReputationConfig,
  type ReputationRecord,
  type ReputationStore,
} from '../../src/reputation/index.js';

/**
 * A flagged pass: a job accepted although an optional verifier failed below the reject weight (e.g. a forged
 * telemetry trace next to a passing spot-sample). Not a fail, not clean: probation, no pass credit.
 */

const DAY = 86_400_000;
const config = DEFAULT_REPUTATION_CONFIG;
const isBadInput = (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT';

const configArb: fc.Arbitrary<ReputationConfig> = fc
  .record({
    alpha: fc.double({ min: 0.1, max: 20, noNaN: true }),
    beta: fc.double({ min: 0.1, max: 20, noNaN: true }),
    passWeight: fc.double({ min: 0.1, max: 5, noNaN: true }),
    extraFail: fc.double({ min: 0, max: 20, noNaN: true }),
    floor: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
    gain: fc.double({ min: 0, max: 10, noNaN: true }),
    bound: fc.constantFrom('beta' as const, 'wilson' as const),
    newcomerJobs: fc.integer({ min: 0, max: 60 }),
    probationRate: fc.double({ min: 0, max: 1, noNaN: true }),
    probationPasses: fc.integer({ min: 0, max: 30 }),
  })
  .map((c) =>
    resolveReputationConfig({
      prior: { alpha: c.alpha, beta: c.beta },
      passWeight: c.passWeight,
      failWeight: c.passWeight + c.extraFail,
      floor: c.floor,
      distrustGain: c.gain,
      bound: c.bound,
      newcomerJobs: c.newcomerJobs,
      probation: { rate: c.probationRate, passes: c.probationPasses },
    }),
  );

const recordArb = (cfg: ReputationConfig): fc.Arbitrary<ReputationRecord> =>
  fc
    .record({
      pass: fc.double({ min: 0, max: 5000, noNaN: true }),
      fail: fc.double({ min: 0, max: 500, noNaN: true }),
      passes: fc.integer({ min: 0, max: 5000 }),
      passesSinceFail: fc.integer({ min: 0, max: 40 }),
      probation: fc.boolean(),
    })
    .map((r) => ({ ...newRecord('p', 'job', 0, cfg), ...r }));

const stakeArb = fc.double({ min: 0, max: 200, noNaN: true });

test('a flagged pass never raises the score, adds no fail evidence and never suspends or slashes', () => {
  fc.assert(
    fc.property(
      configArb.chain((cfg) => fc.tuple(fc.constant(cfg), recordArb(cfg), stakeArb)),
      ([cfg, rec, stake]) => {
        const prov = newProvider('p', 0, stake);
        const before = scoreOf(rec, cfg);
        const { record, provider, actions } = applyOutcome(rec, prov, 'pass', 0, cfg, { flagged: true });
        const after = scoreOf(record, cfg);
        assert.ok(after.mean <= before.mean && after.lower <= before.lower + 1e-12, 'the score does not rise');
        assert.ok(after.mean >= 0 && after.mean <= 1 && after.lower >= 0 && after.lower <= after.mean);
        assert.equal(record.pass, rec.pass, 'no pass credit');
        assert.equal(record.fail, rec.fail, 'no fail evidence');
        assert.equal(record.recentFails, rec.recentFails);
        assert.equal(record.fails, rec.fails);
        assert.equal(record.passes, rec.passes + 1, 'it is an adjudicated pass in the lifetime count');
        assert.equal(record.passesSinceFail, 0);
        assert.equal(record.probation, true);
        assert.equal(record.suspendedUntil, rec.suspendedUntil);
        assert.deepEqual(actions, { slash: 0, banned: false });
        assert.equal(provider, prov, 'stake untouched');
      },
    ),
  );
});

test('a flagged pass never gives a lower check probability than a clean pass, and at least the probation rate', () => {
  fc.assert(
    fc.property(
      configArb.chain((cfg) => fc.tuple(fc.constant(cfg), recordArb(cfg), stakeArb)),
      ([cfg, rec, stake]) => {
        const prov = newProvider('p', 0, stake);
        const rate = (flagged: boolean) => {
          const next = applyOutcome(rec, prov, 'pass', 0, cfg, { flagged }).record;
          return assess(next, prov, 0, cfg);
        };
        const flagged = rate(true);
        const clean = rate(false);
        assert.ok(flagged.checkProbability >= clean.checkProbability - 1e-12, `${flagged.checkProbability} < ${clean.checkProbability}`);
        assert.ok(flagged.checkProbability >= cfg.floor && flagged.checkProbability <= 1);
        if (rec.passes + 1 + rec.fails >= cfg.newcomerJobs) {
          assert.equal(flagged.tier, 'probation');
          assert.ok(flagged.checkProbability >= cfg.probation.rate);
        } else assert.equal(flagged.checkProbability, 1, 'a newcomer is checked on every job anyway');
      },
    ),
  );
});

test('probation from a flagged pass ends after exactly probation.passes clean passes; another flag restarts the count', () => {
  fc.assert(
    fc.property(
      configArb.chain((cfg) => fc.tuple(fc.constant(cfg), recordArb(cfg), stakeArb, fc.integer({ min: 0, max: 29 }))),
      ([cfg, rec, stake, flagAt]) => {
        const prov = newProvider('p', 0, stake);
        const needed = Math.max(1, cfg.probation.passes); // a pass is what ends probation, so at least one
        const pass = (r: ReputationRecord, flagged = false) => applyOutcome(r, prov, 'pass', 0, cfg, { flagged }).record;
        let r = pass(rec, true);
        for (let i = 0; i < needed - 1; i++) {
          r = pass(r);
          assert.equal(r.probation, true, `still on probation after ${i + 1} of ${needed}`);
        }
        r = pass(r);
        assert.equal(r.probation, false, `off probation after ${needed} clean passes`);
        // a flag part-way through restarts the count
        if (flagAt < needed) {
          r = pass(rec, true);
          for (let i = 0; i < flagAt; i++) r = pass(r);
          r = pass(r, true);
          for (let i = 0; i < needed - 1; i++) r = pass(r);
          assert.equal(r.probation, true);
          assert.equal(pass(r).probation, false);
        }
      },
    ),
  );
});

test('scores stay in [0, 1] and rates in [floor, 1] over any sequence of clean, flagged, failed and inconclusive outcomes', () => {
  const step = fc.constantFrom('pass' as const, 'flagged' as const, 'fail' as const, 'inconclusive' as const);
  fc.assert(
    fc.property(configArb, fc.array(fc.tuple(step, fc.integer({ min: 0, max: 3 })), { maxLength: 120 }), stakeArb, (cfg, steps, stake) => {
      const prov = newProvider('p', 0, stake);
      let r = newRecord('p', 'job', 0, cfg);
      let now = 0;
      for (const [s, days] of steps) {
        now += days * DAY;
        r = applyOutcome(r, prov, s === 'flagged' ? 'pass' : s, now, cfg, { flagged: s === 'flagged' }).record;
        const score = scoreOf(r, cfg);
        assert.ok(score.mean >= 0 && score.mean <= 1 && score.lower >= 0 && score.lower <= score.mean);
        const a = assess(r, prov, now, cfg);
        if (a.eligible) assert.ok(a.checkProbability >= cfg.floor && a.checkProbability <= 1);
      }
    }),
  );
});

test('only a pass can be flagged; flag names are validated', () => {
  const rec = newRecord('p', 'job', 0, config);
  const prov = newProvider('p', 0, 25);
  for (const o of ['fail', 'inconclusive'] as const) {
    assert.throws(() => applyOutcome(rec, prov, o, 0, config, { flagged: true }), isBadInput);
  }
  const scorer = new ReputationScorer({ store: new MemoryReputationStore(), clock: new ManualClock(0) });
  assert.throws(() => scorer.recordOutcome('p', 'job', 'fail', { flags: ['telemetry'] }), isBadInput);
  for (const bad of [[''], ['x'.repeat(257)], Array.from({ length: 65 }, (_, i) => `v${i}`), 'telemetry', [3]]) {
    assert.throws(() => scorer.recordOutcome('p', 'job', 'pass', { flags: bad as never }), isBadInput, JSON.stringify(bad));
  }
  assert.equal(scorer.record('p', 'job').passes, 0, 'a refused outcome records nothing');
  // an empty list is a clean pass
  scorer.recordOutcome('p', 'job', 'pass', { flags: [] });
  assert.equal(scorer.record('p', 'job').passesSinceFail, 1);
});

/** A trusted provider (past the newcomer checks, at the floor) with the given store. */
function trustedScorer(store: ReputationStore): ReputationScorer {
  const scorer = new ReputationScorer({ store, clock: new ManualClock(1_700_000_000_000) });
  scorer.setStake('p', 25);
  for (let i = 0; i < 200; i++) scorer.recordOutcome('p', 'llm-inference', 'pass', { jobId: `history-${i}` });
  return scorer;
}

test('scorer: a flagged pass puts a trusted provider on probation (rate 0.25) until 10 clean passes, and is in the audit log', () => {
  const store = new MemoryReputationStore();
  const scorer = trustedScorer(store);
  const before = scorer.assess('p', 'llm-inference');
  assert.equal(before.tier, 'trusted');
  assert.equal(before.checkProbability, config.floor);
  const res = scorer.recordOutcome('p', 'llm-inference', 'pass', { jobId: 'forged-trace', flags: ['telemetry', 'telemetry'] });
  assert.equal(res.assessment.tier, 'probation');
  assert.equal(res.assessment.checkProbability, config.probation.rate);
  assert.equal(res.assessment.score.mean, before.score.mean, 'the score is where it was');
  assert.deepEqual(res.actions, { slash: 0, banned: false });
  assert.deepEqual(store.events('p').at(-1), {
    at: 1_700_000_000_000,
    provider: 'p',
    jobType: 'llm-inference',
    outcome: 'pass',
    confirmed: false,
    jobId: 'forged-trace',
    flags: ['telemetry'],
  });
  assert.equal(scorer.assess('p', 'other-type').tier, 'new', 'probation is per job type');
  for (let i = 0; i < config.probation.passes - 1; i++) scorer.recordOutcome('p', 'llm-inference', 'pass', { jobId: `clean-${i}` });
  assert.equal(scorer.assess('p', 'llm-inference').tier, 'probation');
  scorer.recordOutcome('p', 'llm-inference', 'pass', { jobId: 'clean-last' });
  assert.equal(scorer.assess('p', 'llm-inference').tier, 'trusted');
  assert.equal(scorer.checkProbability('p', 'llm-inference'), config.floor);
  assert.equal(store.events('p').at(-1)!.flags, undefined, 'a clean pass carries no flags');
});

test('scorer.recordDecision: an accept with a failing optional finding is a flagged pass; a clean accept is not', () => {
  const store = new MemoryReputationStore();
  const scorer = trustedScorer(store);
  const decision = (jobId: string, telemetry: 'pass' | 'fail'): Decision => ({
    v: 1,
    jobId,
    jobType: 'llm-inference',
    outcome: 'accept',
    reasons: [],
    findings: [
      { verifier: 'spot-sample', outcome: 'pass', reason: 'all sampled positions match' },
      { verifier: 'telemetry', outcome: telemetry, reason: telemetry === 'fail' ? 'forgery signs' : 'plausible', confidence: 0.6 },
    ],
    skipped: [],
    policy: { id: 'llm', version: '1', hash: '0x00' },
    decidedAt: 0,
  });
  scorer.recordDecision(decision('clean', 'pass'), 'p');
  assert.equal(scorer.assess('p', 'llm-inference').tier, 'trusted');
  const res = scorer.recordDecision(decision('forged', 'fail'), 'p');
  assert.equal(res?.assessment.tier, 'probation');
  assert.deepEqual(store.events('p').at(-1)!.flags, ['telemetry']);
});

test('SQLite store: flags survive a reopen; a v1 file is migrated and its rows load without flags', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-rep-flags-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  // A file as the v1 build wrote it: the v1 tables, one record and one event, user_version 1.
  const file = join(dir, 'v1.db');
  const db = new Database(file);
  db.exec(`
    CREATE TABLE reputation_providers (provider TEXT PRIMARY KEY, stake REAL NOT NULL, slashed REAL NOT NULL,
      banned INTEGER NOT NULL, banned_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
    CREATE TABLE reputation_records (provider TEXT NOT NULL, job_type TEXT NOT NULL, pass REAL NOT NULL,
      fail REAL NOT NULL, recent_fails REAL NOT NULL, epoch INTEGER NOT NULL, passes INTEGER NOT NULL,
      fails INTEGER NOT NULL, inconclusive INTEGER NOT NULL, cheats INTEGER NOT NULL,
      passes_since_fail INTEGER NOT NULL, probation INTEGER NOT NULL, suspended_until INTEGER NOT NULL,
      updated_at INTEGER NOT NULL, PRIMARY KEY (provider, job_type)) STRICT;
    CREATE TABLE reputation_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
      provider TEXT NOT NULL, job_type TEXT NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'inconclusive')), confirmed INTEGER NOT NULL,
      job_id TEXT) STRICT;
    CREATE INDEX reputation_events_provider ON reputation_events (provider, seq);
    INSERT INTO reputation_providers VALUES ('p', 25, 0, 0, 0, 1000);
    INSERT INTO reputation_records VALUES ('p', 'llm-inference', 60, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 1000);
    INSERT INTO reputation_events (at, provider, job_type, outcome, confirmed, job_id) VALUES (1000, 'p', 'llm-inference', 'pass', 0, 'old-job');
  `);
  db.pragma('user_version = 1');
  db.close();

  let store = new SqliteReputationStore(file);
  assert.deepEqual(store.events('p'), [{ at: 1000, provider: 'p', jobType: 'llm-inference', outcome: 'pass', confirmed: false, jobId: 'old-job' }]);
  assert.equal(store.getRecord('p', 'llm-inference')?.passes, 60);
  const scorer = new ReputationScorer({ store, clock: new ManualClock(2000) });
  scorer.recordOutcome('p', 'llm-inference', 'pass', { jobId: 'new-job', flags: ['telemetry'] });
  store.close();

  store = new SqliteReputationStore(file);
  t.after(() => store.close());
  const events = store.events('p');
  assert.equal(events.length, 2);
  assert.equal(events[0]!.flags, undefined);
  assert.deepEqual(events[1], { at: 2000, provider: 'p', jobType: 'llm-inference', outcome: 'pass', confirmed: false, jobId: 'new-job', flags: ['telemetry'] });
  assert.equal(store.getRecord('p', 'llm-inference')?.probation, true);
  const check = new Database(file, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), 2);
  check.close();
});

test('scorerReputation: flags of a correct verdict reach the scorer once; other outcomes ignore them', () => {
  const store = new MemoryReputationStore();
  const scorer = trustedScorer(store);
  const port = scorerReputation(scorer, store);
  const event = { provider: 'p', jobType: 'llm-inference', checked: true, at: 0 };
  port.record({ ...event, jobId: 'j1', outcome: 'ProviderCorrect', flags: ['telemetry'] });
  assert.equal(scorer.assess('p', 'llm-inference').tier, 'probation');
  const after = store.events('p', 10_000).length;
  port.record({ ...event, jobId: 'j1', outcome: 'ProviderCorrect', flags: ['telemetry'] }); // replay after a crash
  assert.equal(store.events('p', 10_000).length, after, 'deduplicated by job id');
  port.record({ ...event, jobId: 'j2', outcome: 'Inconclusive', flags: ['telemetry'] });
  assert.deepEqual(store.events('p').at(-1), { at: 1_700_000_000_000, provider: 'p', jobType: 'llm-inference', outcome: 'inconclusive', confirmed: false, jobId: 'j2' });
});
