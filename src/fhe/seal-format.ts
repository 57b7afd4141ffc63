import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { VerdictError, toHex, type Hex } from '../core/index.js';
import type { FheParams } from './params.js';

/**
 * Pure-TypeScript reader of Microsoft SEAL 4.1's binary serialization, used to validate every untrusted
 * blob completely BEFORE its bytes reach the WASM module: node-seal aborts the whole WASM instance on
 * truncated input (emscripten `Aborted()`), and SEAL would allocate whatever a header's size field says.
 * Layouts (little-endian) are documented in docs/formats.md § FHE; they were read off SEAL 4.1's
 * `save_members` and cross-checked against bytes node-seal 6.0.3 produces (test/fhe/seal-format.test.ts).
 *
 * A validated blob is returned in canonical form: uncompressed, exact length, every coefficient reduced.
 * Hashes of SEAL objects are always taken over that canonical form, so a zlib-compressed and an
 * uncompressed copy of one ciphertext have the same hash.
 */
export const SEAL_MAGIC = 0xa15e;
export const SEAL_HEADER_SIZE = 16;
export const SEAL_VERSION = { major: 4, minor: 1 } as const;
const COMPR_NONE = 0;
const COMPR_ZLIB = 1;
const COMPR_ZSTD = 2;
const SCHEME_BYTE = { bfv: 1, ckks: 2 } as const;

/** One modulus level of a SEAL context: its parms_id (blake2b of the parameters, computed by SEAL) and primes. */
export interface LevelInfo {
  chainIndex: number;
  parmsId: Hex;
  primes: readonly bigint[];
}

/** The modulus-switching chain of a context: the key level and the data levels, top (most primes) first. */
export interface ChainInfo {
  scheme: 'bfv' | 'ckks';
  polyModulusDegree: number;
  key: LevelInfo;
  data: readonly LevelInfo[];
}

export type SealKind = 'ciphertext' | 'publicKey' | 'secretKey' | 'relinKeys' | 'galoisKeys' | 'params';

/** A blob that passed validation. Only these reach the WASM adapter. */
export interface ValidatedBlob {
  readonly kind: SealKind;
  /** Canonical (uncompressed) SEAL bytes. */
  readonly bytes: Uint8Array;
  /** sha256 of `bytes`. */
  readonly hash: Hex;
  readonly validated: true;
}

export interface ValidatedCiphertext extends ValidatedBlob {
  readonly kind: 'ciphertext';
  /** Index into ChainInfo.data. */
  readonly level: number;
  readonly size: number;
  readonly scale: number;
}

export interface ValidatedGaloisKeys extends ValidatedBlob {
  readonly kind: 'galoisKeys';
  /** The Galois elements present, ascending. */
  readonly elements: readonly number[];
}

type Code = 'BAD_INPUT' | 'BAD_EVIDENCE';

export interface ValidateOptions {
  /** Error code for malformed bytes (BAD_EVIDENCE for evidence, BAD_INPUT for API arguments). */
  code?: Code;
  /** Names the blob in messages ('input ciphertext 3'). */
  what?: string;
}

class Reader {
  private readonly view: DataView;
  at = 0;
  constructor(
    readonly bytes: Uint8Array,
    private readonly fail: (why: string) => never,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.at + n > this.bytes.length) this.fail(`truncated: needs ${this.at + n} bytes, has ${this.bytes.length}`);
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.at++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }
  /** A u64 that must fit a JS safe integer (sizes, counts, degrees). */
  u64(): number {
    this.need(8);
    const lo = this.view.getUint32(this.at, true);
    const hi = this.view.getUint32(this.at + 4, true);
    this.at += 8;
    if (hi > 0x1fffff) this.fail(`a size field of ${hi}·2^32 is implausibly large`);
    return hi * 2 ** 32 + lo;
  }
  u64big(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  slice(n: number): Uint8Array {
    this.need(n);
    const s = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return s;
  }
  /** Checks that `count` u64 coefficients laid out as `components` blocks of `n` are each below their prime. */
  coefficients(count: number, n: number, primes: readonly bigint[], polys: number): void {
    this.need(count * 8);
    const k = primes.length;
    const limits = primes.map((q) => [Number(q >> 32n), Number(q & 0xffffffffn)] as const);
    let off = this.at;
    for (let p = 0; p < polys; p++) {
      for (let j = 0; j < k; j++) {
        const [qHi, qLo] = limits[j]!;
        for (let i = 0; i < n; i++, off += 8) {
          const hi = this.view.getUint32(off + 4, true);
          if (hi > qHi || (hi === qHi && this.view.getUint32(off, true) >= qLo)) {
            this.fail(`coefficient ${i} of RNS component ${j} (poly ${p}) is not reduced modulo its prime`);
          }
        }
      }
    }
    this.at = off;
  }
  end(): void {
    if (this.at !== this.bytes.length) this.fail(`${this.bytes.length - this.at} trailing bytes`);
  }
}

function failer(code: Code, what: string): (why: string) => never {
  return (why) => {
    throw new VerdictError(code, `${what}: ${why}`, { details: { what } });
  };
}

function header(r: Reader, fail: (why: string) => never): { compr: number; size: number } {
  if (r.bytes.length < SEAL_HEADER_SIZE) fail(`truncated: ${r.bytes.length} bytes is shorter than a SEAL header`);
  const magic = r.u16();
  if (magic !== SEAL_MAGIC) fail(`not a SEAL object (magic 0x${magic.toString(16)})`);
  const headerSize = r.u8();
  if (headerSize !== SEAL_HEADER_SIZE) fail(`unexpected SEAL header size ${headerSize}`);
  const major = r.u8();
  const minor = r.u8();
  if (major !== SEAL_VERSION.major || minor !== SEAL_VERSION.minor) fail(`SEAL version ${major}.${minor} is not the supported 4.1`);
  const compr = r.u8();
  const reserved = r.u16();
  if (reserved !== 0) fail('reserved header bytes are not zero');
  const size = r.u64();
  return { compr, size };
}

function writeHeader(out: Uint8Array, compr: number, size: number): void {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint16(0, SEAL_MAGIC, true);
  v.setUint8(2, SEAL_HEADER_SIZE);
  v.setUint8(3, SEAL_VERSION.major);
  v.setUint8(4, SEAL_VERSION.minor);
  v.setUint8(5, compr);
  v.setUint16(6, 0, true);
  v.setBigUint64(8, BigInt(size), true);
}

/** Worst-case zlib expansion of incompressible data (deflate stored blocks: 5 bytes per 16 KiB, + header/trailer). */
function zlibBound(n: number): number {
  return n + Math.ceil(n / 16_000) * 5 + 64;
}

/**
 * Reads the outer header and returns the uncompressed body, checking sizes against `expectedBody` before
 * anything is allocated: a compressed body may not inflate beyond it, an uncompressed one must match it.
 */
function unwrap(bytes: Uint8Array, expectedBody: number, fail: (why: string) => never): Uint8Array {
  if (!(bytes instanceof Uint8Array)) fail('expected bytes');
  const r = new Reader(bytes, fail);
  const { compr, size } = header(r, fail);
  if (size !== bytes.length) fail(`header says ${size} bytes, blob has ${bytes.length}`);
  if (compr === COMPR_NONE) {
    if (bytes.length - SEAL_HEADER_SIZE !== expectedBody) {
      fail(`body is ${bytes.length - SEAL_HEADER_SIZE} bytes, expected exactly ${expectedBody} for these parameters`);
    }
    return bytes.subarray(SEAL_HEADER_SIZE);
  }
  if (compr === COMPR_ZLIB) {
    if (bytes.length > SEAL_HEADER_SIZE + zlibBound(expectedBody)) fail(`compressed body of ${bytes.length - SEAL_HEADER_SIZE} bytes is larger than an object of the expected parameters and level (${expectedBody} bytes) could be`);
    let body: Buffer;
    try {
      body = inflateSync(bytes.subarray(SEAL_HEADER_SIZE), { maxOutputLength: expectedBody + 1 });
    } catch (e) {
      const tooBig = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      fail(tooBig ? `compressed body inflates beyond the ${expectedBody} bytes an object of the expected parameters and level has` : `bad zlib stream (${(e as Error).message})`);
    }
    if (body!.length !== expectedBody) fail(`body inflates to ${body!.length} bytes, expected exactly ${expectedBody} for these parameters and level`);
    return new Uint8Array(body!.buffer, body!.byteOffset, body!.length);
  }
  if (compr === COMPR_ZSTD) fail('zstd-compressed blobs are refused: their inflated size cannot be bounded before they reach WASM');
  return fail(`unknown compression mode ${compr}`);
}

/** sha256 through node:crypto (byte-identical to core's sha256Hex, several times faster on multi-MB keys). */
export function blobHash(bytes: Uint8Array): Hex {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`;
}

function canonical(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(SEAL_HEADER_SIZE + body.length);
  writeHeader(out, COMPR_NONE, out.length);
  out.set(body, SEAL_HEADER_SIZE);
  return out;
}

/**
 * Compresses a canonical blob with zlib in SEAL's own container (SEAL can load it too). Level 1: RNS
 * coefficients are uniformly random below their primes, so only the unused high bits compress and higher
 * levels buy almost nothing for several times the time.
 */
export function compressBlob(canonicalBytes: Uint8Array): Uint8Array {
  const body = deflateSync(canonicalBytes.subarray(SEAL_HEADER_SIZE), { level: 1 });
  const out = new Uint8Array(SEAL_HEADER_SIZE + body.length);
  writeHeader(out, COMPR_ZLIB, out.length);
  out.set(body, SEAL_HEADER_SIZE);
  return out;
}

/** Reads a nested DynArray<u64> blob (always uncompressed inside its parent) and validates its coefficients. */
function dynArray(r: Reader, count: number, n: number, primes: readonly bigint[], polys: number, fail: (why: string) => never): void {
  const { compr, size } = header(r, fail);
  if (compr !== COMPR_NONE) fail('nested array is compressed');
  if (size !== SEAL_HEADER_SIZE + 8 + 8 * count) fail(`nested array size ${size} does not match ${count} coefficients`);
  const c = r.u64();
  if (c !== count) fail(`nested array holds ${c} coefficients, expected ${count}`);
  r.coefficients(count, n, primes, polys);
}

const CT_FIXED = 32 + 1 + 8 * 5;
const DYN_FIXED = SEAL_HEADER_SIZE + 8;

export function ciphertextBodySize(n: number, k: number, size: number): number {
  return CT_FIXED + DYN_FIXED + 8 * size * k * n;
}

function levelByParmsId(chain: ChainInfo, parmsId: Hex): number {
  return chain.data.findIndex((l) => l.parmsId === parmsId);
}

/** CKKS scale rule of SEAL's is_scale_within_bounds: 0 < scale and log2(scale) below the level's modulus bits. */
function checkScale(chain: ChainInfo, scale: number, level: LevelInfo, fail: (why: string) => never): void {
  if (chain.scheme === 'bfv') {
    if (scale !== 1) fail(`BFV ciphertext has scale ${scale}, expected 1`);
    return;
  }
  const bits = level.primes.reduce((s, q) => s + q.toString(2).length, 0);
  if (!Number.isFinite(scale) || scale <= 0 || Math.floor(Math.log2(scale)) >= bits) fail(`CKKS scale ${scale} is out of bounds for its level`);
}

function readCiphertextBody(
  r: Reader,
  chain: ChainInfo,
  expect: { level: LevelInfo; size: number; ntt: boolean; keyObject: boolean },
  fail: (why: string) => never,
): { scale: number } {
  const parmsId = toHex(r.slice(32));
  if (parmsId !== expect.level.parmsId) {
    const other = levelByParmsId(chain, parmsId);
    fail(
      other >= 0
        ? `ciphertext is at level ${other}, expected level ${chain.data.indexOf(expect.level)}`
        : `parms_id ${parmsId.slice(0, 18)}… belongs to other encryption parameters`,
    );
  }
  const ntt = r.u8();
  if (ntt > 1) fail('is_ntt_form is not a boolean');
  if ((ntt === 1) !== expect.ntt) fail(`is_ntt_form is ${ntt === 1}, expected ${expect.ntt}`);
  const size = r.u64();
  if (size !== expect.size) fail(`ciphertext has ${size} polynomials, expected ${expect.size}`);
  const n = r.u64();
  if (n !== chain.polyModulusDegree) fail(`poly_modulus_degree ${n}, expected ${chain.polyModulusDegree}`);
  const k = r.u64();
  if (k !== expect.level.primes.length) fail(`coeff_modulus_size ${k}, expected ${expect.level.primes.length}`);
  const scale = r.f64();
  if (expect.keyObject) {
    if (scale !== 1) fail(`key has scale ${scale}, expected 1`);
  } else checkScale(chain, scale, expect.level, fail);
  const correction = r.u64();
  if (correction !== 1) fail(`correction_factor ${correction}, expected 1 (BFV/CKKS)`);
  dynArray(r, size * k * n, n, expect.level.primes, size, fail);
  return { scale };
}

export interface CiphertextExpectation {
  /** Index into chain.data (0 = top level). */
  level: number;
  /** Number of polynomials (2 after relinearization). */
  size?: number;
  /** When given, the CKKS scale must equal it exactly. */
  scale?: number;
}

/** Validates a ciphertext blob against the context and the expected level/size; returns its canonical form. */
export function validateCiphertext(bytes: Uint8Array, chain: ChainInfo, expect: CiphertextExpectation, options: ValidateOptions = {}): ValidatedCiphertext {
  const fail = failer(options.code ?? 'BAD_INPUT', options.what ?? 'ciphertext');
  const level = chain.data[expect.level];
  if (!level) throw new VerdictError('INTERNAL', `no data level ${expect.level}`);
  const size = expect.size ?? 2;
  const body = unwrap(bytes, ciphertextBodySize(chain.polyModulusDegree, level.primes.length, size), fail);
  const r = new Reader(body, fail);
  const { scale } = readCiphertextBody(r, chain, { level, size, ntt: chain.scheme === 'ckks', keyObject: false }, fail);
  r.end();
  if (expect.scale !== undefined && scale !== expect.scale) fail(`CKKS scale ${scale}, expected ${expect.scale}`);
  const canon = canonical(body);
  return { kind: 'ciphertext', bytes: canon, hash: blobHash(canon), validated: true, level: expect.level, size, scale };
}

function publicKeyBlobSize(chain: ChainInfo): number {
  return SEAL_HEADER_SIZE + ciphertextBodySize(chain.polyModulusDegree, chain.key.primes.length, 2);
}

function readPublicKeyBlob(r: Reader, chain: ChainInfo, fail: (why: string) => never): void {
  const { compr, size } = header(r, fail);
  if (compr !== COMPR_NONE) fail('nested key is compressed');
  if (size !== publicKeyBlobSize(chain)) fail(`nested key size ${size}, expected ${publicKeyBlobSize(chain)}`);
  readCiphertextBody(r, chain, { level: chain.key, size: 2, ntt: true, keyObject: true }, fail);
}

export function validatePublicKey(bytes: Uint8Array, chain: ChainInfo, options: ValidateOptions = {}): ValidatedBlob {
  const fail = failer(options.code ?? 'BAD_INPUT', options.what ?? 'public key');
  const body = unwrap(bytes, publicKeyBlobSize(chain) - SEAL_HEADER_SIZE, fail);
  const r = new Reader(body, fail);
  readCiphertextBody(r, chain, { level: chain.key, size: 2, ntt: true, keyObject: true }, fail);
  r.end();
  const canon = canonical(body);
  return { kind: 'publicKey', bytes: canon, hash: blobHash(canon), validated: true };
}

export function validateSecretKey(bytes: Uint8Array, chain: ChainInfo, options: ValidateOptions = {}): ValidatedBlob {
  const fail = failer(options.code ?? 'BAD_INPUT', options.what ?? 'secret key');
  const n = chain.polyModulusDegree;
  const k = chain.key.primes.length;
  const body = unwrap(bytes, 32 + 8 + 8 + DYN_FIXED + 8 * k * n, fail);
  const r = new Reader(body, fail);
  if (toHex(r.slice(32)) !== chain.key.parmsId) fail('secret key belongs to other encryption parameters');
  if (r.u64() !== k * n) fail('secret key has the wrong coefficient count');
  if (r.f64() !== 1) fail('secret key scale is not 1');
  dynArray(r, k * n, n, chain.key.primes, 1, fail);
  r.end();
  const canon = canonical(body);
  return { kind: 'secretKey', bytes: canon, hash: blobHash(canon), validated: true };
}

/** SEAL's GaloisTool::get_elt_from_step: the Galois element 3^step mod 2N (rows rotate left for step > 0). */
export function galoisElementForStep(step: number, n: number): number {
  if (!Number.isSafeInteger(step) || step === 0) throw new VerdictError('BAD_INPUT', `rotation step ${step} must be a nonzero integer`);
  const half = n / 2;
  if (Math.abs(step) >= half) throw new VerdictError('BAD_INPUT', `rotation step ${step} is too large for N=${n}`);
  const pos = step < 0 ? half + step : step;
  const m = BigInt(2 * n);
  let elt = 1n;
  for (let i = 0; i < pos; i++) elt = (elt * 3n) % m;
  return Number(elt);
}

function kswitchSize(chain: ChainInfo, dim1: number, present: number): number {
  const decomp = chain.key.primes.length - 1;
  return 32 + 8 + 8 * dim1 + present * decomp * publicKeyBlobSize(chain);
}

function readKSwitch(r: Reader, chain: ChainInfo, dim1: number, wanted: Set<number> | null, fail: (why: string) => never): number[] {
  if (toHex(r.slice(32)) !== chain.key.parmsId) fail('keys belong to other encryption parameters');
  const d1 = r.u64();
  if (d1 !== dim1) fail(`key table has ${d1} entries, expected ${dim1}`);
  const decomp = chain.key.primes.length - 1;
  const present: number[] = [];
  for (let i = 0; i < dim1; i++) {
    const d2 = r.u64();
    if (d2 === 0) continue;
    if (d2 !== decomp) fail(`key ${i} has ${d2} parts, expected ${decomp}`);
    if (wanted && !wanted.has(i)) fail(`key table entry ${i} is not one the program needs`);
    for (let j = 0; j < d2; j++) readPublicKeyBlob(r, chain, fail);
    present.push(i);
  }
  return present;
}

export function validateRelinKeys(bytes: Uint8Array, chain: ChainInfo, options: ValidateOptions = {}): ValidatedBlob {
  const fail = failer(options.code ?? 'BAD_INPUT', options.what ?? 'relinearization keys');
  const body = unwrap(bytes, kswitchSize(chain, 1, 1), fail);
  const r = new Reader(body, fail);
  const present = readKSwitch(r, chain, 1, null, fail);
  if (present.length !== 1) fail('relinearization key is missing');
  r.end();
  const canon = canonical(body);
  return { kind: 'relinKeys', bytes: canon, hash: blobHash(canon), validated: true };
}

/**
 * Validates Galois keys: exactly the elements for `steps` must be present (no more, so a key set cannot
 * smuggle in unbounded extra material, and no less, so evaluation cannot fail half-way).
 */
export function validateGaloisKeys(bytes: Uint8Array, chain: ChainInfo, steps: readonly number[], options: ValidateOptions = {}): ValidatedGaloisKeys {
  const fail = failer(options.code ?? 'BAD_INPUT', options.what ?? 'Galois keys');
  const n = chain.polyModulusDegree;
  const elements = [...new Set(steps.map((s) => galoisElementForStep(s, n)))].sort((a, b) => a - b);
  const indices = new Set(elements.map((e) => (e - 1) >> 1));
  const body = unwrap(bytes, kswitchSize(chain, n, indices.size), fail);
  const r = new Reader(body, fail);
  const present = readKSwitch(r, chain, n, indices, fail);
  if (present.length !== indices.size) fail(`has ${present.length} Galois keys, the program needs ${indices.size}`);
  r.end();
  const canon = canonical(body);
  return { kind: 'galoisKeys', bytes: canon, hash: blobHash(canon), validated: true, elements };
}

/** Expected canonical sizes of each object for a context (bench and docs report them). */
export function blobSizes(chain: ChainInfo, galoisCount: number): Record<string, number> {
  const n = chain.polyModulusDegree;
  const k = chain.key.primes.length;
  return {
    ciphertextTop: SEAL_HEADER_SIZE + ciphertextBodySize(n, chain.data[0]!.primes.length, 2),
    ciphertextBottom: SEAL_HEADER_SIZE + ciphertextBodySize(n, chain.data[chain.data.length - 1]!.primes.length, 2),
    publicKey: publicKeyBlobSize(chain),
    secretKey: SEAL_HEADER_SIZE + 32 + 16 + DYN_FIXED + 8 * k * n,
    relinKeys: SEAL_HEADER_SIZE + kswitchSize(chain, 1, 1),
    galoisKeys: SEAL_HEADER_SIZE + kswitchSize(chain, n, galoisCount),
  };
}

// ---- encryption parameters ----

const MODULUS_BLOB = SEAL_HEADER_SIZE + 8;

/** Serializes parameters in SEAL's EncryptionParameters format (what the adapter hands to `loadArray`). */
export function encodeSealParams(params: FheParams): Uint8Array {
  const k = params.coeffModulus.length;
  const out = new Uint8Array(SEAL_HEADER_SIZE + 17 + MODULUS_BLOB * (k + 1));
  writeHeader(out, COMPR_NONE, out.length);
  const v = new DataView(out.buffer);
  let at = SEAL_HEADER_SIZE;
  v.setUint8(at, SCHEME_BYTE[params.scheme]);
  v.setBigUint64(at + 1, BigInt(params.polyModulusDegree), true);
  v.setBigUint64(at + 9, BigInt(k), true);
  at += 17;
  const modulus = (value: bigint) => {
    writeHeader(out.subarray(at, at + MODULUS_BLOB), COMPR_NONE, MODULUS_BLOB);
    v.setBigUint64(at + SEAL_HEADER_SIZE, value, true);
    at += MODULUS_BLOB;
  };
  for (const q of params.coeffModulus) modulus(BigInt(q));
  modulus(params.plainModulus === undefined ? 0n : BigInt(params.plainModulus));
  return out;
}

/**
 * Reads SEAL EncryptionParameters bytes into the parts of FheParams they carry (scheme, degree, primes,
 * plain modulus). The caller adds scaleBits and runs parseParams for the security and primality checks.
 */
export function decodeSealParams(bytes: Uint8Array, options: ValidateOptions = {}): Pick<FheParams, 'scheme' | 'polyModulusDegree' | 'coeffModulus' | 'plainModulus'> {
  const fail = failer(options.code ?? 'BAD_INPUT', options.what ?? 'encryption parameters');
  if (!(bytes instanceof Uint8Array)) fail('expected bytes');
  if (bytes.length > SEAL_HEADER_SIZE + 17 + MODULUS_BLOB * 65) fail('too large for a parameter set');
  const outer = new Reader(bytes, fail);
  const { compr, size } = header(outer, fail);
  if (compr !== COMPR_NONE) fail('compressed parameters are refused (they are tiny)');
  if (size !== bytes.length) fail(`header says ${size} bytes, blob has ${bytes.length}`);
  const scheme = outer.u8();
  const schemeName = scheme === 1 ? 'bfv' : scheme === 2 ? 'ckks' : fail(`scheme ${scheme} is not BFV (1) or CKKS (2)`);
  const n = outer.u64();
  const k = outer.u64();
  if (k < 1 || k > 64) fail(`coeff_modulus_size ${k} out of range`);
  const modulus = (): bigint => {
    const h = header(outer, fail);
    if (h.compr !== COMPR_NONE || h.size !== MODULUS_BLOB) fail('malformed modulus');
    return outer.u64big();
  };
  const primes: string[] = [];
  for (let i = 0; i < k; i++) primes.push(String(modulus()));
  const plain = modulus();
  outer.end();
  if (schemeName === 'ckks' && plain !== 0n) fail('CKKS parameters carry a plain modulus');
  return {
    scheme: schemeName,
    polyModulusDegree: n,
    coeffModulus: primes,
    ...(schemeName === 'bfv' ? { plainModulus: String(plain) } : {}),
  };
}
