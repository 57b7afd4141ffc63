import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_COEFF_BITS_TC128,
  PRESETS,
  PRESET_RECIPES,
  bitLength,
  ckksLevels,
  decodeSealParams,
  encodeSealParams,
  isPrime,
  loadSealBackend,
  paramsHash,
  parseParams,
  presetParams,
  sealReference,
  type FheParams,
} from '../../src/fhe/index.js';
import { VerdictError, isVerdictError } from '../../src/core/index.js';

test('every preset is exactly what SEAL itself chooses, and SEAL serializes it as encodeSealParams does', async () => {
  for (const [name, recipe] of Object.entries(PRESET_RECIPES)) {
    const p = PRESETS[name as keyof typeof PRESETS];
    const ref = await sealReference({ scheme: p.scheme, n: p.polyModulusDegree, ...recipe });
    assert.deepEqual(p.coeffModulus, ref.coeff.map(String), `${name} primes`);
    if (p.scheme === 'bfv') assert.equal(p.plainModulus, String(ref.plain), `${name} plain modulus`);
    assert.deepEqual(Buffer.from(encodeSealParams(p)), Buffer.from(ref.paramsBytes), `${name} SEAL bytes`);
  }
});

test('presets satisfy the 128-bit security bound, parse, and build SEAL contexts whose chain carries their primes', async () => {
  const backend = await loadSealBackend();
  for (const [name, p] of Object.entries(PRESETS)) {
    assert.deepEqual(parseParams(JSON.parse(JSON.stringify(p))), p, name);
    const bits = p.coeffModulus.reduce((s, q) => s + bitLength(BigInt(q)), 0);
    assert.ok(bits <= MAX_COEFF_BITS_TC128[p.polyModulusDegree]!, `${name}: ${bits} bits`);
    if (p.polyModulusDegree > 8192) continue; // 16384 works the same, only slower to set up
    const engine = backend.createEngine(p);
    try {
      assert.deepEqual(engine.chain.key.primes.map(String), p.coeffModulus);
      assert.deepEqual(engine.chain.data[0]!.primes.map(String), p.coeffModulus.slice(0, -1));
      if (p.scheme === 'ckks') assert.equal(engine.chain.data.length - 1, ckksLevels(p), `${name} levels`);
    } finally {
      engine.delete();
    }
  }
  assert.equal(presetParams('bfv-4096'), PRESETS['bfv-4096']);
  assert.throws(() => presetParams('nope'), (e) => isVerdictError(e, 'NOT_FOUND'));
});

test('SEAL params bytes round-trip through decodeSealParams', () => {
  for (const p of Object.values(PRESETS)) {
    const d = decodeSealParams(encodeSealParams(p));
    assert.equal(d.scheme, p.scheme);
    assert.equal(d.polyModulusDegree, p.polyModulusDegree);
    assert.deepEqual(d.coeffModulus, p.coeffModulus);
    assert.equal(d.plainModulus, p.plainModulus);
  }
});

const base = PRESETS['ckks-8192-d3'];
const bfv = PRESETS['bfv-4096'];

test('insecure or malformed parameter sets are refused with the reason', () => {
  const cases: [string, unknown, RegExp][] = [
    ['too many bits for N', { ...bfv, coeffModulus: [...bfv.coeffModulus, '68719230977'] }, /repeats|more than/],
    ['over the security bound', { ...base, polyModulusDegree: 4096 }, /not ≡ 1|more than/],
    ['not prime', { ...base, coeffModulus: ['1125899906629633', '34359214081', '34359214081', '34359410689', String(34359410689n * 3n)] }, /repeats|prime|bits|NTT/],
    ['not NTT friendly', { ...base, coeffModulus: ['1125899906629633', '34359214083', '34359361537', '34359410689', '1125899906826241'] }, /NTT/],
    ['BFV without plain modulus', { ...bfv, plainModulus: undefined }, /plainModulus/],
    ['BFV plain modulus not batching', { ...bfv, plainModulus: '12289' }, /batching/],
    ['CKKS scale above first prime', { ...base, scaleBits: 55 }, /scaleBits/],
    ['CKKS with plain modulus', { ...base, plainModulus: '1032193' }, /BFV only/],
    ['unknown degree', { ...base, polyModulusDegree: 1000 }, /polyModulusDegree/],
    ['extra field', { ...base, extra: 1 }, /extra|Unrecognized/],
    ['wrong security', { ...base, security: 'none' }, /security/],
  ];
  for (const [label, raw, re] of cases) {
    assert.throws(
      () => parseParams(raw),
      (e) => e instanceof VerdictError && e.code === 'BAD_INPUT' && re.test(e.message),
      label,
    );
  }
});

test('parseParams gives VerdictError on arbitrary JSON and on mutated presets (property)', () => {
  const mutated = fc.record({
    key: fc.constantFrom('scheme', 'polyModulusDegree', 'coeffModulus', 'plainModulus', 'scaleBits', 'security', 'format', 'v'),
    value: fc.jsonValue(),
    preset: fc.constantFrom(...Object.values(PRESETS)),
  });
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), mutated.map(({ key, value, preset }) => ({ ...preset, [key]: value }))), (raw) => {
      try {
        const p = parseParams(raw);
        // Anything accepted is a real, secure parameter set.
        assert.ok(paramsHash(p).startsWith('0x'));
      } catch (e) {
        assert.ok(e instanceof VerdictError && e.code === 'BAD_INPUT', String(e));
      }
    }),
    { numRuns: 400 },
  );
});

test('decodeSealParams gives VerdictError on garbage (property)', () => {
  const good = encodeSealParams(bfv);
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.nat(good.length - 1).map((n) => good.slice(0, n)), fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const b = good.slice();
      b[i] = b[i]! ^ x;
      return b;
    })), (bytes) => {
      try {
        decodeSealParams(bytes);
      } catch (e) {
        assert.ok(e instanceof VerdictError && e.code === 'BAD_INPUT', String(e));
      }
    }),
    { numRuns: 500 },
  );
});

test('isPrime agrees with trial division, and knows the preset primes', () => {
  const trial = (n: number) => {
    if (n < 2) return false;
    for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
    return true;
  };
  fc.assert(fc.property(fc.integer({ min: 0, max: 2_000_000 }), (n) => isPrime(BigInt(n)) === trial(n)), { numRuns: 2000 });
  for (const p of Object.values(PRESETS) as FheParams[]) for (const q of p.coeffModulus) assert.ok(isPrime(BigInt(q)), q);
  assert.equal(isPrime(1125899906629633n * 3n), false);
  assert.equal(isPrime(3215031751n), false); // strong pseudoprime to bases 2, 3, 5, 7
});
