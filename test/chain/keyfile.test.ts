/** Key files, signature packing and RPC error mapping: untrusted input never crashes, always a coded VerdictError. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Interface, Wallet } from 'ethers';
import { isVerdictError, keccak256Hex, type Hex } from '../../src/core/index.js';
import { loadKeyFile, parsePrivateKey, writeKeyFile } from '../../src/mediator/chain/keyfile.js';
import { mediationDomain, normalizeSignature, packSignatures, recoverSigner, signVerdictWith, verdictDigest } from '../../src/mediator/chain/eip712.js';
import { decodeRevert, isTransientRpcError, probeChainId, toChainError } from '../../src/mediator/chain/rpc.js';

const dir = mkdtempSync(join(tmpdir(), 'verdict-keys-'));
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as Hex;
const ADDRESS = new Wallet(KEY).address;

test('key files: raw hex with or without 0x and whitespace, and the JSON form', () => {
  const variants = [KEY, KEY.slice(2), `  ${KEY}\n`, `${KEY.toUpperCase().replace('0X', '0x')}\r\n`, JSON.stringify({ format: 'verdict-key', v: 1, privateKey: KEY })];
  for (const [i, text] of variants.entries()) {
    const path = join(dir, `k${i}`);
    writeFileSync(path, text, { mode: 0o600 });
    const k = loadKeyFile(path);
    assert.equal(k.address, ADDRESS);
    assert.deepEqual(k.warnings, []);
  }
  const written = join(dir, 'written.json');
  assert.equal(writeKeyFile(written, KEY), ADDRESS);
  assert.equal(loadKeyFile(written).address, ADDRESS);
});

test('key files: every bad file is a BAD_CONFIG (or UNSUPPORTED) that says why, never the key', () => {
  const cases: [string, string | undefined, RegExp][] = [
    ['missing', undefined, /does not exist/],
    ['empty', '', /is empty/],
    ['short', '0x1234', /64 hex digits/],
    ['nothex', `0x${'zz'.repeat(32)}`, /64 hex digits/],
    ['zero', `0x${'00'.repeat(32)}`, /out of range/],
    ['order', '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', /out of range/],
    ['json-broken', '{"format":', /does not parse/],
    ['json-format', JSON.stringify({ format: 'other', v: 1, privateKey: KEY }), /verdict-key/],
    ['json-nokey', JSON.stringify({ format: 'verdict-key', v: 1 }), /privateKey/],
    ['big', 'x'.repeat(5000), /too large/],
  ];
  for (const [name, text, pattern] of cases) {
    const path = join(dir, `bad-${name}`);
    if (text !== undefined) writeFileSync(path, text);
    assert.throws(() => loadKeyFile(path), (e: unknown) => {
      assert.ok(isVerdictError(e, 'BAD_CONFIG'), `${name}: ${String(e)}`);
      assert.match((e as Error).message, pattern);
      assert.ok(!(e as Error).message.includes(KEY.slice(2, 20)));
      return true;
    });
  }
  const v2 = join(dir, 'v2');
  writeFileSync(v2, JSON.stringify({ format: 'verdict-key', v: 2, privateKey: KEY }));
  assert.throws(() => loadKeyFile(v2), (e: unknown) => isVerdictError(e, 'UNSUPPORTED'));
  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  assert.throws(() => loadKeyFile(sub), (e: unknown) => isVerdictError(e, 'BAD_CONFIG') && /not a regular file/.test((e as Error).message));
});

test('key files readable by others load with a warning', () => {
  const path = join(dir, 'open');
  writeFileSync(path, KEY);
  chmodSync(path, 0o644);
  const k = loadKeyFile(path);
  assert.equal(k.warnings.length, 1);
  assert.match(k.warnings[0]!, /chmod 600/);
});

test('property: parsePrivateKey on arbitrary text returns a key or throws a coded VerdictError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), fc.stringMatching(/^(0x)?[0-9a-fA-F]{60,68}$/)), (text) => {
      try {
        const k = parsePrivateKey(text);
        assert.match(k, /^0x[0-9a-f]{64}$/);
      } catch (e) {
        assert.ok(isVerdictError(e, 'BAD_CONFIG') || isVerdictError(e, 'UNSUPPORTED'), String(e));
      }
    }),
    { numRuns: 500 },
  );
});

test('EIP-712: sign, recover, pack; malformed signatures are BAD_INPUT', async () => {
  const domain = mediationDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');
  const payload = { jobId: keccak256Hex('j'), outcome: 2 as const, evidenceHash: keccak256Hex('e') };
  const sig = await signVerdictWith(new Wallet(KEY), domain, payload);
  assert.equal(recoverSigner(verdictDigest(domain, payload), sig), ADDRESS);
  assert.equal(packSignatures([sig, sig]).length, 2 + 4 * 65);
  assert.throws(() => verdictDigest(domain, { ...payload, outcome: 3 as never }), (e: unknown) => isVerdictError(e, 'BAD_INPUT'));
  assert.throws(() => verdictDigest(domain, { ...payload, jobId: '0x12' as Hex }), (e: unknown) => isVerdictError(e, 'BAD_INPUT'));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 70 }).map((b) => `0x${Buffer.from(b).toString('hex')}`)), (junk) => {
      try {
        normalizeSignature(junk as Hex);
        packSignatures([junk as Hex]);
      } catch (e) {
        assert.ok(isVerdictError(e, 'BAD_INPUT'), String(e));
      }
      try {
        recoverSigner(keccak256Hex('d'), junk as Hex);
      } catch (e) {
        assert.ok(isVerdictError(e, 'BAD_INPUT'), String(e));
      }
    }),
    { numRuns: 300 },
  );
});

test('RPC errors: transport failures are transient; reverts decode to the custom error; garbage is handled', async () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
  assert.equal(isTransientRpcError(refused), true);
  const iface = new Interface(['error DuplicateSigner(address signer)']);
  const data = iface.encodeErrorResult('DuplicateSigner', ['0x5FbDB2315678afecb367f032d93F642f64180aa3']);
  const revert = Object.assign(new Error('execution reverted'), { code: 'CALL_EXCEPTION', data });
  assert.equal(isTransientRpcError(revert), false);
  const err = toChainError(revert, 'postVerdict', iface);
  assert.equal(err.code, 'CHAIN_ERROR');
  assert.equal(err.retryable, false);
  assert.equal(err.details.revert, 'DuplicateSigner');
  fc.assert(
    fc.property(fc.anything(), (junk) => {
      const e = toChainError(junk, 'x', iface);
      assert.ok(isVerdictError(e, 'CHAIN_ERROR'));
      decodeRevert(junk, iface);
      isTransientRpcError(junk);
    }),
    { numRuns: 300 },
  );
  await assert.rejects(probeChainId('http://127.0.0.1:9/'), (e: unknown) => isVerdictError(e, 'CHAIN_ERROR') && (e as { retryable: boolean }).retryable);
  await assert.rejects(probeChainId('ftp://x'), (e: unknown) => isVerdictError(e, 'BAD_CONFIG'));
});
