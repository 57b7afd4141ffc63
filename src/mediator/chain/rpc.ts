/**
 * JSON-RPC plumbing on ethers v6: a provider that never serves stale answers, a probe that fails fast and
 * clearly on an unreachable endpoint, error mapping onto VerdictError, and retries with backoff.
 */
import { JsonRpcProvider, Network, isError, type Interface } from 'ethers';
import { VerdictError, describeUnknown, isVerdictError } from '../../core/errors.js';
import type { Logger } from '../../core/runtime.js';
import { silentLogger } from '../../core/runtime.js';

export interface RetryOptions {
  /** Attempts in all (first try included). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
  signal?: AbortSignal;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'logger' | 'signal'>> = { attempts: 5, baseDelayMs: 100, maxDelayMs: 3_000 };

/** Polling interval for receipts and blocks; anvil mines in milliseconds. */
export const POLLING_INTERVAL_MS = 50;

/**
 * Asks `eth_chainId` with a plain fetch and a timeout, before any ethers provider exists: ethers would otherwise
 * log "failed to detect network" in a loop. Throws CHAIN_ERROR (retryable) naming the URL.
 */
export async function probeChainId(url: string, timeoutMs = 5_000): Promise<number> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw new VerdictError('BAD_CONFIG', `RPC URL is not a URL: ${url}`, { cause: e });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new VerdictError('BAD_CONFIG', `RPC URL must be http(s), got ${parsed.protocol} (${url})`);
  }
  let body: { result?: string; error?: { message?: string } };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    body = (await res.json()) as typeof body;
  } catch (e) {
    const reason = describeCause(e);
    throw new VerdictError('CHAIN_ERROR', `RPC endpoint ${url} is unreachable: ${reason}`, { cause: e, details: { url } });
  }
  if (typeof body.result !== 'string' || !/^0x[0-9a-fA-F]+$/.test(body.result)) {
    throw new VerdictError('CHAIN_ERROR', `RPC endpoint ${url} did not answer eth_chainId: ${body.error?.message ?? 'no result'}`, {
      details: { url },
    });
  }
  return Number(BigInt(body.result));
}

function describeCause(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    const code = cause && typeof cause === 'object' && 'code' in cause ? describeUnknown((cause as { code: unknown }).code) : undefined;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
    return code ? `${code} (${e.message})` : e.message;
  }
  return describeUnknown(e);
}

/**
 * The one way this project builds a provider. `cacheTimeout: -1` disables ethers' 250 ms answer cache (stale
 * nonces and block numbers otherwise), the static network skips detection, `batchMaxCount: 1` avoids the batch
 * stall on every call.
 */
export function createProvider(url: string, chainId: number): JsonRpcProvider {
  const network = Network.from(chainId);
  return new JsonRpcProvider(url, network, {
    staticNetwork: network,
    cacheTimeout: -1,
    pollingInterval: POLLING_INTERVAL_MS,
    batchMaxCount: 1,
  });
}

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** True for failures of the transport or the node (not of the request): worth retrying. */
export function isTransientRpcError(e: unknown): boolean {
  if (isVerdictError(e)) return e.code === 'CHAIN_ERROR' && e.retryable;
  if (isError(e, 'NETWORK_ERROR') || isError(e, 'TIMEOUT') || isError(e, 'SERVER_ERROR')) return true;
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    const msg = cur instanceof Error ? cur.message : '';
    if (/fetch failed|socket hang up|ECONNREFUSED|ECONNRESET|other side closed|timeout/i.test(msg)) return true;
    cur = (cur as { cause?: unknown }).cause ?? (cur as { error?: unknown }).error;
  }
  return false;
}

/** Finds revert data in an ethers error (it nests it in different places per code path). */
export function revertData(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 6; depth++) {
    const data = (cur as { data?: unknown }).data;
    if (typeof data === 'string' && /^0x[0-9a-fA-F]*$/.test(data) && data.length >= 10) return data;
    if (data && typeof data === 'object' && typeof (data as { data?: unknown }).data === 'string') {
      return (data as { data: string }).data;
    }
    cur = (cur as { error?: unknown }).error ?? (cur as { info?: { error?: unknown } }).info?.error ?? (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Name and arguments of a contract's custom error in a revert, e.g. `DuplicateSigner(0xabc…)`. */
export function decodeRevert(e: unknown, iface?: Interface): { name: string; args: unknown[] } | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const data = revertData(e);
  if (!data || !iface) {
    const reason = (e as { reason?: unknown }).reason;
    return typeof reason === 'string' ? { name: reason, args: [] } : undefined;
  }
  try {
    const parsed = iface.parseError(data);
    // require(cond, "message"): the message is the reason
    if (parsed?.name === 'Error' && typeof parsed.args[0] === 'string') return { name: parsed.args[0], args: [] };
    if (parsed) return { name: parsed.name, args: [...parsed.args] };
  } catch {
    // not one of ours: fall through
  }
  const reason = (e as { reason?: unknown }).reason;
  return typeof reason === 'string' ? { name: reason, args: [] } : { name: `revert ${data.slice(0, 10)}`, args: [] };
}

/**
 * Maps anything an RPC call threw onto VerdictError: transport trouble is CHAIN_ERROR retryable; a revert is
 * CHAIN_ERROR not retryable with the custom error's name in `details.revert`.
 */
export function toChainError(e: unknown, what: string, iface?: Interface): VerdictError {
  if (isVerdictError(e)) return e;
  if (isTransientRpcError(e)) {
    return new VerdictError('CHAIN_ERROR', `${what}: RPC failed: ${shortMessage(e)}`, { cause: e, retryable: true });
  }
  if (isError(e, 'CALL_EXCEPTION') || revertData(e)) {
    const rev = decodeRevert(e, iface);
    const name = rev?.name ?? 'unknown revert';
    return new VerdictError('CHAIN_ERROR', `${what}: reverted: ${name}`, {
      cause: e,
      retryable: false,
      details: { revert: name, args: (rev?.args ?? []).map(String) },
    });
  }
  if (isError(e, 'INSUFFICIENT_FUNDS')) {
    return new VerdictError('CHAIN_ERROR', `${what}: the sending account cannot pay for gas`, { cause: e, retryable: true });
  }
  if (isError(e, 'NONCE_EXPIRED') || isError(e, 'REPLACEMENT_UNDERPRICED')) {
    return new VerdictError('CHAIN_ERROR', `${what}: nonce already used`, { cause: e, retryable: true, details: { nonce: true } });
  }
  return new VerdictError('CHAIN_ERROR', `${what}: ${shortMessage(e)}`, { cause: e, retryable: false });
}

export function shortMessage(e: unknown): string {
  if (e && typeof e === 'object' && typeof (e as { shortMessage?: unknown }).shortMessage === 'string') {
    return (e as { shortMessage: string }).shortMessage;
  }
  return describeUnknown(e);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new VerdictError('TIMEOUT', 'aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new VerdictError('TIMEOUT', 'aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn`, retrying transient RPC failures with exponential backoff (deterministic: no jitter source is
 * needed for one client). Non-transient errors and the last failure are thrown as VerdictError.
 */
export async function withRetry<T>(what: string, fn: () => Promise<T>, options: RetryOptions = {}, iface?: Interface): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? DEFAULT_RETRY.attempts);
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const log = options.logger ?? silentLogger;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const err = toChainError(e, what, iface);
      // Only transport trouble is retried here; a used nonce or a revert is the caller's to handle.
      if (attempt >= attempts || !isTransientRpcError(e)) throw err;
      const delay = Math.min(max, base * 2 ** (attempt - 1));
      log.debug({ what, attempt, delay, err: err.message }, 'retrying RPC call');
      await sleep(delay, options.signal);
    }
  }
}
