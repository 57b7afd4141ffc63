import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { VerdictError, isHex, type Hex, type Logger } from '../../core/index.js';
import { PolicySet } from '../../policy/index.js';
import { ReputationScorer, SqliteReputationStore } from '../../reputation/index.js';
import type { VerifierRegistry } from '../../verifiers/index.js';
import { loadKeyFile } from '../../mediator/chain/keyfile.js';
import { startMediatorDaemon, type MediatorDaemon } from '../../mediator/daemon.js';
import type { ChainPort } from '../../mediator/ports.js';
import { scorerReputation } from '../../mediator/reputation.js';
import { MediatorStore } from '../../mediator/store.js';
import { createBuiltinRegistry } from '../builtin.js';
import { EXIT, type CliIO } from '../io.js';

export const MEDIATOR_USAGE = `verdict mediator start --rpc <url> --contract <address> --key-file <path> --db <path>
                       [--protocol verdict|lilypad] [--chain-id N] [--inconclusive abstain|accept|reject]
                       [--port N] [--host 127.0.0.1] [--policies dir] [--evidence-dir dir] [--blobs dir]
                       [--reputation-db path] [--confirmations N] [--start-block N] [--poll-ms N]
                       [--log-level info]
verdict mediator status --db <path> [--json]

start   runs the mediator daemon: watches the mediation contract for disputes assigned to this key, fetches
        the evidence, runs the job type's policy, signs the verdict (EIP-712) and posts it, exactly once.
        --protocol verdict (default): --contract is a VerdictMediation contract.
        --protocol lilypad: --contract is Lilypad's mediation handler; the daemon answers MediationRequested
        with mediationAcceptResult / mediationRejectResult from this key's account (--inconclusive: what an
        Inconclusive verdict becomes; default abstain, which lets Lilypad's mediation timeout refund both sides).
        Serves GET /health and GET /metrics (Prometheus) on --port (default 9464, loopback).
        SIGTERM / SIGINT stop it gracefully. Logs are JSON lines (pino) on stdout.
status  prints the disputes of a mediator database.`;

export const PROTOCOLS = ['verdict', 'lilypad'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
const INCONCLUSIVE_POLICIES = ['abstain', 'accept', 'reject'] as const;

export interface ChainFactoryOptions {
  protocol: Protocol;
  rpcUrl: string;
  contract: string;
  privateKey: Hex;
  logger: Logger;
  confirmations: number;
  expectedChainId?: number;
  startBlock?: number;
  inconclusive: (typeof INCONCLUSIVE_POLICIES)[number];
}

/**
 * The chain adapter of a protocol, loaded on demand (ethers is imported by the adapters only). Connecting checks
 * the RPC (CHAIN_ERROR when unreachable), the chain id and the contract (BAD_CONFIG when it is not the protocol's).
 */
export async function connectProtocol(o: ChainFactoryOptions): Promise<ChainPort> {
  const common = { rpcUrl: o.rpcUrl, privateKey: o.privateKey, logger: o.logger, ...(o.expectedChainId !== undefined ? { expectedChainId: o.expectedChainId } : {}) };
  if (o.protocol === 'lilypad') {
    const { connectLilypad } = await import('../../mediator/lilypad/adapter.js');
    return connectLilypad({ ...common, mediation: o.contract, inconclusive: o.inconclusive, ...(o.startBlock !== undefined ? { startBlock: o.startBlock } : {}) });
  }
  const { connectChainPort } = await import('../../mediator/chain/adapter.js');
  return connectChainPort({ ...common, contract: o.contract });
}

export interface MediatorCommandDeps {
  /** Builds the ChainPort (default: connectProtocol, the ethers or Lilypad adapter). */
  createChain?: (o: ChainFactoryOptions) => Promise<ChainPort>;
  registry?: () => Promise<VerifierRegistry>;
  logger?: Logger;
  /** Where SIGTERM / SIGINT come from (default: process). */
  signals?: Pick<NodeJS.Process, 'once' | 'removeListener'>;
  onStarted?: (d: MediatorDaemon) => void;
}

export async function mediatorCommand(argv: string[], io: CliIO, deps: MediatorCommandDeps = {}): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(`${MEDIATOR_USAGE}\n`);
    return sub ? EXIT.accept : EXIT.badInput;
  }
  if (sub === 'start') return start(rest, io, deps);
  if (sub === 'status') return status(rest, io);
  throw new VerdictError('BAD_INPUT', `unknown mediator command "${sub}" (start, status)`);
}

function intOption(value: string | undefined, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new VerdictError('BAD_INPUT', `--${name} must be an integer in [${min}, ${max}], got "${value}"`);
  }
  return Number(value);
}

async function start(argv: string[], io: CliIO, deps: MediatorCommandDeps): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      protocol: { type: 'string' },
      rpc: { type: 'string' },
      contract: { type: 'string' },
      'chain-id': { type: 'string' },
      inconclusive: { type: 'string' },
      'key-file': { type: 'string' },
      db: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      policies: { type: 'string' },
      'evidence-dir': { type: 'string' },
      blobs: { type: 'string' },
      'reputation-db': { type: 'string' },
      confirmations: { type: 'string' },
      'start-block': { type: 'string' },
      'poll-ms': { type: 'string' },
      'log-level': { type: 'string' },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(`${MEDIATOR_USAGE}\n`);
    return EXIT.accept;
  }
  for (const required of ['rpc', 'contract', 'key-file', 'db'] as const) {
    if (!values[required]) throw new VerdictError('BAD_INPUT', `missing --${required} (see: verdict mediator --help)`);
  }
  if (!isHex(values.contract, 20)) throw new VerdictError('BAD_CONFIG', `--contract must be a 0x-prefixed 20-byte address, got "${values.contract}"`);
  const protocol = (values.protocol ?? 'verdict') as Protocol;
  if (!PROTOCOLS.includes(protocol)) throw new VerdictError('BAD_INPUT', `--protocol must be one of ${PROTOCOLS.join(', ')}, got "${values.protocol}"`);
  const inconclusive = (values.inconclusive ?? 'abstain') as ChainFactoryOptions['inconclusive'];
  if (!INCONCLUSIVE_POLICIES.includes(inconclusive)) {
    throw new VerdictError('BAD_INPUT', `--inconclusive must be one of ${INCONCLUSIVE_POLICIES.join(', ')}, got "${values.inconclusive}"`);
  }
  if (values.inconclusive !== undefined && protocol !== 'lilypad') throw new VerdictError('BAD_INPUT', '--inconclusive applies to --protocol lilypad only');
  const expectedChainId = values['chain-id'] === undefined ? undefined : intOption(values['chain-id'], 'chain-id', 0, 1);
  const port = intOption(values.port, 'port', 9464, 0, 65535);
  const confirmations = intOption(values.confirmations, 'confirmations', 2, 0, 1000);
  const startBlock = values['start-block'] === undefined ? undefined : intOption(values['start-block'], 'start-block', 0);
  const pollMs = intOption(values['poll-ms'], 'poll-ms', 2000, 10, 3_600_000);
  const level = values['log-level'] ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) throw new VerdictError('BAD_INPUT', `--log-level "${level}" is not a pino level`);

  // the key first: a bad key file is the most common mistake, and needs no network to report
  const key = loadKeyFile(values['key-file']!);
  const logger = deps.logger ?? (pino({ level, base: { service: 'verdict-mediator' } }, pino.destination(1)) as unknown as Logger);
  for (const w of key.warnings) logger.warn({}, w);

  const dbPath = resolve(values.db!);
  const policiesDir = resolve(values.policies ?? 'policies');
  let policies: PolicySet;
  try {
    policies = PolicySet.fromDirectory(policiesDir);
  } catch (e) {
    if (e instanceof VerdictError) throw e;
    throw new VerdictError('BAD_CONFIG', `cannot read policies from ${policiesDir}: ${(e as Error).message}`, { cause: e });
  }
  if (policies.jobTypes().length === 0) throw new VerdictError('BAD_CONFIG', `no policy files (*.yaml, *.yml, *.json) in ${policiesDir}`);

  const createChain = deps.createChain ?? connectProtocol;
  const chain = await createChain({
    protocol,
    rpcUrl: values.rpc!,
    contract: values.contract!,
    privateKey: key.wallet.privateKey as Hex,
    logger,
    confirmations,
    inconclusive,
    ...(expectedChainId !== undefined ? { expectedChainId } : {}),
    ...(startBlock !== undefined ? { startBlock } : {}),
  });
  let registry: VerifierRegistry;
  try {
    registry = deps.registry ? await deps.registry() : await createBuiltinRegistry({ ...(values.blobs ? { blobsDir: values.blobs } : {}), logger });
  } catch (e) {
    await chain.close?.();
    throw e;
  }
  let repStore: SqliteReputationStore;
  try {
    const repPath = resolve(values['reputation-db'] ?? join(dirname(dbPath), 'reputation.db'));
    mkdirSync(dirname(repPath), { recursive: true });
    repStore = new SqliteReputationStore(repPath);
  } catch (e) {
    await chain.close?.();
    await registry.dispose();
    throw e;
  }
  let daemon: MediatorDaemon;
  try {
    daemon = await startMediatorDaemon({
      chain,
      dbPath,
      evidenceDir: resolve(values['evidence-dir'] ?? join(dirname(dbPath), 'evidence')),
      policies,
      registry,
      reputation: scorerReputation(new ReputationScorer({ store: repStore, logger }), repStore),
      logger,
      port,
      ...(values.host ? { host: values.host } : {}),
      pollIntervalMs: pollMs,
      engine: { confirmations, ...(startBlock !== undefined ? { startBlock } : {}) },
    });
  } catch (e) {
    repStore.close();
    await chain.close?.();
    await registry.dispose();
    throw e;
  }
  io.stderr.write(`verdict mediator ${daemon.address} on chain ${daemon.chainId}, contract ${daemon.contract}; status ${daemon.status.url}/health\n`);
  deps.onStarted?.(daemon);
  const signals = deps.signals ?? process;
  const onSignal = (sig: string) => void daemon.stop(`received ${sig}`);
  const onTerm = () => onSignal('SIGTERM');
  const onInt = () => onSignal('SIGINT');
  signals.once('SIGTERM', onTerm);
  signals.once('SIGINT', onInt);
  try {
    await daemon.done;
    await daemon.stop('loop ended');
  } finally {
    signals.removeListener('SIGTERM', onTerm);
    signals.removeListener('SIGINT', onInt);
    repStore.close();
  }
  return EXIT.accept;
}

async function status(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, json: { type: 'boolean', default: false }, limit: { type: 'string' }, debug: { type: 'boolean', default: false } },
    strict: true,
  });
  if (!values.db) throw new VerdictError('BAD_INPUT', 'missing --db (see: verdict mediator --help)');
  const limit = intOption(values.limit, 'limit', 50, 1, 1_000_000);
  const store = new MediatorStore(resolve(values.db), { readonly: true });
  try {
    const disputes = store.list(1_000_000).slice(-limit);
    const rows = disputes.map((d) => {
      const v = store.verdict(d.id, d.jobId);
      const post = store.posts(d.id).at(-1);
      return {
        id: d.id,
        job: d.jobKey ?? d.jobId,
        state: d.state,
        attempts: d.attempts,
        outcome: v?.verdict.outcome ?? null,
        tx: post?.txHash ?? null,
        // content id of the verdict bundle in the evidence directory (sha256/<2>/<62>): `verdict verify --bundle`
        bundle: v?.bundleId ?? null,
        lastError: d.lastError,
      };
    });
    if (values.json) io.stdout.write(`${JSON.stringify({ counts: store.countsByStatus(), nextBlock: store.nextBlock(), disputes: rows }, null, 2)}\n`);
    else {
      io.stdout.write(`next block ${store.nextBlock() ?? '-'}; ${Object.entries(store.countsByStatus()).map(([k, n]) => `${k} ${n}`).join(', ') || 'no disputes'}\n`);
      for (const r of rows) {
        io.stdout.write(`#${r.id} ${r.state}${r.attempts ? ` (retry ${r.attempts}: ${r.lastError})` : ''} ${r.job} ${r.outcome ?? ''} ${r.tx ?? ''}${r.bundle ? ` bundle ${r.bundle}` : ''}\n`);
      }
    }
  } finally {
    store.close();
  }
  return EXIT.accept;
}
