/**
 * The one file of src/telemetry that imports ethers: signing a trace's statement digest with the provider's
 * secp256k1 key, as an EIP-191 personal message, so the address that signs telemetry is the address that
 * identifies the provider on-chain (and any wallet or HSM that does personal_sign can sign traces).
 */
import { Wallet, getAddress, verifyMessage } from 'ethers';
import { VerdictError, isHex, toHex, type Hex } from '../core/index.js';

export interface TraceSigner {
  /** Checksummed 0x address. */
  readonly address: string;
  /** EIP-191 signature (65 bytes, r ‖ s ‖ v) over the 32-byte digest as message bytes. */
  signDigest(digest: Uint8Array): Promise<Hex>;
}

export function walletSigner(privateKey: string): TraceSigner {
  let wallet: Wallet;
  try {
    wallet = new Wallet(privateKey);
  } catch (e) {
    throw new VerdictError('BAD_INPUT', 'telemetry signer: not a valid secp256k1 private key', { cause: e });
  }
  return {
    address: wallet.address,
    signDigest: async (digest) => (await wallet.signMessage(digest)) as Hex,
  };
}

/** The address that signed `digest` (EIP-191); throws VerdictError('BAD_EVIDENCE') for a malformed signature. */
export function recoverDigestSigner(digest: Uint8Array, signature: string): string {
  if (!isHex(signature, 65)) throw new VerdictError('BAD_EVIDENCE', 'trace signature must be 65-byte hex');
  try {
    return verifyMessage(digest, signature);
  } catch (e) {
    throw new VerdictError('BAD_EVIDENCE', `trace signature does not recover: ${(e as Error).message.split(' (')[0]}`, { cause: e });
  }
}

/** Checksummed form of an address, or null when it is not one. */
export function normaliseAddress(address: string): string | null {
  try {
    return getAddress(address);
  } catch {
    return null;
  }
}

export const digestHex = (d: Uint8Array): Hex => toHex(d);
