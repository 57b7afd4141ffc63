/**
 * Mediator key files. Two accepted shapes (docs/formats.md, "Mediation"):
 *   - a text file holding one secp256k1 private key as 64 hex digits, with or without 0x (whitespace trimmed);
 *   - JSON `{ "format": "verdict-key", "v": 1, "privateKey": "0x…" }`.
 * Every failure is BAD_CONFIG with a message that says what is wrong, never the key itself.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Wallet } from 'ethers';
import { VerdictError } from '../../core/errors.js';
import type { Hex } from '../../core/bytes.js';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** Key files are small; anything bigger is not one. */
const MAX_KEY_FILE_BYTES = 4096;

export interface LoadedKey {
  wallet: Wallet;
  address: string;
  /** Non-fatal findings (e.g. the file is readable by other users). */
  warnings: string[];
}

export function parsePrivateKey(text: string, where = 'key'): Hex {
  const trimmed = text.trim();
  let candidate = trimmed;
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      throw new VerdictError('BAD_CONFIG', `${where}: looks like JSON but does not parse`);
    }
    const d = doc as { format?: unknown; v?: unknown; privateKey?: unknown };
    if (d.format !== 'verdict-key') throw new VerdictError('BAD_CONFIG', `${where}: JSON key file needs "format": "verdict-key"`);
    if (d.v !== 1) throw new VerdictError('UNSUPPORTED', `${where}: key file version ${String(d.v)} is not supported (expected 1)`);
    if (typeof d.privateKey !== 'string') throw new VerdictError('BAD_CONFIG', `${where}: "privateKey" must be a hex string`);
    candidate = d.privateKey.trim();
  }
  const hex = candidate.startsWith('0x') || candidate.startsWith('0X') ? candidate.slice(2) : candidate;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new VerdictError('BAD_CONFIG', `${where}: expected a 32-byte private key as 64 hex digits (got ${hex.length} characters)`);
  }
  const k = BigInt(`0x${hex}`);
  if (k === 0n || k >= SECP256K1_N) throw new VerdictError('BAD_CONFIG', `${where}: private key is out of range for secp256k1`);
  return `0x${hex.toLowerCase()}`;
}

export function loadKeyFile(path: string): LoadedKey {
  let size: number;
  let mode: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new VerdictError('BAD_CONFIG', `key file ${path} is not a regular file`);
    size = st.size;
    mode = st.mode;
  } catch (e) {
    if (e instanceof VerdictError) throw e;
    const code = (e as { code?: string }).code;
    throw new VerdictError('BAD_CONFIG', `key file ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(e)})`}`, {
      cause: e,
    });
  }
  if (size === 0) throw new VerdictError('BAD_CONFIG', `key file ${path} is empty`);
  if (size > MAX_KEY_FILE_BYTES) throw new VerdictError('BAD_CONFIG', `key file ${path} is too large to be a key file (${size} bytes)`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new VerdictError('BAD_CONFIG', `key file ${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const wallet = new Wallet(parsePrivateKey(text, `key file ${path}`));
  const warnings: string[] = [];
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    warnings.push(`key file ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); run chmod 600`);
  }
  return { wallet, address: wallet.address, warnings };
}

/** A fresh secp256k1 private key from the operating system's CSPRNG (node:crypto), drawn again in the ~2^-128 case it is out of range. */
export function generatePrivateKey(random: (n: number) => Uint8Array = randomBytes): Hex {
  for (;;) {
    const bytes = random(32);
    if (bytes.length !== 32) throw new VerdictError('INTERNAL', `random source returned ${bytes.length} bytes, not 32`);
    const k = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
    if (k !== 0n && k < SECP256K1_N) return `0x${k.toString(16).padStart(64, '0')}`;
  }
}

export interface WriteKeyFileOptions {
  /** Replace an existing file (default true). When false, an existing path is refused (BAD_INPUT, details.exists). */
  overwrite?: boolean;
}

/**
 * Writes a JSON key file readable by its owner only (mode 0600). A replaced file is swapped in by a rename of a
 * fresh file, so the old file's (possibly wider) mode is never kept and no reader sees half a key.
 */
export function writeKeyFile(path: string, privateKey: Hex, options: WriteKeyFileOptions = {}): string {
  const key = parsePrivateKey(privateKey);
  const text = `${JSON.stringify({ format: 'verdict-key', v: 1, privateKey: key })}\n`;
  const target = options.overwrite === false ? path : `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(target, text, { mode: 0o600, flag: 'wx' });
    if (target !== path) renameSync(target, path);
  } catch (e) {
    if (target !== path) rmSync(target, { force: true });
    const code = (e as { code?: string }).code;
    if (code === 'EEXIST') throw new VerdictError('BAD_INPUT', `key file ${path} already exists`, { cause: e, details: { exists: true } });
    throw new VerdictError('BAD_INPUT', `cannot write key file ${path} (${code ?? (e as Error).message})`, { cause: e });
  }
  return new Wallet(key).address;
}
