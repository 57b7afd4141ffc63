import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VerdictError } from '../../core/index.js';
import { Sandbox, TailBuffer, type ExecRequest, type ExecResult, type Executor } from './executor.js';

/**
 * Runs a native command with the sandbox as its working directory: `{in}` and `{out}` in arguments are
 * replaced by the sandbox's in/ and out/ directories. A plain process is NOT isolated (it can read the
 * clock, the network and the disk): use it only for commands the network trusts, prefer WASI or Docker.
 */
export class ProcessExecutor implements Executor {
  readonly kind = 'process';

  constructor(private readonly options: { allowedCommands?: readonly string[] } = {}) {}

  async run(request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    const command = request.command;
    if (!command) throw new VerdictError('BAD_INPUT', 'process executor needs a command');
    if (this.options.allowedCommands && !this.options.allowedCommands.includes(command)) {
      throw new VerdictError('BAD_INPUT', `command "${command}" is not in the executor's allow-list`);
    }
    const sandbox = await Sandbox.create();
    const started = performance.now();
    try {
      await sandbox.writeInputs(request.inputs);
      const args = request.args.map((a) => a.replaceAll('{in}', sandbox.inDir).replaceAll('{out}', sandbox.outDir));
      const stdoutPath = join(sandbox.root, 'stdout');
      const exitCode = await runChild(command, args, sandbox.root, stdoutPath, request, signal);
      const stdout = request.stdoutAs ? [{ path: request.stdoutAs, data: new Uint8Array(await readFile(stdoutPath)) }] : [];
      const outputs = await sandbox.collectOutputs(request.limits.maxOutputBytes, stdout);
      return { exitCode: exitCode.code, outputs, stderrTail: exitCode.stderr, wallMs: performance.now() - started };
    } finally {
      await sandbox.dispose();
    }
  }
}

async function runChild(
  command: string,
  args: string[],
  cwd: string,
  stdoutPath: string,
  request: ExecRequest,
  signal: AbortSignal | undefined,
): Promise<{ code: number; stderr: string }> {
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(stdoutPath);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', TZ: 'UTC', SOURCE_DATE_EPOCH: String(request.determinism.clockNs / 1_000_000_000n) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills its children too
    });
    const stderr = new TailBuffer();
    let stdoutBytes = 0;
    let failure: VerdictError | undefined;
    const kill = (err: VerdictError) => {
      failure ??= err;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > request.limits.maxOutputBytes) kill(new VerdictError('LIMIT_EXCEEDED', `stdout exceeds ${request.limits.maxOutputBytes} bytes`));
      else out.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => kill(new VerdictError('TIMEOUT', `command exceeded its wall-time limit of ${request.limits.wallMs} ms`, { retryable: false })), request.limits.wallMs);
    const onAbort = () => kill(new VerdictError('TIMEOUT', 'run aborted', { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new VerdictError('EXECUTOR_FAILED', `cannot start "${command}": ${e.message}`, { cause: e }));
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      out.end(() => {
        if (failure) reject(failure);
        else resolve({ code: code ?? (sig ? 128 + 9 : 1), stderr: stderr.text() });
      });
    });
  });
}
