/**
 * `verdict mediator keygen / register / exit / withdraw-bond` against a real anvil and a deployed VerdictMediation:
 * what lands on-chain, what is refused before anything is sent (nonce unchanged), and the one-line errors (exit 3).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isVerdictError, type Hex } from '../../src/core/index.js';
import { runCli } from '../../src/cli/main.js';
import { formatEther, parseEther } from '../../src/cli/commands/mediator.js';
import { generatePrivateKey, loadKeyFile, writeKeyFile } from '../../src/mediator/chain/keyfile.js';
import { deployArtifact } from '../../src/mediator/chain/contract.js';
import { loadArtifact } from '../../src/mediator/chain/compile.js';
import { setup, type Fixture } from '../contracts/fixture.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'verdict-mediator-admin-'));
const ETHER = 10n ** 18n;

let f: Fixture;
before(async () => {
  f = await setup({ mediators: 1, register: 1 });
});
after(async () => {
  await f?.stop();
});

/** Runs the CLI in this process; output captured. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

function assertOneLineError(r: { code: number; err: string }, pattern: RegExp, what: string): void {
  assert.equal(r.code, 3, `${what}: ${r.err}`);
  assert.equal(r.err.trim().split('\n').length, 1, `${what}: one line: ${r.err}`);
  assert.match(r.err, /^verdict: [A-Z_]+: /, what);
  assert.match(r.err, pattern, what);
}

const nonce = async (address: string): Promise<number> => Number(BigInt(await f.anvil.rpc<string>('eth_getTransactionCount', [address, 'pending'])));
const ethBalance = async (address: string): Promise<bigint> => BigInt(await f.anvil.rpc<string>('eth_getBalance', [address, 'latest']));
const chain = (keyFile: string): string[] => ['--rpc', f.anvil.url, '--contract', f.address, '--key-file', keyFile];

test('parseEther / formatEther: exact round trip, and anything else refused', () => {
  assert.equal(parseEther('1', 'bond'), ETHER);
  assert.equal(parseEther('0.5', 'bond'), ETHER / 2n);
  assert.equal(parseEther('0.000000000000000001', 'bond'), 1n);
  for (const bad of ['', '-1', '1e3', '.5', '1.', '0x10', '1.0000000000000000001', ' 1', '1 ETH', '１']) {
    assert.throws(() => parseEther(bad, 'bond'), /--bond must be an amount of ether/, bad);
  }
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), (wei) => {
      assert.equal(parseEther(formatEther(wei), 'bond'), wei);
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (text) => {
      try {
        const wei = parseEther(text, 'bond');
        assert.ok(wei >= 0n);
      } catch (e) {
        assert.match((e as Error).message, /--bond must be/);
      }
    }),
  );
});

test('keygen: a loadable 0600 key file, the address on stdout and nothing secret; no overwrite without --force', async () => {
  const path = join(dir, 'keys', 'mediator.key');
  // a real process, as an operator runs it
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'mediator', 'keygen', '--out', path], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const key = loadKeyFile(path);
  assert.deepEqual(key.warnings, []);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(r.stdout, `${key.address}\n`);
  const secret = key.wallet.privateKey.slice(2);
  assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'the private key is never printed');
  assert.match(JSON.parse(readFileSync(path, 'utf8')).privateKey, /^0x[0-9a-f]{64}$/);

  const before = readFileSync(path, 'utf8');
  assertOneLineError(await cli('mediator', 'keygen', '--out', path), /already exists: refusing to overwrite.*--force/, 'existing file');
  assert.equal(readFileSync(path, 'utf8'), before, 'the existing key is untouched');
  // the write itself is exclusive too (a file created after the CLI's check is not replaced)
  assert.throws(() => writeKeyFile(path, generatePrivateKey(), { overwrite: false }), (e: unknown) => isVerdictError(e, 'BAD_INPUT') && e.details.exists === true);
  assert.equal(readFileSync(path, 'utf8'), before);

  // --force replaces it with a new key, mode 0600 even where the old file was world-readable
  chmodSync(path, 0o644);
  const forced = await cli('mediator', 'keygen', '--out', path, '--force');
  assert.equal(forced.code, 0, forced.err);
  const replaced = loadKeyFile(path);
  assert.notEqual(replaced.address, key.address);
  assert.equal(forced.out, `${replaced.address}\n`);
  assert.equal(statSync(path).mode & 0o777, 0o600);

  // two keys in a row differ (fresh randomness each time)
  const other = await cli('mediator', 'keygen', '--out', join(dir, 'keys', 'other.key'));
  assert.equal(other.code, 0, other.err);
  assert.notEqual(other.out, forced.out);
  assertOneLineError(await cli('mediator', 'keygen'), /missing --out/, 'no --out');
});

test('register / exit / withdraw-bond: on-chain effects, refusals before any transaction, decoded reverts', async () => {
  const keyFile = join(dir, 'operator.key');
  assert.equal((await cli('mediator', 'keygen', '--out', keyFile)).code, 0);
  const me = loadKeyFile(keyFile).address;
  await f.anvil.rpc('anvil_setBalance', [me, `0x${(10n * ETHER).toString(16)}`]);
  const min = f.config.minMediatorBond;

  // below minMediatorBond: refused before anything is sent
  const small = await cli('mediator', 'register', ...chain(keyFile), '--bond', formatEther(min - 1n));
  assertOneLineError(small, /BAD_INPUT: --bond 0\.999999999999999999 ETH is below the contract's minMediatorBond of 1 ETH: nothing sent/, 'small bond');
  assert.equal(await nonce(me), 0, 'no transaction for a too-small bond');
  assertOneLineError(await cli('mediator', 'register', ...chain(keyFile), '--bond', '20'), /holds 10 ETH: not enough for a bond of 20 ETH/, 'bond above the balance');
  assert.equal(await nonce(me), 0);

  const ok = await cli('mediator', 'register', ...chain(keyFile), '--bond', '1.5', '--json');
  assert.equal(ok.code, 0, ok.err);
  const out = JSON.parse(ok.out);
  const onChain = await f.admin.getMediator(me);
  assert.equal(onChain.registered, true);
  assert.equal(onChain.bond, (3n * ETHER) / 2n);
  assert.notEqual(onChain.slot, 0);
  assert.deepEqual(
    { address: out.address, bond: out.bond, bondWei: out.bondWei, active: out.active, topUp: out.topUp, chainId: out.chainId },
    { address: me, bond: '1.5', bondWei: String(onChain.bond), active: true, topUp: false, chainId: f.anvil.chainId },
  );
  assert.ok((await f.admin.activeMediators()).includes(me));
  const receipt = await f.anvil.rpc<{ status: string; from: string }>('eth_getTransactionReceipt', [out.txHash]);
  assert.equal(receipt.status, '0x1');
  assert.equal(receipt.from.toLowerCase(), me.toLowerCase());
  assert.equal(await nonce(me), 1);

  // already registered: a clear refusal, nothing sent (a second bond would otherwise silently top up)
  const again = await cli('mediator', 'register', ...chain(keyFile), '--bond', '1');
  assertOneLineError(again, /BAD_INPUT: 0x[0-9a-fA-F]{40} is already a registered, active mediator .*bond 1\.5 ETH.*nothing sent/, 'second register');
  assert.equal(await nonce(me), 1);
  assert.equal((await f.admin.getMediator(me)).bond, (3n * ETHER) / 2n);

  // human-readable output of a registration (another funded account)
  const secondKey = join(dir, 'second.key');
  writeKeyFile(secondKey, f.wallets[2]!.privateKey as Hex);
  const text = await cli('mediator', 'register', ...chain(secondKey), '--bond', '1');
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, new RegExp(`^registered ${f.wallets[2]!.address} as a mediator of ${f.address} on chain ${f.anvil.chainId}\ntx 0x[0-9a-f]{64} \\(block \\d+\\)\nbond 1 ETH \\(minimum 1 ETH\\); active: yes`));

  // a revert the contract decides (uint96 bond limit): decoded into its meaning, before any transaction is mined
  const whale = join(dir, 'whale.key');
  writeKeyFile(whale, f.wallets[3]!.privateKey as Hex);
  await f.anvil.rpc('anvil_setBalance', [f.wallets[3]!.address, `0x${(2n ** 100n).toString(16)}`]);
  const whaleNonce = await nonce(f.wallets[3]!.address);
  assertOneLineError(
    await cli('mediator', 'register', ...chain(whale), '--bond', '80000000000'),
    /BAD_INPUT: registerMediator: the contract refused \(BadAmount\): a bond of 80000000000 ETH in all is above the contract's limit of 2\^96-1 wei/,
    'uint96 overflow',
  );
  assert.equal(await nonce(f.wallets[3]!.address), whaleNonce);

  // exit, then withdraw the bond after the unbonding period
  assertOneLineError(await cli('mediator', 'withdraw-bond', ...chain(keyFile)), /is an active mediator: run verdict mediator exit first/, 'withdraw before exit');
  const exit = await cli('mediator', 'exit', ...chain(keyFile), '--json');
  assert.equal(exit.code, 0, exit.err);
  const exited = await f.admin.getMediator(me);
  assert.equal(JSON.parse(exit.out).exitBlock, exited.exitBlock);
  assert.equal(exited.slot, 0);
  assert.ok(!(await f.admin.activeMediators()).includes(me));
  assertOneLineError(await cli('mediator', 'exit', ...chain(keyFile)), /already requested exit: its bond of 1\.5 ETH unlocks at block \d+/, 'second exit');
  assertOneLineError(await cli('mediator', 'register', ...chain(keyFile), '--bond', '1'), /has requested exit/, 'register while exiting');
  const lockedNonce = await nonce(me);
  assertOneLineError(await cli('mediator', 'withdraw-bond', ...chain(keyFile)), /locked until block \d+ \(the chain is at block \d+\): nothing sent/, 'withdraw too early');
  assert.equal(await nonce(me), lockedNonce);

  await f.mine(f.config.unbondingPeriod);
  const balanceBefore = await ethBalance(me);
  const withdrawn = await cli('mediator', 'withdraw-bond', ...chain(keyFile), '--json');
  assert.equal(withdrawn.code, 0, withdrawn.err);
  const w = JSON.parse(withdrawn.out);
  assert.equal(w.amount, '1.5');
  assert.deepEqual(w.transactions.map((t: { what: string }) => t.what), ['withdrawBond', 'withdraw']);
  const gained = (await ethBalance(me)) - balanceBefore;
  assert.ok(gained > (3n * ETHER) / 2n - ETHER / 100n && gained < (3n * ETHER) / 2n, `the bond came back, less gas: ${gained}`);
  assert.equal((await f.admin.getMediator(me)).registered, false);
  assertOneLineError(await cli('mediator', 'withdraw-bond', ...chain(keyFile)), /not a registered mediator .* holds nothing/, 'nothing left');
});

test('bad key file, unreachable RPC, wrong contract, wrong chain: one line, exit 3, before anything is sent', async () => {
  const keyFile = join(dir, 'errors.key');
  writeKeyFile(keyFile, f.wallets[1]!.privateKey as Hex);
  const garbage = join(dir, 'garbage.key');
  writeFileSync(garbage, 'not a key at all\n', { mode: 0o600 });
  const n = await nonce(f.wallets[1]!.address);
  // a contract that is not a VerdictMediation
  const other = await deployArtifact(f.admin.sender, loadArtifact('LilypadMediation'));
  // a port nobody listens on: anvil's own, after it stopped, would race other tests; port 1 is never an RPC
  const dead = 'http://127.0.0.1:1';
  const cases: [string[], RegExp][] = [
    [['register', ...chain(join(dir, 'missing.key')), '--bond', '1'], /BAD_CONFIG: key file .*missing\.key does not exist/],
    [['register', ...chain(garbage), '--bond', '1'], /BAD_CONFIG: key file .*64 hex digits/],
    [['exit', ...chain(garbage)], /BAD_CONFIG: key file .*64 hex digits/],
    [['register', '--rpc', dead, '--contract', f.address, '--key-file', keyFile, '--bond', '1'], /CHAIN_ERROR: RPC endpoint http:\/\/127\.0\.0\.1:1 is unreachable/],
    [['withdraw-bond', '--rpc', dead, '--contract', f.address, '--key-file', keyFile], /CHAIN_ERROR: RPC endpoint .* is unreachable/],
    [['register', '--rpc', f.anvil.url, '--contract', other.address, '--key-file', keyFile, '--bond', '1'], /BAD_CONFIG: the contract at .* is not a VerdictMediation/],
    [['register', '--rpc', f.anvil.url, '--contract', f.wallets[5]!.address, '--key-file', keyFile, '--bond', '1'], /BAD_CONFIG: no contract code at .*wrong --contract/],
    [['register', ...chain(keyFile), '--bond', '1', '--chain-id', '1'], /BAD_CONFIG: RPC .* serves chain \d+, expected 1/],
    [['register', '--rpc', f.anvil.url, '--contract', '0x1234', '--key-file', keyFile, '--bond', '1'], /BAD_CONFIG: --contract must be a 0x-prefixed 20-byte address/],
    [['register', ...chain(keyFile)], /BAD_INPUT: missing --bond/],
    [['register', ...chain(keyFile), '--bond', 'lots'], /BAD_INPUT: --bond must be an amount of ether/],
    [['exit', '--rpc', f.anvil.url, '--key-file', keyFile], /BAD_INPUT: missing --contract/],
    [['register', ...chain(keyFile), '--bond', '1', '--bogus'], /BAD_INPUT: .*bogus/],
  ];
  for (const [args, pattern] of cases) {
    const r = await cli('mediator', ...args);
    assertOneLineError(r, pattern, args.join(' '));
    assert.ok(!r.err.includes(f.wallets[1]!.privateKey.slice(2)), 'never the key');
  }
  assert.equal(await nonce(f.wallets[1]!.address), n, 'nothing was sent');
  const debug = await cli('mediator', 'register', ...chain(garbage), '--bond', '1', '--debug');
  assert.equal(debug.code, 3);
  assert.match(debug.err, /\n\s+at /, '--debug prints the stack');
});
