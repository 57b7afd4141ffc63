/**
 * The exported Solidity verifiers on a real anvil: compiled in-process with solc-js, deployed and called with
 * ethers. Shared by test/zk/solidity.test.ts and bench/zk.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { Contract, ContractFactory, JsonRpcProvider, Wallet } from 'ethers';
import { startAnvil, type Anvil } from '../../src/testing/anvil.js';
import { SOLC_SETTINGS } from '../../src/mediator/chain/compile.js';
import type { ZkEvidence } from '../../src/verifiers/zk/index.js';

interface Solc {
  compile(input: string): string;
}

export function compileVerifier(solPath: string): { contractName: string; abi: unknown[]; bytecode: string } {
  const solc = createRequire(import.meta.url)('solc') as Solc;
  const name = basename(solPath);
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { [name]: { content: readFileSync(solPath, 'utf8') } },
        settings: { ...SOLC_SETTINGS, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
      }),
    ),
  ) as { errors?: { severity: string; formattedMessage: string }[]; contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>> };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const [contractName, c] = Object.entries(out.contracts[name]!)[0]!;
  return { contractName, abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

export interface EvmVerifiers {
  anvil: Anvil;
  provider: JsonRpcProvider;
  wallet: Wallet;
  deploy(solPath: string): Promise<{ contract: Contract; deployGas: bigint; bytecodeBytes: number }>;
  close(): Promise<void>;
}

export async function startEvm(): Promise<EvmVerifiers> {
  const anvil = await startAnvil({ accounts: 2 });
  const provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
  const wallet = new Wallet(anvil.accounts[0]!.privateKey, provider);
  return {
    anvil,
    provider,
    wallet,
    async deploy(solPath) {
      const { abi, bytecode } = compileVerifier(solPath);
      const factory = new ContractFactory(abi as never, bytecode, wallet);
      const contract = (await factory.deploy({ gasLimit: 10_000_000n })) as unknown as Contract;
      const receipt = await contract.deploymentTransaction()!.wait();
      return { contract, deployGas: receipt!.gasUsed, bytecodeBytes: (bytecode.length - 2) / 2 };
    },
    async close() {
      provider.destroy();
      await anvil.stop();
    },
  };
}

/** verifyProof arguments of snarkjs' Groth16Verifier (G2 coordinates in EVM order: c1 before c0). */
export function groth16Args(ev: Pick<ZkEvidence, 'proof' | 'publicSignals'>): [string[], string[][], string[], string[]] {
  const p = ev.proof as { pi_a: string[]; pi_b: string[][]; pi_c: string[] };
  return [
    [p.pi_a[0]!, p.pi_a[1]!],
    [
      [p.pi_b[0]![1]!, p.pi_b[0]![0]!],
      [p.pi_b[1]![1]!, p.pi_b[1]![0]!],
    ],
    [p.pi_c[0]!, p.pi_c[1]!],
    [...ev.publicSignals],
  ];
}

/** verifyProof arguments of snarkjs' PlonkVerifier: the 24 proof words, then the public signals. */
export function plonkArgs(ev: Pick<ZkEvidence, 'proof' | 'publicSignals'>): [string[], string[]] {
  const p = ev.proof as Record<string, string[] | string>;
  const words: string[] = [];
  for (const k of ['A', 'B', 'C', 'Z', 'T1', 'T2', 'T3', 'Wxi', 'Wxiw']) words.push((p[k] as string[])[0]!, (p[k] as string[])[1]!);
  for (const k of ['eval_a', 'eval_b', 'eval_c', 'eval_s1', 'eval_s2', 'eval_zw']) words.push(p[k] as string);
  return [words, [...ev.publicSignals]];
}

/** Intrinsic gas of a transaction's calldata (EIP-2028: 16 per non-zero byte, 4 per zero byte) plus the 21,000 base. */
export function intrinsicGas(data: string): bigint {
  let gas = 21_000n;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === '00' ? 4n : 16n;
  return gas;
}
