import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VerdictError, utf8 } from '../../../src/core/index.js';
import { compareFile, globToRegExp, parseRerunEvidence, rerunEvidence, ruleFor, ulpDistance, withinTolerance, type CompareRule } from '../../../src/verifiers/rerun/index.js';

const numeric = (format: 'text' | 'json' | 'f32le' | 'f64le', tolerance: object): CompareRule => ({ match: '**', mode: 'numeric', format, tolerance }) as CompareRule;

test('ulpDistance: adjacent doubles are 1 apart, across zero too; symmetric', () => {
  assert.equal(ulpDistance(1, 1 + Number.EPSILON), 1);
  assert.equal(ulpDistance(0, Number.MIN_VALUE), 1);
  assert.equal(ulpDistance(-Number.MIN_VALUE, Number.MIN_VALUE), 2);
  assert.equal(ulpDistance(0, -0), 0);
  assert.equal(ulpDistance(1, Math.fround(1 + 2 ** -23), 32), 1);
  fc.assert(fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (a, b) => assert.equal(ulpDistance(a, b), ulpDistance(b, a))));
});

test('tolerance: reflexive, symmetric, and each criterion bounds what it accepts', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ min: 0, max: 1, noNaN: true }), (a, b, rel) => {
      assert.ok(withinTolerance(a, a, { rel: 0 }));
      assert.equal(withinTolerance(a, b, { rel }), withinTolerance(b, a, { rel }));
      if (withinTolerance(a, b, { rel })) assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)));
    }),
  );
  assert.ok(withinTolerance(NaN, NaN, { abs: 0 }));
  assert.ok(!withinTolerance(NaN, 1, { abs: 1e9 }));
  assert.ok(!withinTolerance(Infinity, 1e308, { rel: 1 }));
});

test('numeric text: honest float noise passes, changed values, text and counts fail', () => {
  const ref = utf8('x,y\n1.0000000000000002,3.5e-3\nnan,-7\n');
  const rule = numeric('text', { rel: 1e-9 });
  assert.ok(compareFile('a.csv', ref, utf8('x,y\n1,0.0035000000000000001\nnan,-7\n'), rule).equal);
  assert.ok(!compareFile('a.csv', ref, utf8('x,y\n1.1,3.5e-3\nnan,-7\n'), rule).equal);
  assert.ok(!compareFile('a.csv', ref, utf8('x,z\n1,3.5e-3\nnan,-7\n'), rule).equal);
  assert.ok(!compareFile('a.csv', ref, utf8('x,y\n1,3.5e-3\nnan\n'), rule).equal);
  assert.ok(!compareFile('a.csv', ref, utf8('x,y\n1,3.5e-3\n0,-7\n'), rule).equal);
});

test('numeric json and raw float arrays', () => {
  const rule = numeric('json', { ulps: 4 });
  assert.ok(compareFile('a.json', utf8('{"a":[0.1,2],"b":"s"}'), utf8('{"b":"s","a":[0.10000000000000002,2]}'), rule).equal);
  assert.ok(!compareFile('a.json', utf8('{"a":[0.1,2]}'), utf8('{"a":[0.1,2,3]}'), rule).equal);
  assert.ok(!compareFile('a.json', utf8('{"a":1}'), utf8('{"a":"1"}'), rule).equal);
  assert.ok(!compareFile('a.json', utf8('{"a":1}'), utf8('{"a":1'), rule).equal);
  const f32 = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);
  assert.ok(compareFile('w.bin', f32([1, 2]), f32([1, Math.fround(2 + 2 ** -22)]), numeric('f32le', { ulps: 1 })).equal);
  assert.ok(!compareFile('w.bin', f32([1, 2]), f32([1, 2.01]), numeric('f32le', { ulps: 1 })).equal);
  assert.ok(!compareFile('w.bin', f32([1, 2]), f32([1]), numeric('f32le', { ulps: 1 })).equal);
  const f64 = (xs: number[]) => new Uint8Array(new Float64Array(xs).buffer);
  assert.ok(compareFile('w.bin', f64([1e-300]), f64([0]), numeric('f64le', { abs: 1e-200 })).equal);
});

test('compareFile never throws on arbitrary content', () => {
  const rules: CompareRule[] = [{ match: '**', mode: 'exact' }, numeric('text', { rel: 1e-6 }), numeric('json', { abs: 1e-6 }), numeric('f32le', { ulps: 2 }), numeric('f64le', { ulps: 2 })];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...rules), (a, b, rule) => {
      const r = compareFile('f', a, b, rule);
      assert.equal(typeof r.equal, 'boolean');
    }),
  );
});

test('globs: * stays in a segment, ** crosses them; first rule wins; default exact', () => {
  assert.ok(globToRegExp('*.csv').test('a.csv') && !globToRegExp('*.csv').test('d/a.csv'));
  assert.ok(globToRegExp('**/*.csv').test('d/e/a.csv') && globToRegExp('**').test('x/y'));
  assert.ok(globToRegExp('a?.txt').test('ab.txt') && !globToRegExp('a?.txt').test('a/.txt'));
  assert.ok(!globToRegExp('a.b').test('axb'));
  const rules: CompareRule[] = [{ match: 'logs/**', mode: 'ignore' }, numeric('text', { rel: 1 })];
  assert.equal(ruleFor('logs/x', rules).mode, 'ignore');
  assert.equal(ruleFor('out.csv', rules).mode, 'numeric');
  assert.equal(ruleFor('out.csv', []).mode, 'exact');
});

test('rerun evidence parser: round-trips what providers produce, refuses everything malformed with BAD_EVIDENCE', () => {
  const outputs = [{ path: 'a/b.txt', data: utf8('hello') }, { path: 'c', data: new Uint8Array(0) }];
  assert.deepEqual(parseRerunEvidence(JSON.parse(JSON.stringify(rerunEvidence(outputs)))).outputs, outputs);
  for (const bad of [
    null,
    {},
    { v: 2, outputs: [] },
    { v: 1, outputs: [{ path: '../etc/passwd', base64: '' }] },
    { v: 1, outputs: [{ path: '/abs/..', base64: '' }] },
    { v: 1, outputs: [{ path: 'a', base64: 'not base64!' }] },
    { v: 1, outputs: [{ path: 'a', base64: '' }, { path: './a', base64: '' }] },
    { v: 1, exitCode: 300, outputs: [] },
    { v: 1, outputs: [], extra: 1 },
  ]) {
    assert.throws(() => parseRerunEvidence(bad), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_EVIDENCE', JSON.stringify(bad));
  }
  fc.assert(
    fc.property(fc.anything(), (raw) => {
      try {
        parseRerunEvidence(raw);
      } catch (e) {
        assert.ok(e instanceof VerdictError && (e.code === 'BAD_EVIDENCE' || e.code === 'LIMIT_EXCEEDED'), String(e));
      }
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.record({ v: fc.constant(1), outputs: fc.array(fc.record({ path: fc.string(), base64: fc.base64String() })) }), (raw) => {
      try {
        parseRerunEvidence(raw);
      } catch (e) {
        assert.ok(e instanceof VerdictError && e.code === 'BAD_EVIDENCE', String(e));
      }
    }),
  );
});
