import type { Clock, DecisionOutcome, EvidenceBundle, Job, Logger } from '../core/index.js';
import type { AnyVerifier } from '../verifiers/index.js';
import type { DemoAccounts } from './accounts.js';

/** What the demo hands every module. */
export interface DemoContext {
  logger: Logger;
  clock: Clock;
  /** A scratch directory the module may write to. */
  workDir: string;
  /** Path of the real model (../shared/models/stories260k/...), when VERDICT_MODEL points at it. */
  modelPath?: string;
  /** Provider accounts handed out by the modules (set by the market, which acts as those providers on-chain). */
  accounts?: DemoAccounts;
}

/** One job of the demo market: a provider (honest or one cheating strategy) and the evidence it hands in. */
export interface DemoCase {
  /** e.g. "honest", "honest, float noise", "cheat: altered byte". */
  scenario: string;
  /** What a correct mediator decides. */
  expected: DecisionOutcome;
  job: Job;
  bundle: EvidenceBundle;
  /** Selection seed for the policy's probabilistic verifiers (32 bytes); a fixed one when absent. */
  seed?: Uint8Array;
}

/** A job type's contribution to the demo: its verifiers, its policy file, and a set of honest and cheating cases. */
export interface DemoModule {
  jobType: string;
  /** Path of the policy file, relative to the repository root (policies/<jobType>.yaml). */
  policyFile: string;
  verifiers(ctx: DemoContext): Promise<AnyVerifier[]>;
  cases(ctx: DemoContext): Promise<DemoCase[]>;
}
