import { VerdictError } from '../core/index.js';
import type { FheParams } from './params.js';
import type { ChainInfo, ValidatedBlob, ValidatedCiphertext, ValidatedGaloisKeys } from './seal-format.js';

/**
 * The small interface the rest of src/fhe talks to. Exactly one file (seal.ts) implements it with
 * node-seal; nothing else imports node-seal. Objects living in WASM memory are `Freeable` and are owned by
 * an `Arena`: whoever creates one passes the arena that will free it.
 */
export interface Freeable {
  delete(): void;
}

/**
 * Owns WASM objects and frees them together, newest first. `scoped(fn)` frees everything `fn` allocated
 * even when it throws; `release(x)` hands one object to the caller (who must then free it).
 */
export class Arena {
  private items: Freeable[] = [];
  private disposed = false;

  track<T extends Freeable>(item: T): T {
    if (this.disposed) {
      item.delete();
      throw new VerdictError('INTERNAL', 'arena used after it was freed');
    }
    this.items.push(item);
    return item;
  }

  /** Removes `item` from the arena without freeing it; the caller now owns it. */
  release<T extends Freeable>(item: T): T {
    const i = this.items.lastIndexOf(item);
    if (i < 0) throw new VerdictError('INTERNAL', 'released an object this arena does not own');
    this.items.splice(i, 1);
    return item;
  }

  /** Frees one object now (for long loops that would otherwise accumulate temporaries). */
  free(item: Freeable): void {
    const i = this.items.lastIndexOf(item);
    if (i < 0) throw new VerdictError('INTERNAL', 'freed an object this arena does not own');
    this.items.splice(i, 1);
    item.delete();
  }

  get size(): number {
    return this.items.length;
  }

  dispose(): void {
    this.disposed = true;
    let first: unknown;
    while (this.items.length > 0) {
      try {
        this.items.pop()!.delete();
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw new VerdictError('INTERNAL', `freeing WASM objects failed: ${String(first)}`, { cause: first });
  }
}

/** Runs `fn` with a fresh arena and frees it afterwards; a failure of `fn` is never masked by one of freeing. */
export function scoped<T>(fn: (arena: Arena) => T): T {
  const arena = new Arena();
  let result: T;
  try {
    result = fn(arena);
  } catch (e) {
    disposeQuietly(arena);
    throw e;
  }
  arena.dispose();
  return result;
}

export async function scopedAsync<T>(fn: (arena: Arena) => Promise<T>): Promise<T> {
  const arena = new Arena();
  let result: T;
  try {
    result = await fn(arena);
  } catch (e) {
    disposeQuietly(arena);
    throw e;
  }
  arena.dispose();
  return result;
}

function disposeQuietly(arena: Arena): void {
  try {
    arena.dispose();
  } catch {
    // The original error matters more (e.g. a WASM abort that also makes freeing fail).
  }
}

/** A ciphertext in WASM memory. `level` indexes ChainInfo.data (0 = top). */
export interface Ct extends Freeable {
  readonly kind: 'ct';
  readonly level: number;
  readonly scale: number;
  readonly size: number;
}

export interface Pt extends Freeable {
  readonly kind: 'pt';
  readonly isZero: boolean;
}

export interface KeySetBytes {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  relinKeys: Uint8Array;
  /** Absent when the program needs no rotation. */
  galoisKeys?: Uint8Array;
}

export interface FheEncryptor extends Freeable {
  /** Encrypts one full slot vector (CKKS: reals at the params' scale; BFV: integers mod t); canonical bytes. */
  encrypt(values: Float64Array | BigInt64Array): Uint8Array;
}

export interface FheDecryptor extends Freeable {
  /** Decrypts and decodes every slot (CKKS: Float64Array; BFV: signed BigInt64Array). */
  decrypt(ct: ValidatedCiphertext): Float64Array | BigInt64Array;
}

/** One parameter set's context with its encoder and evaluator. Frees its WASM objects on delete(). */
export interface FheEngine extends Freeable {
  readonly params: FheParams;
  readonly chain: ChainInfo;
  /** Slots per row (N/2); BFV has 2 rows, CKKS 1. */
  readonly rowSize: number;
  readonly rows: number;

  /** Creator side: fresh keys, the Galois keys for exactly `galoisSteps`. Canonical bytes. */
  keygen(galoisSteps: readonly number[]): KeySetBytes;
  encryptor(publicKey: ValidatedBlob): FheEncryptor;
  decryptor(secretKey: ValidatedBlob): FheDecryptor;

  /** Public evaluation keys; replaces earlier ones. */
  setEvaluationKeys(keys: { relin?: ValidatedBlob; galois?: ValidatedGaloisKeys }): void;
  /** Frees the evaluation keys (an engine kept for the next job must not hold this one's keys in memory). */
  clearEvaluationKeys(): void;
  loadCiphertext(blob: ValidatedCiphertext, arena: Arena): Ct;
  /** Canonical (uncompressed) SEAL bytes. */
  saveCiphertext(ct: Ct): Uint8Array;

  /** CKKS: encodes reals at `scale`, at data level `level`. */
  encodeReal(values: Float64Array, level: number, scale: number, arena: Arena): Pt;
  /** BFV: encodes signed integers (|v| < t/2) into the batching slots. */
  encodeInt(values: BigInt64Array, arena: Arena): Pt;

  add(a: Ct, b: Ct, arena: Arena): Ct;
  addPlain(a: Ct, p: Pt, arena: Arena): Ct;
  mulPlain(a: Ct, p: Pt, arena: Arena): Ct;
  /** Ciphertext product followed by relinearization (needs relin keys). */
  mulRelin(a: Ct, b: Ct, arena: Arena): Ct;
  /** Cyclic left rotation of each row by `steps` (negative: right); needs the Galois key for it. */
  rotate(a: Ct, steps: number, arena: Arena): Ct;
  /** CKKS: divides by the last prime of the level and drops it. */
  rescale(a: Ct, arena: Arena): Ct;
  modSwitchTo(a: Ct, level: number, arena: Arena): Ct;
  /** CKKS: relabels the scale (used only to snap values equal up to the last ulp). */
  setScale(a: Ct, scale: number): void;
}

export interface FheBackend {
  /** e.g. "node-seal 6.0.3 (SEAL 4.1)". */
  readonly name: string;
  /** True after the WASM module aborted; create a new backend. */
  readonly broken: boolean;
  createEngine(params: FheParams): FheEngine;
  /** Size of the WASM linear memory in bytes (it only grows: flat means nothing leaked). */
  heapBytes(): number | undefined;
}
