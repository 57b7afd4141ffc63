import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { isVerdictError, sha256Hex, keccak256Hex } from '../../src/core/index.js';
import { EvidenceStore, DirectoryEvidenceSource } from '../../src/mediator/evidence-store.js';
import { MediatorStore, SCHEMA_VERSION } from '../../src/mediator/store.js';
import { backoffDelay, canTransition, DISPUTE_STATES, status } from '../../src/mediator/states.js';
import type { DisputeEvent } from '../../src/mediator/ports.js';

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function event(i: number): DisputeEvent {
  return {
    jobId: keccak256Hex(`job ${i}`),
    creator: '0x' + 'c0'.repeat(20),
    provider: '0x' + 'b0'.repeat(20),
    blockNumber: 10 + i,
    blockHash: keccak256Hex(`block ${i}`),
    txHash: keccak256Hex(`tx ${i}`),
    logIndex: 0,
  };
}

test('schema: created in WAL mode at the current version; reopening keeps data; a newer file is refused', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'm.db');
  const s = new MediatorStore(path);
  assert.equal(s.schemaVersion(), SCHEMA_VERSION);
  assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
  s.ingest([event(1)], 12, 1000);
  s.close();
  const again = new MediatorStore(path);
  assert.equal(again.list().length, 1);
  assert.equal(again.nextBlock(), 12);
  again.close();
  const raw = new Database(path);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  assert.throws(() => new MediatorStore(path), (e) => isVerdictError(e, 'STORE_ERROR') && /newer/.test(e.message));
});

test('transitions are checked against the state machine and the current state', (t) => {
  const s = new MediatorStore(join(tmp(t), 'm.db'));
  t.after(() => s.close());
  const [d] = s.ingest([event(1)], 12, 1000);
  assert.throws(() => s.transition(d!.id, 'received', 'posted', 1), (e) => isVerdictError(e, 'INTERNAL'));
  s.transition(d!.id, 'received', 'evidence_fetched', 2);
  assert.throws(() => s.transition(d!.id, 'received', 'evidence_fetched', 3), (e) => isVerdictError(e, 'STORE_ERROR'));
  s.scheduleRetry(d!.id, 'evidence_fetched', 4, 100, 'CHAIN_ERROR: down');
  assert.equal(s.get(d!.id).attempts, 1);
  assert.deepEqual(s.due(50), []);
  assert.equal(s.due(100).length, 1);
  assert.equal(s.nextWakeup(), 100);
  assert.deepEqual(s.countsByStatus(), { retrying: 1 });
  s.transition(d!.id, 'evidence_fetched', 'failed', 5, { error: 'x' });
  assert.equal(s.get(d!.id).attempts, 0);
  assert.deepEqual(s.due(1e15), []);
  assert.deepEqual(s.steps(d!.id).map((x) => `${x.kind}:${x.from}->${x.to}`), [
    'transition:null->received',
    'transition:received->evidence_fetched',
    'retry:evidence_fetched->evidence_fetched',
    'transition:evidence_fetched->failed',
  ]);
});

test('a failing write inside a transition rolls the whole step back', (t) => {
  const s = new MediatorStore(join(tmp(t), 'm.db'));
  t.after(() => s.close());
  const [d] = s.ingest([event(1)], 12, 1000);
  assert.throws(() =>
    s.transition(d!.id, 'received', 'evidence_fetched', 2, {}, () => {
      s.putEvidence(d!.id, { contentId: sha256Hex('x'), path: '/x', size: 1, fetchedAt: 2 });
      throw new Error('disk full');
    }),
  );
  assert.equal(s.get(d!.id).state, 'received');
  assert.equal(s.evidence(d!.id), null);
  assert.equal(s.steps(d!.id).length, 1);
});

test('state machine: every state reaches a terminal one; backoff grows, is capped and deterministic', () => {
  for (const st of DISPUTE_STATES) {
    if (st === 'confirmed' || st === 'failed') continue;
    assert.ok(canTransition(st, 'failed'), st);
  }
  assert.ok(!canTransition('confirmed', 'received'));
  assert.equal(status('signed', 2), 'retrying');
  assert.equal(status('confirmed', 2), 'confirmed');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100 }), fc.string(), (attempt, key) => {
      const o = { baseMs: 100, maxMs: 10_000 };
      const d = backoffDelay(attempt, key, o);
      assert.ok(d >= 1 && d <= o.maxMs);
      assert.equal(d, backoffDelay(attempt, key, o));
      if (attempt <= 5) assert.ok(d >= 0.75 * 100 * 2 ** (attempt - 1) - 1);
    }),
  );
});

test('evidence store: content-addressed, atomic, verified on read, size-limited, job index', (t) => {
  const dir = tmp(t);
  const store = new EvidenceStore(dir, { maxBytes: 1024 });
  const a = store.put(new TextEncoder().encode('hello'));
  assert.equal(a.id, sha256Hex('hello'));
  assert.equal(store.put(new TextEncoder().encode('hello')).path, a.path);
  assert.deepEqual(Buffer.from(store.get(a.id)).toString(), 'hello');
  assert.deepEqual(readdirSync(join(dir, 'tmp')), [], 'no temp files left behind');
  // equal JSON values, different key order: one object
  assert.equal(store.putJson({ a: 1, b: [2] }).id, store.putJson({ b: [2], a: 1 }).id);
  assert.throws(() => store.put(new Uint8Array(2000)), (e) => isVerdictError(e, 'LIMIT_EXCEEDED'));
  assert.throws(() => store.get(sha256Hex('absent')), (e) => isVerdictError(e, 'NOT_FOUND'));
  assert.throws(() => store.get('../../etc/passwd' as `0x${string}`), (e) => isVerdictError(e, 'BAD_INPUT'));
  writeFileSync(a.path, 'tampered');
  assert.throws(() => store.get(a.id), (e) => isVerdictError(e, 'STORE_ERROR') && /corrupt/.test(e.message));
  const doc = store.submit('job-1', { x: 1 });
  assert.equal(store.lookupJob('job-1'), doc.id);
  assert.equal(store.lookupJob(keccak256Hex('job-1')), doc.id, 'by the bytes32 of the id too');
  assert.equal(store.lookupJob('job-2'), null);
});

test('directory evidence source: by on-chain content id, else by job; NOT_FOUND otherwise', async (t) => {
  const dir = tmp(t);
  const store = new EvidenceStore(dir);
  const src = new DirectoryEvidenceSource(store);
  const doc = store.submit('job-1', { x: 1 });
  const jobId = keccak256Hex('job-1');
  assert.equal(sha256Hex(await src.fetch({ jobId })), doc.id);
  assert.equal(sha256Hex(await src.fetch({ jobId: keccak256Hex('other'), evidenceId: doc.id })), doc.id);
  await assert.rejects(src.fetch({ jobId: keccak256Hex('other') }), (e) => isVerdictError(e, 'NOT_FOUND'));
});

test('migration v1 → v2: an old database file opens, keeps every row, and then takes a second round of a job', async (t) => {
  const { World, drain } = await import('./fixtures/world.js');
  const w = new World();
  t.after(() => w.cleanup());
  // real rows: one dispute decided and posted end to end, one that never found its evidence
  const current = w.store('source.db');
  w.dispute({ honest: false });
  w.dispute({ noEvidence: true });
  await drain(w, w.engine(current, { evidenceAttempts: 2 }));
  const tables = ['chain_cursor', 'disputes', 'steps', 'evidence', 'findings', 'decisions', 'verdicts', 'posts'];
  const dump = (db: Database.Database) => Object.fromEntries(tables.map((x) => [x, db.prepare(`SELECT * FROM ${x} ORDER BY rowid`).all()]));
  const before = dump(current.db);
  assert.equal((before.disputes as unknown[]).length, 2);
  assert.ok((before.posts as unknown[]).length >= 1 && (before.findings as unknown[]).length >= 1);
  current.close();

  // the same rows in a file with the v1 schema, as an older release left it
  const v1 = join(w.dir, 'v1.db');
  const old = new Database(v1);
  old.exec(readFileSync(new URL('./fixtures/schema-v1.sql', import.meta.url), 'utf8'));
  old.exec(`ATTACH DATABASE '${join(w.dir, 'source.db')}' AS src`);
  for (const x of tables) old.exec(`INSERT INTO main.${x} SELECT * FROM src.${x}`);
  old.exec('DETACH DATABASE src');
  old.pragma('user_version = 1');
  const row = before.disputes![0] as Record<string, unknown>;
  // v1 allowed one dispute per job
  assert.throws(() => old.prepare('INSERT INTO disputes (job_id, creator, provider, block_number, block_hash, tx_hash, log_index, state, received_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, 0, ?, 0, 0)').run(row.job_id, row.creator, row.provider, row.block_hash, keccak256Hex('round 1'), 'received'), /UNIQUE/);
  old.close();

  const migrated = new MediatorStore(v1);
  t.after(() => migrated.close());
  assert.equal(migrated.schemaVersion(), SCHEMA_VERSION);
  assert.deepEqual(dump(migrated.db), before);
  const indexes = (migrated.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'disputes' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name).sort();
  assert.deepEqual(indexes, ['disputes_due', 'disputes_job']);
  assert.equal(migrated.db.pragma('foreign_keys', { simple: true }), 1);
  assert.throws(() => migrated.db.prepare("INSERT INTO steps (dispute_id, to_state, kind, at) VALUES (999, 'received', 'note', 0)").run(), /FOREIGN KEY/);
  const first = migrated.list()[0]!;
  assert.equal(migrated.verdict(first.id)?.payload.outcome, 1);

  // a new committee round of the same job is a new dispute row; byJobId returns the latest
  const round1: DisputeEvent = {
    jobId: first.jobId,
    creator: first.creator,
    provider: first.provider,
    blockNumber: 500,
    blockHash: keccak256Hex('block 500'),
    txHash: keccak256Hex('round 1 draw'),
    logIndex: 3,
  };
  const added = migrated.ingest([round1], 501, 2000);
  assert.equal(added.length, 1);
  assert.equal(migrated.byJobId(first.jobId)!.id, added[0]!.id);
  assert.equal(migrated.get(first.id).state, 'confirmed');
  assert.equal(migrated.ingest([round1], 502, 2001).length, 0, 'the same chain event is still stored once');
  migrated.close();
  assert.equal(new MediatorStore(v1).schemaVersion(), SCHEMA_VERSION, 'reopening a migrated file is a no-op');
});

test('a v1 file whose rows break a foreign key is refused and left at v1', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'broken.db');
  const old = new Database(path);
  old.exec(readFileSync(new URL('./fixtures/schema-v1.sql', import.meta.url), 'utf8'));
  old.pragma('foreign_keys = OFF'); // (better-sqlite3 turns them on by default) a file some other tool wrote
  old.prepare("INSERT INTO steps (dispute_id, to_state, kind, at) VALUES (42, 'received', 'transition', 0)").run();
  old.pragma('user_version = 1');
  old.close();
  assert.throws(() => new MediatorStore(path), (e) => isVerdictError(e, 'STORE_ERROR') && /foreign key/.test(e.message));
  const check = new Database(path, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), 1);
  assert.ok(check.prepare("SELECT 1 FROM sqlite_master WHERE name = 'disputes'").get());
  check.close();
});
