/**
 * What the telemetry verifier remembers across jobs, behind small interfaces so a mediator can back them with
 * its database (SQLite) while tests and the demo use the in-memory versions. Methods are async so a store may
 * do I/O; a store that fails throws, and the verifier turns that into an `inconclusive` STORE_ERROR finding.
 */

/** A device (by UUID) that a provider says it used for a job, over [start, end] (ms since the epoch). */
export interface DeviceWindow {
  uuid: string;
  provider: string;
  jobId: string;
  start: number;
  end: number;
}

export interface DeviceWindowStore {
  /** Every window recorded for this UUID (any job, any provider). */
  windowsFor(uuid: string): Promise<DeviceWindow[]>;
  /** Records a window; a second record for the same (uuid, jobId) replaces the first. */
  record(window: DeviceWindow): Promise<void>;
}

export class InMemoryDeviceWindowStore implements DeviceWindowStore {
  private readonly byUuid = new Map<string, DeviceWindow[]>();

  async windowsFor(uuid: string): Promise<DeviceWindow[]> {
    return [...(this.byUuid.get(uuid) ?? [])];
  }

  async record(window: DeviceWindow): Promise<void> {
    const list = (this.byUuid.get(window.uuid) ?? []).filter((w) => w.jobId !== window.jobId);
    list.push({ ...window });
    this.byUuid.set(window.uuid, list);
  }

  get size(): number {
    let n = 0;
    for (const l of this.byUuid.values()) n += l.length;
    return n;
  }
}

/** A trace's shape, kept to find later traces that copy it (see fingerprint.ts). */
export interface TraceFingerprint {
  /** The job the trace was submitted for. */
  jobId: string;
  provider: string;
  uuid: string;
  /** Detrended, z-normalised block means of power. */
  bins: number[];
  /** keys[i]: the shingle ending at bin i + SHINGLE_BINS − 1 (sign pattern), or −1 when uninformative. */
  keys: number[];
}

export interface TraceSimilarityStore {
  /** Stored fingerprints sharing shingle keys with `keys`, most shared first, at most `limit`. */
  candidates(keys: readonly number[], limit: number): Promise<{ fingerprint: TraceFingerprint; shared: number }[]>;
  /** Adds a fingerprint; a second one for the same jobId replaces the first. */
  add(fingerprint: TraceFingerprint): Promise<void>;
}

export class InMemoryTraceSimilarityStore implements TraceSimilarityStore {
  private readonly byJob = new Map<string, TraceFingerprint>();
  private readonly index = new Map<number, Set<string>>();

  async candidates(keys: readonly number[], limit: number): Promise<{ fingerprint: TraceFingerprint; shared: number }[]> {
    const counts = new Map<string, number>();
    for (const k of new Set(keys)) {
      if (k < 0) continue;
      const jobs = this.index.get(k);
      if (jobs) for (const j of jobs) counts.set(j, (counts.get(j) ?? 0) + 1);
    }
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([jobId, shared]) => ({ fingerprint: this.byJob.get(jobId)!, shared }));
  }

  async add(fingerprint: TraceFingerprint): Promise<void> {
    const old = this.byJob.get(fingerprint.jobId);
    if (old) for (const k of old.keys) this.index.get(k)?.delete(old.jobId);
    this.byJob.set(fingerprint.jobId, fingerprint);
    for (const k of fingerprint.keys) {
      if (k < 0) continue;
      let set = this.index.get(k);
      if (!set) this.index.set(k, (set = new Set()));
      set.add(fingerprint.jobId);
    }
  }

  get size(): number {
    return this.byJob.size;
  }
}
