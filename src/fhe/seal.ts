/**
 * The node-seal adapter: the ONLY file that imports node-seal (lazily, on the first loadSealBackend call).
 * It owns the WASM module, frees every object it creates through the caller's Arena, and turns SEAL's
 * exceptions and WASM aborts into VerdictErrors. It accepts only blobs that seal-format.ts validated.
 */
import type { SEALLibrary } from 'node-seal/implementation/seal.js';
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import type { Context } from 'node-seal/implementation/context.js';
import type { Evaluator } from 'node-seal/implementation/evaluator.js';
import type { BatchEncoder } from 'node-seal/implementation/batch-encoder.js';
import type { CKKSEncoder } from 'node-seal/implementation/ckks-encoder.js';
import type { ParmsIdType } from 'node-seal/implementation/parms-id-type.js';
import type { PlainText } from 'node-seal/implementation/plain-text.js';
import type { RelinKeys } from 'node-seal/implementation/relin-keys.js';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys.js';
import { VerdictError, toHex, type ErrorCode } from '../core/index.js';
import type { Arena, Ct, FheBackend, FheDecryptor, FheEncryptor, FheEngine, KeySetBytes, Pt } from './backend.js';
import { parseParams, slotLayout, type FheParams } from './params.js';
import {
  encodeSealParams,
  type ChainInfo,
  type LevelInfo,
  type ValidatedBlob,
  type ValidatedCiphertext,
  type ValidatedGaloisKeys,
} from './seal-format.js';

type Seal = SEALLibrary;
type Factory = () => Promise<Seal>;

let factoryPromise: Promise<Factory> | undefined;
/** Serializes module instantiation: the memory capture below briefly wraps WebAssembly.instantiate. */
let instantiating: Promise<unknown> = Promise.resolve();

async function factory(): Promise<Factory> {
  factoryPromise ??= import('node-seal').then((m) => {
    const f = (m as unknown as { default: Factory | { default: Factory } }).default;
    return typeof f === 'function' ? f : f.default;
  });
  return factoryPromise;
}

/**
 * Instantiates a fresh SEAL WASM module and captures its linear memory (node-seal does not expose it), so
 * heapBytes() can show that memory stays flat. The wrapper is removed as soon as the module is built.
 */
async function instantiate(): Promise<{ seal: Seal; memory: WebAssembly.Memory | undefined }> {
  const make = await factory();
  const run = instantiating.then(async () => {
    let memory: WebAssembly.Memory | undefined;
    const original = WebAssembly.instantiate;
    const capture = async (...args: Parameters<typeof WebAssembly.instantiate>) => {
      const result = await (original as (...a: unknown[]) => Promise<unknown>).apply(WebAssembly, args);
      const instance = (result as { instance?: WebAssembly.Instance }).instance ?? (result as WebAssembly.Instance);
      for (const v of Object.values(instance.exports ?? {})) if (v instanceof WebAssembly.Memory) memory = v;
      return result;
    };
    (WebAssembly as { instantiate: unknown }).instantiate = capture;
    try {
      const seal = await make();
      return { seal, memory };
    } finally {
      if ((WebAssembly as { instantiate: unknown }).instantiate === capture) (WebAssembly as { instantiate: unknown }).instantiate = original;
    }
  });
  instantiating = run.catch(() => undefined);
  return run;
}

/** Loads node-seal and returns a backend with its own WASM module instance. */
export async function loadSealBackend(): Promise<FheBackend> {
  try {
    const { seal, memory } = await instantiate();
    return new SealBackend(seal, memory);
  } catch (e) {
    throw new VerdictError('EXECUTOR_FAILED', `cannot load node-seal: ${(e as Error)?.message ?? e}`, { cause: e });
  }
}

/**
 * Builds a parameter set the way SEAL's own helpers do (BFVDefault / Create / Batching) and returns the
 * primes and SEAL's serialization of it: tests cross-check the presets and encodeSealParams against it.
 */
export async function sealReference(recipe: {
  scheme: 'bfv' | 'ckks';
  n: number;
  coeff: 'bfv-default' | number[];
  plainBits?: number;
}): Promise<{ coeff: bigint[]; plain?: bigint; paramsBytes: Uint8Array }> {
  const { seal } = await instantiate();
  const v =
    recipe.coeff === 'bfv-default'
      ? seal.CoeffModulus.BFVDefault(recipe.n, seal.SecurityLevel.tc128)
      : seal.CoeffModulus.Create(recipe.n, Int32Array.from(recipe.coeff));
  const parms = seal.EncryptionParameters(recipe.scheme === 'bfv' ? seal.SchemeType.bfv : seal.SchemeType.ckks);
  const m = recipe.plainBits === undefined ? undefined : seal.PlainModulus.Batching(recipe.n, recipe.plainBits);
  try {
    parms.setPolyModulusDegree(recipe.n);
    parms.setCoeffModulus(v);
    if (m) parms.setPlainModulus(m);
    return {
      coeff: Array.from(v.toArray() as BigUint64Array),
      ...(m ? { plain: m.value } : {}),
      paramsBytes: parms.saveArray(seal.ComprModeType.none),
    };
  } finally {
    m?.delete();
    parms.delete();
    v.delete();
  }
}

class SealBackend implements FheBackend {
  readonly name: string;
  broken = false;

  constructor(
    readonly seal: Seal,
    private readonly memory: WebAssembly.Memory | undefined,
  ) {
    this.name = `node-seal ${seal.Version} (SEAL 4.1, WASM)`;
  }

  heapBytes(): number | undefined {
    return this.memory?.buffer.byteLength;
  }

  guard<T>(what: string, code: ErrorCode, fn: () => T): T {
    if (this.broken) throw new VerdictError('EXECUTOR_FAILED', `${what}: the SEAL WASM module aborted earlier; load a new backend`);
    try {
      return fn();
    } catch (e) {
      if (e instanceof VerdictError) throw e;
      if (e instanceof WebAssembly.RuntimeError) {
        this.broken = true;
        throw new VerdictError('EXECUTOR_FAILED', `${what}: SEAL WASM module aborted (${e.message})`, { cause: e });
      }
      const msg = e instanceof Error ? e.message : typeof e === 'string' ? e : `exception ${String(e)}`;
      throw new VerdictError(code, `${what}: ${msg}`, { cause: e });
    }
  }

  createEngine(params: FheParams): FheEngine {
    const checked = parseParams(params);
    return this.guard('create FHE context', 'BAD_INPUT', () => new SealEngine(this, checked));
  }
}

class SealCt implements Ct {
  readonly kind = 'ct' as const;
  private freed = false;
  constructor(
    readonly raw: CipherText,
    readonly level: number,
  ) {}
  get scale(): number {
    return this.raw.scale;
  }
  get size(): number {
    return this.raw.size;
  }
  delete(): void {
    if (this.freed) return;
    this.freed = true;
    this.raw.delete();
  }
}

class SealPt implements Pt {
  readonly kind = 'pt' as const;
  private freed = false;
  constructor(readonly raw: PlainText) {}
  get isZero(): boolean {
    return this.raw.isZero;
  }
  delete(): void {
    if (this.freed) return;
    this.freed = true;
    this.raw.delete();
  }
}

function raw(x: Ct): CipherText {
  if (!(x instanceof SealCt)) throw new VerdictError('INTERNAL', 'ciphertext from another backend');
  return x.raw;
}
function rawPt(x: Pt): PlainText {
  if (!(x instanceof SealPt)) throw new VerdictError('INTERNAL', 'plaintext from another backend');
  return x.raw;
}

function parmsHex(p: ParmsIdType): string {
  const v = p.values;
  const bytes = new Uint8Array(32);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) view.setBigUint64(i * 8, v[i]!, true);
  return toHex(bytes);
}

class SealEngine implements FheEngine {
  readonly chain: ChainInfo;
  readonly rowSize: number;
  readonly rows: number;
  private readonly seal: Seal;
  private readonly context: Context;
  private readonly evaluator: Evaluator;
  private readonly batch?: BatchEncoder;
  private readonly ckks?: CKKSEncoder;
  /** One ParmsIdType per data level, for modulus switching. */
  private readonly levelIds: ParmsIdType[] = [];
  private relin: RelinKeys | undefined;
  private galois: GaloisKeys | undefined;
  private readonly owned: { delete(): void }[] = [];
  private freed = false;

  constructor(
    private readonly backend: SealBackend,
    readonly params: FheParams,
  ) {
    const seal = backend.seal;
    this.seal = seal;
    const { rows, rowSize } = slotLayout(params);
    this.rows = rows;
    this.rowSize = rowSize;
    const parms = seal.EncryptionParameters(params.scheme === 'bfv' ? seal.SchemeType.bfv : seal.SchemeType.ckks);
    try {
      parms.loadArray(encodeSealParams(params));
      this.context = seal.Context(parms, true, seal.SecurityLevel.tc128);
    } finally {
      parms.delete();
    }
    this.owned.push(this.context);
    try {
      if (!this.context.parametersSet()) {
        throw new VerdictError('BAD_INPUT', 'SEAL refused the encryption parameters (not valid at 128-bit security)');
      }
      this.evaluator = seal.Evaluator(this.context);
      this.owned.push(this.evaluator);
      if (params.scheme === 'bfv') this.owned.push((this.batch = seal.BatchEncoder(this.context)));
      else this.owned.push((this.ckks = seal.CKKSEncoder(this.context)));
      this.chain = this.readChain();
    } catch (e) {
      this.delete();
      throw e;
    }
  }

  private readChain(): ChainInfo {
    const level = (cd: ReturnType<Context['getContextData']>, keepId: boolean): LevelInfo => {
      const id = cd.parmsId;
      const parms = cd.parms;
      const primes = Array.from(parms.coeffModulus);
      parms.delete();
      const info = { chainIndex: cd.chainIndex, parmsId: parmsHex(id) as LevelInfo['parmsId'], primes };
      if (keepId) this.levelIds.push(id);
      else id.delete();
      return info;
    };
    const keyCd = this.context.keyContextData;
    const key = level(keyCd, false);
    keyCd.delete();
    const data: LevelInfo[] = [];
    let cd = this.context.firstContextData;
    const count = cd.chainIndex + 1;
    for (let i = 0; i < count; i++) {
      data.push(level(cd, true));
      if (i + 1 < count) {
        const next = cd.nextContextData;
        cd.delete();
        cd = next;
      }
    }
    cd.delete();
    return { scheme: this.params.scheme, polyModulusDegree: this.params.polyModulusDegree, key, data };
  }

  private g<T>(what: string, fn: () => T, code: ErrorCode = 'INTERNAL'): T {
    if (this.freed) throw new VerdictError('INTERNAL', `${what}: engine was freed`);
    return this.backend.guard(what, code, fn);
  }

  private newCt(arena: Arena, level: number): SealCt {
    return arena.track(new SealCt(this.seal.CipherText(), level));
  }

  keygen(galoisSteps: readonly number[]): KeySetBytes {
    return this.g('key generation', () => {
      const none = this.seal.ComprModeType.none;
      const kg = this.seal.KeyGenerator(this.context);
      const parts: { delete(): void }[] = [kg];
      try {
        const sk = kg.secretKey();
        parts.push(sk);
        const pk = kg.createPublicKey();
        parts.push(pk);
        const rk = kg.createRelinKeys();
        parts.push(rk);
        const out: KeySetBytes = { secretKey: sk.saveArray(none), publicKey: pk.saveArray(none), relinKeys: rk.saveArray(none) };
        if (galoisSteps.length > 0) {
          const gk = kg.createGaloisKeys(Int32Array.from(galoisSteps));
          parts.push(gk);
          out.galoisKeys = gk.saveArray(none);
        }
        return out;
      } finally {
        for (const p of parts.reverse()) p.delete();
      }
    });
  }

  encryptor(publicKey: ValidatedBlob): FheEncryptor {
    if (publicKey.kind !== 'publicKey' || !publicKey.validated) throw new VerdictError('INTERNAL', 'encryptor needs a validated public key');
    return this.g(
      'load public key',
      () => {
        const pk = this.seal.PublicKey();
        let enc;
        try {
          pk.loadArray(this.context, publicKey.bytes);
          enc = this.seal.Encryptor(this.context, pk);
        } finally {
          pk.delete();
        }
        const encryptor = enc;
        return {
          encrypt: (values: Float64Array | BigInt64Array) =>
            this.g('encrypt', () => {
              const pt = this.encodeTop(values);
              const ct = this.seal.CipherText();
              try {
                encryptor.encrypt(pt, ct);
                return ct.saveArray(this.seal.ComprModeType.none);
              } finally {
                ct.delete();
                pt.delete();
              }
            }),
          delete: () => encryptor.delete(),
        };
      },
      'BAD_INPUT',
    );
  }

  private encodeTop(values: Float64Array | BigInt64Array): PlainText {
    const pt = this.seal.PlainText();
    try {
      if (this.params.scheme === 'ckks') {
        if (!(values instanceof Float64Array)) throw new VerdictError('BAD_INPUT', 'CKKS encrypts Float64Array values');
        this.ckks!.encode(values, 2 ** this.params.scaleBits!, pt);
      } else {
        if (!(values instanceof BigInt64Array)) throw new VerdictError('BAD_INPUT', 'BFV encrypts BigInt64Array values');
        this.batch!.encode(values, pt);
      }
      return pt;
    } catch (e) {
      pt.delete();
      throw e;
    }
  }

  decryptor(secretKey: ValidatedBlob): FheDecryptor {
    if (secretKey.kind !== 'secretKey' || !secretKey.validated) throw new VerdictError('INTERNAL', 'decryptor needs a validated secret key');
    return this.g(
      'load secret key',
      () => {
        const sk = this.seal.SecretKey();
        let dec;
        try {
          sk.loadArray(this.context, secretKey.bytes);
          dec = this.seal.Decryptor(this.context, sk);
        } finally {
          sk.delete();
        }
        const decryptor = dec;
        return {
          decrypt: (blob: ValidatedCiphertext) =>
            this.g('decrypt', () => {
              const ct = this.seal.CipherText();
              const pt = this.seal.PlainText();
              try {
                ct.loadArray(this.context, blob.bytes);
                decryptor.decrypt(ct, pt);
                return this.params.scheme === 'ckks' ? this.ckks!.decode(pt) : (this.batch!.decodeBigInt(pt, true) as BigInt64Array);
              } finally {
                pt.delete();
                ct.delete();
              }
            }),
          delete: () => decryptor.delete(),
        };
      },
      'BAD_INPUT',
    );
  }

  setEvaluationKeys(keys: { relin?: ValidatedBlob; galois?: ValidatedGaloisKeys }): void {
    this.g(
      'load evaluation keys',
      () => {
        if (keys.relin) {
          if (keys.relin.kind !== 'relinKeys' || !keys.relin.validated) throw new VerdictError('INTERNAL', 'relin keys are not validated');
          const rk = this.seal.RelinKeys();
          try {
            rk.loadArray(this.context, keys.relin.bytes);
          } catch (e) {
            rk.delete();
            throw e;
          }
          this.relin?.delete();
          this.relin = rk;
        }
        if (keys.galois) {
          if (keys.galois.kind !== 'galoisKeys' || !keys.galois.validated) throw new VerdictError('INTERNAL', 'Galois keys are not validated');
          const gk = this.seal.GaloisKeys();
          try {
            gk.loadArray(this.context, keys.galois.bytes);
          } catch (e) {
            gk.delete();
            throw e;
          }
          this.galois?.delete();
          this.galois = gk;
        }
      },
      'BAD_INPUT',
    );
  }

  clearEvaluationKeys(): void {
    this.relin?.delete();
    this.galois?.delete();
    this.relin = undefined;
    this.galois = undefined;
  }

  loadCiphertext(blob: ValidatedCiphertext, arena: Arena): Ct {
    if (blob.kind !== 'ciphertext' || !blob.validated) throw new VerdictError('INTERNAL', 'only validated ciphertexts are loaded');
    return this.g(
      'load ciphertext',
      () => {
        const ct = this.newCt(arena, blob.level);
        ct.raw.loadArray(this.context, blob.bytes);
        return ct;
      },
      'BAD_INPUT',
    );
  }

  saveCiphertext(ct: Ct): Uint8Array {
    return this.g('save ciphertext', () => raw(ct).saveArray(this.seal.ComprModeType.none));
  }

  encodeReal(values: Float64Array, level: number, scale: number, arena: Arena): Pt {
    if (this.params.scheme !== 'ckks') throw new VerdictError('INTERNAL', 'encodeReal is for CKKS');
    return this.g('encode', () => {
      const top = arena.track(new SealPt(this.seal.PlainText()));
      this.ckks!.encode(values, scale, top.raw);
      if (level === 0) return top;
      const at = arena.track(new SealPt(this.seal.PlainText()));
      this.evaluator.plainModSwitchTo(top.raw, this.levelId(level), at.raw);
      arena.free(top);
      return at;
    });
  }

  encodeInt(values: BigInt64Array, arena: Arena): Pt {
    if (this.params.scheme !== 'bfv') throw new VerdictError('INTERNAL', 'encodeInt is for BFV');
    return this.g('encode', () => {
      const pt = arena.track(new SealPt(this.seal.PlainText()));
      this.batch!.encode(values, pt.raw);
      return pt;
    });
  }

  private levelId(level: number): ParmsIdType {
    const id = this.levelIds[level];
    if (!id) throw new VerdictError('INTERNAL', `no data level ${level}`);
    return id;
  }

  add(a: Ct, b: Ct, arena: Arena): Ct {
    return this.g('add', () => {
      const out = this.newCt(arena, a.level);
      this.evaluator.add(raw(a), raw(b), out.raw);
      return out;
    });
  }

  addPlain(a: Ct, p: Pt, arena: Arena): Ct {
    return this.g('add plain', () => {
      const out = this.newCt(arena, a.level);
      this.evaluator.addPlain(raw(a), rawPt(p), out.raw);
      return out;
    });
  }

  mulPlain(a: Ct, p: Pt, arena: Arena): Ct {
    return this.g('multiply plain', () => {
      const out = this.newCt(arena, a.level);
      this.evaluator.multiplyPlain(raw(a), rawPt(p), out.raw);
      return out;
    });
  }

  mulRelin(a: Ct, b: Ct, arena: Arena): Ct {
    return this.g('multiply', () => {
      if (!this.relin) throw new VerdictError('BAD_INPUT', 'the program multiplies ciphertexts but no relinearization keys were given');
      const prod = this.newCt(arena, a.level);
      this.evaluator.multiply(raw(a), raw(b), prod.raw);
      const out = this.newCt(arena, a.level);
      this.evaluator.relinearize(prod.raw, this.relin, out.raw);
      arena.free(prod);
      return out;
    });
  }

  rotate(a: Ct, steps: number, arena: Arena): Ct {
    return this.g(`rotate by ${steps}`, () => {
      if (!this.galois) throw new VerdictError('BAD_INPUT', 'the program rotates but no Galois keys were given');
      const out = this.newCt(arena, a.level);
      if (this.params.scheme === 'ckks') this.evaluator.rotateVector(raw(a), steps, this.galois, out.raw);
      else this.evaluator.rotateRows(raw(a), steps, this.galois, out.raw);
      return out;
    });
  }

  rescale(a: Ct, arena: Arena): Ct {
    return this.g('rescale', () => {
      if (a.level + 1 >= this.chain.data.length) throw new VerdictError('BAD_INPUT', 'no level left to rescale to');
      const out = this.newCt(arena, a.level + 1);
      this.evaluator.rescaleToNext(raw(a), out.raw);
      return out;
    });
  }

  modSwitchTo(a: Ct, level: number, arena: Arena): Ct {
    return this.g('modulus switch', () => {
      if (level < a.level) throw new VerdictError('INTERNAL', `cannot switch up from level ${a.level} to ${level}`);
      const out = this.newCt(arena, level);
      this.evaluator.cipherModSwitchTo(raw(a), this.levelId(level), out.raw);
      return out;
    });
  }

  setScale(a: Ct, scale: number): void {
    this.g('set scale', () => raw(a).setScale(scale));
  }

  delete(): void {
    if (this.freed) return;
    this.freed = true;
    this.relin?.delete();
    this.galois?.delete();
    for (const id of this.levelIds) id.delete();
    for (const o of this.owned.reverse()) o.delete();
  }
}
