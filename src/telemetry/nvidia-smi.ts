import { VerdictError } from '../core/index.js';
import type { TelemetrySample } from './sample.js';

/**
 * The query the recorder runs, in this order:
 *   nvidia-smi --query-gpu=<SMI_QUERY_FIELDS> --format=csv,noheader,nounits -lms <period>
 * `clocks.sm` is nvidia-smi's alias of `clocks.current.sm`. nvidia-smi has no query field for NVML's total
 * energy counter, so energy comes from another source (energy.ts), never from this CSV.
 */
export const SMI_QUERY_FIELDS = [
  'timestamp',
  'uuid',
  'serial',
  'name',
  'power.draw',
  'clocks.sm',
  'utilization.gpu',
  'utilization.memory',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'pstate',
] as const;

export function smiArgs(periodMs: number, gpu?: string): string[] {
  const args = [`--query-gpu=${SMI_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits', `-lms`, String(periodMs)];
  if (gpu !== undefined) args.push('-i', gpu);
  return args;
}

/** Longest line we accept: a real line is ~150 characters; anything far longer is garbage. */
export const MAX_SMI_LINE = 1024;

const TS_RE = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/**
 * nvidia-smi's `timestamp` is local time, `YYYY/MM/DD HH:MM:SS.mmm`, with no zone. The recorder runs nvidia-smi
 * with TZ=UTC so the offset is 0; a replayed CSV recorded elsewhere passes its offset (minutes east of UTC).
 */
export function parseSmiTimestamp(text: string, utcOffsetMinutes = 0): number {
  const m = TS_RE.exec(text);
  if (!m) throw new VerdictError('BAD_INPUT', `timestamp "${clip(text)}" is not YYYY/MM/DD HH:MM:SS.mmm`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Math.floor(Number(m[7].padEnd(3, '0').slice(0, 3))) : 0;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  // Date.UTC rolls 2024/02/31 over to March: refuse instead of guessing.
  if (y < 1970 || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new VerdictError('BAD_INPUT', `timestamp "${clip(text)}" is not a valid date`);
  }
  return t - utcOffsetMinutes * 60_000;
}

/** Inverse of parseSmiTimestamp at offset 0, for fixtures and fakes. */
export function formatSmiTimestamp(t: number): string {
  const d = new Date(t);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

/** Values nvidia-smi prints instead of a number: `[N/A]`, `[Not Supported]`, `[Unknown Error]`, `[GPU is lost]` ... */
function isUnavailable(v: string): boolean {
  return v === '' || v === 'N/A' || (v.startsWith('[') && v.endsWith(']'));
}

// With `nounits` there are none; without it nvidia-smi appends these. Both are accepted.
const UNIT_RE = /^(-?\d+(?:\.\d+)?)(?: ?(?:W|MHz|%|MiB|C))?$/;

function num(v: string, field: string, line: number): number | null {
  if (isUnavailable(v)) return null;
  const m = UNIT_RE.exec(v);
  if (!m) throw new VerdictError('BAD_INPUT', `line ${line}: ${field} "${clip(v)}" is not a number`, { details: { line, field } });
  const n = Number(m[1]);
  if (!Number.isFinite(n)) throw new VerdictError('BAD_INPUT', `line ${line}: ${field} out of range`, { details: { line, field } });
  return n;
}

function text(v: string, field: string, line: number, max: number): string {
  if (v.length > max || !/^[\x20-\x7e]+$/.test(v)) {
    throw new VerdictError('BAD_INPUT', `line ${line}: ${field} "${clip(v)}" is not printable ASCII of at most ${max} characters`, {
      details: { line, field },
    });
  }
  return v;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

export interface SmiParseOptions {
  /** Minutes east of UTC of the clock nvidia-smi printed (0 when it ran with TZ=UTC). */
  utcOffsetMinutes?: number;
  /** 1-based line number used in error messages. */
  lineNumber?: number;
}

/**
 * Parses one line of `--format=csv,noheader,nounits` output for SMI_QUERY_FIELDS.
 * Returns null for a header line (`timestamp, uuid, ...`) or a blank line; throws VerdictError('BAD_INPUT') otherwise.
 */
export function parseSmiLine(raw: string, options: SmiParseOptions = {}): TelemetrySample | null {
  const line = options.lineNumber ?? 1;
  if (raw.length > MAX_SMI_LINE) throw new VerdictError('BAD_INPUT', `line ${line}: longer than ${MAX_SMI_LINE} characters`);
  const trimmed = raw.replace(/\r$/, '').trim();
  if (trimmed === '') return null;
  const parts = trimmed.split(',').map((p) => p.trim());
  if (parts[0] === 'timestamp') return null;
  if (parts.length !== SMI_QUERY_FIELDS.length) {
    throw new VerdictError('BAD_INPUT', `line ${line}: expected ${SMI_QUERY_FIELDS.length} fields, got ${parts.length}`, {
      details: { line, fields: parts.length },
    });
  }
  const [ts, uuid, serial, name, power, clock, utilGpu, utilMem, memUsed, memTotal, temp, pstate] = parts as [
    string, string, string, string, string, string, string, string, string, string, string, string,
  ];
  const sample: TelemetrySample = {
    t: parseSmiTimestamp(ts, options.utcOffsetMinutes ?? 0),
    uuid: uuidOf(uuid, line),
    serial: isUnavailable(serial) ? null : text(serial, 'serial', line, 64),
    name: isUnavailable(name) ? fail(line, 'name is unavailable') : text(name, 'name', line, 96),
    powerW: num(power, 'power.draw', line),
    smClockMHz: num(clock, 'clocks.sm', line),
    utilGpuPct: num(utilGpu, 'utilization.gpu', line),
    utilMemPct: num(utilMem, 'utilization.memory', line),
    memUsedMiB: num(memUsed, 'memory.used', line),
    memTotalMiB: num(memTotal, 'memory.total', line),
    tempC: num(temp, 'temperature.gpu', line),
    pstate: isUnavailable(pstate) ? null : /^P\d{1,2}$/.test(pstate) ? pstate : fail(line, `pstate "${clip(pstate)}" is not P0..P15`),
  };
  for (const [k, lo, hi] of RANGES) {
    const v = sample[k] as number | null;
    if (v !== null && (v < lo || v > hi)) fail(line, `${k} ${v} outside [${lo}, ${hi}]`);
  }
  return sample;
}

const RANGES: [keyof TelemetrySample, number, number][] = [
  ['powerW', 0, 5000],
  ['smClockMHz', 0, 10_000],
  ['utilGpuPct', 0, 100],
  ['utilMemPct', 0, 100],
  ['memUsedMiB', 0, 1e7],
  ['memTotalMiB', 0, 1e7],
  ['tempC', -60, 200],
];

function uuidOf(v: string, line: number): string {
  if (!/^(GPU|MIG)-[0-9A-Za-z/-]{1,92}$/.test(v)) fail(line, `uuid "${clip(v)}" is not GPU-… or MIG-…`);
  return v;
}

function fail(line: number, why: string): never {
  throw new VerdictError('BAD_INPUT', `line ${line}: ${why}`, { details: { line } });
}

export interface SmiCsvResult {
  samples: TelemetrySample[];
  /** Lines that did not parse (1-based line number and why), in lenient mode. */
  rejected: { line: number; reason: string }[];
}

export interface SmiCsvOptions extends SmiParseOptions {
  /** Throw on the first bad line instead of collecting it in `rejected` (default false). */
  strict?: boolean;
  /** Keep only this GPU's lines (nvidia-smi prints one line per GPU per tick). */
  uuid?: string;
  /** Refuse more lines than this (default 2,000,000: over 5 days at 1 Hz). */
  maxLines?: number;
}

/** Parses a whole recorded CSV (as written by the query above). */
export function parseSmiCsv(input: string, options: SmiCsvOptions = {}): SmiCsvResult {
  if (typeof input !== 'string') throw new VerdictError('BAD_INPUT', 'nvidia-smi CSV must be text');
  const lines = input.split('\n');
  const maxLines = options.maxLines ?? 2_000_000;
  if (lines.length > maxLines) throw new VerdictError('LIMIT_EXCEEDED', `nvidia-smi CSV has more than ${maxLines} lines`);
  const samples: TelemetrySample[] = [];
  const rejected: SmiCsvResult['rejected'] = [];
  lines.forEach((raw, i) => {
    try {
      const s = parseSmiLine(raw, { ...options, lineNumber: i + 1 });
      if (s && (options.uuid === undefined || s.uuid === options.uuid)) samples.push(s);
    } catch (e) {
      if (options.strict || !(e instanceof VerdictError)) throw e;
      rejected.push({ line: i + 1, reason: e.message });
    }
  });
  return { samples, rejected };
}

/** Renders a sample as nvidia-smi would print it (nounits), for fixtures and the fake nvidia-smi in tests. */
export function formatSmiLine(s: TelemetrySample): string {
  const v = (x: number | null, digits = 0) => (x === null ? '[N/A]' : digits ? x.toFixed(digits) : String(x));
  return [
    formatSmiTimestamp(s.t),
    s.uuid,
    s.serial ?? '[N/A]',
    s.name,
    v(s.powerW, 2),
    v(s.smClockMHz),
    v(s.utilGpuPct),
    v(s.utilMemPct),
    v(s.memUsedMiB),
    v(s.memTotalMiB),
    v(s.tempC),
    s.pstate ?? '[N/A]',
  ].join(', ');
}
