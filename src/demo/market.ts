/**
 * The demo market on a real chain. Every demo case is a job: its provider posts the result commitment with
 * collateral; the job creator checks it with the probability the network's reputation scorer gives for that
 * provider (every job of a new provider), publishes the dispute evidence by content id and challenges with a
 * bond; the committee (drawn from a block hash after the challenge) verifies under the job type's policy and
 * votes; the verdict is settled on-chain (collateral slashed to the creator or released, fees to the signers);
 * the mediators record each verdict in the network's reputation.
 */
import { VerdictError, isHex, keccak256Hex, sha256, utf8, type Clock, type Decision, type DecisionOutcome, type Hex, type VerdictOutcome } from '../core/index.js';
import { ReputationScorer, type ReputationStore } from '../reputation/index.js';
import { evidenceContentId, makeDisputeEvidence } from '../mediator/bundle.js';
import type { EvidenceStore } from '../mediator/evidence-store.js';
import { jobIdToBytes32, outcomeFromCode, type Bytes32 } from '../mediator/ports.js';
import type { DemoAccounts, DemoAccount } from './accounts.js';
import type { DemoChain } from './chain.js';
import type { DemoMediator } from './mediators.js';
import type { DemoCase, DemoModule } from './types.js';

export interface MarketJob {
  module: DemoModule;
  case: DemoCase;
  provider: DemoAccount;
  jobId: Bytes32;
  /** Wei the provider put up with the result. */
  collateral: bigint;
  /** The creator's check probability for this provider and job type when the result came in. */
  checkProbability: number;
  challenged: boolean;
  submitTx: Hex;
  challengeTx?: Hex;
  evidenceId?: Bytes32;
  committee?: string[];
  /** On-chain outcome once resolved (unchallenged jobs: released, no verdict). */
  outcome?: VerdictOutcome;
  verdictTx?: Hex;
  /** Committee positions whose signatures made the verdict. */
  signers?: string[];
  settleTx?: Hex;
  /** Wei moved by settlement. */
  toProvider?: bigint;
  toCreator?: bigint;
  toMediators?: bigint;
  /** The decision of one committee member (with its findings), from its database. */
  decision?: Decision;
  /** Gas of the market's own transactions for this job: result, challenge, draw, settlement (not the votes). */
  gasUsed: bigint;
}

export interface MarketOptions {
  chain: DemoChain;
  modules: Array<{ module: DemoModule; cases: DemoCase[] }>;
  accounts: DemoAccounts;
  mediators: DemoMediator[];
  sharedEvidence: EvidenceStore;
  /** The network's reputation (the same database the mediators record into). */
  reputation: ReputationStore;
  clock: Clock;
  progress: (line: string) => void;
  /** Give up waiting for verdicts after this long (default 15 min). */
  timeoutMs?: number;
}

/** The creator's draw: u = first 8 bytes of sha256("verdict.demo.check" ‖ jobId) / 2^64, checked when u < p. */
export function checkDraw(jobId: Bytes32): number {
  const h = sha256(utf8(`verdict.demo.check\0${jobId}`));
  return Number(new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0) >> 11n) / 2 ** 53;
}

/** bytes32 for the on-chain result commitment: the claim's commitment when it is 32-byte hex, else its keccak256. */
function resultCommitment(c: DemoCase): Bytes32 {
  const x = c.bundle.claim.outputCommitment;
  return (isHex(x, 32) ? x.toLowerCase() : keccak256Hex(x)) as Bytes32;
}

export function expectedOutcome(d: DecisionOutcome): VerdictOutcome {
  return d === 'accept' ? 'ProviderCorrect' : d === 'reject' ? 'ProviderFaulty' : 'Inconclusive';
}

export async function runMarket(o: MarketOptions): Promise<MarketJob[]> {
  const { chain } = o;
  const network = new ReputationScorer({ store: o.reputation, clock: o.clock });
  const collateral = chain.config.minCollateral * 10n;
  const funded = new Set<string>();
  const jobs: MarketJob[] = [];

  // 1. results come in; the creator checks each with the provider's current check probability
  for (const { module, cases } of o.modules) {
    for (const c of cases) {
      const provider = o.accounts.byAddress(c.job.provider);
      if (!provider) throw new VerdictError('BAD_CONFIG', `demo case ${c.job.id}: provider ${c.job.provider} is not a demo account`);
      if (!funded.has(provider.address)) {
        await chain.fund(provider.address, 10n ** 19n);
        funded.add(provider.address);
      }
      const jobId = jobIdToBytes32(c.job.id) as Bytes32;
      const submitted = await chain.as(provider.privateKey).submitResult(jobId, chain.creator.account, resultCommitment(c), collateral);
      const checkProbability = network.checkProbability(provider.address, c.job.type);
      const job: MarketJob = { module, case: c, provider, jobId, collateral, checkProbability, challenged: checkDraw(jobId) < checkProbability, submitTx: submitted.hash, gasUsed: submitted.gasUsed };
      if (job.challenged) {
        const doc = makeDisputeEvidence(c.job, c.bundle);
        const stored = o.sharedEvidence.putJson(doc);
        if (stored.id !== evidenceContentId(doc)) throw new VerdictError('INTERNAL', 'evidence store id differs from the content id');
        const challenged = await chain.creator.challenge(jobId, stored.id);
        job.evidenceId = stored.id;
        job.challengeTx = challenged.hash;
        job.gasUsed += challenged.gasUsed;
      }
      jobs.push(job);
    }
  }
  const disputed = jobs.filter((j) => j.challenged);
  o.progress(`${jobs.length} results posted with ${fmtEth(collateral)} collateral each; the creator challenged ${disputed.length}`);

  // 2. committees: drawn from the hash of a block mined after every challenge
  await chain.mine(chain.config.drawDelay + 1);
  for (const j of disputed) {
    const r = await chain.keeper.drawCommittee(j.jobId);
    j.gasUsed += r.gasUsed;
    const drawn = r.events.find((e) => e.name === 'CommitteeDrawn');
    j.committee = drawn ? [...(drawn.args.committee as string[])] : await chain.keeper.committee(j.jobId);
  }
  o.progress(`committees of ${chain.config.committeeSize} drawn (quorum ${chain.config.quorum}); the mediators verify and vote`);

  // 3. the mediators work; blocks keep coming so transactions get their confirmations
  const ticker = setInterval(() => void chain.mine(1).catch(() => {}), 300);
  try {
    await waitForVerdicts(o, disputed);
  } finally {
    clearInterval(ticker);
  }

  // 4. settlement: unchallenged collateral is released after the window, verdicts are settled
  await chain.mine(chain.config.challengeWindow + 1);
  for (const j of jobs) {
    const r = j.challenged ? await chain.keeper.settle(j.jobId) : await chain.keeper.releaseCollateral(j.jobId);
    j.settleTx = r.hash;
    j.gasUsed += r.gasUsed;
    const settled = r.events.find((e) => e.name === 'Settled');
    if (settled) {
      j.toProvider = settled.args.toProvider as bigint;
      j.toCreator = settled.args.toCreator as bigint;
      j.toMediators = settled.args.toMediators as bigint;
    } else {
      j.toProvider = collateral;
    }
  }
  await collectVerdicts(o, disputed);
  return jobs;
}

async function waitForVerdicts(o: MarketOptions, disputed: MarketJob[]): Promise<void> {
  const deadline = o.clock.now() + (o.timeoutMs ?? 15 * 60_000);
  let reported = -1;
  let lastReport = 0;
  for (;;) {
    let resolved = 0;
    for (const j of disputed) {
      if (j.outcome) {
        resolved++;
        continue;
      }
      const view = await o.chain.keeper.getJob(j.jobId);
      if (view.status === 'Resolved' || view.status === 'Settled') {
        j.outcome = outcomeFromCode(view.outcome);
        j.signers = (j.committee ?? []).filter((_, i) => (view.signers >> i) & 1);
        resolved++;
      }
    }
    if (resolved !== reported && (resolved === disputed.length || o.clock.now() - lastReport >= 10_000)) {
      o.progress(`verdicts on-chain: ${resolved}/${disputed.length}`);
      reported = resolved;
      lastReport = o.clock.now();
    }
    if (resolved === disputed.length) return;
    if (o.clock.now() > deadline) {
      const failed = o.mediators.flatMap((m) => m.daemon.store.list(1_000_000).filter((d) => d.state === 'failed' || d.lastError));
      throw new VerdictError('TIMEOUT', `only ${resolved} of ${disputed.length} disputes resolved in time; mediator errors: ${failed.map((d) => d.lastError).join('; ') || 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The verdict transaction of each job (from its VerdictPosted event) and one member's decision. */
async function collectVerdicts(o: MarketOptions, disputed: MarketJob[]): Promise<void> {
  const topic = o.chain.keeper.iface.getEvent('VerdictPosted')!.topicHash;
  const head = await o.chain.head();
  for (const j of disputed) {
    const logs = await o.chain.keeper.logs([topic, j.jobId], 0, head);
    j.verdictTx = logs.at(-1)?.txHash;
    for (const m of o.mediators) {
      const row = m.daemon.store.byJobId(j.jobId);
      const decision = row ? m.daemon.store.decision(row.id)?.decision : undefined;
      if (decision) {
        j.decision = decision;
        break;
      }
    }
  }
}

export function fmtEth(wei: bigint): string {
  const sign = wei < 0n ? '-' : '';
  const abs = wei < 0n ? -wei : wei;
  const whole = abs / 10n ** 18n;
  const frac = (abs % 10n ** 18n).toString().padStart(18, '0').slice(0, 3);
  return `${sign}${whole}.${frac} ETH`;
}
