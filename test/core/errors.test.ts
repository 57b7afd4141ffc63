import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CODES, VerdictError, describeUnknown, isVerdictError, toVerdictError, fromHex } from '../../src/core/index.js';

test('VerdictError carries a closed code, retryability, cause and details', () => {
  const cause = new Error('socket hang up');
  const e = new VerdictError('CHAIN_ERROR', 'rpc down', { cause, details: { url: 'http://x' } });
  assert.equal(e.code, 'CHAIN_ERROR');
  assert.equal(e.retryable, true);
  assert.equal(e.cause, cause);
  assert.equal(e.toLine(), 'CHAIN_ERROR: rpc down');
  assert.deepEqual(e.toJSON().details, { url: 'http://x' });
  assert.equal(new VerdictError('BAD_EVIDENCE', 'x').retryable, false);
  assert.equal(new VerdictError('TIMEOUT', 'x', { retryable: false }).retryable, false);
  assert.throws(() => new VerdictError('NOPE' as never, 'x'), TypeError);
  assert.ok(isVerdictError(e, 'CHAIN_ERROR') && !isVerdictError(e, 'TIMEOUT') && !isVerdictError(cause));
  assert.equal(toVerdictError(cause, 'STORE_ERROR', 'write').message, 'write: socket hang up');
  assert.equal(toVerdictError(e, 'STORE_ERROR'), e);
  for (const [code, info] of Object.entries(ERROR_CODES)) assert.equal(new VerdictError(code as never, '').retryable, info.retryable);
});

test('hex parsing at the boundary', () => {
  assert.deepEqual(fromHex('0x00ff'), new Uint8Array([0, 255]));
  for (const bad of ['00ff', '0x0', '0xzz', 12, null, '0x' + '00'.repeat(31)]) {
    assert.throws(() => fromHex(bad, 'x', bad === '0x' + '00'.repeat(31) ? 32 : undefined), VerdictError);
  }
});

test('describeUnknown and toVerdictError never throw, whatever was thrown (property)', () => {
  // String() throws on these: toString is not callable and valueOf returns an object
  const hostile = [{ toString: undefined }, { toString: null, valueOf: null }, Object.create(null), { toString: '' }];
  for (const h of hostile) {
    assert.throws(() => String(h), TypeError);
    assert.equal(typeof describeUnknown(h), 'string');
    assert.ok(isVerdictError(toVerdictError(h, 'INTERNAL'), 'INTERNAL'));
  }
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(describeUnknown(cyclic), 'object');
  assert.equal(describeUnknown(new Error('boom')), 'boom');
  assert.equal(describeUnknown('x'.repeat(500), 10).length, 10);
  fc.assert(
    fc.property(fc.anything({ withBigInt: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true }), (junk) => {
      const text = describeUnknown(junk);
      assert.equal(typeof text, 'string');
      assert.ok(text.length <= 200);
      assert.ok(isVerdictError(toVerdictError(junk, 'INTERNAL'), 'INTERNAL'));
    }),
    { numRuns: 500 },
  );
});
