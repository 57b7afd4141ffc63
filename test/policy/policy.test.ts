import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { VerdictError, type Finding, type Job } from '../../src/core/index.js';
import {
  PolicySet,
  combineFindings,
  loadPolicyFile,
  parsePolicy,
  parsePolicyText,
  selectVerifiers,
  selectionDraw,
  type PolicyInput,
} from '../../src/policy/index.js';

const dir = mkdtempSync(join(tmpdir(), 'verdict-policy-'));
const job: Job = { v: 1, id: 'j1', type: 'wasi', provider: '0x1', spec: {} };
const base: PolicyInput = {
  v: 1,
  id: 'p',
  jobType: 'wasi',
  verifiers: [
    { id: 'rerun', required: true },
    { id: 'telemetry', weight: 0.4 },
    { id: 'spot', weight: 0.7 },
  ],
};
const policy = parsePolicy(base);
const f = (verifier: string, outcome: Finding['outcome'], confidence?: number): Finding => ({ verifier, outcome, reason: `${verifier} ${outcome}`, ...(confidence === undefined ? {} : { confidence }) });

function expectConfigError(text: string, name: string, field: RegExp, expected: RegExp) {
  const path = join(dir, name);
  writeFileSync(path, text);
  assert.throws(
    () => loadPolicyFile(path),
    (e: unknown) => {
      assert.ok(e instanceof VerdictError, String(e));
      assert.equal(e.code, 'BAD_CONFIG');
      assert.ok(e.message.includes(path), `names the file: ${e.message}`);
      assert.match(e.message, field);
      assert.match(e.message, expected);
      return true;
    },
  );
}

test('the shipped policies are valid', () => {
  const set = PolicySet.fromDirectory(join(import.meta.dirname, '../../policies'));
  assert.ok(set.has('wasi'));
  assert.ok(readdirSync(join(import.meta.dirname, '../../policies')).length >= 1);
});

test('bad config files name the file, the field and what was expected', () => {
  expectConfigError('v: 1\nid: x\njobType: wasi\nverifiers:\n  - id: rerun\n    probability: 1.5\n', 'a.yaml', /verifiers\[0\]\.probability/, /1|expected/i);
  expectConfigError('v: 1\nid: x\njobType: wasi\nverifiers: []\n', 'b.yaml', /verifiers/, /at least one verifier/);
  expectConfigError('{"v":1,"id":"x","jobType":"Bad Type","verifiers":[{"id":"rerun"}]}', 'c.json', /jobType/, /job type like/);
  expectConfigError('v: 1\nid: x\njobType: wasi\nverifiers:\n  - id: rerun\n    requried: true\n', 'd.yaml', /verifiers\[0\]/, /requried|unrecognized/i);
  expectConfigError('v: 1\nid: x\njobType: wasi\nverifiers:\n  - id: rerun\n  - id: rerun\n', 'e.yaml', /verifiers\[1\]\.id/, /listed twice/);
  expectConfigError('v: 2\nid: x\n', 'f.yaml', /"v"/, /1/);
  expectConfigError('{"v":1,', 'g.json', /not valid JSON/, /JSON/);
  expectConfigError('v: [1\n', 'h.yaml', /not valid YAML/, /YAML/);
  assert.throws(() => loadPolicyFile(join(dir, 'missing.yaml')), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_CONFIG' && /cannot read/.test(e.message));
});

test('any text given to the policy parser gives a policy or a BAD_CONFIG error', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ v: 1, id: 'x', jobType: 'wasi', verifiers: v }))), (text) => {
      try {
        parsePolicyText(text, 'fuzz.yaml');
      } catch (e) {
        assert.ok(e instanceof VerdictError && e.code === 'BAD_CONFIG', String(e));
      }
    }),
    { numRuns: 300 },
  );
});

test('combine: a required fail rejects; optional fails reject only at the reject weight', () => {
  assert.equal(combineFindings(policy, job, [f('rerun', 'fail'), f('spot', 'pass')], []).outcome, 'reject');
  assert.equal(combineFindings(policy, job, [f('rerun', 'pass'), f('telemetry', 'fail')], []).outcome, 'accept');
  assert.equal(combineFindings(policy, job, [f('rerun', 'pass'), f('telemetry', 'fail'), f('spot', 'fail')], []).outcome, 'reject');
  // confidence scales a fail's weight
  assert.equal(combineFindings(policy, job, [f('rerun', 'pass'), f('telemetry', 'fail', 0.5), f('spot', 'fail', 0.5)], []).outcome, 'accept');
  assert.equal(combineFindings(policy, job, [f('rerun', 'inconclusive'), f('spot', 'pass')], []).outcome, 'inconclusive');
  assert.equal(combineFindings(policy, job, [f('rerun', 'pass'), f('spot', 'inconclusive')], []).outcome, 'accept');
  const strict = parsePolicy({ ...base, combine: { rejectWeight: 1, acceptWeight: 2 } });
  assert.equal(combineFindings(strict, job, [f('rerun', 'pass')], ['spot']).outcome, 'inconclusive');
  const d = combineFindings(policy, job, [f('rerun', 'fail')], ['spot']);
  assert.match(d.reasons[0]!, /required verifier rerun failed/);
  assert.deepEqual(d.skipped, ['spot']);
  assert.match(d.policy.hash, /^0x[0-9a-f]{64}$/);
});

test('combine is monotone: turning a pass into a fail never makes a decision more favourable', () => {
  const order = { accept: 2, inconclusive: 1, reject: 0 } as const;
  const outcomes = fc.constantFrom<Finding['outcome']>('pass', 'fail', 'inconclusive');
  fc.assert(
    fc.property(outcomes, outcomes, outcomes, fc.integer({ min: 0, max: 2 }), (a, b, c, flip) => {
      const fs = [f('rerun', a), f('telemetry', b), f('spot', c)];
      const before = combineFindings(policy, job, fs, []).outcome;
      const worse = fs.map((x, i) => (i === flip && x.outcome === 'pass' ? { ...x, outcome: 'fail' as const } : x));
      assert.ok(order[combineFindings(policy, job, worse, []).outcome] <= order[before]);
    }),
  );
});

test('selection: deterministic, uniform-looking, and follows the probability', () => {
  const seed = new Uint8Array(32).fill(7);
  assert.equal(selectionDraw(seed, 'a', 'b'), selectionDraw(seed, 'a', 'b'));
  assert.notEqual(selectionDraw(seed, 'a', 'b'), selectionDraw(seed, 'a', 'c'));
  const sampled = parsePolicy({ ...base, verifiers: [{ id: 'spot', probability: 0.1 }] });
  let runs = 0;
  for (let i = 0; i < 5000; i++) runs += selectVerifiers(sampled, `job-${i}`, { seed }).run.length;
  assert.ok(runs > 400 && runs < 600, `ran ${runs} of 5000 at p=0.1`);
  const adaptive = parsePolicy({ ...base, verifiers: [{ id: 'spot', probability: 'adaptive' }] });
  assert.deepEqual(selectVerifiers(adaptive, 'x', { seed, adaptiveProbability: 0 }).run, []);
  assert.deepEqual(selectVerifiers(adaptive, 'x', { seed }).run, ['spot']);
  fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string(), fc.string(), (s, j, v) => {
    const u = selectionDraw(s, j, v);
    assert.ok(u >= 0 && u < 1);
  }));
});

test('a policy set refuses two policies for one job type', () => {
  const set = new PolicySet().add(policy);
  assert.throws(() => set.add(parsePolicy({ ...base, id: 'other' })), (e: unknown) => e instanceof VerdictError && e.code === 'DUPLICATE');
  assert.equal(set.forJobType('wasi'), policy);
  assert.throws(() => set.forJobType('zk'), VerdictError);
});
