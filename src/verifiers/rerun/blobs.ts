import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VerdictError, fromHex, sha256Hex, type Hex } from '../../core/index.js';

/** Where a verifier finds programs and inputs that a job spec names by their sha256. */
export interface BlobSource {
  get(sha256: Hex): Promise<Uint8Array>;
}

function checkDigest(sha256: Hex, data: Uint8Array): Uint8Array {
  const actual = sha256Hex(data);
  if (actual !== sha256.toLowerCase()) {
    throw new VerdictError('BAD_EVIDENCE', `blob ${sha256} has the wrong content (sha256 ${actual})`);
  }
  return data;
}

/** In-memory blobs (tests, the demo, small deployments). */
export class MemoryBlobStore implements BlobSource {
  private readonly blobs = new Map<string, Uint8Array>();

  put(data: Uint8Array): Hex {
    const digest = sha256Hex(data);
    this.blobs.set(digest, data);
    return digest;
  }

  async get(sha256: Hex): Promise<Uint8Array> {
    const data = this.blobs.get(sha256.toLowerCase());
    if (!data) throw new VerdictError('NOT_FOUND', `no blob ${sha256}`);
    return checkDigest(sha256, data);
  }
}

/** Content-addressed files: <dir>/<first 2 hex>/<rest>; written atomically (temp file + rename). */
export class DirectoryBlobStore implements BlobSource {
  constructor(private readonly dir: string) {}

  private pathOf(sha256: Hex): string {
    fromHex(sha256, 'blob digest', 32);
    const hex = sha256.slice(2).toLowerCase();
    return join(this.dir, hex.slice(0, 2), hex.slice(2));
  }

  async put(data: Uint8Array): Promise<Hex> {
    const digest = sha256Hex(data);
    const path = this.pathOf(digest);
    await mkdir(join(path, '..'), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
    return digest;
  }

  async get(sha256: Hex): Promise<Uint8Array> {
    const path = this.pathOf(sha256);
    try {
      return checkDigest(sha256, new Uint8Array(await readFile(path)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new VerdictError('NOT_FOUND', `no blob ${sha256} in ${this.dir}`);
      throw e;
    }
  }
}
