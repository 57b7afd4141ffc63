import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crashRun } from './fixtures/crash-harness.js';

// Real child processes killed with SIGKILL after randomly chosen durable steps (seeded: a failure replays).
test('kill -9 at 24 random points: every verdict posted exactly once, with the right outcome', { timeout: 240_000 }, async () => {
  const seed = Number(process.env.VERDICT_CRASH_SEED ?? 20261125);
  const r = await crashRun({ kills: 24, disputes: 30, seed });
  assert.equal(r.kills, 24);
  assert.equal(r.lost, 0, 'lost verdicts');
  assert.equal(r.duplicated, 0, 'duplicated verdict transactions');
  assert.equal(r.wrongOutcome, 0);
  assert.equal(r.verdictsOnChain, 30);
  assert.equal(r.transactions, 30, 'one transaction per verdict, never a second one');
  assert.equal(r.integrity, 'ok');
  // the schedule must have hit the dangerous points, not only idle ones
  const points = JSON.stringify(r.killPoints);
  assert.ok(Object.keys(r.killPoints).length >= 5, points);
  assert.ok((r.killPoints.idle ?? 0) <= 4, points);
});
