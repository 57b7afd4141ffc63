/**
 * Gas of the mediation contract, measured on a real anvil (receipts' gasUsed, i.e. intrinsic 21,000 +
 * calldata + execution − refunds):
 *   npx tsx bench/gas.ts [jobs=20]
 * Targets: one contested verdict with 3-of-5 signatures ≤ 80,000 gas; a batch root ≤ 100 gas per verdict at
 * 1,000 verdicts. Baselines in the same run: the same 3 votes posted as one transaction per member (per-member
 * on-chain voting), and 1,000 verdicts posted one contested verdict each.
 */
import { Wallet } from 'ethers';
import { keccak256Hex, type Hex } from '../src/core/index.js';
import { DEFAULT_MEDIATION_CONFIG, MediationClient, TxSender, deployMediation, type MediationConfig, type Receipt } from '../src/mediator/chain/contract.js';
import { VerdictBatchTree, type BatchLeaf } from '../src/mediator/chain/merkle.js';
import { createProvider } from '../src/mediator/chain/rpc.js';
import type { OutcomeCode, VerdictPayload } from '../src/mediator/ports.js';
import { startAnvil } from '../src/testing/anvil.js';

const JOBS = Number(process.argv[2] ?? 20);

interface Stat {
  min: number;
  max: number;
  mean: number;
  n: number;
}
function stat(xs: bigint[]): Stat {
  const n = xs.map(Number);
  return { min: Math.min(...n), max: Math.max(...n), mean: Math.round(n.reduce((a, b) => a + b, 0) / n.length), n: n.length };
}
const fmt = (x: number): string => x.toLocaleString('en-US');

/** Calldata gas as charged before EIP-7623's floor: 16 per non-zero byte, 4 per zero byte. */
async function calldataGas(client: MediationClient, r: Receipt): Promise<number> {
  const tx = await client.provider.getTransaction(r.hash);
  const bytes = Buffer.from(tx!.data.slice(2), 'hex');
  let g = 0;
  for (const b of bytes) g += b === 0 ? 4 : 16;
  return g;
}

async function main(): Promise<void> {
  const committees: [number, number][] = [
    [1, 1],
    [3, 5],
    [5, 8],
  ];
  const anvil = await startAnvil({ accounts: 16, balance: 1_000_000 });
  const provider = createProvider(anvil.url, anvil.chainId);
  const wallets = anvil.accounts.map((a) => new Wallet(a.privateKey, provider));
  const rows: string[] = [];
  const results: Record<string, unknown> = { machine: '2-core x86_64 VM, Node 20.20', anvil: (await anvil.rpc('web3_clientVersion')) as string };
  try {
    for (const [k, n] of committees) {
      const config: MediationConfig = { ...DEFAULT_MEDIATION_CONFIG, committeeSize: n, quorum: k, batchQuorum: 3, drawDelay: 1, challengeWindow: 1_000_000 };
      const deployer = new TxSender(provider, wallets[0]!, { chainId: anvil.chainId });
      const deployed = await deployMediation(deployer, config);
      const c = (w: Wallet): MediationClient => new MediationClient(provider, w, deployed.address, anvil.chainId);
      const prov = c(wallets[1]!);
      const creator = c(wallets[2]!);
      const poster = c(wallets[3]!);
      const mediators = wallets.slice(4, 4 + Math.max(n, 8)).map(c);
      for (const m of mediators) await m.registerMediator(config.minMediatorBond);
      const byAddr = new Map(mediators.map((m) => [m.account, m]));

      const verdicts: bigint[] = [];
      const calldata: number[] = [];
      const challenges: bigint[] = [];
      const draws: bigint[] = [];
      const settles: bigint[] = [];
      const perMember: bigint[] = [];
      const jobsHere = k === 3 ? JOBS : Math.max(5, Math.floor(JOBS / 4));
      for (let i = 0; i < jobsHere; i++) {
        const jobId = keccak256Hex(`gas-${k}-${n}-${i}`);
        await prov.submitResult(jobId, creator.account, keccak256Hex(`r${i}`), config.minCollateral);
        challenges.push((await creator.challenge(jobId, keccak256Hex(`e${i}`))).gasUsed);
        await anvil.rpc('anvil_mine', ['0x2']);
        draws.push((await poster.drawCommittee(jobId)).gasUsed);
        const committee = await poster.committee(jobId);
        const payload: VerdictPayload = { jobId, outcome: (i % 3) as OutcomeCode, evidenceHash: keccak256Hex(`bundle${i}`) };
        // rotate which members sign, so positions in the committee vary
        const signers = Array.from({ length: k }, (_, j) => committee[(i + j) % n]!);
        const sigs = await Promise.all(signers.map((a) => byAddr.get(a)!.signVerdict(payload)));
        if (k === 3 && i % 2 === 1) {
          // baseline: every member posts its own vote (what per-member on-chain voting costs)
          let total = 0n;
          for (const s of sigs) total += (await poster.postVerdict(payload, [s], { committee })).gasUsed;
          perMember.push(total);
        } else {
          const r = await poster.postVerdict(payload, sigs, { committee });
          verdicts.push(r.gasUsed);
          calldata.push(await calldataGas(poster, r));
        }
        settles.push((await poster.settle(jobId)).gasUsed);
      }
      const v = stat(verdicts);
      results[`verdict_${k}of${n}`] = { ...v, calldataMean: Math.round(calldata.reduce((a, b) => a + b, 0) / calldata.length) };
      rows.push(`| contested verdict, ${k}-of-${n} signatures, one tx | ${fmt(v.mean)} (min ${fmt(v.min)}, max ${fmt(v.max)}, n=${v.n}) | calldata ≈ ${fmt(Math.round(calldata.reduce((a, b) => a + b, 0) / calldata.length))} |`);
      if (k === 3) {
        const pm = stat(perMember);
        results.baseline_per_member_3of5 = pm;
        rows.push(`| baseline: the same 3 votes, one tx per member | ${fmt(pm.mean)} (n=${pm.n}) | ${(pm.mean / v.mean).toFixed(2)}× the one-tx verdict |`);
        const ch = stat(challenges);
        const dr = stat(draws);
        const se = stat(settles);
        results.challenge = ch;
        results.draw_5 = dr;
        results.settle = se;
        rows.push(`| challenge (creator, bonded) | ${fmt(ch.mean)} | |`);
        rows.push(`| drawCommittee, 5 of ${mediators.length} mediators | ${fmt(dr.mean)} (min ${fmt(dr.min)}, max ${fmt(dr.max)}) | emits 6 events |`);
        rows.push(`| settle (credits creator/provider and each signer) | ${fmt(se.mean)} (min ${fmt(se.min)}, max ${fmt(se.max)}) | |`);

        // batched verdicts: one root per epoch, signed by batchQuorum = 3 mediators
        const signersSorted = mediators.slice(0, 3).sort((a, b) => (BigInt(a.account) < BigInt(b.account) ? -1 : 1));
        for (const size of [1, 10, 100, 1_000, 10_000]) {
          const leaves: BatchLeaf[] = Array.from({ length: size }, (_, i) => ({
            jobId: keccak256Hex(`batch-${size}-${i}`),
            outcome: (i % 3) as OutcomeCode,
            evidenceHash: keccak256Hex(`be-${size}-${i}`),
          }));
          const t0 = performance.now();
          const tree = VerdictBatchTree.of(leaves);
          const buildMs = performance.now() - t0;
          const p = { root: tree.root, epoch: await poster.currentEpoch(), count: size };
          const sigs = await Promise.all(signersSorted.map((s) => s.signBatch(p)));
          const r = await poster.postBatch(p, sigs);
          const per = Number(r.gasUsed) / size;
          results[`batch_${size}`] = { gas: Number(r.gasUsed), perVerdict: per, treeBuildMs: Math.round(buildMs) };
          rows.push(`| batch root of ${fmt(size)} verdicts (3 signers) | ${fmt(Number(r.gasUsed))} | **${per.toFixed(1)} gas/verdict**; TS tree built in ${buildMs.toFixed(0)} ms |`);
          if (size === 1_000) {
            rows.push(`| baseline: 1,000 verdicts as contested 3-of-5 verdicts | ${fmt(v.mean * 1000)} | ${fmt(v.mean)} gas/verdict, ${(v.mean / per).toFixed(0)}× the batch |`);
            // applying one leaf of the root (only needed when a job's money must move)
            const jobId = leaves[0]!.jobId as Hex;
            await prov.submitResult(jobId, creator.account, keccak256Hex('leaf-job'), config.minCollateral);
            await anvil.rpc('anvil_mine', [`0x${(config.batchChallengeWindow + 1).toString(16)}`]);
            const a = await poster.applyBatchedVerdict(tree.root, tree.leaf(jobId), tree.proof(jobId));
            results.apply_leaf_1000 = Number(a.gasUsed);
            rows.push(`| apply one leaf of the 1,000-verdict root (10-hash proof) | ${fmt(Number(a.gasUsed))} | optional, per job whose money moves |`);
          }
        }
      }
    }
  } finally {
    provider.destroy();
    await anvil.stop();
  }
  const v35 = results.verdict_3of5 as Stat;
  const b1000 = results.batch_1000 as { perVerdict: number };
  process.stdout.write(`gas on anvil (${results.anvil as string}); ${JOBS} jobs for 3-of-5\n\n`);
  process.stdout.write('| what | gas (receipt gasUsed) | notes |\n|---|---|---|\n');
  process.stdout.write(`${rows.join('\n')}\n\n`);
  process.stdout.write(`target: contested 3-of-5 verdict ≤ 80,000 gas: max ${fmt(v35.max)} → ${v35.max <= 80_000 ? 'met' : 'MISSED'}\n`);
  process.stdout.write(`target: batched ≤ 100 gas/verdict at 1,000: ${b1000.perVerdict.toFixed(1)} → ${b1000.perVerdict <= 100 ? 'met' : 'MISSED'}\n`);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

await main();
