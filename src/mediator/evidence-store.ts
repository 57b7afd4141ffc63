import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { VerdictError, canonicalBytes, isHex, sha256Hex, type Hex } from '../core/index.js';
import { jobIdToBytes32, type Bytes32, type EvidenceRef, type EvidenceSource } from './ports.js';

export const DEFAULT_MAX_EVIDENCE_BYTES = 64 * 1024 * 1024;

export interface StoredObject {
  /** sha256 of the bytes, 0x-hex: the content id. */
  id: Bytes32;
  path: string;
  size: number;
}

/**
 * Content-addressed files: an object's name is the sha256 of its bytes (`<dir>/sha256/ab/cdef…`), so the same
 * bytes are stored once and a file is checked against its name on every read. Writes are atomic (temp file in
 * the same directory, fsync, rename, fsync of the directory): a crash leaves either the whole object or none.
 * A small job index (`<dir>/jobs/<bytes32>`) maps a job to the content id of its dispute evidence.
 */
export class EvidenceStore {
  readonly maxBytes: number;

  constructor(readonly dir: string, options: { maxBytes?: number } = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_EVIDENCE_BYTES;
    for (const sub of ['sha256', 'jobs', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  }

  pathOf(id: Bytes32): string {
    const hex = checkId(id).slice(2);
    return join(this.dir, 'sha256', hex.slice(0, 2), hex.slice(2));
  }

  has(id: Bytes32): boolean {
    try {
      return statSync(this.pathOf(id)).isFile();
    } catch {
      return false;
    }
  }

  put(bytes: Uint8Array): StoredObject {
    if (bytes.length > this.maxBytes) {
      throw new VerdictError('LIMIT_EXCEEDED', `evidence object of ${bytes.length} bytes exceeds the store limit of ${this.maxBytes}`, {
        details: { size: bytes.length, maxBytes: this.maxBytes },
      });
    }
    const id = sha256Hex(bytes);
    const path = this.pathOf(id);
    if (!this.has(id)) {
      const shard = join(this.dir, 'sha256', id.slice(2, 4));
      mkdirSync(shard, { recursive: true });
      atomicWrite(join(this.dir, 'tmp'), shard, path, bytes);
    }
    return { id, path, size: bytes.length };
  }

  /** Stores the canonical JSON (RFC 8785) of a value: equal values get equal ids. */
  putJson(value: unknown): StoredObject {
    return this.put(canonicalBytes(value));
  }

  /** Reads an object and checks it against its id; NOT_FOUND when absent, STORE_ERROR when the file is corrupt. */
  get(id: Bytes32): Uint8Array {
    const path = this.pathOf(id);
    let bytes: Uint8Array;
    try {
      const size = statSync(path).size;
      if (size > this.maxBytes) throw new VerdictError('LIMIT_EXCEEDED', `${path}: ${size} bytes exceeds the store limit of ${this.maxBytes}`);
      bytes = readFileSync(path);
    } catch (e) {
      if (e instanceof VerdictError) throw e;
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new VerdictError('NOT_FOUND', `no evidence object ${id}`);
      throw new VerdictError('STORE_ERROR', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
    }
    const actual = sha256Hex(bytes);
    if (actual !== id.toLowerCase()) {
      throw new VerdictError('STORE_ERROR', `evidence object ${id} is corrupt on disk (content hashes to ${actual})`, { retryable: false });
    }
    return bytes;
  }

  /** Records that `contentId` is the dispute evidence of job `jobId` (a Job.id or its bytes32). */
  indexJob(jobId: string, contentId: Bytes32): void {
    checkId(contentId);
    const key = jobIdToBytes32(jobId).slice(2);
    atomicWrite(join(this.dir, 'tmp'), join(this.dir, 'jobs'), join(this.dir, 'jobs', key), new TextEncoder().encode(contentId.toLowerCase()));
  }

  /** Content id indexed for a job, or null. */
  lookupJob(jobId: string): Bytes32 | null {
    const key = jobIdToBytes32(jobId).slice(2);
    try {
      const text = readFileSync(join(this.dir, 'jobs', key), 'utf8').trim();
      return isHex(text, 32) ? (text as Bytes32) : null;
    } catch {
      return null;
    }
  }

  /** Stores a dispute evidence document and indexes it under its job; returns its content id. */
  submit(jobId: string, document: unknown): StoredObject {
    const obj = this.putJson(document);
    this.indexJob(jobId, obj.id);
    return obj;
  }
}

function checkId(id: unknown): Hex {
  if (!isHex(id, 32)) throw new VerdictError('BAD_INPUT', `content id must be 0x-prefixed sha256 hex, got ${String(id).slice(0, 80)}`);
  return id;
}

function atomicWrite(tmpDir: string, dir: string, path: string, bytes: Uint8Array): void {
  const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
    throw new VerdictError('STORE_ERROR', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * EvidenceSource over an EvidenceStore directory (local disk, or a shared / synced folder): by the content id
 * the chain committed to, else through the job index.
 */
export class DirectoryEvidenceSource implements EvidenceSource {
  constructor(private readonly store: EvidenceStore) {}

  async fetch(ref: EvidenceRef): Promise<Uint8Array> {
    const id = ref.evidenceId ?? this.store.lookupJob(ref.jobId);
    if (!id) throw new VerdictError('NOT_FOUND', `no dispute evidence for job ${ref.jobKey ?? ref.jobId} in ${this.store.dir}`);
    return this.store.get(id);
  }
}
