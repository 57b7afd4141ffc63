import { VerdictError } from './errors.js';
import { utf8 } from './bytes.js';

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };

const MAX_DEPTH = 256;

/**
 * Canonical JSON (RFC 8785 / JCS): object keys sorted by UTF-16 code units, no whitespace, numbers in
 * ECMAScript shortest form. The same value always gives the same bytes, whatever its key order.
 * Refuses what JSON cannot carry faithfully: NaN, ±Infinity, undefined, bigint, functions, symbols,
 * class instances other than arrays, cycles, and nesting deeper than 256.
 */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  write(value, out, 0, new Set(), '$');
  return out.join('');
}

export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalize(value));
}

function fail(path: string, what: string): never {
  throw new VerdictError('BAD_INPUT', `cannot canonicalize ${path}: ${what}`, { details: { path } });
}

function write(value: unknown, out: string[], depth: number, seen: Set<object>, path: string): void {
  if (depth > MAX_DEPTH) fail(path, `nesting deeper than ${MAX_DEPTH}`);
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `non-finite number ${value}`);
      out.push(JSON.stringify(value)); // -0 becomes "0", as JCS requires
      return;
    case 'object':
      break;
    default:
      fail(path, `unsupported type ${typeof value}`);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (seen.has(value)) fail(path, 'cycle');
  seen.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, out, depth + 1, seen, `${path}[${i}]`);
    });
    out.push(']');
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail(path, `not a plain object (${proto?.constructor?.name ?? 'unknown'})`);
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    out.push('{');
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) fail(`${path}.${key}`, 'undefined value');
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      write(item, out, depth + 1, seen, `${path}.${key}`);
    }
    out.push('}');
  }
  seen.delete(value);
}

export interface ParseJsonOptions {
  /** Refuse texts longer than this many bytes before parsing (default 64 MiB). */
  maxBytes?: number;
  /** Names the source in error messages (a file path, "evidence", ...). */
  source?: string;
}

/** JSON.parse for untrusted text: size-bounded, and failures become VerdictError(BAD_INPUT). */
export function parseJson(text: string | Uint8Array, options: ParseJsonOptions = {}): JsonValue {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const source = options.source ?? 'input';
  const size = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  if (size > maxBytes) {
    throw new VerdictError('LIMIT_EXCEEDED', `${source}: ${size} bytes exceeds the limit of ${maxBytes}`, {
      details: { source, size, maxBytes },
    });
  }
  const str = typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: false }).decode(text);
  try {
    return JSON.parse(str) as JsonValue;
  } catch (e) {
    throw new VerdictError('BAD_INPUT', `${source}: not valid JSON (${(e as Error).message})`, { cause: e, details: { source } });
  }
}
