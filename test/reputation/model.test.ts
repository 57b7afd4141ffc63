import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_REPUTATION_CONFIG,
  applyOutcome,
  assess,
  decayRecord,
  economicMinimum,
  newProvider,
  newRecord,
  resolveReputationConfig,
  scoreOf,
  type ProviderRecord,
  type ReputationConfig,
  type ReputationOutcome,
  type ReputationRecord,
} from '../../src/reputation/index.js';
import { VerdictError } from '../../src/core/index.js';

const DAY = 86_400_000;
const config = DEFAULT_REPUTATION_CONFIG;

/** A record with the given decayed evidence (lifetime counts past the newcomer period). */
function withEvidence(pass: number, fail: number, cfg: ReputationConfig = config): ReputationRecord {
  return { ...newRecord('p', 'job', 0, cfg), pass, fail, passes: 1000, fails: 0 };
}

const evidence = fc.double({ min: 0, max: 5000, noNaN: true });
const configArb: fc.Arbitrary<ReputationConfig> = fc
  .record({
    alpha: fc.double({ min: 0.1, max: 20, noNaN: true }),
    beta: fc.double({ min: 0.1, max: 20, noNaN: true }),
    passWeight: fc.double({ min: 0.1, max: 5, noNaN: true }),
    extraFail: fc.double({ min: 0, max: 20, noNaN: true }),
    lambda: fc.double({ min: 0.5, max: 1, noNaN: true }),
    floor: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
    gain: fc.double({ min: 0, max: 10, noNaN: true }),
    bound: fc.constantFrom('beta' as const, 'wilson' as const),
    newcomerJobs: fc.integer({ min: 0, max: 60 }),
  })
  .map((c) =>
    resolveReputationConfig({
      prior: { alpha: c.alpha, beta: c.beta },
      passWeight: c.passWeight,
      failWeight: c.passWeight + c.extraFail,
      decay: { lambda: c.lambda, periodMs: DAY },
      floor: c.floor,
      distrustGain: c.gain,
      bound: c.bound,
      newcomerJobs: c.newcomerJobs,
    }),
  );

test('scores lie in [0, 1] with lower ≤ mean, for any evidence and config', () => {
  fc.assert(
    fc.property(configArb, evidence, evidence, (cfg, pass, fail) => {
      const s = scoreOf(withEvidence(pass, fail, cfg), cfg);
      assert.ok(s.mean >= 0 && s.mean <= 1);
      assert.ok(s.lower >= 0 && s.lower <= s.mean);
    }),
  );
});

test('score and lower bound are monotone: up in passes, down in fails', () => {
  fc.assert(
    fc.property(configArb, evidence, evidence, fc.double({ min: 0.01, max: 100, noNaN: true }), (cfg, pass, fail, more) => {
      const s = scoreOf(withEvidence(pass, fail, cfg), cfg);
      const morePass = scoreOf(withEvidence(pass + more, fail, cfg), cfg);
      const moreFail = scoreOf(withEvidence(pass, fail + more, cfg), cfg);
      assert.ok(morePass.mean >= s.mean && morePass.lower >= s.lower - 1e-12);
      assert.ok(moreFail.mean <= s.mean && moreFail.lower <= s.lower + 1e-12);
    }),
  );
});

test('recording a pass never lowers the score; a fail never raises it; inconclusive never moves it', () => {
  fc.assert(
    fc.property(configArb, evidence, evidence, fc.double({ min: 0, max: 200, noNaN: true }), (cfg, pass, fail, stake) => {
      const rec = withEvidence(pass, fail, cfg);
      const prov = newProvider('p', 0, stake);
      const before = scoreOf(rec, cfg);
      const after = (o: ReputationOutcome) => scoreOf(applyOutcome(rec, prov, o, 0, cfg).record, cfg);
      assert.ok(after('pass').mean >= before.mean && after('pass').lower >= before.lower - 1e-12);
      assert.ok(after('fail').mean <= before.mean && after('fail').lower <= before.lower + 1e-12);
      assert.deepEqual(after('inconclusive'), before);
    }),
  );
});

test('for a provider in good standing, a fail moves the score further than a pass (asymmetric weights)', () => {
  fc.assert(
    fc.property(evidence, evidence, (a, b) => {
      const [pass, fail] = a >= b ? [a, b] : [b, a];
      const rec = withEvidence(pass, fail);
      const prov = newProvider('p', 0, 1000);
      const s = scoreOf(rec, config).mean;
      const up = scoreOf(applyOutcome(rec, prov, 'pass', 0, config).record, config).mean - s;
      const down = s - scoreOf(applyOutcome(rec, prov, 'fail', 0, config).record, config).mean;
      assert.ok(down > up, `down ${down} up ${up}`);
    }),
  );
});

test('decay moves the score monotonically toward the prior, and all the way in the limit', () => {
  fc.assert(
    fc.property(configArb, evidence, evidence, fc.integer({ min: 1, max: 400 }), (cfg, pass, fail, days) => {
      const prior = cfg.prior.alpha / (cfg.prior.alpha + cfg.prior.beta);
      const rec = withEvidence(pass, fail, cfg);
      let last = Math.abs(scoreOf(rec, cfg).mean - prior);
      for (const d of [1, days, days * 2]) {
        const dist = Math.abs(scoreOf(decayRecord(rec, d * DAY, cfg), cfg).mean - prior);
        assert.ok(dist <= last + 1e-12, `day ${d}: ${dist} > ${last}`);
        last = dist;
      }
      if (cfg.decay.lambda < 0.99) {
        const far = scoreOf(decayRecord(rec, 100_000 * DAY, cfg), cfg).mean;
        assert.ok(Math.abs(far - prior) < 1e-6);
      }
    }),
  );
  // A clock that goes backwards does not un-forget.
  const rec = { ...withEvidence(10, 1), epoch: 5 };
  assert.equal(decayRecord(rec, 0, config), rec);
});

test('check probability stays in [floor, 1], never below the economic minimum, 1 for newcomers', () => {
  fc.assert(
    fc.property(
      configArb,
      evidence,
      evidence,
      fc.double({ min: 0, max: 1000, noNaN: true }),
      fc.integer({ min: 0, max: 100 }),
      fc.boolean(),
      (cfg, pass, fail, stake, adjudicated, probation) => {
        const rec = { ...withEvidence(pass, fail, cfg), passes: adjudicated, probation };
        const a = assess(rec, newProvider('p', 0, stake), 0, cfg);
        assert.ok(a.checkProbability >= cfg.floor && a.checkProbability <= 1);
        assert.ok(a.checkProbability >= Math.min(1, a.economicMinimum) - 1e-15);
        assert.ok(Math.abs(a.economicMinimum - economicMinimum('job', stake, cfg)) < 1e-15);
        if (adjudicated < cfg.newcomerJobs) assert.equal(a.checkProbability, 1);
        if (probation && adjudicated >= cfg.newcomerJobs) assert.ok(a.checkProbability >= cfg.probation.rate);
        assert.equal(a.eligible, true);
      },
    ),
  );
});

test('check probability falls as passes accumulate and rises with fails (never more checks for a better record)', () => {
  fc.assert(
    fc.property(evidence, evidence, fc.double({ min: 0.5, max: 100, noNaN: true }), (pass, fail, more) => {
      const prov = newProvider('p', 0, 25);
      const rate = (p: number, f: number) => assess(withEvidence(p, f), prov, 0, config).checkProbability;
      assert.ok(rate(pass + more, fail) <= rate(pass, fail) + 1e-12);
      assert.ok(rate(pass, fail + more) >= rate(pass, fail) - 1e-12);
    }),
  );
});

test('stake weighting: less stake earns trust more slowly and needs a higher economic minimum', () => {
  const rec = withEvidence(100, 0);
  const small = applyOutcome(rec, newProvider('p', 0, 2), 'pass', 0, config).record.pass - 100;
  const large = applyOutcome(rec, newProvider('p', 0, 100), 'pass', 0, config).record.pass - 100;
  assert.ok(small < large);
  assert.equal(large, config.passWeight);
  assert.ok(economicMinimum('job', 2, config) > economicMinimum('job', 100, config));
  // No stake: p* = G/(d·R) = 0.5/0.9, times the 1.5 margin.
  assert.ok(Math.abs(assess(rec, newProvider('p', 0, 0), 0, config).checkProbability - (1.5 * 0.5) / 0.9) < 1e-12);
  // A job whose gain exceeds what a check can take away cannot be deterred at this stake: every job is checked.
  const cfg = resolveReputationConfig({
    economics: { default: config.economics.default, byJobType: { big: { reward: 1, cost: 1, gain: 30, detection: 0.9 } } },
  });
  const big = assess({ ...withEvidence(100, 0, cfg), jobType: 'big' }, newProvider('p', 0, 25), 0, cfg);
  assert.equal(big.checkProbability, 1);
  assert.equal(big.deterrent, false);
});

test('a confirmed cheat slashes the whole stake and bans the identity everywhere', () => {
  const rec = withEvidence(500, 0);
  const prov: ProviderRecord = newProvider('p', 0, 25);
  const { record, provider, actions } = applyOutcome(rec, prov, 'fail', 1000, config, { confirmed: true });
  assert.equal(actions.slash, 25);
  assert.equal(actions.banned, true);
  assert.equal(provider.stake, 0);
  assert.equal(provider.slashed, 25);
  assert.equal(record.cheats, 1);
  const a = assess(newRecord('p', 'other-job', 0, config), provider, 2000, config);
  assert.equal(a.tier, 'banned');
  assert.equal(a.eligible, false);
  assert.throws(() => applyOutcome(rec, prov, 'pass', 0, config, { confirmed: true }), (e: unknown) => e instanceof VerdictError);
});

test('one unconfirmed fail means probation, never suspension; repeated fails suspend for a while, then probation', () => {
  const prov = newProvider('p', 0, 25);
  let rec = { ...newRecord('p', 'job', 0, config), passes: 60, pass: 60 };
  let res = applyOutcome(rec, prov, 'fail', 0, config);
  assert.equal(res.actions.suspendedUntil, undefined);
  assert.equal(assess(res.record, prov, 0, config).tier, 'probation');
  assert.ok(assess(res.record, prov, 0, config).checkProbability >= config.probation.rate);
  // Probation ends after probation.passes passes in a row.
  rec = res.record;
  for (let i = 0; i < config.probation.passes; i++) rec = applyOutcome(rec, prov, 'pass', 0, config).record;
  assert.notEqual(assess(rec, prov, 0, config).tier, 'probation');
  // A provider that keeps failing is suspended, and comes back on probation.
  for (let i = 0; i < 20 && res.actions.suspendedUntil === undefined; i++) {
    res = applyOutcome(res.record, prov, 'fail', 1000, config);
  }
  const until = res.actions.suspendedUntil!;
  assert.equal(until, 1000 + config.suspension.durationMs);
  assert.equal(assess(res.record, prov, until - 1, config).tier, 'suspended');
  assert.equal(assess(res.record, prov, until - 1, config).eligible, false);
  assert.equal(assess(res.record, prov, until, config).tier, 'probation');
});

test('config: partial configs are completed; invalid ones are BAD_CONFIG, garbage never crashes', () => {
  const c = resolveReputationConfig({ floor: 0.1, probation: { rate: 0.6 } });
  assert.equal(c.floor, 0.1);
  assert.equal(c.probation.rate, 0.6);
  assert.equal(c.probation.passes, DEFAULT_REPUTATION_CONFIG.probation.passes);
  for (const bad of [{ floor: 0 }, { floor: 2 }, { failWeight: 0.5 }, { decay: { lambda: 1.5 } }, { confidence: 1 }, { bound: 'x' }]) {
    assert.throws(() => resolveReputationConfig(bad as never), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_CONFIG');
  }
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...Object.keys(DEFAULT_REPUTATION_CONFIG), 'junk'), fc.anything()), (raw) => {
      try {
        resolveReputationConfig(raw as never);
      } catch (e) {
        assert.ok(e instanceof VerdictError && e.code === 'BAD_CONFIG', String(e));
      }
    }),
  );
});
