/**
 * Named demo accounts. A provider of the demo market is an Ethereum account (it posts collateral and is slashed
 * on-chain, and signs its GPU telemetry with the same key), so every name maps to a deterministic secp256k1 key:
 * the same name gives the same address in every run, in the market and in the tests of each module.
 */
import { sha256, toHex, utf8, type Hex } from '../core/index.js';
import { walletSigner } from '../telemetry/signer.js';
import type { DemoContext } from './types.js';

export interface DemoAccount {
  name: string;
  /** Checksummed 0x address. */
  address: string;
  privateKey: Hex;
}

/** The account of a demo name: private key sha256("verdict demo account\0" ‖ name). Demo keys only, never funds. */
export function demoAccount(name: string): DemoAccount {
  const privateKey = toHex(sha256(utf8(`verdict demo account\0${name}`)));
  return { name, address: walletSigner(privateKey).address, privateKey };
}

/** Remembers the accounts the modules hand out, so the market can act as the provider behind an address. */
export class DemoAccounts {
  private readonly byAddr = new Map<string, DemoAccount>();

  account(name: string): DemoAccount {
    const a = demoAccount(name);
    this.byAddr.set(a.address.toLowerCase(), a);
    return a;
  }

  byAddress(address: string): DemoAccount | undefined {
    return this.byAddr.get(address.toLowerCase());
  }

  all(): DemoAccount[] {
    return [...this.byAddr.values()];
  }
}

/** A module's provider: recorded in the market's accounts when there are any (standalone runs have none). */
export function demoProvider(ctx: DemoContext, name: string): DemoAccount {
  return ctx.accounts?.account(name) ?? demoAccount(name);
}
