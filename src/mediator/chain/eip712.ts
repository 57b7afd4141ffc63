/**
 * EIP-712 typed data of the mediation contract: committee verdicts and batch roots.
 * Domain { name: "VerdictMediation", version: "1", chainId, verifyingContract }.
 */
import { Signature, TypedDataEncoder, getAddress, recoverAddress, type Signer, type TypedDataDomain } from 'ethers';
import { VerdictError } from '../../core/errors.js';
import { concatBytes, fromHex, isHex, toHex, type Hex } from '../../core/bytes.js';
import type { VerdictPayload } from '../ports.js';

export const DOMAIN_NAME = 'VerdictMediation';
export const DOMAIN_VERSION = '1';

export const VERDICT_TYPES = {
  Verdict: [
    { name: 'jobId', type: 'bytes32' },
    { name: 'outcome', type: 'uint8' },
    { name: 'evidenceHash', type: 'bytes32' },
  ],
};

export const BATCH_TYPES = {
  VerdictBatch: [
    { name: 'root', type: 'bytes32' },
    { name: 'epoch', type: 'uint64' },
    { name: 'count', type: 'uint32' },
  ],
};

export interface BatchPayload {
  root: Hex;
  epoch: number;
  count: number;
}

export function mediationDomain(chainId: number | bigint, verifyingContract: string): TypedDataDomain {
  return { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: getAddress(verifyingContract) };
}

export function checkPayload(p: VerdictPayload): void {
  if (!isHex(p.jobId, 32)) throw new VerdictError('BAD_INPUT', 'verdict jobId must be 32-byte hex');
  if (!isHex(p.evidenceHash, 32)) throw new VerdictError('BAD_INPUT', 'verdict evidenceHash must be 32-byte hex');
  if (p.outcome !== 0 && p.outcome !== 1 && p.outcome !== 2) throw new VerdictError('BAD_INPUT', `verdict outcome must be 0, 1 or 2`);
}

export function verdictDigest(domain: TypedDataDomain, p: VerdictPayload): Hex {
  checkPayload(p);
  return TypedDataEncoder.hash(domain, VERDICT_TYPES, { ...p }) as Hex;
}

export async function signVerdictWith(signer: Signer, domain: TypedDataDomain, p: VerdictPayload): Promise<Hex> {
  checkPayload(p);
  return normalizeSignature((await signer.signTypedData(domain, VERDICT_TYPES, { ...p })) as Hex);
}

export function batchDigest(domain: TypedDataDomain, p: BatchPayload): Hex {
  return TypedDataEncoder.hash(domain, BATCH_TYPES, { ...p }) as Hex;
}

export async function signBatchWith(signer: Signer, domain: TypedDataDomain, p: BatchPayload): Promise<Hex> {
  return normalizeSignature((await signer.signTypedData(domain, BATCH_TYPES, { ...p })) as Hex);
}

/** Returns the checksummed signer of a 65-byte signature over `digest`; BAD_INPUT for a malformed signature. */
export function recoverSigner(digest: Hex, signature: Hex): string {
  try {
    return recoverAddress(digest, Signature.from(signature));
  } catch (e) {
    throw new VerdictError('BAD_INPUT', `malformed signature: ${(e as Error).message}`, { cause: e });
  }
}

/** 65-byte r‖s‖v with v in {27, 28} and low s (what the contract's ECDSA.recover accepts). */
export function normalizeSignature(signature: Hex): Hex {
  let sig: Signature;
  try {
    sig = Signature.from(signature);
  } catch (e) {
    throw new VerdictError('BAD_INPUT', `malformed signature: ${(e as Error).message}`, { cause: e });
  }
  return sig.serialized as Hex;
}

/** The contract takes signatures as one packed `bytes`: 65 bytes each. */
export function packSignatures(signatures: readonly Hex[]): Hex {
  return toHex(concatBytes(...signatures.map((s) => fromHex(normalizeSignature(s), 'signature', 65))));
}
