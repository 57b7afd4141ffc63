/** Shared fixture of the contract tests: a fresh anvil, a deployed VerdictMediation, one client per account. */
import { Wallet } from 'ethers';
import { startAnvil, type Anvil } from '../../src/testing/anvil.js';
import { createProvider } from '../../src/mediator/chain/rpc.js';
import {
  DEFAULT_MEDIATION_CONFIG,
  MediationClient,
  TxSender,
  deployMediation,
  type MediationConfig,
} from '../../src/mediator/chain/contract.js';
import { isVerdictError } from '../../src/core/errors.js';
import { keccak256Hex, type Hex } from '../../src/core/index.js';

export interface Fixture {
  anvil: Anvil;
  address: string;
  config: MediationConfig;
  /** deployer */
  admin: MediationClient;
  provider: MediationClient;
  creator: MediationClient;
  outsider: MediationClient;
  mediators: MediationClient[];
  wallets: Wallet[];
  mine(blocks?: number): Promise<void>;
  head(): Promise<number>;
  stop(): Promise<void>;
}

export const TEST_CONFIG: Partial<MediationConfig> = {
  challengeWindow: 10,
  drawDelay: 2,
  voteWindow: 10,
  unbondingPeriod: 20,
  batchChallengeWindow: 5,
  epochLength: 50,
};

export async function setup(options: { mediators?: number; register?: number; config?: Partial<MediationConfig> } = {}): Promise<Fixture> {
  const nMediators = options.mediators ?? 7;
  const anvil = await startAnvil({ accounts: 4 + nMediators + 2 });
  const provider = createProvider(anvil.url, anvil.chainId);
  const wallets = anvil.accounts.map((a) => new Wallet(a.privateKey, provider));
  const deployer = new TxSender(provider, wallets[0]!, { chainId: anvil.chainId });
  const config = { ...DEFAULT_MEDIATION_CONFIG, ...TEST_CONFIG, ...options.config };
  const { address } = await deployMediation(deployer, config);
  const client = (w: Wallet): MediationClient => new MediationClient(provider, w, address, anvil.chainId);
  const mediators = wallets.slice(4, 4 + nMediators).map(client);
  const register = options.register ?? nMediators;
  for (const m of mediators.slice(0, register)) await m.registerMediator(config.minMediatorBond);
  return {
    anvil,
    address,
    config,
    admin: client(wallets[0]!),
    provider: client(wallets[1]!),
    creator: client(wallets[2]!),
    outsider: client(wallets[3]!),
    mediators,
    wallets,
    mine: async (blocks = 1) => {
      await anvil.rpc('anvil_mine', [`0x${blocks.toString(16)}`]);
    },
    head: async () => Number(BigInt(await anvil.rpc<string>('eth_blockNumber'))),
    stop: async () => {
      provider.destroy();
      await anvil.stop();
    },
  };
}

let counter = 0;
export function newJobId(tag = 'job'): Hex {
  counter++;
  return keccak256Hex(`${tag}-${counter}-${process.pid}`);
}

/** Asserts a promise rejects with the contract's custom error `name`. */
export async function reverts(p: Promise<unknown>, name: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (isVerdictError(e, 'CHAIN_ERROR') && e.details.revert === name) return;
    throw new Error(`expected revert ${name}, got ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  throw new Error(`expected revert ${name}, but the call succeeded`);
}

/** Client of a committee member by address. */
export function memberClient(f: Fixture, address: string): MediationClient {
  const m = f.mediators.find((c) => c.account.toLowerCase() === address.toLowerCase());
  if (!m) throw new Error(`no mediator client for ${address}`);
  return m;
}

/** Submits a result and challenges it; mines past the seed block and draws the committee. */
export async function disputedJob(f: Fixture, options: { draw?: boolean } = {}): Promise<{ jobId: Hex; committee: string[] }> {
  const jobId = newJobId();
  await f.provider.submitResult(jobId, f.creator.account, keccak256Hex(`result-${jobId}`), f.config.minCollateral);
  await f.creator.challenge(jobId, keccak256Hex(`evidence-${jobId}`));
  if (options.draw === false) return { jobId, committee: [] };
  await f.mine(f.config.drawDelay + 1);
  await f.outsider.drawCommittee(jobId);
  return { jobId, committee: await f.outsider.committee(jobId) };
}
