import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { isHex, systemClock, toHex, type Clock, type Hex, type Job } from '../../core/index.js';

/**
 * Freshness: the verifier (a mediator, or the network on its behalf) issues a random 32-byte nonce when a job
 * starts; the provider's trace must begin with it (trace genesis), so samples cannot have been recorded before
 * the job started, and a trace made for another job or an earlier attempt (an old nonce) does not verify.
 */
export interface NonceRecord {
  jobId: string;
  nonce: Hex;
  issuedAt: number;
}

export interface NonceStore {
  get(jobId: string): Promise<NonceRecord | undefined>;
  put(record: NonceRecord): Promise<void>;
}

export class InMemoryNonceStore implements NonceStore {
  private readonly map = new Map<string, NonceRecord>();
  async get(jobId: string) {
    return this.map.get(jobId);
  }
  async put(record: NonceRecord) {
    this.map.set(record.jobId, { ...record });
  }
}

/** How the verifier finds the nonce it issued for a job. */
export type NonceLookup = (job: Job) => Promise<NonceRecord | undefined>;

export class NonceBook {
  private readonly store: NonceStore;
  private readonly clock: Clock;
  private readonly random: (n: number) => Uint8Array;

  constructor(options: { store?: NonceStore; clock?: Clock; randomBytes?: (n: number) => Uint8Array } = {}) {
    this.store = options.store ?? new InMemoryNonceStore();
    this.clock = options.clock ?? systemClock;
    // Nonces must be unpredictable to providers: the OS CSPRNG, never a seeded generator.
    this.random = options.randomBytes ?? ((n) => new Uint8Array(nodeRandomBytes(n)));
  }

  /** Issues a fresh nonce for a job; it replaces any earlier one, which stops verifying. */
  async issue(jobId: string): Promise<NonceRecord> {
    const record = { jobId, nonce: toHex(this.random(32)), issuedAt: this.clock.now() };
    await this.store.put(record);
    return record;
  }

  current(jobId: string): Promise<NonceRecord | undefined> {
    return this.store.get(jobId);
  }

  lookup: NonceLookup = (job) => this.store.get(job.id);
}

/**
 * A NonceLookup for networks that store the nonce with the job when it starts: job.spec.telemetry =
 * { nonce: 0x…32 bytes, nonceIssuedAt: ms }.
 */
export const nonceFromJobSpec: NonceLookup = async (job) => {
  const t = job.spec?.telemetry;
  if (!t || typeof t !== 'object' || Array.isArray(t)) return undefined;
  const { nonce, nonceIssuedAt } = t as Record<string, unknown>;
  if (!isHex(nonce, 32) || typeof nonceIssuedAt !== 'number' || !Number.isSafeInteger(nonceIssuedAt)) return undefined;
  return { jobId: job.id, nonce, issuedAt: nonceIssuedAt };
};
