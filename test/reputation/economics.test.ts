import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VerdictError } from '../../src/core/index.js';
import {
  cheatExpectedValue,
  cheatingAdvantage,
  expectedUndetectedCheats,
  honestExpectedValue,
  isDeterred,
  maxCheckProbabilityForParticipation,
  minCheckProbability,
  minStakeFor,
  mixedCheatingAdvantage,
  posMinCheckProbability,
  type JobEconomics,
} from '../../src/sampling/economics.js';

const amount = fc.double({ min: 0, max: 1e4, noNaN: true, noDefaultInfinity: true });
const positive = fc.double({ min: 1e-3, max: 1e4, noNaN: true, noDefaultInfinity: true });
const detection = fc.double({ min: 1e-3, max: 1, noNaN: true });
const prob = fc.double({ min: 0, max: 1, noNaN: true });
const econ: fc.Arbitrary<JobEconomics> = fc.record({ reward: amount, cost: amount, gain: positive, stake: amount, detection });

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

test('EV(cheat) − EV(honest) is G − p·d·(R + S) for every job and check probability', () => {
  fc.assert(
    fc.property(econ, prob, (e, p) => {
      assert.ok(close(cheatExpectedValue(e, p) - honestExpectedValue(e, p), cheatingAdvantage(e, p), 1e-9));
    }),
  );
});

test('p* = G/(d·(R+S)) is the break-even: cheating pays below it and not above it', () => {
  fc.assert(
    fc.property(econ, (e) => {
      const pStar = minCheckProbability(e);
      if (pStar > 1) {
        // No check rate deters: even checking every job leaves cheating profitable.
        assert.ok(cheatingAdvantage(e, 1) > 0);
        assert.equal(isDeterred(e, 1), false);
        return;
      }
      assert.ok(Math.abs(cheatingAdvantage(e, pStar)) <= 1e-9 * Math.max(1, e.gain));
      if (pStar < 0.999) assert.ok(isDeterred(e, Math.min(1, pStar * 1.001 + 1e-12)));
      if (pStar > 1e-6) assert.ok(cheatingAdvantage(e, pStar * 0.999) > 0);
    }),
  );
});

test("the paper's condition p·S ≥ (1 − p)·G is the special case d = 1, R = C = G", () => {
  fc.assert(
    fc.property(amount, positive, (stake, gain) => {
      const e = { reward: gain, cost: gain, gain, stake, detection: 1 };
      const pPos = posMinCheckProbability(stake, gain);
      assert.ok(close(minCheckProbability(e), pPos));
      assert.ok(close(pPos * stake, (1 - pPos) * gain, 1e-9));
    }),
  );
  // A worked example from the derivation in docs/reputation.md.
  assert.ok(close(minCheckProbability({ reward: 1, cost: 0.5, gain: 0.5, stake: 25, detection: 0.9 }), 0.5 / (0.9 * 26)));
});

test('p* falls as the stake or the detection probability grows and rises with the gain', () => {
  fc.assert(
    fc.property(econ, positive, fc.double({ min: 1.01, max: 10, noNaN: true }), (e, more, factor) => {
      assert.ok(minCheckProbability({ ...e, stake: e.stake + more }) <= minCheckProbability(e));
      assert.ok(minCheckProbability({ ...e, gain: e.gain * factor }) >= minCheckProbability(e));
      const d2 = Math.min(1, e.detection * factor);
      assert.ok(minCheckProbability({ ...e, detection: d2 }) <= minCheckProbability(e) * (1 + 1e-12));
    }),
  );
});

test('the stake from minStakeFor deters at that rate, and a smaller one does not', () => {
  fc.assert(
    fc.property(econ, fc.double({ min: 0.001, max: 1, noNaN: true }), (e, p) => {
      const s = minStakeFor(e, p);
      assert.ok(cheatingAdvantage({ ...e, stake: s }, p) <= 1e-9 * Math.max(1, e.gain));
      if (s > 1e-6) assert.ok(!isDeterred({ ...e, stake: s * 0.99 }, p));
    }),
  );
});

test('cheating rarely does not change the sign of the advantage', () => {
  fc.assert(
    fc.property(econ, prob, fc.double({ min: 1e-6, max: 1, noNaN: true }), (e, p, f) => {
      const a = cheatingAdvantage(e, p);
      const m = mixedCheatingAdvantage(e, p, f);
      assert.equal(Math.sign(m), Math.sign(a));
    }),
  );
});

test('honest providers still earn at the largest rate allowed by the false-confirmation rate', () => {
  fc.assert(
    fc.property(econ, fc.double({ min: 1e-6, max: 1, noNaN: true }), (e, fc_) => {
      const pMax = maxCheckProbabilityForParticipation(e, fc_);
      if (e.reward < e.cost) assert.equal(pMax, 0);
      else assert.ok(honestExpectedValue(e, pMax, fc_) >= -1e-9 * Math.max(1, e.reward + e.stake));
    }),
  );
});

test('expected undetected cheats is the mean of a geometric count', () => {
  assert.equal(expectedUndetectedCheats(1, 1), 0);
  assert.ok(close(expectedUndetectedCheats(0.04, 0.9), (1 - 0.036) / 0.036));
  assert.equal(expectedUndetectedCheats(0, 0.5), Number.POSITIVE_INFINITY);
});

test('invalid parameters are refused with BAD_INPUT, never a crash or a silent NaN', () => {
  const anyNumber = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 0, 2));
  fc.assert(
    fc.property(fc.record({ reward: anyNumber, cost: anyNumber, gain: anyNumber, stake: anyNumber, detection: anyNumber }), anyNumber, (e, p) => {
      for (const fn of [() => minCheckProbability(e), () => cheatingAdvantage(e, p), () => cheatExpectedValue(e, p), () => honestExpectedValue(e, p)]) {
        try {
          const v = fn();
          assert.ok(!Number.isNaN(v), 'a result is never NaN');
        } catch (err) {
          assert.ok(err instanceof VerdictError && err.code === 'BAD_INPUT', String(err));
        }
      }
    }),
  );
});
