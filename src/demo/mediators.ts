/**
 * The demo's mediators: one `startMediatorDaemon` per bonded key, each with its own SQLite database, evidence
 * store, verifier registry and status port — what `verdict mediator start` runs, in one process so the demo
 * can hand them the demo modules' verifiers. They share the network's evidence directory (where job creators
 * publish dispute evidence by content id) and the network's reputation database.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Hex, Logger } from '../core/index.js';
import { PolicySet, loadPolicyFile } from '../policy/index.js';
import { ReputationScorer, SqliteReputationStore } from '../reputation/index.js';
import { VerifierRegistry } from '../verifiers/index.js';
import { connectChainPort } from '../mediator/chain/adapter.js';
import { startMediatorDaemon, type MediatorDaemon } from '../mediator/daemon.js';
import { DirectoryEvidenceSource, EvidenceStore } from '../mediator/evidence-store.js';
import { scorerReputation } from '../mediator/reputation.js';
import type { DemoContext, DemoModule } from './types.js';

export interface DemoMediator {
  daemon: MediatorDaemon;
  logFile: string;
  reputation: SqliteReputationStore;
}

export interface StartMediatorsOptions {
  ctx: DemoContext;
  modules: DemoModule[];
  repoRoot: string;
  rpcUrl: string;
  chainId: number;
  contract: string;
  keys: Hex[];
  /** The network's evidence directory (content-addressed, see src/mediator/evidence-store.ts). */
  sharedEvidence: EvidenceStore;
  reputationDb: string;
  outDir: string;
}

export async function startDemoMediators(o: StartMediatorsOptions): Promise<DemoMediator[]> {
  const policies = new PolicySet();
  for (const m of o.modules) policies.add(loadPolicyFile(join(o.repoRoot, m.policyFile)));
  const started: DemoMediator[] = [];
  try {
    for (const [i, key] of o.keys.entries()) {
      const dir = join(o.outDir, `mediator-${i + 1}`);
      mkdirSync(dir, { recursive: true });
      const logFile = join(dir, 'mediator.log');
      const logger = pino({ level: 'info', base: { mediator: i + 1 } }, pino.destination({ dest: logFile, sync: true })) as unknown as Logger;
      const registry = new VerifierRegistry({ clock: o.ctx.clock, logger });
      // one instance per verifier id: job types may share a verifier (llm-inference blends in telemetry)
      for (const m of o.modules) for (const v of await m.verifiers(o.ctx)) if (!registry.has(v.id)) registry.register(v);
      const chain = await connectChainPort({ rpcUrl: o.rpcUrl, contract: o.contract, privateKey: key, expectedChainId: o.chainId, logger });
      const reputation = new SqliteReputationStore(o.reputationDb);
      const daemon = await startMediatorDaemon({
        chain,
        dbPath: join(dir, 'mediator.db'),
        evidenceDir: join(dir, 'evidence'),
        evidenceSource: new DirectoryEvidenceSource(o.sharedEvidence),
        policies,
        registry,
        reputation: scorerReputation(new ReputationScorer({ store: reputation, clock: o.ctx.clock, logger }), reputation),
        logger,
        clock: o.ctx.clock,
        port: 0,
        host: '127.0.0.1',
        pollIntervalMs: 250,
        // anvil mines a block per transaction and the market ticks blocks: one confirmation is final there
        engine: { confirmations: 1, backoff: { baseMs: 250, maxMs: 2_000 }, waitTimeoutMs: 20_000 },
      });
      started.push({ daemon, logFile, reputation });
    }
    return started;
  } catch (e) {
    await stopDemoMediators(started);
    throw e;
  }
}

export async function stopDemoMediators(mediators: DemoMediator[]): Promise<void> {
  for (const m of mediators) {
    await m.daemon.stop('demo finished');
    m.reputation.close();
  }
}
