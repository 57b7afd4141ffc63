import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalize, hashCanonical, parseJson, VerdictError, keccak256Hex, sha256Hex } from '../../src/core/index.js';

const jsonArb = fc.jsonValue({ maxDepth: 4 });

function shuffleKeys(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rand));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    entries.sort(() => rand() - 0.5);
    return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, rand)]));
  }
  return value;
}

test('canonical form does not depend on key order', () => {
  fc.assert(
    fc.property(jsonArb, fc.integer(), (value, s) => {
      let x = s;
      const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      assert.equal(canonicalize(shuffleKeys(value, rand)), canonicalize(value));
    }),
  );
});

test('canonical form is valid JSON that parses back to an equal value, and is a fixed point', () => {
  fc.assert(
    fc.property(jsonArb, (value) => {
      const text = canonicalize(value);
      const back = JSON.parse(text);
      assert.equal(canonicalize(back), text);
      assert.deepEqual(back, JSON.parse(JSON.stringify(value)));
    }),
  );
});

test('known vectors (RFC 8785 style)', () => {
  assert.equal(canonicalize({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: -0, x: 0.1 } }), '{"a":[true,null,"x"],"b":1,"c":{"x":0.1,"y":0,"z":1e+21}}');
  assert.equal(canonicalize('\u2028é"\\'), JSON.stringify('\u2028é"\\'));
  assert.equal(hashCanonical({ a: 1, b: 2 }), hashCanonical({ b: 2, a: 1 }));
  assert.notEqual(hashCanonical({ a: 1 }), hashCanonical({ a: '1' }));
});

test('refuses what JSON cannot carry faithfully', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const bad of [NaN, Infinity, -Infinity, undefined, 1n, () => 1, Symbol('x'), new Date(0), new Map(), { a: undefined }, cyclic]) {
    assert.throws(() => canonicalize(bad), (e: unknown) => e instanceof VerdictError && e.code === 'BAD_INPUT', String(bad));
  }
  let deep: unknown = 1;
  for (let i = 0; i < 300; i++) deep = [deep];
  assert.throws(() => canonicalize(deep), VerdictError);
});

test('parseJson: garbage and oversized text give typed errors, never anything else', () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      try {
        parseJson(text);
      } catch (e) {
        assert.ok(e instanceof VerdictError && e.code === 'BAD_INPUT');
      }
    }),
  );
  assert.throws(() => parseJson('[1,2,3]', { maxBytes: 3 }), (e: unknown) => e instanceof VerdictError && e.code === 'LIMIT_EXCEEDED');
});

test('hash vectors: sha256 and keccak256 of "abc"', () => {
  assert.equal(sha256Hex('abc'), '0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(keccak256Hex('abc'), '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
});
