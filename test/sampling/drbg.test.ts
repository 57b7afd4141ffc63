import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHmacDrbg } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HmacDrbg, bitLength, samplingDrbg, uniformInt } from '../../src/sampling/index.js';
import { VerdictError, concatBytes, toHex } from '../../src/core/index.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

// NIST CAVP HMAC_DRBG.rsp, [SHA-256], PredictionResistance = False, no reseed, ReturnedBitsLen = 1024:
// instantiate, generate (discarded), generate (returned).
const CAVP = [
  {
    entropy: 'ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488',
    nonce: '659ba96c601dc69fc902940805ec0ca8',
    add: ['', ''],
    expected:
      'e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89d54fbb978a15b5c443c9ec21036d2460b6f73ebad0dc2aba6e624abf07745bc107694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8',
  },
  {
    entropy: '79737479ba4e7642a221fcfd1b820b134e9e3540a35bb48ffae29c20f5418ea3',
    nonce: '3593259c092bef4129bc2c6c9e19f343',
    add: ['', ''],
    expected:
      'cf5ad5984f9e43917aa9087380dac46e410ddc8a7731859c84e9d0f31bd43655b924159413e2293b17610f211e09f770f172b8fb693a35b85d3b9e5e63b1dc252ac0e115002e9bedfb4b5b6fd43f33b8e0eafb2d072e1a6fee1f159df9b51e6c8da737e60d5032dd30544ec51558c6f080bdbdab1de8a939e961e06b5f1aca37',
  },
  {
    entropy: 'd3cc4d1acf3dde0c4bd2290d262337042dc632948223d3a2eaab87da44295fbd',
    nonce: '0109b0e729f457328aa18569a9224921',
    add: [
      '3c311848183c9a212a26f27f8c6647e40375e466a0857cc39c4e47575d53f1f6',
      'fcb9abd19ccfbccef88c9c39bfb3dd7b1c12266c9808992e305bc3cff566e4e4',
    ],
    expected:
      '9c7b758b212cd0fcecd5daa489821712e3cdea4467b560ef5ddc24ab47749a1f1ffdbbb118f4e62fcfca3371b8fbfc5b0646b83e06bfbbab5fac30ea09ea2bc76f1ea568c9be0444b2cc90517b20ca825f2d0eccd88e7175538b85d90ab390183ca6395535d34473af6b5a5b88f5a59ee7561573337ea819da0dcc3573a22974',
  },
];

test('HMAC-DRBG reproduces NIST CAVP vectors (with and without additional input)', () => {
  for (const v of CAVP) {
    const drbg = new HmacDrbg(hex(v.entropy), hex(v.nonce));
    drbg.generate(128, hex(v.add[0]!));
    assert.equal(Buffer.from(drbg.generate(128, hex(v.add[1]!))).toString('hex'), v.expected);
  }
});

// Seed material is entropy ‖ nonce ‖ personalization, so this also covers personalization strings.
test('HMAC-DRBG agrees with @noble/curves createHmacDrbg on successive generates', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 64 }), fc.uint8Array({ maxLength: 20 }), fc.integer({ min: 1, max: 5 }), (entropy, pers, calls) => {
      const mine = new HmacDrbg(entropy, new Uint8Array(0), pers);
      const outs: Uint8Array[] = [];
      let n = 0;
      createHmacDrbg(32, 32, (k: Uint8Array, m: Uint8Array) => hmac(sha256, k, m))(concatBytes(entropy, pers), (b: Uint8Array) => {
        outs.push(b);
        return ++n >= calls ? true : undefined;
      });
      for (const o of outs) assert.equal(toHex(mine.generate(32)), toHex(o));
    }),
    { numRuns: 40 },
  );
});

test('HMAC-DRBG refuses short entropy and oversized requests with VerdictError', () => {
  assert.throws(() => new HmacDrbg(new Uint8Array(16)), VerdictError);
  const d = new HmacDrbg(new Uint8Array(32));
  assert.throws(() => d.generate(65537), VerdictError);
  assert.throws(() => d.generate(-1), VerdictError);
  assert.throws(() => samplingDrbg(new Uint8Array(31), 'x'), VerdictError);
});

test('uniformInt stays in range, is deterministic, and draws nothing for n = 1', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: 2 ** 48 }), (seed, n) => {
      const a = samplingDrbg(seed, 't');
      const b = samplingDrbg(seed, 't');
      for (let i = 0; i < 5; i++) {
        const x = uniformInt(a, n);
        assert.ok(Number.isSafeInteger(x) && x >= 0 && x < n);
        assert.equal(uniformInt(b, n), x);
      }
    }),
    { numRuns: 100 },
  );
  const a = samplingDrbg(new Uint8Array(32), 'p');
  const b = samplingDrbg(new Uint8Array(32), 'p');
  assert.equal(uniformInt(a, 1), 0);
  assert.deepEqual(a.generate(8), b.generate(8), 'n = 1 consumed no output');
});

test('uniformInt is unbiased where modulo reduction would not be (n = 3 over one byte)', () => {
  // 256 mod 3 = 1: "byte % 3" favours 0 by 1/256. Rejection sampling must give ~1/3 each; a chi-square
  // test with 30,000 draws and 2 degrees of freedom stays under 13.8 (p = 0.001) for an unbiased sampler.
  const drbg = samplingDrbg(new Uint8Array(32).fill(7), 'bias');
  const counts = [0, 0, 0];
  const N = 30_000;
  for (let i = 0; i < N; i++) counts[uniformInt(drbg, 3)]!++;
  const chi = counts.reduce((s, c) => s + (c - N / 3) ** 2 / (N / 3), 0);
  assert.ok(chi < 13.8, `chi-square ${chi} for counts ${counts}`);
});

test('bitLength', () => {
  assert.deepEqual([0, 1, 2, 3, 255, 256, 2 ** 47].map(bitLength), [0, 1, 2, 2, 8, 9, 48]);
});
