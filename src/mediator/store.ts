import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { VerdictError, type Decision, type Finding, type Hex, type Verdict } from '../core/index.js';
import type { Bytes32, DisputeEvent, OutcomeCode, PreparedTx, SignedVerdict, VerdictPayload } from './ports.js';
import { assertTransition, isDisputeState, status, type DisputeState, type DisputeStatus } from './states.js';

/**
 * The mediator's SQLite database: disputes and their step log, evidence references, findings, decisions,
 * verdicts and the transactions that posted them. One file, WAL mode, schema versioned with
 * `PRAGMA user_version` and migrated forward on open. Every state change is one transaction.
 */

/** Forward migrations; index i takes the schema from version i to i+1. Never edit a released one. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE chain_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_block INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE disputes (
    id INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL UNIQUE,
    job_key TEXT,
    creator TEXT NOT NULL,
    provider TEXT NOT NULL,
    evidence_id TEXT,
    seed TEXT,
    block_number INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    job_type TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    received_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tx_hash, log_index)
  );
  CREATE INDEX disputes_due ON disputes (state, next_attempt_at);
  CREATE TABLE steps (
    id INTEGER PRIMARY KEY,
    dispute_id INTEGER NOT NULL REFERENCES disputes (id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('transition', 'retry', 'note')),
    at INTEGER NOT NULL,
    detail TEXT
  );
  CREATE INDEX steps_dispute ON steps (dispute_id, id);
  CREATE TABLE evidence (
    dispute_id INTEGER PRIMARY KEY REFERENCES disputes (id),
    content_id TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL
  );
  CREATE TABLE findings (
    dispute_id INTEGER NOT NULL REFERENCES disputes (id),
    idx INTEGER NOT NULL,
    verifier TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    finding_json TEXT NOT NULL,
    PRIMARY KEY (dispute_id, idx)
  );
  CREATE TABLE decisions (
    dispute_id INTEGER PRIMARY KEY REFERENCES disputes (id),
    outcome TEXT NOT NULL,
    decision_hash TEXT NOT NULL,
    policy_id TEXT,
    policy_hash TEXT,
    seed TEXT NOT NULL,
    decision_json TEXT NOT NULL,
    policy_json TEXT,
    verify_ms REAL NOT NULL,
    decided_at INTEGER NOT NULL
  );
  CREATE TABLE verdicts (
    dispute_id INTEGER PRIMARY KEY REFERENCES disputes (id),
    outcome_code INTEGER NOT NULL,
    evidence_hash TEXT NOT NULL,
    verdict_json TEXT NOT NULL,
    signatures_json TEXT,
    bundle_id TEXT,
    reputation_recorded INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    dispute_id INTEGER NOT NULL REFERENCES disputes (id),
    tx_hash TEXT NOT NULL UNIQUE,
    raw TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('prepared', 'sent', 'confirmed', 'reverted', 'dropped', 'superseded')),
    block_number INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX posts_dispute ON posts (dispute_id, id);
  `,
  // v2: a job may be disputed in several rounds (a new committee after a voting timeout), so disputes are
  // unique per chain event, not per job. SQLite cannot drop a constraint in place: rebuild the table.
  `
  CREATE TABLE disputes_v2 (
    id INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL,
    job_key TEXT,
    creator TEXT NOT NULL,
    provider TEXT NOT NULL,
    evidence_id TEXT,
    seed TEXT,
    block_number INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    job_type TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    received_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tx_hash, log_index)
  );
  INSERT INTO disputes_v2 SELECT id, job_id, job_key, creator, provider, evidence_id, seed, block_number, block_hash, tx_hash,
    log_index, job_type, state, attempts, next_attempt_at, last_error, received_at, updated_at FROM disputes;
  DROP TABLE disputes;
  ALTER TABLE disputes_v2 RENAME TO disputes;
  CREATE INDEX disputes_due ON disputes (state, next_attempt_at);
  CREATE INDEX disputes_job ON disputes (job_id, id);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface DisputeRow {
  id: number;
  jobId: Bytes32;
  jobKey: string | null;
  creator: string;
  provider: string;
  evidenceId: Bytes32 | null;
  seed: Bytes32 | null;
  blockNumber: number;
  blockHash: Bytes32;
  txHash: Bytes32;
  logIndex: number;
  jobType: string | null;
  state: DisputeState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  receivedAt: number;
  updatedAt: number;
}

export interface StepRow {
  id: number;
  disputeId: number;
  from: DisputeState | null;
  to: DisputeState;
  kind: 'transition' | 'retry' | 'note';
  at: number;
  detail: Record<string, unknown> | null;
}

export interface EvidenceRow {
  contentId: Bytes32;
  path: string;
  size: number;
  fetchedAt: number;
}

export interface DecisionRow {
  decision: Decision;
  decisionHash: Hex;
  seed: Bytes32;
  policyJson: string | null;
  verifyMs: number;
}

export interface VerdictRow {
  payload: VerdictPayload;
  verdict: Verdict;
  signatures: SignedVerdict[] | null;
  bundleId: Bytes32 | null;
  reputationRecorded: boolean;
}

export type PostStatus = 'prepared' | 'sent' | 'confirmed' | 'reverted' | 'dropped' | 'superseded';

export interface PostRow extends PreparedTx {
  id: number;
  disputeId: number;
  status: PostStatus;
  blockNumber: number | null;
  createdAt: number;
  updatedAt: number;
}

/** Side effects that commit in the same transaction as a state change. */
export type TransitionWrites = (store: MediatorStore) => void;

export interface OpenStoreOptions {
  /** 'FULL' (default) survives power loss; 'NORMAL' survives a killed process, which is what kill -9 tests. */
  synchronous?: 'FULL' | 'NORMAL';
  readonly?: boolean;
}

type Row = Record<string, unknown>;

export class MediatorStore {
  readonly db: Database.Database;
  private readonly stmts: ReturnType<typeof prepare>;

  constructor(readonly path: string, options: OpenStoreOptions = {}) {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path, { readonly: options.readonly ?? false, timeout: 5000 });
      if (!options.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
        this.migrate();
      }
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) {
        throw new VerdictError('STORE_ERROR', `${path}: schema version ${version}, this build needs ${SCHEMA_VERSION}`, {
          retryable: false,
        });
      }
    } catch (e) {
      if (e instanceof VerdictError) throw e;
      throw new VerdictError('STORE_ERROR', `cannot open mediator database ${path}: ${(e as Error).message}`, { cause: e, retryable: false });
    }
    this.stmts = prepare(this.db);
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new VerdictError('STORE_ERROR', `${this.path}: schema version ${current} is newer than this build (${SCHEMA_VERSION})`, {
        retryable: false,
      });
    }
    // foreign keys off while tables are rebuilt (SQLite's documented procedure), checked again afterwards
    this.db.pragma('foreign_keys = OFF');
    for (let v = current; v < SCHEMA_VERSION; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        const broken = this.db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new VerdictError('STORE_ERROR', `migration to schema ${v + 1} broke ${broken.length} foreign key(s)`, { retryable: false });
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
    this.db.pragma('foreign_keys = ON');
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- chain cursor and new disputes ----

  /** First block not yet scanned for disputes, or null before the first scan. */
  nextBlock(): number | null {
    const row = this.stmts.getCursor.get() as Row | undefined;
    return row ? Number(row.next_block) : null;
  }

  /**
   * Records the disputes of a scanned block range and moves the cursor past it, atomically: a crash either
   * keeps both or neither, so a range is never half-ingested. Returns the disputes that were new.
   */
  ingest(events: readonly DisputeEvent[], nextBlock: number, now: number): DisputeRow[] {
    return this.tx(() => {
      const added: DisputeRow[] = [];
      for (const e of events) {
        const info = this.stmts.insertDispute.run({
          job_id: e.jobId.toLowerCase(),
          job_key: e.jobKey ?? null,
          creator: e.creator,
          provider: e.provider,
          evidence_id: e.evidenceId?.toLowerCase() ?? null,
          seed: e.seed?.toLowerCase() ?? null,
          block_number: e.blockNumber,
          block_hash: e.blockHash.toLowerCase(),
          tx_hash: e.txHash.toLowerCase(),
          log_index: e.logIndex,
          now,
        });
        if (info.changes === 1) {
          const id = Number(info.lastInsertRowid);
          this.stmts.insertStep.run({ dispute_id: id, from_state: null, to_state: 'received', kind: 'transition', at: now, detail: json({ block: e.blockNumber, tx: e.txHash }) });
          added.push(this.get(id));
        }
      }
      this.stmts.setCursor.run({ next_block: nextBlock, now });
      return added;
    });
  }

  // ---- disputes ----

  get(id: number): DisputeRow {
    const row = this.stmts.getDispute.get(id) as Row | undefined;
    if (!row) throw new VerdictError('NOT_FOUND', `no dispute ${id}`);
    return toDispute(row);
  }

  /** The latest dispute of a job (a job disputed in several rounds has one row per round). */
  byJobId(jobId: Bytes32): DisputeRow | null {
    const row = this.stmts.getDisputeByJob.get(jobId.toLowerCase()) as Row | undefined;
    return row ? toDispute(row) : null;
  }

  /** Non-terminal disputes whose backoff has passed, oldest first. */
  due(now: number, limit = 100): DisputeRow[] {
    return (this.stmts.due.all(now, limit) as Row[]).map(toDispute);
  }

  /** Earliest next_attempt_at among waiting non-terminal disputes, or null when none waits. */
  nextWakeup(): number | null {
    const row = this.stmts.nextWakeup.get() as Row | undefined;
    return row && row.t !== null ? Number(row.t) : null;
  }

  list(limit = 1000): DisputeRow[] {
    return (this.stmts.list.all(limit) as Row[]).map(toDispute);
  }

  /**
   * Moves a dispute from `from` to `to`, with `writes` in the same transaction. Refuses (INTERNAL) an illegal
   * transition, and (STORE_ERROR, not retryable) a dispute that is no longer in `from`.
   */
  transition(id: number, from: DisputeState, to: DisputeState, at: number, detail?: Record<string, unknown>, writes?: TransitionWrites): void {
    assertTransition(from, to);
    this.tx(() => {
      const info = this.stmts.setState.run({ id, from, to, at });
      if (info.changes !== 1) {
        throw new VerdictError('STORE_ERROR', `dispute ${id} is not in state ${from} any more`, { retryable: false });
      }
      writes?.(this);
      this.stmts.insertStep.run({ dispute_id: id, from_state: from, to_state: to, kind: 'transition', at, detail: detail ? json(detail) : null });
    });
  }

  /** Keeps the state, counts an attempt and schedules the next one. */
  scheduleRetry(id: number, state: DisputeState, at: number, nextAttemptAt: number, error: string, detail?: Record<string, unknown>): void {
    this.tx(() => {
      const info = this.stmts.retry.run({ id, state, at, next: nextAttemptAt, error });
      if (info.changes !== 1) throw new VerdictError('STORE_ERROR', `dispute ${id} is not in state ${state} any more`, { retryable: false });
      this.stmts.insertStep.run({ dispute_id: id, from_state: state, to_state: state, kind: 'retry', at, detail: json({ error, nextAttemptAt, ...detail }) });
    });
  }

  note(id: number, state: DisputeState, at: number, detail: Record<string, unknown>): void {
    this.stmts.insertStep.run({ dispute_id: id, from_state: state, to_state: state, kind: 'note', at, detail: json(detail) });
  }

  setJobType(id: number, jobType: string): void {
    this.stmts.setJobType.run(jobType, id);
  }

  steps(id: number): StepRow[] {
    return (this.stmts.steps.all(id) as Row[]).map((r) => ({
      id: Number(r.id),
      disputeId: Number(r.dispute_id),
      from: (r.from_state as DisputeState | null) ?? null,
      to: r.to_state as DisputeState,
      kind: r.kind as StepRow['kind'],
      at: Number(r.at),
      detail: r.detail ? (JSON.parse(String(r.detail)) as Record<string, unknown>) : null,
    }));
  }

  /** Dispute counts per operator status (state, or 'retrying'). */
  countsByStatus(): Record<DisputeStatus, number> {
    const out: Record<string, number> = {};
    for (const r of this.stmts.counts.all() as Row[]) {
      const s = status(r.state as DisputeState, Number(r.retrying) > 0 ? 1 : 0);
      out[s] = (out[s] ?? 0) + Number(r.n);
    }
    return out as Record<DisputeStatus, number>;
  }

  // ---- evidence, findings, decisions, verdicts ----

  putEvidence(disputeId: number, row: EvidenceRow): void {
    this.stmts.putEvidence.run({ dispute_id: disputeId, content_id: row.contentId, path: row.path, size: row.size, fetched_at: row.fetchedAt });
  }

  evidence(disputeId: number): EvidenceRow | null {
    const r = this.stmts.getEvidence.get(disputeId) as Row | undefined;
    return r ? { contentId: r.content_id as Bytes32, path: String(r.path), size: Number(r.size), fetchedAt: Number(r.fetched_at) } : null;
  }

  putDecision(disputeId: number, row: DecisionRow): void {
    this.stmts.deleteFindings.run(disputeId);
    row.decision.findings.forEach((f: Finding, idx) => {
      this.stmts.putFinding.run({ dispute_id: disputeId, idx, verifier: f.verifier, outcome: f.outcome, reason: f.reason, finding_json: json(f) });
    });
    this.stmts.putDecision.run({
      dispute_id: disputeId,
      outcome: row.decision.outcome,
      decision_hash: row.decisionHash,
      policy_id: row.decision.policy.id || null,
      policy_hash: row.decision.policy.hash || null,
      seed: row.seed,
      decision_json: json(row.decision),
      policy_json: row.policyJson,
      verify_ms: row.verifyMs,
      decided_at: row.decision.decidedAt,
    });
  }

  decision(disputeId: number): DecisionRow | null {
    const r = this.stmts.getDecision.get(disputeId) as Row | undefined;
    if (!r) return null;
    return {
      decision: JSON.parse(String(r.decision_json)) as Decision,
      decisionHash: r.decision_hash as Hex,
      seed: r.seed as Bytes32,
      policyJson: (r.policy_json as string | null) ?? null,
      verifyMs: Number(r.verify_ms),
    };
  }

  findings(disputeId: number): Finding[] {
    return (this.stmts.getFindings.all(disputeId) as Row[]).map((r) => JSON.parse(String(r.finding_json)) as Finding);
  }

  putVerdict(disputeId: number, payload: VerdictPayload, verdict: Verdict, at: number): void {
    this.stmts.putVerdict.run({
      dispute_id: disputeId,
      outcome_code: payload.outcome,
      evidence_hash: payload.evidenceHash,
      verdict_json: json(verdict),
      created_at: at,
    });
  }

  setSignatures(disputeId: number, signatures: readonly SignedVerdict[], verdict: Verdict): void {
    this.stmts.setSignatures.run({ dispute_id: disputeId, signatures_json: json(signatures), verdict_json: json(verdict) });
  }

  setBundle(disputeId: number, bundleId: Bytes32): void {
    this.stmts.setBundle.run(bundleId, disputeId);
  }

  markReputationRecorded(disputeId: number): boolean {
    return this.stmts.markReputation.run(disputeId).changes === 1;
  }

  verdict(disputeId: number, jobId?: Bytes32): VerdictRow | null {
    const r = this.stmts.getVerdict.get(disputeId) as Row | undefined;
    if (!r) return null;
    const d = jobId ?? this.get(disputeId).jobId;
    return {
      payload: { jobId: d, outcome: Number(r.outcome_code) as OutcomeCode, evidenceHash: r.evidence_hash as Bytes32 },
      verdict: JSON.parse(String(r.verdict_json)) as Verdict,
      signatures: r.signatures_json ? (JSON.parse(String(r.signatures_json)) as SignedVerdict[]) : null,
      bundleId: (r.bundle_id as Bytes32 | null) ?? null,
      reputationRecorded: Number(r.reputation_recorded) === 1,
    };
  }

  // ---- posting transactions ----

  addPost(disputeId: number, tx: PreparedTx, at: number): void {
    this.stmts.addPost.run({ dispute_id: disputeId, tx_hash: tx.txHash.toLowerCase(), raw: tx.raw, nonce: tx.nonce, at });
  }

  setPostStatus(txHash: Bytes32, s: PostStatus, at: number, blockNumber?: number): void {
    this.stmts.setPostStatus.run({ tx_hash: txHash.toLowerCase(), status: s, at, block_number: blockNumber ?? null });
  }

  posts(disputeId: number): PostRow[] {
    return (this.stmts.posts.all(disputeId) as Row[]).map((r) => ({
      id: Number(r.id),
      disputeId: Number(r.dispute_id),
      txHash: r.tx_hash as Bytes32,
      raw: r.raw as Hex,
      nonce: Number(r.nonce),
      status: r.status as PostStatus,
      blockNumber: r.block_number === null ? null : Number(r.block_number),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  /** The newest transaction of a dispute that may still be mined ('prepared' or 'sent'), if any. */
  livePost(disputeId: number): PostRow | null {
    const all = this.posts(disputeId).filter((p) => p.status === 'prepared' || p.status === 'sent');
    return all.at(-1) ?? null;
  }
}

function json(v: unknown): string {
  return JSON.stringify(v);
}

function toDispute(r: Row): DisputeRow {
  const state = r.state;
  if (!isDisputeState(state)) throw new VerdictError('STORE_ERROR', `dispute ${String(r.id)} has unknown state ${String(state)}`, { retryable: false });
  return {
    id: Number(r.id),
    jobId: r.job_id as Bytes32,
    jobKey: (r.job_key as string | null) ?? null,
    creator: String(r.creator),
    provider: String(r.provider),
    evidenceId: (r.evidence_id as Bytes32 | null) ?? null,
    seed: (r.seed as Bytes32 | null) ?? null,
    blockNumber: Number(r.block_number),
    blockHash: r.block_hash as Bytes32,
    txHash: r.tx_hash as Bytes32,
    logIndex: Number(r.log_index),
    jobType: (r.job_type as string | null) ?? null,
    state,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: (r.last_error as string | null) ?? null,
    receivedAt: Number(r.received_at),
    updatedAt: Number(r.updated_at),
  };
}

function prepare(db: Database.Database) {
  return {
    getCursor: db.prepare('SELECT next_block FROM chain_cursor WHERE id = 1'),
    setCursor: db.prepare(
      'INSERT INTO chain_cursor (id, next_block, updated_at) VALUES (1, @next_block, @now) ON CONFLICT (id) DO UPDATE SET next_block = excluded.next_block, updated_at = excluded.updated_at',
    ),
    insertDispute: db.prepare(
      `INSERT OR IGNORE INTO disputes (job_id, job_key, creator, provider, evidence_id, seed, block_number, block_hash, tx_hash, log_index, state, received_at, updated_at)
       VALUES (@job_id, @job_key, @creator, @provider, @evidence_id, @seed, @block_number, @block_hash, @tx_hash, @log_index, 'received', @now, @now)`,
    ),
    getDispute: db.prepare('SELECT * FROM disputes WHERE id = ?'),
    getDisputeByJob: db.prepare('SELECT * FROM disputes WHERE job_id = ? ORDER BY id DESC LIMIT 1'),
    due: db.prepare("SELECT * FROM disputes WHERE state NOT IN ('confirmed', 'failed') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"),
    nextWakeup: db.prepare("SELECT MIN(next_attempt_at) AS t FROM disputes WHERE state NOT IN ('confirmed', 'failed')"),
    list: db.prepare('SELECT * FROM disputes ORDER BY id LIMIT ?'),
    setState: db.prepare(
      'UPDATE disputes SET state = @to, attempts = 0, next_attempt_at = 0, last_error = NULL, updated_at = @at WHERE id = @id AND state = @from',
    ),
    retry: db.prepare(
      'UPDATE disputes SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error, updated_at = @at WHERE id = @id AND state = @state',
    ),
    setJobType: db.prepare('UPDATE disputes SET job_type = ? WHERE id = ?'),
    insertStep: db.prepare(
      'INSERT INTO steps (dispute_id, from_state, to_state, kind, at, detail) VALUES (@dispute_id, @from_state, @to_state, @kind, @at, @detail)',
    ),
    steps: db.prepare('SELECT * FROM steps WHERE dispute_id = ? ORDER BY id'),
    counts: db.prepare('SELECT state, attempts > 0 AS retrying, COUNT(*) AS n FROM disputes GROUP BY state, attempts > 0'),
    putEvidence: db.prepare(
      'INSERT OR REPLACE INTO evidence (dispute_id, content_id, path, size, fetched_at) VALUES (@dispute_id, @content_id, @path, @size, @fetched_at)',
    ),
    getEvidence: db.prepare('SELECT * FROM evidence WHERE dispute_id = ?'),
    deleteFindings: db.prepare('DELETE FROM findings WHERE dispute_id = ?'),
    putFinding: db.prepare(
      'INSERT INTO findings (dispute_id, idx, verifier, outcome, reason, finding_json) VALUES (@dispute_id, @idx, @verifier, @outcome, @reason, @finding_json)',
    ),
    getFindings: db.prepare('SELECT finding_json FROM findings WHERE dispute_id = ? ORDER BY idx'),
    putDecision: db.prepare(
      `INSERT OR REPLACE INTO decisions (dispute_id, outcome, decision_hash, policy_id, policy_hash, seed, decision_json, policy_json, verify_ms, decided_at)
       VALUES (@dispute_id, @outcome, @decision_hash, @policy_id, @policy_hash, @seed, @decision_json, @policy_json, @verify_ms, @decided_at)`,
    ),
    getDecision: db.prepare('SELECT * FROM decisions WHERE dispute_id = ?'),
    putVerdict: db.prepare(
      `INSERT OR REPLACE INTO verdicts (dispute_id, outcome_code, evidence_hash, verdict_json, created_at)
       VALUES (@dispute_id, @outcome_code, @evidence_hash, @verdict_json, @created_at)`,
    ),
    setSignatures: db.prepare('UPDATE verdicts SET signatures_json = @signatures_json, verdict_json = @verdict_json WHERE dispute_id = @dispute_id'),
    setBundle: db.prepare('UPDATE verdicts SET bundle_id = ? WHERE dispute_id = ?'),
    markReputation: db.prepare('UPDATE verdicts SET reputation_recorded = 1 WHERE dispute_id = ? AND reputation_recorded = 0'),
    getVerdict: db.prepare('SELECT * FROM verdicts WHERE dispute_id = ?'),
    addPost: db.prepare(
      "INSERT INTO posts (dispute_id, tx_hash, raw, nonce, status, created_at, updated_at) VALUES (@dispute_id, @tx_hash, @raw, @nonce, 'prepared', @at, @at)",
    ),
    setPostStatus: db.prepare(
      'UPDATE posts SET status = @status, updated_at = @at, block_number = COALESCE(@block_number, block_number) WHERE tx_hash = @tx_hash',
    ),
    posts: db.prepare('SELECT * FROM posts WHERE dispute_id = ? ORDER BY id'),
  };
}
