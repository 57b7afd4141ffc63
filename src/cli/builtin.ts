import { resolve } from 'node:path';
import type { Clock, Logger } from '../core/index.js';
import { VerifierRegistry } from '../verifiers/index.js';
import { DirectoryBlobStore, ProcessExecutor, RerunVerifier, WasiExecutor, DockerExecutor } from '../verifiers/rerun/index.js';

export interface BuiltinOptions {
  /** Content-addressed directory of programs and inputs that job specs name by sha256. */
  blobsDir?: string;
  clock?: Clock;
  logger?: Logger;
}

/** A registry with every built-in verifier, configured for a command-line or daemon run. */
export async function createBuiltinRegistry(options: BuiltinOptions = {}): Promise<VerifierRegistry> {
  const registry = new VerifierRegistry({ ...(options.clock ? { clock: options.clock } : {}), ...(options.logger ? { logger: options.logger } : {}) });
  const blobs = new DirectoryBlobStore(resolve(options.blobsDir ?? '.verdict/blobs'));
  registry.register(new RerunVerifier({ blobs, executors: { wasi: new WasiExecutor(), process: new ProcessExecutor(), docker: new DockerExecutor() } }));
  return registry;
}
