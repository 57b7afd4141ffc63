import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock, Logger } from '../core/index.js';
import { defaultModelPath, loadModel, type Model } from '../inference/index.js';
import { VerifierRegistry } from '../verifiers/index.js';
import { FheVerifier } from '../verifiers/fhe/index.js';
import { DirectoryBlobStore, DockerExecutor, ProcessExecutor, RerunVerifier, WasiExecutor } from '../verifiers/rerun/index.js';
import { SpotSampleVerifier, localModelResolver } from '../verifiers/spot-sample/index.js';
import { createTelemetryVerifier } from '../verifiers/telemetry/index.js';
import { createZkVerifier } from '../verifiers/zk/index.js';

export interface BuiltinOptions {
  /** Content-addressed directory of programs and inputs that job specs name by sha256. */
  blobsDir?: string;
  /** LLM models the spot-sample verifier recomputes with, by model id (default: stories260k from VERDICT_MODEL). */
  models?: Record<string, string>;
  clock?: Clock;
  logger?: Logger;
}

/** A registry with every built-in verifier, configured for a command-line or daemon run. */
export async function createBuiltinRegistry(options: BuiltinOptions = {}): Promise<VerifierRegistry> {
  const registry = new VerifierRegistry({ ...(options.clock ? { clock: options.clock } : {}), ...(options.logger ? { logger: options.logger } : {}) });
  const blobs = new DirectoryBlobStore(resolve(options.blobsDir ?? '.verdict/blobs'));
  registry.register(new RerunVerifier({ blobs, executors: { wasi: new WasiExecutor(), process: new ProcessExecutor(), docker: new DockerExecutor() } }));

  const modelPaths = options.models ?? (existsSync(defaultModelPath()) ? { stories260k: defaultModelPath() } : {});
  const models: Record<string, Model> = {};
  for (const [id, path] of Object.entries(modelPaths)) models[id] = await loadModel(path);
  registry.register(new SpotSampleVerifier({ models: localModelResolver(models) }));

  registry.register(createZkVerifier());
  registry.register(new FheVerifier());
  registry.register(createTelemetryVerifier());
  return registry;
}
