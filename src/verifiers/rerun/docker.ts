import { execFile } from 'node:child_process';
import { VerdictError } from '../../core/index.js';
import type { ExecRequest, ExecResult, Executor } from './executor.js';
import { ProcessExecutor } from './process.js';

const DIGEST_RE = /^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$/;

/** Only images pinned by content digest run: a tag can be re-pointed, a digest cannot. */
export function assertPinnedImage(image: string): void {
  if (!DIGEST_RE.test(image)) {
    throw new VerdictError('BAD_INPUT', `docker image "${image}" must be pinned by digest (name@sha256:<64 hex>)`);
  }
}

/** The `docker run` arguments for a job: no network, read-only root, bounded memory/CPU/pids, inputs read-only. */
export function dockerRunArgs(request: ExecRequest, inDir: string, outDir: string, options: { cpus?: number } = {}): string[] {
  const image = request.command ?? '';
  assertPinnedImage(image);
  return [
    'run', '--rm',
    '--network', 'none',
    '--read-only',
    '--security-opt', 'no-new-privileges',
    '--cap-drop', 'ALL',
    '--pids-limit', '256',
    '--memory', `${request.limits.memoryMb}m`,
    '--memory-swap', `${request.limits.memoryMb}m`,
    '--cpus', String(options.cpus ?? 1),
    '--env', `SOURCE_DATE_EPOCH=${request.determinism.clockNs / 1_000_000_000n}`,
    '--tmpfs', '/tmp:rw,size=64m',
    '-v', `${inDir}:/in:ro`,
    '-v', `${outDir}:/out:rw`,
    image,
    ...request.args,
  ];
}

/**
 * Runs a job in Docker. Needs a Docker engine (not available on every machine: `dockerAvailable()` tells).
 * Implemented on the process executor: `docker run ...` with the sandbox's in/ and out/ mounted.
 */
export class DockerExecutor implements Executor {
  readonly kind = 'docker';
  private readonly inner = new ProcessExecutor();

  constructor(private readonly options: { dockerPath?: string; cpus?: number } = {}) {}

  async run(request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    assertPinnedImage(request.command ?? '');
    const args = dockerRunArgs(request, '{in}', '{out}', this.options);
    return this.inner.run({ ...request, command: this.options.dockerPath ?? 'docker', args }, signal);
  }
}

/** True when `docker info` answers, i.e. an engine is reachable. */
export function dockerAvailable(dockerPath = 'docker'): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(dockerPath, ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000 }, (err) => resolve(!err));
  });
}
