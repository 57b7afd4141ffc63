import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { VerdictError, canonicalize, toHex } from '../../src/core/index.js';
import {
  TraceBuilder,
  canonicalSample,
  checkSample,
  telemetrySampleSchema,
  checkChain,
  generateTrace,
  parseSignedTrace,
  recoverDigestSigner,
  signTrace,
  statementDigest,
  walletSigner,
  type SignedTrace,
  type TelemetrySample,
} from '../../src/telemetry/index.js';

const signer = walletSigner('0x' + '42'.repeat(32));
const other = walletSigner('0x' + '43'.repeat(32));
const start = Date.UTC(2024, 4, 1, 12);
const genesis = { jobId: 'job-1', nonce: `0x${'ab'.repeat(32)}` as const, nonceIssuedAt: start - 1000, provider: signer.address, periodMs: 250, source: 'synthetic' };
const samples = generateTrace({ profile: 'h100-sxm', seed: 'trace-test', startAt: start, durationS: 30 }).samples;

async function make(): Promise<SignedTrace> {
  return signTrace(genesis, samples, signer, { device: { profile: 'h100-sxm' } });
}

test('the fast canonical encoding of a sample is byte-identical to RFC 8785 canonical JSON', () => {
  const arb = fc.record(
    {
      t: fc.integer({ min: 0, max: 1e14 }),
      uuid: fc.string({ minLength: 1, maxLength: 20 }),
      serial: fc.option(fc.string({ minLength: 1, maxLength: 10 }), { nil: null }),
      name: fc.string({ minLength: 1, maxLength: 20 }),
      powerW: fc.option(fc.double({ min: 0, max: 5000, noNaN: true }), { nil: null }),
      smClockMHz: fc.option(fc.double({ min: 0, max: 10000, noNaN: true }), { nil: null }),
      utilGpuPct: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
      utilMemPct: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
      memUsedMiB: fc.option(fc.double({ min: 0, max: 1e7, noNaN: true }), { nil: null }),
      memTotalMiB: fc.option(fc.double({ min: 0, max: 1e7, noNaN: true }), { nil: null }),
      tempC: fc.option(fc.double({ min: -60, max: 200, noNaN: true }), { nil: null }),
      pstate: fc.option(fc.constantFrom('P0', 'P8'), { nil: null }),
      energyMilliJ: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    },
    { requiredKeys: ['t', 'uuid', 'serial', 'name', 'powerW', 'smClockMHz', 'utilGpuPct', 'utilMemPct', 'memUsedMiB', 'memTotalMiB', 'tempC', 'pstate'] },
  );
  fc.assert(
    fc.property(arb, (s) => {
      assert.equal(canonicalSample(s as TelemetrySample), canonicalize({ ...s }));
    }),
    { numRuns: 500 },
  );
});

test('a signed trace verifies: chain head, count, and the signature recovers the provider', async () => {
  const trace = await make();
  assert.equal(trace.format, 'verdict-telemetry-trace');
  assert.equal(trace.summary.count, samples.length);
  assert.equal(checkChain(trace).ok, true);
  assert.equal(recoverDigestSigner(statementDigest(trace.genesis, trace.summary), trace.signature), signer.address);
  // JSON round trip through the untrusted parser changes nothing
  const again = parseSignedTrace(JSON.parse(JSON.stringify(trace)));
  assert.equal(checkChain(again).ok, true);
  assert.equal(recoverDigestSigner(statementDigest(again.genesis, again.summary), again.signature), signer.address);
});

test('any edit to a sample, its order, or their number breaks the chain', async () => {
  const trace = await make();
  const edits: ((s: TelemetrySample[]) => TelemetrySample[])[] = [
    (s) => s.map((x, i) => (i === 50 ? { ...x, powerW: x.powerW! + 0.01 } : x)),
    (s) => s.map((x, i) => (i === 10 ? { ...x, t: x.t + 1 } : x)),
    (s) => s.map((x, i) => (i === 70 ? { ...x, utilGpuPct: 100 } : x)),
    (s) => [...s.slice(0, 20), s[21]!, s[20]!, ...s.slice(22)],
    (s) => s.slice(1),
    (s) => s.slice(0, -1),
    (s) => [...s, { ...s[s.length - 1]!, t: s[s.length - 1]!.t + 250 }],
  ];
  for (const edit of edits) {
    const samplesEdited = edit(trace.samples);
    const bad = { ...trace, samples: samplesEdited, summary: { ...trace.summary, count: samplesEdited.length } };
    assert.equal(checkChain(bad).ok, false);
  }
});

test('the signature covers genesis (job, nonce) and summary (claimed device and run)', async () => {
  const trace = await make();
  const digest = (t: SignedTrace) => statementDigest(t.genesis, t.summary);
  const variants: SignedTrace[] = [
    { ...trace, genesis: { ...trace.genesis, jobId: 'job-2' } },
    { ...trace, genesis: { ...trace.genesis, nonce: `0x${'cd'.repeat(32)}` } },
    { ...trace, summary: { ...trace.summary, device: { ...trace.summary.device, profile: 'a100-sxm4-40gb' } } },
    { ...trace, summary: { ...trace.summary, endedAt: trace.summary.endedAt + 60_000 } },
  ];
  for (const v of variants) assert.notEqual(recoverDigestSigner(digest(v), trace.signature), signer.address);
  // the same samples signed by another key recover to that key, never to the first provider
  const resigned = await signTrace({ ...genesis, provider: other.address }, samples, other, { device: { profile: 'h100-sxm' } });
  assert.equal(recoverDigestSigner(digest(resigned), resigned.signature), other.address);
  assert.notEqual(other.address, signer.address);
});

test('the builder refuses out-of-order or malformed samples and a signer that is not the provider', async () => {
  const b = new TraceBuilder(genesis);
  b.push(samples[0]!);
  assert.throws(() => b.push(samples[0]!), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
  assert.throws(() => b.push({ ...samples[1]!, utilGpuPct: 140 }), VerdictError);
  b.push(samples[1]!);
  await assert.rejects(b.finish(other, { device: { profile: 'h100-sxm' } }), /not the trace's provider/);
  assert.throws(() => new TraceBuilder({ ...genesis, nonce: '0x12' as never }), VerdictError);
  await assert.rejects(new TraceBuilder(genesis).finish(signer, { device: { profile: 'h100-sxm' } }), /at least one sample/);
});

test('the v1 format vector still verifies (old versions keep loading)', () => {
  const raw = JSON.parse(readFileSync(new URL('../vectors/telemetry/trace-v1.json', import.meta.url), 'utf8'));
  const trace = parseSignedTrace(raw);
  assert.equal(checkChain(trace).ok, true);
  assert.equal(trace.summary.head, '0x315cd43f858f82a028ecfcbadce3d0ca42a1c6a4ca05e9d859d73575b63fffd2');
  assert.equal(recoverDigestSigner(statementDigest(trace.genesis, trace.summary), trace.signature), '0x17c5185167401eD00cF5F5b2fc97D9BBfDb7D025');
});

test('property: garbage traces give a VerdictError with a code, never a crash', async () => {
  const good = JSON.parse(JSON.stringify(await make())) as Record<string, any>;
  const codes = new Set(['BAD_EVIDENCE', 'LIMIT_EXCEEDED', 'UNSUPPORTED']);
  const check = (raw: unknown) => {
    try {
      const t = parseSignedTrace(raw, { maxSamples: 200 });
      // whatever parses can be checked without throwing
      assert.equal(typeof checkChain(t).ok, 'boolean');
      try {
        recoverDigestSigner(statementDigest(t.genesis, t.summary), t.signature);
      } catch (e) {
        assert.ok(e instanceof VerdictError && e.code === 'BAD_EVIDENCE');
      }
    } catch (e) {
      assert.ok(e instanceof VerdictError && codes.has(e.code), `unexpected ${String(e)}`);
    }
  };
  fc.assert(fc.property(fc.anything({ maxDepth: 4 }), check), { numRuns: 500 });
  // structured mutations of a valid trace: replace one field somewhere with anything
  const paths: (string | number)[][] = [
    ['format'], ['v'], ['signature'], ['genesis'], ['genesis', 'jobId'], ['genesis', 'nonce'], ['genesis', 'periodMs'], ['genesis', 'provider'],
    ['summary'], ['summary', 'count'], ['summary', 'head'], ['summary', 'device'], ['summary', 'startedAt'], ['samples'],
    ['samples', 0], ['samples', 3, 't'], ['samples', 3, 'powerW'], ['samples', 3, 'uuid'], ['samples', 3, 'pstate'], ['samples', 3, 'extra'],
  ];
  fc.assert(
    fc.property(fc.constantFrom(...paths), fc.anything({ maxDepth: 2 }), (path, value) => {
      const copy = structuredClone(good);
      let at: any = copy;
      for (const k of path.slice(0, -1)) at = at[k];
      at[path[path.length - 1]!] = value;
      check(copy);
    }),
    { numRuns: 1000 },
  );
  assert.throws(() => parseSignedTrace(good, { maxSamples: 10 }), (e: unknown) => e instanceof VerdictError && e.code === 'LIMIT_EXCEEDED');
  assert.throws(() => parseSignedTrace({ ...good, v: 2 }), (e: unknown) => e instanceof VerdictError && e.code === 'UNSUPPORTED');
  // regression: the version is named in the error without String() (which throws on {"toString": ""})
  for (const v of hostileValues) check({ ...good, v });
  assert.throws(() => parseSignedTrace({ ...good, v: { toString: '' } }), (e: unknown) => e instanceof VerdictError && e.code === 'UNSUPPORTED' && /of type object/.test(e.message));
  assert.throws(() => parseSignedTrace({ ...good, signature: toHex(new Uint8Array(64)) }), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_EVIDENCE');
});

/**
 * Values that break naive code: String()/template literals on them throw ({"toString": ""} is valid JSON), and
 * loose checks (`Number(v)`, `v == 5`, `isFinite(v)`) would let the boxed and array forms through.
 */
const hostileValues: unknown[] = [
  { toString: '' },
  { valueOf: '', toString: '' },
  { [Symbol.toPrimitive]: () => { throw new Error('no primitive'); } },
  Object.create(null),
  Object.assign(Object.create(null), { t: 1 }),
  new Number(5), // eslint-disable-line no-new-wrappers
  new String('P0'), // eslint-disable-line no-new-wrappers
  [5],
  ['P0'],
  '5',
  5n,
  Symbol('s'),
  new Date(0),
];

/** The hand-written check and the schema agree on one raw sample; the failure message is built only on failure. */
function assertSameVerdict(raw: unknown, label: () => string): void {
  const fast = checkSample(raw);
  const slow = telemetrySampleSchema.safeParse(raw);
  if ((typeof fast !== 'string') !== slow.success) {
    assert.fail(`${label()}: hand-written ${typeof fast === 'string' ? `refuses (${fast})` : 'accepts'}, schema ${slow.success ? 'accepts' : 'refuses'}`);
  }
  if (slow.success) assert.deepEqual(JSON.parse(JSON.stringify(fast)), JSON.parse(JSON.stringify(slow.data)), label());
}

test('regression: hostile field values (e.g. {"toString": ""}) are refused by both sample checks and never crash', () => {
  const valid = samples[7]!;
  const keys = [...Object.keys(valid), 'energyMilliJ', 'extra'];
  for (const key of keys) {
    for (const value of hostileValues) {
      const raw: Record<string, unknown> = { ...valid, [key]: value };
      assertSameVerdict(raw, () => `${key}=${fc.stringify(value)}`);
      // '5' is a valid uuid, serial or name; every non-string here is refused wherever it goes
      if (typeof value !== 'string') assert.equal(typeof checkSample(raw), 'string', `${key}=${fc.stringify(value)} must be refused`);
    }
  }
  for (const raw of hostileValues) assert.equal(typeof checkSample(raw), 'string');
});

test('property: the hand-written sample check accepts and refuses exactly what the schema does', () => {
  const valid = samples[7]!;
  const fieldArb = fc.oneof(
    fc.anything({ maxDepth: 1 }),
    fc.constantFrom(null, undefined, -1, 0, 100, 101, 1e14, 1e14 + 1, 5000.5, Infinity, NaN, 1.5, 'P0', 'P16', 'P100', '', ' ', 'GPU-x', 'a b', '\u00e9'),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 100 }),
  );
  const keys = [...Object.keys(valid), 'energyMilliJ', 'extra'];
  fc.assert(
    fc.property(fc.constantFrom(...keys), fieldArb, fc.boolean(), (key, value, drop) => {
      const raw: Record<string, unknown> = { ...valid };
      if (drop) delete raw[key];
      else raw[key] = value;
      assertSameVerdict(raw, () => `${key}=${fc.stringify(value)} drop=${drop}`);
    }),
    // the first is the counterexample of seed 1780437100 (path 1250:0:1:78:78): the old failure message called
    // String() on it and threw a TypeError; both checks always refused it
    { numRuns: 3000, examples: [['t', { toString: '' }, false], ...hostileValues.map((v): [string, unknown, boolean] => ['pstate', v, false])] },
  );
  fc.assert(
    fc.property(fc.anything({ maxDepth: 2, withNullPrototype: true, withBoxedValues: true, withObjectString: true }), (raw) => {
      assertSameVerdict(raw, () => fc.stringify(raw));
    }),
    { numRuns: 500, examples: hostileValues.map((v): [unknown] => [v]) },
  );
});
