import { Worker } from 'node:worker_threads';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VerdictError, toHex } from '../../core/index.js';
import { Sandbox, type ExecRequest, type ExecResult, type Executor } from './executor.js';
import { WASM_PAGE, capWasmMemory } from './wasm-limits.js';

/**
 * The worker runs one WASI module. It is plain JavaScript (eval'd) so it works the same from sources and
 * from dist/. Clock and randomness imports are replaced: the clock reads a fixed instant and random_get
 * returns a SHA-256 counter stream of the job's seed, so neither can leak into results.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { WASI } = require('node:wasi');
const { createHash } = require('node:crypto');
const d = workerData;
try {
  const wasi = new WASI({ version: 'preview1', args: d.args, env: {}, preopens: d.preopens,
    stdin: d.stdinFd, stdout: d.stdoutFd, stderr: d.stderrFd, returnOnExit: true });
  const imports = wasi.getImportObject();
  const sys = imports.wasi_snapshot_preview1;
  let memory = null;
  const clockNs = BigInt(d.clockNs);
  sys.clock_time_get = (id, precision, ptr) => { new DataView(memory.buffer).setBigUint64(ptr, clockNs, true); return 0; };
  sys.clock_res_get = (id, ptr) => { new DataView(memory.buffer).setBigUint64(ptr, 1n, true); return 0; };
  let counter = 0n;
  const seed = Buffer.from(d.seedHex, 'hex');
  sys.random_get = (ptr, len) => {
    const out = new Uint8Array(memory.buffer, ptr, len);
    for (let at = 0; at < len; at += 32) {
      const c = Buffer.alloc(8); c.writeBigUInt64BE(counter++);
      const block = createHash('sha256').update(seed).update(c).digest();
      out.set(block.subarray(0, Math.min(32, len - at)), at);
    }
    return 0;
  };
  const module = new WebAssembly.Module(d.module);
  const instance = new WebAssembly.Instance(module, imports);
  memory = instance.exports.memory;
  const exitCode = wasi.start(instance);
  parentPort.postMessage({ exitCode: exitCode ?? 0 });
} catch (e) {
  parentPort.postMessage({ trap: String(e && e.message || e) });
}
`;

export class WasiExecutor implements Executor {
  readonly kind = 'wasi';

  async run(request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    if (!request.program) throw new VerdictError('BAD_INPUT', 'WASI executor needs the module bytes');
    const program = new Uint8Array(request.program); // own ArrayBuffer, as WebAssembly's API requires
    if (!WebAssembly.validate(program)) throw new VerdictError('BAD_INPUT', 'program is not a valid WebAssembly module');
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(program));
    if (imports.some((i) => i.kind === 'memory')) throw new VerdictError('UNSUPPORTED', 'modules that import their memory are not supported');
    const bad = imports.find((i) => i.module !== 'wasi_snapshot_preview1');
    if (bad) throw new VerdictError('UNSUPPORTED', `module imports ${bad.module}.${bad.name}; only wasi_snapshot_preview1 is provided`);
    const module = capWasmMemory(program, Math.floor((request.limits.memoryMb * 1024 * 1024) / WASM_PAGE));

    const sandbox = await Sandbox.create();
    const started = performance.now();
    const stdoutPath = join(sandbox.root, 'stdout');
    const stderrPath = join(sandbox.root, 'stderr');
    const fds = { stdin: openSync('/dev/null', 'r'), stdout: openSync(stdoutPath, 'w'), stderr: openSync(stderrPath, 'w') };
    try {
      await sandbox.writeInputs(request.inputs);
      const message = await this.runWorker(
        {
          module,
          args: request.args,
          preopens: { '/in': sandbox.inDir, '/out': sandbox.outDir },
          stdinFd: fds.stdin,
          stdoutFd: fds.stdout,
          stderrFd: fds.stderr,
          clockNs: request.determinism.clockNs.toString(),
          seedHex: toHex(request.determinism.randomSeed).slice(2),
        },
        request.limits.wallMs,
        signal,
      );
      for (const fd of Object.values(fds)) closeSync(fd);
      fds.stdout = fds.stderr = fds.stdin = -1;
      const stderrTail = readTail(stderrPath, 4096);
      if ('trap' in message) {
        throw new VerdictError('EXECUTOR_FAILED', `WASI program trapped: ${message.trap}`, { retryable: false, details: { stderrTail } });
      }
      if (statSync(stdoutPath).size > request.limits.maxOutputBytes) {
        throw new VerdictError('LIMIT_EXCEEDED', `stdout exceeds ${request.limits.maxOutputBytes} bytes`);
      }
      const extra = request.stdoutAs ? [{ path: request.stdoutAs, data: new Uint8Array(readFileSync(stdoutPath)) }] : [];
      const outputs = await sandbox.collectOutputs(request.limits.maxOutputBytes, extra);
      return { exitCode: message.exitCode, outputs, stderrTail, wallMs: performance.now() - started };
    } finally {
      for (const fd of Object.values(fds)) if (fd >= 0) closeSync(fd);
      await sandbox.dispose();
    }
  }

  private runWorker(
    data: Record<string, unknown>,
    wallMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ exitCode: number } | { trap: string }> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data, resourceLimits: { maxOldGenerationSizeMb: 256 }, stderr: true });
      worker.stderr.resume(); // node's "WASI is experimental" warning; the program's stderr goes to its own fd
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const timer = setTimeout(() => {
        void worker.terminate();
        finish(() => reject(new VerdictError('TIMEOUT', `WASI program exceeded its wall-time limit of ${wallMs} ms`, { retryable: false })));
      }, wallMs);
      const onAbort = () => {
        void worker.terminate();
        finish(() => reject(new VerdictError('TIMEOUT', 'WASI run aborted', { cause: signal?.reason })));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('message', (m) => finish(() => resolve(m)));
      worker.once('error', (e) => finish(() => reject(new VerdictError('EXECUTOR_FAILED', `WASI worker failed: ${e.message}`, { cause: e }))));
      worker.once('exit', (code) =>
        finish(() => reject(new VerdictError('EXECUTOR_FAILED', `WASI worker exited with code ${code} before reporting`))),
      );
    });
  }
}

function readTail(path: string, max: number): string {
  const data = readFileSync(path);
  return data.subarray(Math.max(0, data.length - max)).toString('utf8');
}
