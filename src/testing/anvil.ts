/**
 * Spawns a real anvil (the binary shipped in the `@foundry-rs/anvil` npm package) on 127.0.0.1 with
 * `--port 0`, parses the port and the dev accounts from its banner, and kills it on dispose.
 *
 * Used by tests, benches and the demo. It does not import ethers: callers talk JSON-RPC to `url`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VerdictError } from '../core/errors.js';
import type { Hex } from '../core/bytes.js';

export interface AnvilAccount {
  address: Hex;
  privateKey: Hex;
}

export interface AnvilOptions {
  /** Number of funded dev accounts (anvil's default is 10). */
  accounts?: number;
  /** Ether per dev account. */
  balance?: number;
  chainId?: number;
  /** Seconds between blocks; unset means a block per transaction (automine). */
  blockTime?: number;
  /** Start with automine off (blocks only via `evm_mine`). */
  noMining?: boolean;
  /** BIP-39 mnemonic for the dev accounts; anvil's well-known default when unset. */
  mnemonic?: string;
  /** Block gas limit. */
  gasLimit?: bigint | number;
  /** Anything else to pass through verbatim. */
  extraArgs?: string[];
  /** How long to wait for the "Listening on" line. */
  startTimeoutMs?: number;
  /** Path of the anvil binary; resolved from the npm package when unset (env `VERDICT_ANVIL` overrides). */
  binary?: string;
  /** A fixed port (to restart a node at the same URL); a free one chosen by anvil when unset. */
  port?: number;
  /** State file: loaded at start when it exists, written when anvil exits (anvil `--state`). */
  stateFile?: string;
}

export interface Anvil extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly chainId: number;
  readonly accounts: readonly AnvilAccount[];
  readonly pid: number;
  /** Sends one JSON-RPC call (no ethers needed), throwing CHAIN_ERROR on an RPC error. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Stops anvil (SIGTERM, then SIGKILL after 2 s) and waits for the process to exit. Idempotent. */
  stop(): Promise<void>;
  /** True once the process has exited, whoever stopped it. */
  readonly exited: boolean;
}

const PLATFORM_PACKAGES: Record<string, Record<string, string>> = {
  linux: { x64: 'anvil-linux-amd64', arm64: 'anvil-linux-arm64' },
  darwin: { x64: 'anvil-darwin-amd64', arm64: 'anvil-darwin-arm64' },
  win32: { x64: 'anvil-win32-amd64' },
};

/** Resolves the anvil executable inside node_modules (the wrapper script would add a node process per start). */
export function anvilBinaryPath(): string {
  const fromEnv = process.env.VERDICT_ANVIL;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new VerdictError('NOT_FOUND', `VERDICT_ANVIL points to a missing file: ${fromEnv}`);
    return fromEnv;
  }
  const pkg = PLATFORM_PACKAGES[process.platform]?.[process.arch];
  if (!pkg) {
    throw new VerdictError('UNSUPPORTED', `no anvil binary package for ${process.platform}/${process.arch}`);
  }
  const require = createRequire(import.meta.url);
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  try {
    const path = require.resolve(`@foundry-rs/${pkg}/bin/${exe}`);
    if (existsSync(path)) return path;
  } catch {
    // fall through to the error below
  }
  throw new VerdictError('NOT_FOUND', `anvil binary not found: install @foundry-rs/anvil (needs @foundry-rs/${pkg})`);
}

/** Processes started here, killed synchronously if the host process exits without disposing them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

interface Banner {
  port: number;
  chainId: number;
  accounts: AnvilAccount[];
}

/** Parses anvil's startup banner: "Available Accounts", "Private Keys", "Chain ID", "Listening on host:port". */
export function parseAnvilBanner(text: string): Banner | undefined {
  const listen = /Listening on [^\s:]+:(\d+)/.exec(text);
  if (!listen) return undefined;
  const section = (title: string): string => {
    const at = text.indexOf(title);
    if (at < 0) return '';
    const rest = text.slice(at + title.length);
    const end = rest.search(/\n[A-Z][A-Za-z ]+\n=+/);
    return end < 0 ? rest : rest.slice(0, end);
  };
  const addresses = [...section('Available Accounts').matchAll(/\(\d+\)\s+(0x[0-9a-fA-F]{40})/g)].map((m) => m[1] as Hex);
  const keys = [...section('Private Keys').matchAll(/\(\d+\)\s+(0x[0-9a-fA-F]{64})/g)].map((m) => m[1] as Hex);
  const chain = /Chain ID\s*\n=+\s*\n\s*(\d+)/.exec(text);
  const accounts = addresses.map((address, i) => ({ address, privateKey: keys[i]! })).filter((a) => a.privateKey);
  return { port: Number(listen[1]), chainId: chain ? Number(chain[1]) : 31337, accounts };
}

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const binary = options.binary ?? anvilBinaryPath();
  const args = ['--host', '127.0.0.1', '--port', String(options.port ?? 0)];
  if (options.stateFile !== undefined) args.push('--state', options.stateFile);
  if (options.accounts !== undefined) args.push('--accounts', String(options.accounts));
  if (options.balance !== undefined) args.push('--balance', String(options.balance));
  if (options.chainId !== undefined) args.push('--chain-id', String(options.chainId));
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.noMining) args.push('--no-mining');
  if (options.mnemonic !== undefined) args.push('--mnemonic', options.mnemonic);
  if (options.gasLimit !== undefined) args.push('--gas-limit', String(options.gasLimit));
  if (options.extraArgs) args.push(...options.extraArgs);

  installExitHook();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    });
  });

  let out = '';
  let err = '';
  const banner = await new Promise<Banner>((resolve, reject) => {
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new VerdictError('TIMEOUT', `anvil did not start within ${timeoutMs} ms`, { details: { stderr: err.slice(-2000) } }));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      if (out.length < 1 << 20) out += chunk.toString('utf8');
      const parsed = parseAnvilBanner(out);
      if (parsed) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(parsed);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      if (err.length < 1 << 16) err += chunk.toString('utf8');
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new VerdictError('EXECUTOR_FAILED', `could not spawn anvil (${binary}): ${e.message}`, { cause: e }));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new VerdictError('EXECUTOR_FAILED', `anvil exited before listening (code ${code}, signal ${signal})`, {
          details: { stderr: err.slice(-2000), stdout: out.slice(-2000) },
        }),
      );
    });
  });
  // Keep draining the pipes so anvil never blocks on a full stdout buffer.
  child.stdout?.resume();
  child.stderr?.resume();

  const url = `http://127.0.0.1:${banner.port}`;
  let nextId = 1;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
    if (body.error) {
      throw new VerdictError('CHAIN_ERROR', `${method}: ${body.error.message}`, { details: { rpcCode: body.error.code } });
    }
    return body.result as T;
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exitPromise;
      clearTimeout(timer);
    })();
    return stopping;
  };

  return {
    url,
    port: banner.port,
    chainId: banner.chainId,
    accounts: banner.accounts,
    pid: child.pid ?? -1,
    rpc,
    stop,
    get exited() {
      return exited;
    },
    [Symbol.asyncDispose]: stop,
  };
}

/** Runs `fn` with a fresh anvil and always stops it afterwards. */
export async function withAnvil<T>(fn: (anvil: Anvil) => Promise<T>, options: AnvilOptions = {}): Promise<T> {
  const anvil = await startAnvil(options);
  try {
    return await fn(anvil);
  } finally {
    await anvil.stop();
  }
}
