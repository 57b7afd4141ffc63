import { VerdictError, type Hex, type Job } from '../core/index.js';
import { sampleWithoutReplacement, samplingDrbg, uniformInt } from '../sampling/index.js';
import type { FheEngine, KeySetBytes } from './backend.js';
import { canaryCommitment, type CanaryOpening } from './canary.js';
import { packRecords, unpackRecords } from './codec.js';
import { JOB_TYPE, commitInputs, type FheJobPackage, type FheJobSpec } from './job.js';
import { analyzeProgram, evaluatePlainModular, evaluatePlainReal, programHash, type FheProgram } from './program.js';
import { compressBlob, validateCiphertext, validateGaloisKeys, validatePublicKey, validateRelinKeys, validateSecretKey } from './seal-format.js';

/** Default CKKS canary tolerance: measured errors of the presets are ~1e-5 (bench/README.md § FHE). */
export const DEFAULT_CKKS_TOLERANCE = Object.freeze({ abs: 1e-3, rel: 1e-3 });

export interface CreateFheJobOptions {
  engine: FheEngine;
  program: FheProgram;
  id: string;
  provider: string;
  creator?: string;
  createdAt?: number;
  /** The creator's private records, one vector of program.input.width numbers each. */
  records: readonly (readonly number[])[];
  /** k canary items drawn from `pool` (records whose results the creator computes in plaintext). */
  canaries?: { items: number; pool: readonly (readonly number[])[]; tolerance?: { abs: number; rel: number } };
  /** 32 secret bytes of the creator: canary positions, canary records and the commitment salt derive from them. */
  seed: Uint8Array;
  /** zlib-compress the input ciphertexts on the wire (default true; hashes do not depend on it). */
  compress?: boolean;
  /**
   * Reuse the creator's existing keys (from an earlier createFheJob's secret plus its package keys)
   * instead of generating new ones; their Galois keys must cover exactly this program's steps.
   */
  keys?: KeySetBytes;
}

export interface ItemLayout {
  index: number;
  kind: 'real' | 'canary';
  /** Number of records packed in this item. */
  records: number;
  /** For real items: index of the first record in the creator's list. */
  firstRecord?: number;
}

/** What the creator keeps to itself. */
export interface FheCreatorSecret {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  /** The whole key set (canonical bytes), to reuse for later jobs. */
  keys: KeySetBytes;
  layout: ItemLayout[];
  canary?: CanaryOpening;
}

export interface CreatedFheJob {
  job: Job;
  spec: FheJobSpec;
  pkg: FheJobPackage;
  secret: FheCreatorSecret;
}

/**
 * The job creator's side: generates keys (with only the Galois keys the program needs), packs and
 * encrypts its records, hides canary items among them, and commits to inputs, keys, program and canaries.
 */
export function createFheJob(o: CreateFheJobOptions): CreatedFheJob {
  const { engine, program } = o;
  const params = engine.params;
  if (!(o.seed instanceof Uint8Array) || o.seed.length !== 32) throw new VerdictError('BAD_INPUT', 'creator seed must be 32 bytes');
  const analysis = analyzeProgram(program, params);
  const perItem = analysis.recordsPerCiphertext;
  if (o.records.length === 0) throw new VerdictError('BAD_INPUT', 'a job needs at least one record');
  const realItems = Math.ceil(o.records.length / perItem);
  const k = o.canaries?.items ?? 0;
  const n = realItems + k;
  if (k > 0 && (o.canaries!.pool.length === 0)) throw new VerdictError('BAD_INPUT', 'canaries need a non-empty pool of records');

  const canaryIdx = k > 0 ? sampleWithoutReplacement(samplingDrbg(o.seed, 'fhe.canary.positions'), n, k).sort((a, b) => a - b) : [];
  const canarySet = new Set(canaryIdx);
  const pick = samplingDrbg(o.seed, 'fhe.canary.records');
  // Canary items carry as many records as a full real item, so their record count reveals nothing either.
  const canaryRecords = Math.min(perItem, Math.max(...chunkSizes(o.records.length, perItem)));

  const keys = o.keys ?? engine.keygen(analysis.galoisSteps);
  const pk = validatePublicKey(keys.publicKey, engine.chain);
  const encryptor = engine.encryptor(pk);
  const layout: ItemLayout[] = [];
  const inputs: Uint8Array[] = [];
  const inputHashes: Hex[] = [];
  const expected: number[][][] = [];
  const t = params.plainModulus === undefined ? 0n : BigInt(params.plainModulus);
  try {
    let next = 0;
    for (let i = 0; i < n; i++) {
      let recs: (readonly number[])[];
      if (canarySet.has(i)) {
        const pool = o.canaries!.pool;
        recs = Array.from({ length: canaryRecords }, () => pool[uniformInt(pick, pool.length)]!);
        expected.push(
          recs.map((r) => (params.scheme === 'ckks' ? evaluatePlainReal(program, r) : evaluatePlainModular(program, r, t).map(Number))),
        );
        layout.push({ index: i, kind: 'canary', records: recs.length });
      } else {
        recs = o.records.slice(next, next + perItem);
        layout.push({ index: i, kind: 'real', records: recs.length, firstRecord: next });
        next += recs.length;
      }
      const bytes = encryptor.encrypt(packRecords(program, params, recs));
      const v = validateCiphertext(bytes, engine.chain, { level: 0 }, { what: `input ${i}` });
      inputHashes.push(v.hash);
      inputs.push(o.compress === false ? v.bytes : compressBlob(v.bytes));
    }
  } finally {
    encryptor.delete();
  }

  const relin = analysis.needsRelin ? validateRelinKeys(keys.relinKeys, engine.chain) : undefined;
  const galois = analysis.galoisSteps.length > 0 ? validateGaloisKeys(keys.galoisKeys ?? new Uint8Array(0), engine.chain, analysis.galoisSteps) : undefined;
  let canary: CanaryOpening | undefined;
  if (k > 0) {
    const salt = samplingDrbg(o.seed, 'fhe.canary.salt').generate(32);
    canary = {
      format: 'verdict-fhe-canaries',
      v: 1,
      salt: `0x${Buffer.from(salt).toString('hex')}`,
      indices: canaryIdx,
      expected,
      tolerance: params.scheme === 'ckks' ? { ...(o.canaries!.tolerance ?? DEFAULT_CKKS_TOLERANCE) } : { abs: 0, rel: 0 },
    };
  }
  const spec: FheJobSpec = {
    format: 'verdict-fhe-job',
    v: 1,
    params,
    programHash: programHash(program),
    keys: { ...(relin ? { relin: relin.hash } : {}), ...(galois ? { galois: galois.hash } : {}) },
    galoisSteps: analysis.galoisSteps,
    items: n,
    ...(canary ? { canaryCommitment: canaryCommitment(canary) } : {}),
  };
  const job: Job = {
    v: 1,
    id: o.id,
    type: JOB_TYPE,
    provider: o.provider,
    ...(o.creator ? { creator: o.creator } : {}),
    spec: { fhe: spec as never },
    inputCommitment: commitInputs(o.id, inputHashes),
    ...(o.createdAt !== undefined ? { createdAt: o.createdAt } : {}),
  };
  const compress = (b: Uint8Array) => (o.compress === false ? b : compressBlob(b));
  return {
    job,
    spec,
    pkg: {
      program,
      keys: { ...(relin ? { relin: compress(relin.bytes) } : {}), ...(galois ? { galois: compress(galois.bytes) } : {}) },
      inputs,
    },
    secret: { secretKey: keys.secretKey, publicKey: keys.publicKey, keys, layout, ...(canary ? { canary } : {}) },
  };
}

function chunkSizes(total: number, per: number): number[] {
  const out: number[] = [];
  for (let at = 0; at < total; at += per) out.push(Math.min(per, total - at));
  return out;
}

/** The creator decrypts the real items' outputs and returns one result vector per original record. */
export function decryptResults(engine: FheEngine, program: FheProgram, secret: FheCreatorSecret, outputs: readonly Uint8Array[]): number[][] {
  const analysis = analyzeProgram(program, engine.params);
  const dec = engine.decryptor(validateSecretKey(secret.secretKey, engine.chain));
  try {
    const results: number[][] = [];
    for (const item of secret.layout) {
      if (item.kind !== 'real') continue;
      const bytes = outputs[item.index];
      if (!bytes) throw new VerdictError('BAD_INPUT', `no output for item ${item.index}`);
      const ct = validateCiphertext(bytes, engine.chain, { level: analysis.depth, size: 2 }, { what: `output ${item.index}` });
      results.push(...unpackRecords(program, dec.decrypt(ct), item.records, analysis.outputWidth));
    }
    return results;
  } finally {
    dec.delete();
  }
}

