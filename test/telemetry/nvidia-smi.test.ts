import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { VerdictError } from '../../src/core/index.js';
import {
  SMI_QUERY_FIELDS,
  formatSmiLine,
  formatSmiTimestamp,
  parseDcgmEnergy,
  parseSmiCsv,
  parseSmiLine,
  parseSmiTimestamp,
  smiArgs,
  telemetrySampleSchema,
} from '../../src/telemetry/index.js';

const vector = (name: string) => readFileSync(new URL(`../vectors/telemetry/${name}`, import.meta.url), 'utf8');

test('the query asks nvidia-smi for exactly the fields the parser reads, without units or header', () => {
  const args = smiArgs(250, '0');
  assert.equal(args[0], `--query-gpu=${SMI_QUERY_FIELDS.join(',')}`);
  assert.deepEqual(args.slice(1), ['--format=csv,noheader,nounits', '-lms', '250', '-i', '0']);
  assert.equal(SMI_QUERY_FIELDS.length, 12);
});

test('a real-format line parses field by field', () => {
  const s = parseSmiLine('2024/05/01 12:00:00.123, GPU-6be9eb14-50bd-9709-f971-b98cfe242b70, 1654022012345, NVIDIA H100 80GB HBM3, 412.35, 1980, 92, 41, 73403, 81559, 61, P0');
  assert.deepEqual(s, {
    t: Date.UTC(2024, 4, 1, 12, 0, 0, 123),
    uuid: 'GPU-6be9eb14-50bd-9709-f971-b98cfe242b70',
    serial: '1654022012345',
    name: 'NVIDIA H100 80GB HBM3',
    powerW: 412.35,
    smClockMHz: 1980,
    utilGpuPct: 92,
    utilMemPct: 41,
    memUsedMiB: 73403,
    memTotalMiB: 81559,
    tempC: 61,
    pstate: 'P0',
  });
});

test('timestamps: local time without zone, an explicit offset, and impossible dates refused', () => {
  assert.equal(parseSmiTimestamp('2024/05/01 12:00:00.123'), Date.UTC(2024, 4, 1, 12, 0, 0, 123));
  assert.equal(parseSmiTimestamp('2024/05/01 14:00:00.123', 120), Date.UTC(2024, 4, 1, 12, 0, 0, 123));
  assert.equal(parseSmiTimestamp('2024/05/01 12:00:00'), Date.UTC(2024, 4, 1, 12));
  for (const bad of ['2024/02/30 12:00:00.000', '2024/05/01 24:00:00.000', '2024-05-01 12:00:00', '12:00:00', '2024/05/01 12:00:61.000']) {
    assert.throws(() => parseSmiTimestamp(bad), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT', bad);
  }
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (t) => {
      assert.equal(parseSmiTimestamp(formatSmiTimestamp(t)), t);
    }),
  );
});

test('edge cases of the real output: header, [N/A], [Not Supported], units, other GPU, driver errors', () => {
  const r = parseSmiCsv(vector('edge-cases.csv'));
  assert.equal(r.samples.length, 5);
  assert.deepEqual(
    r.rejected.map((x) => x.line),
    [8, 9, 10],
  );
  const [a, b, c, other, unknown] = r.samples as [any, any, any, any, any];
  assert.equal(a.serial, null);
  assert.equal(b.powerW, null);
  assert.equal(c.powerW, 25.02);
  assert.equal(c.smClockMHz, 2520);
  assert.equal(c.utilGpuPct, 97);
  assert.equal(c.memUsedMiB, 20134);
  assert.equal(other.name, 'NVIDIA A100-SXM4-80GB');
  assert.equal(unknown.powerW, null);
  assert.equal(unknown.pstate, null);
  assert.equal(unknown.memUsedMiB, 20134);
  // one GPU only
  assert.equal(parseSmiCsv(vector('edge-cases.csv'), { uuid: 'GPU-89fdc1e1-18b2-f499-c12b-82bcb9bfb3fa' }).samples.length, 1);
  assert.throws(() => parseSmiCsv(vector('edge-cases.csv'), { strict: true }), (e: unknown) => e instanceof VerdictError && /line 8/.test(e.message));
});

test('the recorded fixtures parse completely and every sample satisfies the trace schema', () => {
  for (const name of ['h100-sxm-serving.csv', 'a100-sxm4-40gb-batch.csv']) {
    const r = parseSmiCsv(vector(name), { strict: true });
    assert.equal(r.rejected.length, 0);
    assert.ok(r.samples.length > 450, name);
    for (const s of r.samples) assert.ok(telemetrySampleSchema.safeParse(s).success);
    for (let i = 1; i < r.samples.length; i++) assert.ok(r.samples[i]!.t > r.samples[i - 1]!.t);
  }
});

const sampleArb = fc.record({
  t: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  uuid: fc.uuid().map((u) => `GPU-${u}`),
  serial: fc.option(fc.stringMatching(/^[0-9]{13}$/), { nil: null }),
  name: fc.constantFrom('NVIDIA H100 80GB HBM3', 'Tesla T4', 'NVIDIA GeForce RTX 4090'),
  powerW: fc.option(fc.integer({ min: 0, max: 500_000 }).map((x) => x / 100), { nil: null }),
  smClockMHz: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
  utilGpuPct: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  utilMemPct: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  memUsedMiB: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: null }),
  memTotalMiB: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: null }),
  tempC: fc.option(fc.integer({ min: -20, max: 120 }), { nil: null }),
  pstate: fc.option(fc.integer({ min: 0, max: 15 }).map((n) => `P${n}`), { nil: null }),
});

test('property: formatting a sample as nvidia-smi does and parsing it back is the identity', () => {
  fc.assert(
    fc.property(sampleArb, (s) => {
      assert.deepEqual(parseSmiLine(formatSmiLine(s)), { ...s });
    }),
    { numRuns: 300 },
  );
});

test('property: garbage lines give VerdictError(BAD_INPUT) or a valid sample, never a crash', () => {
  const fieldArb = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom('[N/A]', '[Not Supported]', 'NaN', 'Infinity', '-1', '1e400', '0x10', '', ' ', 'P99', 'GPU-', '2024/05/01 12:00:00.123'),
    fc.double().map(String),
  );
  const lineArb = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.array(fieldArb, { minLength: 10, maxLength: 14 }).map((f) => f.join(', ')),
    // a valid line with one field replaced
    fc.tuple(sampleArb, fc.integer({ min: 0, max: 11 }), fieldArb).map(([s, i, f]) => {
      const parts = formatSmiLine(s).split(', ');
      parts[i] = f;
      return parts.join(', ');
    }),
  );
  fc.assert(
    fc.property(lineArb, (line) => {
      try {
        const s = parseSmiLine(line);
        if (s !== null) assert.ok(telemetrySampleSchema.safeParse(s).success, `parsed but invalid: ${line}`);
      } catch (e) {
        assert.ok(e instanceof VerdictError && e.code === 'BAD_INPUT', `unexpected ${String(e)} for ${JSON.stringify(line)}`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: a whole garbage CSV never throws in lenient mode and never exceeds its line budget', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string({ maxLength: 200 }), sampleArb.map(formatSmiLine)), { maxLength: 40 }), (lines) => {
      const r = parseSmiCsv(lines.join('\n'));
      assert.equal(r.samples.length + r.rejected.length <= lines.length, true);
    }),
    { numRuns: 300 },
  );
  assert.throws(() => parseSmiCsv('x\n'.repeat(20), { maxLines: 10 }), (e: unknown) => e instanceof VerdictError && e.code === 'LIMIT_EXCEEDED');
  assert.throws(() => parseSmiLine('x'.repeat(5000)), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT');
});

test('NVML energy counter from dcgm-exporter text, by UUID; malformed text is refused', () => {
  const text = [
    '# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).',
    '# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter',
    'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-aaaa",modelName="NVIDIA H100 80GB HBM3"} 1.23456789e+09',
    'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="1",UUID="GPU-bbbb",modelName="NVIDIA H100 80GB HBM3"} 42',
    'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-aaaa"} 412.3',
  ].join('\n');
  assert.equal(parseDcgmEnergy(text, 'GPU-aaaa'), 1234567890);
  assert.equal(parseDcgmEnergy(text, 'GPU-bbbb'), 42);
  assert.equal(parseDcgmEnergy(text, 'GPU-cccc'), null);
  assert.throws(() => parseDcgmEnergy('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{UUID="GPU-aaaa"} -5', 'GPU-aaaa'), VerdictError);
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (junk) => {
      try {
        parseDcgmEnergy(`DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION${junk}`, 'GPU-aaaa');
      } catch (e) {
        assert.ok(e instanceof VerdictError);
      }
    }),
  );
});
