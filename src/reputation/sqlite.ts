import Database from 'better-sqlite3';
import { VerdictError, toVerdictError } from '../core/index.js';
import type { ProviderRecord, ReputationOutcome, ReputationRecord } from './model.js';
import type { ReputationEvent, ReputationStore } from './store.js';

/**
 * The embedded default store: one SQLite file in WAL mode (better-sqlite3; the only file of src/reputation that
 * imports it). Every write is its own transaction, so a restart loses nothing that was acknowledged.
 * Schema (user_version 2): docs/reputation.md § Records. v2 added `reputation_events.flags`; a v1 file is
 * migrated forward when opened (its events load without flags), a file from a newer build is refused.
 */
const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS reputation_providers (
  provider   TEXT PRIMARY KEY,
  stake      REAL NOT NULL,
  slashed    REAL NOT NULL,
  banned     INTEGER NOT NULL,
  banned_at  INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS reputation_records (
  provider          TEXT NOT NULL,
  job_type          TEXT NOT NULL,
  pass              REAL NOT NULL,
  fail              REAL NOT NULL,
  recent_fails      REAL NOT NULL,
  epoch             INTEGER NOT NULL,
  passes            INTEGER NOT NULL,
  fails             INTEGER NOT NULL,
  inconclusive      INTEGER NOT NULL,
  cheats            INTEGER NOT NULL,
  passes_since_fail INTEGER NOT NULL,
  probation         INTEGER NOT NULL,
  suspended_until   INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (provider, job_type)
) STRICT;
CREATE TABLE IF NOT EXISTS reputation_events (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  at        INTEGER NOT NULL,
  provider  TEXT NOT NULL,
  job_type  TEXT NOT NULL,
  outcome   TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'inconclusive')),
  confirmed INTEGER NOT NULL,
  job_id    TEXT,
  flags     TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS reputation_events_provider ON reputation_events (provider, seq);
`;

interface RecordRow {
  provider: string;
  job_type: string;
  pass: number;
  fail: number;
  recent_fails: number;
  epoch: number;
  passes: number;
  fails: number;
  inconclusive: number;
  cheats: number;
  passes_since_fail: number;
  probation: number;
  suspended_until: number;
  updated_at: number;
}

interface ProviderRow {
  provider: string;
  stake: number;
  slashed: number;
  banned: number;
  banned_at: number;
  updated_at: number;
}

interface EventRow {
  at: number;
  provider: string;
  job_type: string;
  outcome: string;
  confirmed: number;
  job_id: string | null;
  /** JSON array of verifier ids (a flagged pass), or NULL. */
  flags: string | null;
}

export class SqliteReputationStore implements ReputationStore {
  private readonly db: Database.Database;
  private readonly stmts: {
    getRecord: Database.Statement<[string, string], RecordRow>;
    getProvider: Database.Statement<[string], ProviderRow>;
    putRecord: Database.Statement<RecordRow>;
    putProvider: Database.Statement<ProviderRow>;
    putEvent: Database.Statement<EventRow>;
    listAll: Database.Statement<[], RecordRow>;
    listOf: Database.Statement<[string], RecordRow>;
    providers: Database.Statement<[], ProviderRow>;
    events: Database.Statement<[string, number], EventRow>;
  };
  private readonly writeTx: (update: Parameters<ReputationStore['write']>[0]) => void;

  /**
   * Opens (creating if needed) the store at `path`; ':memory:' works for tests but is not durable.
   * `synchronous: 'FULL'` (default) survives power loss; 'NORMAL' survives a process crash or restart and
   * writes several times faster (WAL without an fsync per commit).
   */
  constructor(
    readonly path: string,
    options: { synchronous?: 'FULL' | 'NORMAL' } = {},
  ) {
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      this.db = db;
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db, path);
    } catch (e) {
      if (db?.open) db.close();
      throw toVerdictError(e, 'STORE_ERROR', `cannot open reputation store ${path}`);
    }
    this.stmts = {
      getRecord: this.db.prepare('SELECT * FROM reputation_records WHERE provider = ? AND job_type = ?'),
      getProvider: this.db.prepare('SELECT * FROM reputation_providers WHERE provider = ?'),
      putRecord: this.db.prepare(
        `INSERT OR REPLACE INTO reputation_records VALUES (@provider, @job_type, @pass, @fail, @recent_fails, @epoch,
          @passes, @fails, @inconclusive, @cheats, @passes_since_fail, @probation, @suspended_until, @updated_at)`,
      ),
      putProvider: this.db.prepare(
        'INSERT OR REPLACE INTO reputation_providers VALUES (@provider, @stake, @slashed, @banned, @banned_at, @updated_at)',
      ),
      putEvent: this.db.prepare(
        `INSERT INTO reputation_events (at, provider, job_type, outcome, confirmed, job_id, flags)
          VALUES (@at, @provider, @job_type, @outcome, @confirmed, @job_id, @flags)`,
      ),
      listAll: this.db.prepare('SELECT * FROM reputation_records ORDER BY provider, job_type'),
      listOf: this.db.prepare('SELECT * FROM reputation_records WHERE provider = ? ORDER BY job_type'),
      providers: this.db.prepare('SELECT * FROM reputation_providers ORDER BY provider'),
      events: this.db.prepare(
        'SELECT at, provider, job_type, outcome, confirmed, job_id, flags FROM (SELECT * FROM reputation_events WHERE provider = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq',
      ),
    };
    this.writeTx = this.db.transaction((update: Parameters<ReputationStore['write']>[0]) => {
      if (update.provider) this.stmts.putProvider.run(providerToRow(update.provider));
      if (update.record) this.stmts.putRecord.run(recordToRow(update.record));
      if (update.event) {
        const e = update.event;
        this.stmts.putEvent.run({
          at: Math.trunc(e.at),
          provider: e.provider,
          job_type: e.jobType,
          outcome: e.outcome,
          confirmed: e.confirmed ? 1 : 0,
          job_id: e.jobId ?? null,
          flags: e.flags && e.flags.length > 0 ? JSON.stringify(e.flags) : null,
        });
      }
    });
  }

  getRecord(provider: string, jobType: string): ReputationRecord | undefined {
    const row = this.guard(() => this.stmts.getRecord.get(provider, jobType));
    return row && rowToRecord(row);
  }

  getProvider(provider: string): ProviderRecord | undefined {
    const row = this.guard(() => this.stmts.getProvider.get(provider));
    return row && rowToProvider(row);
  }

  write(update: { provider?: ProviderRecord; record?: ReputationRecord; event?: ReputationEvent }): void {
    this.guard(() => this.writeTx(update));
  }

  listRecords(provider?: string): ReputationRecord[] {
    return this.guard(() => (provider === undefined ? this.stmts.listAll.all() : this.stmts.listOf.all(provider))).map(rowToRecord);
  }

  listProviders(): ProviderRecord[] {
    return this.guard(() => this.stmts.providers.all()).map(rowToProvider);
  }

  events(provider: string, limit = 1000): ReputationEvent[] {
    return this.guard(() => this.stmts.events.all(provider, limit).map(rowToEvent));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw toVerdictError(e, 'STORE_ERROR', `reputation store ${this.path}`);
    }
  }
}

/**
 * Creates the tables of a new file, or brings an older one to SCHEMA_VERSION, in one immediate transaction (two
 * processes opening the same v1 file do not both add the column).
 */
function migrate(db: Database.Database, path: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new VerdictError('UNSUPPORTED', `reputation store ${path} has schema version ${version}; this build reads ≤ ${SCHEMA_VERSION}`);
    }
    db.exec(SCHEMA); // new tables; existing ones are left as they are
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('reputation_events') as string[];
    if (!columns.includes('flags')) db.exec('ALTER TABLE reputation_events ADD COLUMN flags TEXT'); // v1 → v2
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function rowToEvent(r: EventRow): ReputationEvent {
  return {
    at: r.at,
    provider: r.provider,
    jobType: r.job_type,
    outcome: r.outcome as ReputationOutcome,
    confirmed: r.confirmed === 1,
    ...(r.job_id === null ? {} : { jobId: r.job_id }),
    ...(r.flags === null ? {} : { flags: parseFlags(r.flags) }),
  };
}

/** Flags as this store wrote them: a JSON array of strings. Anything else is a damaged file. */
function parseFlags(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((f) => typeof f === 'string')) {
    throw new VerdictError('STORE_ERROR', `reputation event flags are not a list of verifier ids: ${text.slice(0, 80)}`);
  }
  return value;
}

function recordToRow(r: ReputationRecord): RecordRow {
  return {
    provider: r.provider,
    job_type: r.jobType,
    pass: r.pass,
    fail: r.fail,
    recent_fails: r.recentFails,
    epoch: r.epoch,
    passes: r.passes,
    fails: r.fails,
    inconclusive: r.inconclusive,
    cheats: r.cheats,
    passes_since_fail: r.passesSinceFail,
    probation: r.probation ? 1 : 0,
    suspended_until: Math.trunc(r.suspendedUntil),
    updated_at: Math.trunc(r.updatedAt),
  };
}

function rowToRecord(row: RecordRow): ReputationRecord {
  return {
    v: 1,
    provider: row.provider,
    jobType: row.job_type,
    pass: row.pass,
    fail: row.fail,
    recentFails: row.recent_fails,
    epoch: row.epoch,
    passes: row.passes,
    fails: row.fails,
    inconclusive: row.inconclusive,
    cheats: row.cheats,
    passesSinceFail: row.passes_since_fail,
    probation: row.probation === 1,
    suspendedUntil: row.suspended_until,
    updatedAt: row.updated_at,
  };
}

function providerToRow(p: ProviderRecord): ProviderRow {
  return {
    provider: p.provider,
    stake: p.stake,
    slashed: p.slashed,
    banned: p.banned ? 1 : 0,
    banned_at: Math.trunc(p.bannedAt),
    updated_at: Math.trunc(p.updatedAt),
  };
}

function rowToProvider(row: ProviderRow): ProviderRecord {
  return {
    v: 1,
    provider: row.provider,
    stake: row.stake,
    slashed: row.slashed,
    banned: row.banned === 1,
    bannedAt: row.banned_at,
    updatedAt: row.updated_at,
  };
}
