import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerdictError, type Claim, type Finding, type Job } from '../../src/core/index.js';
import { VerifierRegistry, type Verifier, type VerifyContext } from '../../src/verifiers/index.js';

const job: Job = { v: 1, id: 'job-1', type: 'test', provider: '0xabc', spec: {} };
const claim: Claim = { v: 1, jobId: 'job-1', provider: '0xabc', outputCommitment: `0x${'11'.repeat(32)}` };
const seed = new Uint8Array(32);

/** A third-party verifier, written only against the public API: it checks a claimed sum. */
class SumVerifier implements Verifier<{ numbers: number[]; sum: number }> {
  readonly id = 'acme.sum';
  readonly version = '0.1.0';
  disposed = false;
  parseEvidence(raw: unknown) {
    const r = raw as { numbers?: unknown; sum?: unknown };
    if (!r || !Array.isArray(r.numbers) || !r.numbers.every((n) => typeof n === 'number') || typeof r.sum !== 'number') {
      throw new VerdictError('BAD_EVIDENCE', 'expected {numbers: number[], sum: number}');
    }
    return { numbers: r.numbers as number[], sum: r.sum };
  }
  async verify(_job: Job, e: { numbers: number[]; sum: number }, ctx: VerifyContext): Promise<Finding> {
    assert.equal(ctx.claim.jobId, 'job-1');
    const actual = e.numbers.reduce((a, b) => a + b, 0);
    return actual === e.sum
      ? { verifier: this.id, outcome: 'pass', reason: 'sum matches' }
      : { verifier: this.id, outcome: 'fail', reason: `sum is ${actual}, not ${e.sum}` };
  }
  async dispose() {
    this.disposed = true;
  }
}

class SlowVerifier implements Verifier<null> {
  readonly id = 'slow';
  readonly version = '1';
  aborted = false;
  parseEvidence() {
    return null;
  }
  verify(_j: Job, _e: null, ctx: VerifyContext): Promise<Finding> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve({ verifier: 'slow', outcome: 'pass', reason: 'late' }), 5000);
      ctx.signal.addEventListener('abort', () => {
        this.aborted = true;
        clearTimeout(t);
      });
    });
  }
}

test('a third-party verifier plugs in through the same API as the built-ins', async () => {
  const registry = new VerifierRegistry();
  const sum = new SumVerifier();
  registry.register(sum);
  assert.deepEqual(registry.ids(), ['acme.sum']);
  assert.equal(registry.get('acme.sum'), sum);
  const pass = await registry.run('acme.sum', job, claim, { numbers: [1, 2, 3], sum: 6 }, { seed });
  assert.equal(pass.outcome, 'pass');
  assert.ok(pass.cost && pass.cost.ms >= 0);
  const fail = await registry.run('acme.sum', job, claim, { numbers: [1, 2, 3], sum: 7 }, { seed });
  assert.equal(fail.outcome, 'fail');
  await registry.dispose();
  assert.ok(sum.disposed);
});

test('duplicate ids and malformed verifiers are refused; unknown ids are NOT_FOUND', () => {
  const registry = new VerifierRegistry().register(new SumVerifier());
  assert.throws(() => registry.register(new SumVerifier()), (e: unknown) => e instanceof VerdictError && e.code === 'DUPLICATE');
  assert.throws(() => registry.register({ id: 'Bad Id', version: '1', parseEvidence: () => 0, verify: async () => ({}) as Finding }), VerdictError);
  assert.throws(() => registry.register({ id: 'x' } as never), VerdictError);
  assert.throws(() => registry.get('nope'), (e: unknown) => e instanceof VerdictError && e.code === 'NOT_FOUND');
});

test('bad or missing evidence is a fail finding, not an exception', async () => {
  const registry = new VerifierRegistry().register(new SumVerifier());
  const bad = await registry.run('acme.sum', job, claim, { numbers: 'x' }, { seed });
  assert.equal(bad.outcome, 'fail');
  assert.equal(bad.error?.code, 'BAD_EVIDENCE');
  const missing = await registry.run('acme.sum', job, claim, undefined, { seed });
  assert.equal(missing.outcome, 'fail');
  assert.match(missing.reason, /no evidence/);
});

test('a verifier over its time budget is aborted and reported inconclusive (TIMEOUT, retryable)', async () => {
  const slow = new SlowVerifier();
  const registry = new VerifierRegistry().register(slow);
  const started = Date.now();
  const f = await registry.run('slow', job, claim, {}, { seed, budgetMs: 50 });
  assert.ok(Date.now() - started < 2000);
  assert.equal(f.outcome, 'inconclusive');
  assert.deepEqual(f.error, { code: 'TIMEOUT', retryable: true });
  assert.ok(slow.aborted);
});

test('a verifier that throws unexpectedly yields an inconclusive INTERNAL finding; runAll collects all', async () => {
  const registry = new VerifierRegistry().register(new SumVerifier()).register({
    id: 'broken',
    version: '1',
    parseEvidence: (r: unknown) => r,
    verify: async () => {
      throw new Error('bug');
    },
  });
  const findings = await registry.runAll(['acme.sum', 'broken'], job, claim, { 'acme.sum': { numbers: [2], sum: 2 }, broken: {} }, { seed });
  assert.deepEqual(findings.map((f) => f.outcome), ['pass', 'inconclusive']);
  assert.equal(findings[1]!.error?.code, 'INTERNAL');
});
