import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { VerdictError, normaliseOutputPath, type OutputFile } from '../../core/index.js';

export interface ExecLimits {
  /** Wall-clock limit, ms. */
  wallMs: number;
  /** Memory limit, MiB (WASM linear memory for WASI; --memory for Docker; not enforced for plain processes). */
  memoryMb: number;
  /** Total bytes of outputs collected; more is an error. */
  maxOutputBytes: number;
}

export const DEFAULT_LIMITS: ExecLimits = { wallMs: 30_000, memoryMb: 512, maxOutputBytes: 64 * 1024 * 1024 };

export interface ExecRequest {
  /** WASI: the module bytes. Docker: unused. Process: unused. */
  program?: Uint8Array;
  /** Process: the executable. Docker: the image, pinned by digest. */
  command?: string;
  args: string[];
  /** Placed under /in (WASI, Docker) or <sandbox>/in (process). */
  inputs: OutputFile[];
  /** When set, stdout is captured into an output file of this name. */
  stdoutAs?: string;
  limits: ExecLimits;
  /** Fixed values for whatever could leak nondeterminism into results. */
  determinism: { clockNs: bigint; randomSeed: Uint8Array };
}

export interface ExecResult {
  exitCode: number;
  outputs: OutputFile[];
  /** Last bytes of stderr, for diagnostics. */
  stderrTail: string;
  wallMs: number;
}

/** Runs one job in a sandbox. Throws VerdictError: TIMEOUT, LIMIT_EXCEEDED, EXECUTOR_FAILED (retryable), BAD_INPUT. */
export interface Executor {
  readonly kind: 'wasi' | 'process' | 'docker' | (string & {});
  run(request: ExecRequest, signal?: AbortSignal): Promise<ExecResult>;
}

/** A private directory with in/ and out/, removed by dispose(). */
export class Sandbox {
  private constructor(readonly root: string) {}

  static async create(): Promise<Sandbox> {
    const root = await mkdtemp(join(tmpdir(), 'verdict-run-'));
    await mkdir(join(root, 'in'));
    await mkdir(join(root, 'out'));
    return new Sandbox(root);
  }

  get inDir(): string {
    return join(this.root, 'in');
  }

  get outDir(): string {
    return join(this.root, 'out');
  }

  async writeInputs(inputs: readonly OutputFile[]): Promise<void> {
    for (const input of inputs) {
      const path = join(this.inDir, normaliseOutputPath(input.path));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, input.data);
    }
  }

  /** Every regular file under out/, as relative '/'-separated paths; bounded in count and bytes. */
  async collectOutputs(maxBytes: number, extra: OutputFile[] = []): Promise<OutputFile[]> {
    const files: OutputFile[] = [...extra];
    let total = extra.reduce((s, f) => s + f.data.length, 0);
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) {
          const { size } = await stat(full);
          total += size;
          if (total > maxBytes) throw new VerdictError('LIMIT_EXCEEDED', `outputs exceed ${maxBytes} bytes`);
          if (files.length >= 10_000) throw new VerdictError('LIMIT_EXCEEDED', 'more than 10,000 output files');
          files.push({ path: relative(this.outDir, full).split(sep).join('/'), data: new Uint8Array(await readFile(full)) });
        }
      }
    };
    await walk(this.outDir);
    return files;
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Keeps the last `max` bytes written, for stderr tails. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max = 4096) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0]!.length >= this.max) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}
