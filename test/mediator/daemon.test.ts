import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { isVerdictError, ManualClock, systemClock } from '../../src/core/index.js';
import { ReputationScorer, SqliteReputationStore } from '../../src/reputation/index.js';
import { startMediatorDaemon } from '../../src/mediator/daemon.js';
import { scorerReputation } from '../../src/mediator/reputation.js';
import { mediatorCommand } from '../../src/cli/commands/mediator.js';
import { MemoryChain } from '../../src/mediator/memory-chain.js';
import { stringify } from 'yaml';
import { World, JOB_TYPE, POLICY } from './fixtures/world.js';

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('daemon: decides disputes, serves /health and /metrics, reports a dead RPC as degraded, stops gracefully', async (t) => {
  const w = new World();
  w.clock = systemClock;
  t.after(() => w.cleanup());
  const daemon = await startMediatorDaemon({
    chain: w.chain.port(w.me),
    dbPath: join(w.dir, 'db', 'mediator.db'),
    evidenceDir: w.evidenceStore.dir,
    policies: w.policies,
    registry: w.registry,
    port: 0,
    pollIntervalMs: 20,
    degradedAfter: 2,
    engine: { confirmations: 1, backoff: { baseMs: 5, maxMs: 20 } },
  });
  t.after(() => daemon.stop());
  const a = w.dispute({ honest: true });
  const b = w.dispute({ honest: false });
  w.chain.mine(2);
  await until(() => w.chain.verdicts.size === 2 && daemon.store.countsByStatus().confirmed === 2);
  assert.equal(w.chain.verdicts.get(a.event.jobId)!.outcome, 0);
  assert.equal(w.chain.verdicts.get(b.event.jobId)!.outcome, 1);

  const health = await fetch(`${daemon.status.url}/health`);
  assert.equal(health.status, 200);
  const h = (await health.json()) as Record<string, any>;
  assert.equal(h.status, 'ok');
  assert.equal(h.disputes.confirmed, 2);
  assert.equal(h.address, w.me);

  const metrics = await (await fetch(`${daemon.status.url}/metrics`)).text();
  assert.match(metrics, /verdict_mediator_disputes\{state="confirmed"\} 2/);
  assert.match(metrics, /verdict_mediator_verdicts_posted_total\{outcome="ProviderFaulty",posted_by="self"\} 1/);
  assert.match(metrics, /verdict_mediator_verification_seconds_count\{job_type="mtest"\} 2/);
  assert.equal((await fetch(`${daemon.status.url}/nope`)).status, 404);

  w.chain.faults.down = true;
  let degraded = await fetch(`${daemon.status.url}/health`);
  for (let i = 0; i < 500 && degraded.status === 200; i++) {
    await new Promise((r) => setTimeout(r, 10));
    degraded = await fetch(`${daemon.status.url}/health`);
  }
  assert.equal(degraded.status, 503);
  assert.match(((await degraded.json()) as { lastError: string }).lastError, /CHAIN_ERROR/);
  assert.match(await (await fetch(`${daemon.status.url}/metrics`)).text(), /verdict_mediator_rpc_errors_total\{op="confirmedBlock"\} \d+/);
  w.chain.faults.down = false;

  await daemon.stop('test');
  await daemon.done;
  await assert.rejects(fetch(`${daemon.status.url}/health`));
});

test('daemon start fails fast with one clear error: unreachable RPC, wrong contract, port in use', async (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const base = { dbPath: join(w.dir, 'm.db'), evidenceDir: join(w.dir, 'ev'), policies: w.policies, registry: w.registry, port: 0 };
  w.chain.faults.down = true;
  await assert.rejects(startMediatorDaemon({ ...base, chain: w.chain.port(w.me) }), (e) => isVerdictError(e, 'CHAIN_ERROR'));
  w.chain.faults.down = false;
  w.chain.faults.wrongContract = true;
  await assert.rejects(startMediatorDaemon({ ...base, chain: w.chain.port(w.me) }), (e) => isVerdictError(e, 'BAD_CONFIG'));
  w.chain.faults.wrongContract = false;
  const first = await startMediatorDaemon({ ...base, chain: w.chain.port(w.me) });
  t.after(() => first.stop());
  await assert.rejects(
    startMediatorDaemon({ ...base, dbPath: join(w.dir, 'other.db'), port: first.status.port, chain: w.chain.port(w.me) }),
    (e) => isVerdictError(e, 'BAD_CONFIG') && /cannot listen/.test(e.message),
  );
});

test('reputation: adjudicated verdicts move the real scorer once each, even when replayed', (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const clock = new ManualClock(1_700_000_000_000);
  const store = new SqliteReputationStore(join(w.dir, 'rep.db'));
  t.after(() => store.close());
  const scorer = new ReputationScorer({ store, clock });
  const rep = scorerReputation(scorer, store);
  const before = rep.checkProbability(w.provider, JOB_TYPE);
  const e = { provider: w.provider, jobId: 'job-a', jobType: JOB_TYPE, outcome: 'ProviderCorrect' as const, checked: true, at: clock.now() };
  for (let i = 0; i < 3; i++) rep.record(e);
  rep.record({ ...e, jobId: 'job-b', checked: false });
  assert.equal(store.events(w.provider).length, 1, 'replays and unchecked verdicts are not counted');
  rep.record({ ...e, jobId: 'job-c', outcome: 'ProviderFaulty' });
  const events = store.events(w.provider);
  assert.deepEqual(events.map((x) => `${x.jobId}:${x.outcome}:${x.confirmed}`), ['job-a:pass:false', 'job-c:fail:true']);
  assert.ok(rep.checkProbability(w.provider, JOB_TYPE) >= before);
});

function cliIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } }, out, err };
}

test('verdict mediator start: bad key file, bad contract address, unreachable RPC give one-line errors', async (t) => {
  const w = new World();
  t.after(() => w.cleanup());
  const policies = join(w.dir, 'policies');
  mkdirSync(policies);
  writeFileSync(join(policies, 'mtest.yaml'), stringify(POLICY));
  const key = join(w.dir, 'key');
  writeFileSync(key, `0x${'11'.repeat(32)}\n`);
  chmodSync(key, 0o600);
  const args = ['start', '--rpc', 'http://127.0.0.1:9', '--contract', `0x${'22'.repeat(20)}`, '--db', join(w.dir, 'm.db'), '--policies', policies, '--port', '0'];
  const chain = new MemoryChain();
  const deps = { createChain: async () => chain.port(w.me), registry: async () => w.registry, logger: undefined };

  writeFileSync(join(w.dir, 'bad'), 'not a key');
  await assert.rejects(mediatorCommand([...args, '--key-file', join(w.dir, 'bad')], cliIo().io, deps), (e) => isVerdictError(e, 'BAD_CONFIG') && /64 hex digits/.test(e.message));
  await assert.rejects(mediatorCommand([...args, '--key-file', join(w.dir, 'absent')], cliIo().io, deps), (e) => isVerdictError(e, 'BAD_CONFIG') && /does not exist/.test(e.message));
  const badAddr = args.map((a) => (a.startsWith('0x22') ? '0x1234' : a));
  await assert.rejects(mediatorCommand([...badAddr, '--key-file', key], cliIo().io, deps), (e) => isVerdictError(e, 'BAD_CONFIG') && /20-byte address/.test(e.message));
  chain.faults.down = true;
  await assert.rejects(mediatorCommand([...args, '--key-file', key, '--log-level', 'silent'], cliIo().io, deps), (e) => isVerdictError(e, 'CHAIN_ERROR'));
  chain.faults.down = false;
  await assert.rejects(mediatorCommand(['start', '--db', 'x'], cliIo().io, deps), (e) => isVerdictError(e, 'BAD_INPUT') && /--rpc/.test(e.message));

  // a good start runs until SIGTERM, then exits 0; `status` reads the database
  const signals = new EventEmitter();
  const { io, err } = cliIo();
  let url = '';
  const running = mediatorCommand([...args, '--key-file', key, '--log-level', 'silent', '--poll-ms', '20'], io, {
    ...deps,
    signals: signals as never,
    onStarted: (d) => (url = d.status.url),
  });
  await until(() => url !== '');
  w.dispute();
  chain.raiseDispute({ jobKey: 'no-evidence-job', provider: w.provider, creator: w.creator });
  chain.mine(3);
  assert.equal((await fetch(`${url}/health`)).status, 200);
  signals.emit('SIGTERM');
  assert.equal(await running, 0);
  assert.match(err.join(''), /verdict mediator 0x/);
  const st = cliIo();
  assert.equal(await mediatorCommand(['status', '--db', join(w.dir, 'm.db')], st.io), 0);
  assert.match(st.out.join(''), /next block/);
});
