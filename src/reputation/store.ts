import type { ProviderRecord, ReputationOutcome, ReputationRecord } from './model.js';

/** One adjudicated outcome as it was recorded, for audit (why was this provider slashed?). */
export interface ReputationEvent {
  at: number;
  provider: string;
  jobType: string;
  outcome: ReputationOutcome;
  confirmed: boolean;
  jobId?: string;
  /** A flagged pass: the optional verifiers that failed although the job was accepted (absent on a clean pass). */
  flags?: string[];
}

/**
 * Where the scorer keeps its state. Synchronous on purpose: the embedded default (SQLite via better-sqlite3) is
 * synchronous, and a check-rate lookup sits on the hot path of job assignment.
 * Implementations must return records the caller may keep (no later mutation by the store).
 */
export interface ReputationStore {
  getRecord(provider: string, jobType: string): ReputationRecord | undefined;
  getProvider(provider: string): ProviderRecord | undefined;
  /** Writes a provider and (optionally) one of its records and an audit event atomically. */
  write(update: { provider?: ProviderRecord; record?: ReputationRecord; event?: ReputationEvent }): void;
  /** Every record of a provider, or of everyone, ordered by provider then job type. */
  listRecords(provider?: string): ReputationRecord[];
  listProviders(): ProviderRecord[];
  /** Audit events of a provider, oldest first (at most `limit`, the newest ones). */
  events(provider: string, limit?: number): ReputationEvent[];
  close(): void;
}

/** Keeps everything in maps. `keepEvents: false` drops the audit log (the simulator records millions of outcomes). */
export class MemoryReputationStore implements ReputationStore {
  private readonly records = new Map<string, ReputationRecord>();
  private readonly providers = new Map<string, ProviderRecord>();
  private readonly log: ReputationEvent[] = [];
  private readonly keepEvents: boolean;

  constructor(options: { keepEvents?: boolean } = {}) {
    this.keepEvents = options.keepEvents ?? true;
  }

  getRecord(provider: string, jobType: string): ReputationRecord | undefined {
    return this.records.get(key(provider, jobType));
  }

  getProvider(provider: string): ProviderRecord | undefined {
    return this.providers.get(provider);
  }

  write(update: { provider?: ProviderRecord; record?: ReputationRecord; event?: ReputationEvent }): void {
    // Records are treated as immutable values by the scorer, so storing the object itself is safe.
    if (update.provider) this.providers.set(update.provider.provider, update.provider);
    if (update.record) this.records.set(key(update.record.provider, update.record.jobType), update.record);
    if (update.event && this.keepEvents) this.log.push(update.event);
  }

  listRecords(provider?: string): ReputationRecord[] {
    return [...this.records.values()]
      .filter((r) => provider === undefined || r.provider === provider)
      .sort((a, b) => cmp(a.provider, b.provider) || cmp(a.jobType, b.jobType));
  }

  listProviders(): ProviderRecord[] {
    return [...this.providers.values()].sort((a, b) => cmp(a.provider, b.provider));
  }

  events(provider: string, limit = 1000): ReputationEvent[] {
    const mine = this.log.filter((e) => e.provider === provider);
    return mine.slice(Math.max(0, mine.length - limit));
  }

  close(): void {}
}

const key = (provider: string, jobType: string) => `${provider}\u0000${jobType}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
