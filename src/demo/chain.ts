/**
 * The demo's chain: a real anvil from the npm package on a free loopback port, VerdictMediation deployed with
 * windows sized for a demo, bonded mediators, a job creator, and funded provider accounts.
 * (The demo is a consumer of src/mediator/chain, like an operator's script: it builds wallets with ethers.)
 */
import { Wallet, type JsonRpcProvider } from 'ethers';
import type { Hex } from '../core/index.js';
import { DEFAULT_MEDIATION_CONFIG, MediationClient, TxSender, deployMediation, type MediationConfig } from '../mediator/chain/contract.js';
import { createProvider } from '../mediator/chain/rpc.js';
import { startAnvil, type Anvil } from '../testing/anvil.js';

/** 3 mediators, committees of 3 with a quorum of 2; windows long enough that nobody times out while verifying. */
export const DEMO_MEDIATION_CONFIG: Partial<MediationConfig> = {
  committeeSize: 3,
  quorum: 2,
  batchQuorum: 2,
  challengeWindow: 400,
  drawDelay: 2,
  voteWindow: 5_000,
  unbondingPeriod: 100,
};

export interface DemoChain {
  anvil: Anvil;
  provider: JsonRpcProvider;
  contract: string;
  config: MediationConfig;
  /** Deploys, draws committees, releases and settles: any account may, the contract pays nobody for it. */
  keeper: MediationClient;
  creator: MediationClient;
  /** Private keys of the bonded mediators. */
  mediatorKeys: Hex[];
  /** A client acting as `privateKey` (a provider account; funded with `fund`). */
  as(privateKey: Hex): MediationClient;
  fund(address: string, wei: bigint): Promise<void>;
  mine(blocks?: number): Promise<void>;
  head(): Promise<number>;
  stop(): Promise<void>;
}

export async function startDemoChain(options: { mediators?: number; config?: Partial<MediationConfig> } = {}): Promise<DemoChain> {
  const nMediators = options.mediators ?? 3;
  const anvil = await startAnvil({ accounts: 2 + nMediators });
  const provider = createProvider(anvil.url, anvil.chainId);
  try {
    const wallet = (key: Hex) => new Wallet(key, provider);
    const [keeperAccount, creatorAccount, ...mediatorAccounts] = anvil.accounts;
    const config = { ...DEFAULT_MEDIATION_CONFIG, ...DEMO_MEDIATION_CONFIG, ...options.config };
    const { address } = await deployMediation(new TxSender(provider, wallet(keeperAccount!.privateKey), { chainId: anvil.chainId }), config);
    const client = (key: Hex) => new MediationClient(provider, wallet(key), address, anvil.chainId);
    const mediatorKeys = mediatorAccounts.map((a) => a.privateKey);
    for (const key of mediatorKeys) await client(key).registerMediator(config.minMediatorBond);
    return {
      anvil,
      provider,
      contract: address,
      config,
      keeper: client(keeperAccount!.privateKey),
      creator: client(creatorAccount!.privateKey),
      mediatorKeys,
      as: client,
      fund: async (who, wei) => {
        await anvil.rpc('anvil_setBalance', [who, `0x${wei.toString(16)}`]);
      },
      mine: async (blocks = 1) => {
        await anvil.rpc('anvil_mine', [`0x${blocks.toString(16)}`]);
      },
      head: async () => Number(BigInt(await anvil.rpc<string>('eth_blockNumber'))),
      stop: async () => {
        provider.destroy();
        await anvil.stop();
      },
    };
  } catch (e) {
    provider.destroy();
    await anvil.stop();
    throw e;
  }
}
