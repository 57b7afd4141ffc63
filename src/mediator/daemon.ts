import { mkdirSync } from 'node:fs';
import { silentLogger, systemClock, toVerdictError, type Clock, type Logger } from '../core/index.js';
import type { PolicySet } from '../policy/index.js';
import type { VerifierRegistry } from '../verifiers/index.js';
import { DisputeEngine, type EngineOptions } from './engine.js';
import { DirectoryEvidenceSource, EvidenceStore } from './evidence-store.js';
import { startStatusServer, type HealthReport, type StatusServer } from './http.js';
import { MediatorMetrics } from './metrics.js';
import type { ChainPort, CosignerPort, EvidenceSource, ReputationPort } from './ports.js';
import { MediatorStore } from './store.js';

export interface DaemonOptions {
  chain: ChainPort;
  /** SQLite file of the mediator (created with its schema when missing). */
  dbPath: string;
  /** Content-addressed evidence store: fetched evidence and the verdict bundles the daemon writes. */
  evidenceDir: string;
  /** Where dispute evidence comes from (default: the evidence store itself, by content id / job index). */
  evidenceSource?: EvidenceSource;
  policies: PolicySet;
  registry: VerifierRegistry;
  reputation?: ReputationPort;
  cosigners?: CosignerPort;
  logger?: Logger;
  clock?: Clock;
  /** Status port (0: any free port). Default 9464. */
  port?: number;
  host?: string;
  pollIntervalMs?: number;
  /** Consecutive failed chain scans after which /health reports degraded (default 3). */
  degradedAfter?: number;
  engine?: Partial<
    Pick<
      EngineOptions,
      'confirmations' | 'txConfirmations' | 'startBlock' | 'maxBlockRange' | 'backoff' | 'evidenceAttempts' | 'verifyAttempts' | 'waitTimeoutMs' | 'individualVotes' | 'quorumWaitMs' | 'probe'
    >
  >;
}

export interface MediatorDaemon {
  address: string;
  chainId: number;
  contract: string;
  status: StatusServer;
  store: MediatorStore;
  engine: DisputeEngine;
  metrics: MediatorMetrics;
  /** Resolves when the daemon has stopped (after stop(), or a fatal error). */
  done: Promise<void>;
  /** Graceful stop: the step in flight finishes or is abandoned unpersisted; then everything is closed. */
  stop(reason?: string): Promise<void>;
}

/**
 * Starts the mediator daemon. Fails fast, before anything runs, with one clear VerdictError when the RPC is
 * unreachable (CHAIN_ERROR), the contract address is wrong (BAD_CONFIG), the database cannot be opened
 * (STORE_ERROR) or the status port is taken (BAD_CONFIG).
 */
export async function startMediatorDaemon(o: DaemonOptions): Promise<MediatorDaemon> {
  const log = o.logger ?? silentLogger;
  const clock = o.clock ?? systemClock;
  const { chainId, contract } = await o.chain.check();
  const store = new MediatorStore(o.dbPath);
  let status: StatusServer | undefined;
  try {
    mkdirSync(o.evidenceDir, { recursive: true });
    const evidenceStore = new EvidenceStore(o.evidenceDir);
    const metrics = new MediatorMetrics({ counts: () => store.countsByStatus() });
    const engine = new DisputeEngine({
      store,
      chain: o.chain,
      evidence: o.evidenceSource ?? new DirectoryEvidenceSource(evidenceStore),
      evidenceStore,
      policies: o.policies,
      registry: o.registry,
      ...(o.reputation ? { reputation: o.reputation } : {}),
      ...(o.cosigners ? { cosigners: o.cosigners } : {}),
      clock,
      logger: log,
      metrics,
      chainId,
      contract,
      ...o.engine,
    });
    const startedAt = clock.now();
    let failedScans = 0;
    let lastError: string | null = null;
    let lastScanAt: number | null = null;
    let stopping = false;
    const health = (): HealthReport => ({
      status: stopping ? 'stopping' : failedScans >= (o.degradedAfter ?? 3) ? 'degraded' : 'ok',
      address: o.chain.address,
      chainId,
      contract,
      nextBlock: store.nextBlock(),
      lastScanAt,
      lastError,
      disputes: store.countsByStatus(),
      uptimeS: Math.round((clock.now() - startedAt) / 1000),
      schemaVersion: store.schemaVersion(),
    });
    status = await startStatusServer({
      port: o.port ?? 9464,
      ...(o.host ? { host: o.host } : {}),
      health,
      metrics: () => metrics.text(),
      metricsContentType: metrics.contentType(),
    });
    log.info({ address: o.chain.address, chainId, contract, db: o.dbPath, status: status.url, jobTypes: o.policies.jobTypes() }, 'mediator started');

    const ac = new AbortController();
    const done = engine
      .run(ac.signal, {
        ...(o.pollIntervalMs !== undefined ? { pollIntervalMs: o.pollIntervalMs } : {}),
        onPolled: () => {
          failedScans = 0;
          lastScanAt = clock.now();
        },
        onError: (e) => {
          failedScans++;
          lastError = e.toLine();
        },
      })
      .catch((e) => {
        log.error({ err: toVerdictError(e, 'INTERNAL').toJSON() }, 'mediator loop stopped on an error');
        throw e;
      });
    let stopped: Promise<void> | undefined;
    const server = status;
    const stop = (reason = 'stop requested') => {
      stopped ??= (async () => {
        stopping = true;
        log.info({ reason }, 'mediator stopping: finishing the step in flight');
        ac.abort();
        try {
          await done;
        } finally {
          await server.close();
          await o.chain.close?.();
          await o.registry.dispose();
          store.close();
          log.info({}, 'mediator stopped');
        }
      })();
      return stopped;
    };
    return { address: o.chain.address, chainId, contract, status, store, engine, metrics, done: done.then(() => stopped), stop };
  } catch (e) {
    await status?.close();
    store.close();
    throw e;
  }
}
