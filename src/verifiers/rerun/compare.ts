import { equalBytes, parseJson, sha256Hex, z } from '../../core/index.js';

/**
 * How one output file is compared with the reference run's. Rules are matched by glob on the path, first
 * match wins, and files no rule matches are compared exactly.
 */
export const toleranceSchema = z
  .object({
    /** |a − b| ≤ abs */
    abs: z.number().min(0).optional(),
    /** |a − b| ≤ rel · max(|a|, |b|) */
    rel: z.number().min(0).max(1).optional(),
    /** a and b at most this many representable doubles (or floats for f32le) apart */
    ulps: z.number().int().min(0).max(2 ** 40).optional(),
  })
  .strict();

export const compareRuleSchema = z.discriminatedUnion('mode', [
  z.object({ match: z.string().min(1).max(512), mode: z.literal('exact') }).strict(),
  z.object({ match: z.string().min(1).max(512), mode: z.literal('ignore') }).strict(),
  z
    .object({
      match: z.string().min(1).max(512),
      mode: z.literal('numeric'),
      /** text: numbers embedded in text (CSV, logs; everything else must match exactly); json; raw float arrays. */
      format: z.enum(['text', 'json', 'f32le', 'f64le']),
      tolerance: toleranceSchema.refine((t) => t.abs !== undefined || t.rel !== undefined || t.ulps !== undefined, {
        message: 'expected at least one of abs, rel, ulps',
      }),
    })
    .strict(),
]);

export type CompareRule = z.infer<typeof compareRuleSchema>;
export type Tolerance = z.infer<typeof toleranceSchema>;

export interface FileComparison {
  path: string;
  rule: string;
  equal: boolean;
  detail: string;
  mismatches?: number;
  maxAbsDiff?: number;
}

/** Glob with `*` (within a path segment), `**` (any depth) and `?`. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function ruleFor(path: string, rules: readonly CompareRule[]): CompareRule {
  return rules.find((r) => globToRegExp(r.match).test(path)) ?? { match: '**', mode: 'exact' };
}

const F64 = new Float64Array(1);
const I64 = new BigInt64Array(F64.buffer);
const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/** Distance in units in the last place between two doubles (or floats), monotone across zero. */
export function ulpDistance(a: number, b: number, width: 32 | 64 = 64): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  if (width === 32) {
    const ord = (x: number) => {
      F32[0] = x;
      const i = I32[0]!;
      return i < 0 ? -2147483648 - i : i;
    };
    return Math.abs(ord(a) - ord(b));
  }
  const ord = (x: number) => {
    F64[0] = x;
    const i = I64[0]!;
    return i < 0n ? -9223372036854775808n - i : i;
  };
  const d = ord(a) - ord(b);
  return Number(d < 0n ? -d : d);
}

export function withinTolerance(a: number, b: number, t: Tolerance, width: 32 | 64 = 64): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const diff = Math.abs(a - b);
  if (t.abs !== undefined && diff <= t.abs) return true;
  if (t.rel !== undefined && diff <= t.rel * Math.max(Math.abs(a), Math.abs(b))) return true;
  if (t.ulps !== undefined && ulpDistance(a, b, width) <= t.ulps) return true;
  return false;
}

class NumberTally {
  mismatches = 0;
  maxAbsDiff = 0;
  first = '';
  check(a: number, b: number, t: Tolerance, where: string, width: 32 | 64 = 64): void {
    if (!Number.isNaN(a) && !Number.isNaN(b)) this.maxAbsDiff = Math.max(this.maxAbsDiff, Math.abs(a - b));
    if (!withinTolerance(a, b, t, width)) {
      this.mismatches++;
      if (!this.first) this.first = `${where}: expected ${a}, got ${b}`;
    }
  }
}

const NUMBER_RE = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?)\b/gi;

function splitNumbers(text: string): { words: string[]; numbers: number[] } {
  const words: string[] = [];
  const numbers: number[] = [];
  let last = 0;
  for (const m of text.matchAll(NUMBER_RE)) {
    words.push(text.slice(last, m.index));
    const s = m[0].toLowerCase().replace(/^\+/, '');
    numbers.push(s.includes('nan') ? NaN : s.includes('inf') ? (s.startsWith('-') ? -Infinity : Infinity) : Number(s));
    last = m.index! + m[0].length;
  }
  words.push(text.slice(last));
  return { words, numbers };
}

function compareJson(a: unknown, b: unknown, t: Tolerance, tally: NumberTally, where: string): string | null {
  if (typeof a === 'number' && typeof b === 'number') {
    tally.check(a, b, t, where);
    return null;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${where}: array length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const r = compareJson(a[i], b[i], t, tally, `${where}[${i}]`);
      if (r) return r;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join('\u0000') !== kb.join('\u0000')) return `${where}: keys differ`;
    for (const k of ka) {
      const r = compareJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], t, tally, `${where}.${k}`);
      if (r) return r;
    }
    return null;
  }
  return a === b ? null : `${where}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/** Compares a claimed output (`actual`) with the reference run's (`expected`). Never throws on content. */
export function compareFile(path: string, expected: Uint8Array, actual: Uint8Array, rule: CompareRule): FileComparison {
  const base = { path, rule: rule.mode === 'numeric' ? `numeric/${rule.format}` : rule.mode };
  if (rule.mode === 'ignore') return { ...base, equal: true, detail: 'ignored by rule' };
  if (rule.mode === 'exact' || equalBytes(expected, actual)) {
    const equal = equalBytes(expected, actual);
    return { ...base, equal, detail: equal ? 'identical' : `sha256 ${sha256Hex(actual).slice(0, 18)}… ≠ reference ${sha256Hex(expected).slice(0, 18)}…` };
  }
  const tally = new NumberTally();
  const t = rule.tolerance;
  let structural: string | null = null;
  switch (rule.format) {
    case 'text': {
      const dec = new TextDecoder();
      const a = splitNumbers(dec.decode(expected));
      const b = splitNumbers(dec.decode(actual));
      if (a.numbers.length !== b.numbers.length) structural = `${a.numbers.length} numbers in the reference, ${b.numbers.length} claimed`;
      else {
        const w = a.words.findIndex((word, i) => word !== b.words[i]);
        if (w >= 0) structural = `text differs outside numbers near number #${w}: ${JSON.stringify(a.words[w]?.slice(0, 40))} vs ${JSON.stringify(b.words[w]?.slice(0, 40))}`;
        else a.numbers.forEach((x, i) => tally.check(x, b.numbers[i]!, t, `number #${i}`));
      }
      break;
    }
    case 'json': {
      try {
        structural = compareJson(parseJson(expected, { source: 'reference' }), parseJson(actual, { source: path }), t, tally, '$');
      } catch (e) {
        structural = (e as Error).message;
      }
      break;
    }
    case 'f32le':
    case 'f64le': {
      const width = rule.format === 'f32le' ? 4 : 8;
      if (expected.length !== actual.length || actual.length % width !== 0) {
        structural = `byte length ${actual.length} ≠ reference ${expected.length} (element size ${width})`;
        break;
      }
      const dv = (u: Uint8Array) => new DataView(u.buffer, u.byteOffset, u.byteLength);
      const ea = dv(expected);
      const aa = dv(actual);
      for (let i = 0; i < expected.length / width; i++) {
        const x = width === 4 ? ea.getFloat32(i * 4, true) : ea.getFloat64(i * 8, true);
        const y = width === 4 ? aa.getFloat32(i * 4, true) : aa.getFloat64(i * 8, true);
        tally.check(x, y, t, `element ${i}`, width === 4 ? 32 : 64);
      }
    }
  }
  if (structural) return { ...base, equal: false, detail: structural };
  const equal = tally.mismatches === 0;
  return {
    ...base,
    equal,
    detail: equal ? `within tolerance (max |Δ| ${tally.maxAbsDiff.toExponential(2)})` : `${tally.mismatches} numbers out of tolerance; first at ${tally.first}`,
    mismatches: tally.mismatches,
    maxAbsDiff: tally.maxAbsDiff,
  };
}
