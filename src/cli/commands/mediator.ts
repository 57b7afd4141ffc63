import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { VerdictError, isHex, isVerdictError, type Hex, type Logger } from '../../core/index.js';
import { PolicySet } from '../../policy/index.js';
import { ReputationScorer, SqliteReputationStore } from '../../reputation/index.js';
import type { VerifierRegistry } from '../../verifiers/index.js';
import { generatePrivateKey, loadKeyFile, writeKeyFile, type LoadedKey } from '../../mediator/chain/keyfile.js';
import type { EthersChainPort } from '../../mediator/chain/adapter.js';
import type { Receipt } from '../../mediator/chain/contract.js';
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
verdict mediator keygen --out <path> [--force]
verdict mediator register --rpc <url> --contract <address> --key-file <path> --bond <ether> [--chain-id N] [--json]
verdict mediator exit --rpc <url> --contract <address> --key-file <path> [--chain-id N] [--json]
verdict mediator withdraw-bond --rpc <url> --contract <address> --key-file <path> [--chain-id N] [--json]

start   runs the mediator daemon: watches the mediation contract for disputes assigned to this key, fetches
        the evidence, runs the job type's policy, signs the verdict (EIP-712) and posts it, exactly once.
        --protocol verdict (default): --contract is a VerdictMediation contract.
        --protocol lilypad: --contract is Lilypad's mediation handler; the daemon answers MediationRequested
        with mediationAcceptResult / mediationRejectResult from this key's account (--inconclusive: what an
        Inconclusive verdict becomes; default abstain, which lets Lilypad's mediation timeout refund both sides).
        Serves GET /health and GET /metrics (Prometheus) on --port (default 9464, loopback).
        SIGTERM / SIGINT stop it gracefully. Logs are JSON lines (pino) on stdout.
status  prints the disputes of a mediator database.
keygen  writes a new random key file (mode 0600; refuses an existing file unless --force) and prints its address.
register
        bonds this key's account as a VerdictMediation mediator (--bond in ether, at least the contract's
        minMediatorBond), so that committees can draw it. Refused when it is already registered.
exit    stops being drawn at once; the bond stays locked (and slashable) for the contract's unbonding period.
withdraw-bond
        after that period, takes the bond back (to the contract's balance, then to the account).`;

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
  if (sub === 'keygen') return keygen(rest, io);
  if (sub === 'register') return register(rest, io);
  if (sub === 'exit') return requestExit(rest, io);
  if (sub === 'withdraw-bond') return withdrawBond(rest, io);
  throw new VerdictError('BAD_INPUT', `unknown mediator command "${sub}" (start, status, keygen, register, exit, withdraw-bond)`);
}

function intOption(value: string | undefined, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new VerdictError('BAD_INPUT', `--${name} must be an integer in [${min}, ${max}], got "${value}"`);
  }
  return Number(value);
}

/** The flags of every command that talks to the contract from the mediator's account. */
const CHAIN_OPTIONS = {
  rpc: { type: 'string' },
  contract: { type: 'string' },
  'chain-id': { type: 'string' },
  'key-file': { type: 'string' },
} as const;

interface ChainFlags {
  rpc: string;
  contract: string;
  keyFile: string;
  expectedChainId?: number;
}

/** Checks --rpc, --contract, --key-file (and `more` required flags) and --chain-id, before anything is read or sent. */
function chainFlags(values: Record<string, unknown>, more: readonly string[] = []): ChainFlags {
  for (const required of ['rpc', 'contract', 'key-file', ...more]) {
    if (!values[required]) throw new VerdictError('BAD_INPUT', `missing --${required} (see: verdict mediator --help)`);
  }
  const contract = values.contract as string;
  if (!isHex(contract, 20)) throw new VerdictError('BAD_CONFIG', `--contract must be a 0x-prefixed 20-byte address, got "${contract}"`);
  const chainId = values['chain-id'] as string | undefined;
  return {
    rpc: values.rpc as string,
    contract,
    keyFile: values['key-file'] as string,
    ...(chainId !== undefined ? { expectedChainId: intOption(chainId, 'chain-id', 0, 1) } : {}),
  };
}

async function start(argv: string[], io: CliIO, deps: MediatorCommandDeps): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      protocol: { type: 'string' },
      ...CHAIN_OPTIONS,
      inconclusive: { type: 'string' },
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
  const { expectedChainId } = chainFlags(values, ['db']);
  const protocol = (values.protocol ?? 'verdict') as Protocol;
  if (!PROTOCOLS.includes(protocol)) throw new VerdictError('BAD_INPUT', `--protocol must be one of ${PROTOCOLS.join(', ')}, got "${values.protocol}"`);
  const inconclusive = (values.inconclusive ?? 'abstain') as ChainFactoryOptions['inconclusive'];
  if (!INCONCLUSIVE_POLICIES.includes(inconclusive)) {
    throw new VerdictError('BAD_INPUT', `--inconclusive must be one of ${INCONCLUSIVE_POLICIES.join(', ')}, got "${values.inconclusive}"`);
  }
  if (values.inconclusive !== undefined && protocol !== 'lilypad') throw new VerdictError('BAD_INPUT', '--inconclusive applies to --protocol lilypad only');
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

// ------------------------------------------------------------------ key and bond administration

const WEI_PER_ETHER = 10n ** 18n;

/** An amount of ether as typed by an operator ("1", "0.5"; at most 18 decimals, no sign or exponent) in wei. */
export function parseEther(text: string, flag: string): bigint {
  const m = /^(\d{1,30})(?:\.(\d{1,18}))?$/.exec(text);
  if (!m) throw new VerdictError('BAD_INPUT', `--${flag} must be an amount of ether such as 1 or 0.5 (at most 18 decimals), got "${text.slice(0, 60)}"`);
  return BigInt(m[1]!) * WEI_PER_ETHER + BigInt((m[2] ?? '').padEnd(18, '0'));
}

/** Wei (not negative) as ether, exact: "1", "0.5", "0.000000000000000001". */
export function formatEther(wei: bigint): string {
  const frac = (wei % WEI_PER_ETHER).toString().padStart(18, '0').replace(/0+$/, '');
  return `${wei / WEI_PER_ETHER}${frac ? `.${frac}` : ''}`;
}

async function keygen(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, force: { type: 'boolean', default: false }, debug: { type: 'boolean', default: false } },
    strict: true,
  });
  if (!values.out) throw new VerdictError('BAD_INPUT', 'missing --out (see: verdict mediator --help)');
  const out = resolve(values.out);
  const refuse = (cause?: unknown) =>
    new VerdictError('BAD_INPUT', `${out} already exists: refusing to overwrite a key (--force replaces it, and the old key is lost)`, { cause });
  if (!values.force && existsSync(out)) throw refuse();
  mkdirSync(dirname(out), { recursive: true, mode: 0o700 });
  let address: string;
  try {
    address = writeKeyFile(out, generatePrivateKey(), { overwrite: values.force });
  } catch (e) {
    // created between the check and the write
    if (isVerdictError(e) && e.details.exists === true) throw refuse(e);
    throw e;
  }
  io.stdout.write(`${address}\n`);
  io.stderr.write(`wrote ${out} (mode 0600) for ${address}: back it up and keep it secret; fund the address, then run verdict mediator register\n`);
  return EXIT.accept;
}

const UINT96_MAX = 2n ** 96n - 1n;
const weiText = (decimal: string): string => (/^\d+$/.test(decimal) ? formatEther(BigInt(decimal)) : decimal);

/** What a revert of the mediator functions means (custom errors of contracts/VerdictMediation.sol), for the one-line error. */
const REVERT_MEANINGS: Record<string, (who: string, args: readonly string[]) => string> = {
  AlreadyRegistered: (who) => `${who} is already a registered, active mediator`,
  Exiting: (who) => `${who} has requested exit: withdraw-bond after the unbonding period, then register again`,
  NotRegistered: (who) => `${who} is not a registered mediator`,
  BadAmount: (_who, [got = '?', want = '?']) =>
    want === UINT96_MAX.toString()
      ? `a bond of ${weiText(got)} ETH in all is above the contract's limit of 2^96-1 wei`
      : `${weiText(got)} ETH is below the contract's minimum of ${weiText(want)} ETH`,
  StillBonded: (who, [exitBlock = '?']) => `the bond of ${who} is still locked (until block ${exitBlock})`,
  NothingToWithdraw: (who) => `the contract holds nothing for ${who}`,
};

interface MediatorAccount {
  port: EthersChainPort;
  address: string;
  /** The account's ether (to refuse a bond it cannot pay before sending). */
  balance(): Promise<bigint>;
  /** Sends one of the mediator's transactions; a known revert becomes a BAD_INPUT that says what it means. */
  send(what: string, tx: () => Promise<Receipt>): Promise<Receipt>;
}

/**
 * Loads the key and connects the way `mediator start` does (connectChainPort: the RPC probe, --chain-id and the
 * VerdictMediation check), runs `fn`, and closes the connection.
 */
async function withMediatorAccount<T>(flags: ChainFlags, io: CliIO, fn: (a: MediatorAccount) => Promise<T>): Promise<T> {
  const key: LoadedKey = loadKeyFile(flags.keyFile);
  for (const w of key.warnings) io.stderr.write(`verdict: warning: ${w}\n`);
  const [{ connectChainPort }, { withRetry }] = await Promise.all([import('../../mediator/chain/adapter.js'), import('../../mediator/chain/rpc.js')]);
  const port = await connectChainPort({
    rpcUrl: flags.rpc,
    contract: flags.contract,
    wallet: key.wallet,
    ...(flags.expectedChainId !== undefined ? { expectedChainId: flags.expectedChainId } : {}),
  });
  const address = port.address;
  try {
    return await fn({
      port,
      address,
      balance: () => withRetry('eth_getBalance', () => port.provider.getBalance(address)),
      send: async (what, tx) => {
        try {
          return await tx();
        } catch (e) {
          const revert = isVerdictError(e, 'CHAIN_ERROR') ? e.details.revert : undefined;
          const meaning = typeof revert === 'string' && Object.hasOwn(REVERT_MEANINGS, revert) ? REVERT_MEANINGS[revert] : undefined;
          if (meaning) {
            const args = Array.isArray((e as VerdictError).details.args) ? ((e as VerdictError).details.args as unknown[]).map(String) : [];
            throw new VerdictError('BAD_INPUT', `${what}: the contract refused (${revert}): ${meaning(address, args)}: nothing changed`, { cause: e, details: { revert } });
          }
          throw e;
        }
      },
    });
  } finally {
    await port.close();
  }
}

function printResult(io: CliIO, json: boolean, result: Record<string, unknown>, lines: string[]): void {
  io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${lines.join('\n')}\n`);
}

const ADMIN_OPTIONS = { ...CHAIN_OPTIONS, json: { type: 'boolean', default: false }, debug: { type: 'boolean', default: false } } as const;

async function register(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...ADMIN_OPTIONS, bond: { type: 'string' } }, strict: true });
  const flags = chainFlags(values, ['bond']);
  const bond = parseEther(values.bond!, 'bond');
  return withMediatorAccount(flags, io, async ({ port, address, balance, send }) => {
    const client = port.client;
    const [minBond, me] = await Promise.all([client.call<bigint>('minMediatorBond'), client.getMediator(address)]);
    if (me.exitBlock !== 0) {
      throw new VerdictError('BAD_INPUT', `${address} has requested exit (its bond unlocks at block ${me.exitBlock}): withdraw-bond after that, then register again`);
    }
    if (me.registered && me.slot !== 0) {
      throw new VerdictError('BAD_INPUT', `${address} is already a registered, active mediator of ${port.contract} (bond ${formatEther(me.bond)} ETH): nothing sent`);
    }
    // registered but inactive: slashed below the minimum; a top-up that reaches it makes the mediator active again
    const topUp = me.registered;
    if (me.bond + bond < minBond) {
      throw new VerdictError(
        'BAD_INPUT',
        `--bond ${formatEther(bond)} ETH is below the contract's minMediatorBond of ${formatEther(minBond)} ETH` +
          `${topUp ? ` (with the ${formatEther(me.bond)} ETH already bonded)` : ''}: nothing sent`,
      );
    }
    const funds = await balance();
    if (funds <= bond) {
      throw new VerdictError('BAD_INPUT', `${address} holds ${formatEther(funds)} ETH: not enough for a bond of ${formatEther(bond)} ETH plus gas: nothing sent`);
    }
    const r = await send('registerMediator', () => client.registerMediator(bond));
    const after = await client.getMediator(address);
    const active = after.slot !== 0 && after.exitBlock === 0;
    printResult(
      io,
      values.json,
      { address, contract: port.contract, chainId: port.chainId, txHash: r.hash, blockNumber: r.blockNumber, bond: formatEther(after.bond), bondWei: after.bond.toString(), minBond: formatEther(minBond), topUp, active },
      [
        `${topUp ? 'topped up' : 'registered'} ${address} as a mediator of ${port.contract} on chain ${port.chainId}`,
        `tx ${r.hash} (block ${r.blockNumber})`,
        `bond ${formatEther(after.bond)} ETH (minimum ${formatEther(minBond)} ETH); active: ${active ? 'yes (committees can draw it)' : 'no'}`,
      ],
    );
    return EXIT.accept;
  });
}

async function requestExit(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: ADMIN_OPTIONS, strict: true });
  return withMediatorAccount(chainFlags(values), io, async ({ port, address, send }) => {
    const client = port.client;
    const me = await client.getMediator(address);
    if (!me.registered) throw new VerdictError('BAD_INPUT', `${address} is not a registered mediator of ${port.contract}: nothing to exit`);
    if (me.exitBlock !== 0) {
      throw new VerdictError('BAD_INPUT', `${address} has already requested exit: its bond of ${formatEther(me.bond)} ETH unlocks at block ${me.exitBlock} (then: verdict mediator withdraw-bond)`);
    }
    const r = await send('requestExit', () => client.requestExit());
    const after = await client.getMediator(address);
    printResult(
      io,
      values.json,
      { address, contract: port.contract, chainId: port.chainId, txHash: r.hash, blockNumber: r.blockNumber, bond: formatEther(after.bond), bondWei: after.bond.toString(), exitBlock: after.exitBlock },
      [
        `exit requested: ${address} is no longer drawn for new committees on ${port.contract}`,
        `tx ${r.hash} (block ${r.blockNumber})`,
        `bond ${formatEther(after.bond)} ETH stays slashable until block ${after.exitBlock}; then: verdict mediator withdraw-bond`,
      ],
    );
    return EXIT.accept;
  });
}

async function withdrawBond(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: ADMIN_OPTIONS, strict: true });
  return withMediatorAccount(chainFlags(values), io, async ({ port, address, send }) => {
    const client = port.client;
    const [me, held] = await Promise.all([client.getMediator(address), client.balanceOf(address)]);
    const txs: { what: string; hash: string; blockNumber: number }[] = [];
    if (me.registered) {
      if (me.exitBlock === 0) throw new VerdictError('BAD_INPUT', `${address} is an active mediator: run verdict mediator exit first, then wait for the unbonding period`);
      const head = await port.headBlock();
      // the transaction lands in the next block at the earliest
      if (head + 1 < me.exitBlock) {
        throw new VerdictError('BAD_INPUT', `the bond of ${address} is locked until block ${me.exitBlock} (the chain is at block ${head}): nothing sent`);
      }
      const r = await send('withdrawBond', () => client.withdrawBond());
      txs.push({ what: 'withdrawBond', hash: r.hash, blockNumber: r.blockNumber });
    } else if (held === 0n) {
      throw new VerdictError('BAD_INPUT', `${address} is not a registered mediator of ${port.contract} and the contract holds nothing for it`);
    }
    // withdrawBond credits the contract's balance of the account; withdraw() pays it out (with any fees it held)
    const amount = await client.balanceOf(address);
    const r = await send('withdraw', () => client.withdraw());
    txs.push({ what: 'withdraw', hash: r.hash, blockNumber: r.blockNumber });
    printResult(
      io,
      values.json,
      { address, contract: port.contract, chainId: port.chainId, amount: formatEther(amount), amountWei: amount.toString(), bond: formatEther(me.bond), transactions: txs },
      [`withdrew ${formatEther(amount)} ETH to ${address} from ${port.contract} (bond ${formatEther(me.bond)} ETH)`, ...txs.map((t) => `tx ${t.hash} (${t.what}, block ${t.blockNumber})`)],
    );
    return EXIT.accept;
  });
}
