import { VerdictError, hashCanonical, parseWith, z, type Hex } from '../core/index.js';

/**
 * Encryption parameters, as versioned JSON (docs/formats.md § FHE). Every prime is spelled out so a
 * parameter set is a value that can be hashed and committed to; the named presets below are the primes
 * SEAL's own `CoeffModulus.BFVDefault` / `CoeffModulus.Create` / `PlainModulus.Batching` choose
 * (test/fhe/params.test.ts checks that against the WASM module).
 *
 * Security: every set must fit SEAL's 128-bit classical security bound (HomomorphicEncryption.org
 * standard, ternary secret) for its ring degree: the total bit count of the coefficient modulus may not
 * exceed MAX_COEFF_BITS_TC128[N]. SEAL enforces the same bound again when the context is built.
 */
export type Scheme = 'bfv' | 'ckks';

export interface FheParams {
  format: 'verdict-fhe-params';
  v: 1;
  scheme: Scheme;
  polyModulusDegree: number;
  /** The RNS primes, decimal; the last one is the "special" prime used only by key switching. */
  coeffModulus: string[];
  /** BFV only: the plaintext modulus, a prime ≡ 1 (mod 2N) so that batching works. */
  plainModulus?: string;
  /** CKKS only: encoding scale as a power of two (inputs are encoded at 2^scaleBits). */
  scaleBits?: number;
  security: 'tc128';
}

/** SEAL's CoeffModulus::MaxBitCount(N, sec_level_type::tc128). */
export const MAX_COEFF_BITS_TC128: Readonly<Record<number, number>> = Object.freeze({
  1024: 27,
  2048: 54,
  4096: 109,
  8192: 218,
  16384: 438,
  32768: 881,
});

/** Ring degrees this module accepts: 4096 is the smallest that fits a key-switching prime at 128 bits. */
export const POLY_DEGREES = [4096, 8192, 16384, 32768] as const;

const decimal = z.string().regex(/^[1-9][0-9]{0,19}$/, 'expected a decimal integer');

const paramsSchema = z
  .object({
    format: z.literal('verdict-fhe-params'),
    v: z.literal(1),
    scheme: z.enum(['bfv', 'ckks']),
    polyModulusDegree: z.number().int(),
    coeffModulus: z.array(decimal).min(2).max(64),
    plainModulus: decimal.optional(),
    scaleBits: z.number().int().min(10).max(60).optional(),
    security: z.literal('tc128'),
  })
  .strict();

/** Deterministic Miller–Rabin: these bases are exact for every n < 3.3·10^24, so for every 64-bit n. */
export function isPrime(n: bigint): boolean {
  if (n < 2n) return false;
  const small = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];
  for (const p of small) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let r = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    r++;
  }
  outer: for (const a of small) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < r; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Validates untrusted parameters (code BAD_INPUT, or the given one): schema, primality, NTT-friendliness, security. */
export function parseParams(raw: unknown, source = 'fhe params', code: 'BAD_INPUT' | 'BAD_EVIDENCE' = 'BAD_INPUT'): FheParams {
  const p = parseWith(paramsSchema, raw, { source, code }) as FheParams;
  const bad = (why: string): never => {
    throw new VerdictError(code, `${source}: ${why}`);
  };
  const n = p.polyModulusDegree;
  if (!(POLY_DEGREES as readonly number[]).includes(n)) bad(`polyModulusDegree must be one of ${POLY_DEGREES.join(', ')}`);
  const twoN = BigInt(2 * n);
  const primes = p.coeffModulus.map((s) => BigInt(s));
  const seen = new Set<bigint>();
  let total = 0;
  primes.forEach((q, i) => {
    const bits = bitLength(q);
    if (bits > 60) bad(`coeffModulus[${i}] has ${bits} bits; SEAL allows at most 60`);
    if (q % twoN !== 1n) bad(`coeffModulus[${i}] is not ≡ 1 (mod 2N): no NTT`);
    if (!isPrime(q)) bad(`coeffModulus[${i}] is not prime`);
    if (seen.has(q)) bad(`coeffModulus[${i}] repeats a prime`);
    seen.add(q);
    total += bits;
  });
  const max = MAX_COEFF_BITS_TC128[n]!;
  if (total > max) bad(`coefficient modulus has ${total} bits, more than the ${max} that 128-bit security allows at N=${n}`);
  if (p.scheme === 'bfv') {
    if (p.plainModulus === undefined) bad('BFV needs plainModulus');
    if (p.scaleBits !== undefined) bad('scaleBits is for CKKS only');
    const t = BigInt(p.plainModulus!);
    if (bitLength(t) < 2 || bitLength(t) > 60) bad('plainModulus must have 2 to 60 bits');
    if (t % twoN !== 1n || !isPrime(t)) bad('plainModulus must be a prime ≡ 1 (mod 2N) for batching');
    for (const q of primes) if (t >= q) bad('plainModulus must be smaller than every coefficient prime');
  } else {
    if (p.plainModulus !== undefined) bad('plainModulus is for BFV only');
    if (p.scaleBits === undefined) bad('CKKS needs scaleBits');
    const dataPrimes = primes.slice(0, -1);
    if (dataPrimes.length < 2) bad('CKKS needs at least two data primes (one multiplicative level)');
    if (p.scaleBits! >= bitLength(dataPrimes[0]!)) bad('scaleBits must be below the bit size of the first prime');
  }
  return p;
}

/** Hash that a job commits to: sha256 of the canonical JSON. */
export function paramsHash(params: FheParams): Hex {
  return hashCanonical(params as never);
}

/** Number of multiplicative levels a CKKS parameter set offers (data primes − 1); BFV has no rescaling levels. */
export function ckksLevels(params: FheParams): number {
  return params.coeffModulus.length - 2;
}

export function slotLayout(params: FheParams): { rows: number; rowSize: number; slots: number } {
  const rowSize = params.polyModulusDegree / 2;
  const rows = params.scheme === 'bfv' ? 2 : 1;
  return { rows, rowSize, slots: rows * rowSize };
}

const preset = (scheme: Scheme, n: number, primes: bigint[], extra: { plainModulus?: bigint; scaleBits?: number }): FheParams =>
  Object.freeze({
    format: 'verdict-fhe-params' as const,
    v: 1 as const,
    scheme,
    polyModulusDegree: n,
    coeffModulus: primes.map(String),
    ...(extra.plainModulus !== undefined ? { plainModulus: String(extra.plainModulus) } : {}),
    ...(extra.scaleBits !== undefined ? { scaleBits: extra.scaleBits } : {}),
    security: 'tc128' as const,
  });

/**
 * Named parameter sets. Each notes where its primes come from; all are 128-bit secure (tc128).
 * - bfv-4096 / bfv-8192: BFVDefault(N, tc128) and PlainModulus.Batching(N, 20) (t = 1032193).
 * - ckks-8192-d3: Create(8192, [50, 35, 35, 35, 50]), scale 2^35: 3 levels, 205 of 218 bits.
 * - ckks-8192-d4: Create(8192, [40, 30, 30, 30, 30, 40]), scale 2^30: 4 levels, 200 of 218 bits.
 * - ckks-16384-d7: Create(16384, [60, 40 ×7, 60]), scale 2^40: 7 levels, 400 of 438 bits.
 */
export const PRESETS = Object.freeze({
  'bfv-4096': preset('bfv', 4096, [68719403009n, 68719230977n, 137438822401n], { plainModulus: 1032193n }),
  'bfv-8192': preset('bfv', 8192, [8796092858369n, 8796092792833n, 17592186028033n, 17592185438209n, 17592184717313n], {
    plainModulus: 1032193n,
  }),
  'ckks-8192-d3': preset('ckks', 8192, [1125899906629633n, 34359214081n, 34359361537n, 34359410689n, 1125899906826241n], {
    scaleBits: 35,
  }),
  'ckks-8192-d4': preset('ckks', 8192, [1099510890497n, 1073430529n, 1073479681n, 1073643521n, 1073692673n, 1099511480321n], {
    scaleBits: 30,
  }),
  'ckks-16384-d7': preset(
    'ckks',
    16384,
    [
      1152921504606683137n,
      1099504549889n,
      1099505827841n,
      1099506352129n,
      1099506515969n,
      1099507695617n,
      1099508121601n,
      1099510054913n,
      1152921504606748673n,
    ],
    { scaleBits: 40 },
  ),
} satisfies Record<string, FheParams>);

export type PresetName = keyof typeof PRESETS;

/** What each preset is built from, so a test can rebuild it with SEAL and compare. */
export const PRESET_RECIPES: Readonly<Record<PresetName, { coeff: 'bfv-default' | number[]; plainBits?: number }>> = Object.freeze({
  'bfv-4096': { coeff: 'bfv-default', plainBits: 20 },
  'bfv-8192': { coeff: 'bfv-default', plainBits: 20 },
  'ckks-8192-d3': { coeff: [50, 35, 35, 35, 50] },
  'ckks-8192-d4': { coeff: [40, 30, 30, 30, 30, 40] },
  'ckks-16384-d7': { coeff: [60, 40, 40, 40, 40, 40, 40, 40, 60] },
});

export function presetParams(name: string): FheParams {
  const p = (PRESETS as Record<string, FheParams>)[name];
  if (!p) throw new VerdictError('NOT_FOUND', `no FHE parameter preset "${name}" (known: ${Object.keys(PRESETS).join(', ')})`);
  return p;
}
