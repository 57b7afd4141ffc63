/**
 * kill -9 on a real chain: a mediator process (ethers adapter, VerdictMediation on anvil) is killed right after
 * the steps where a crash is most dangerous — a signed transaction persisted but not sent, sent but not recorded,
 * recorded but not confirmed — and restarted each time. Every job ends with one verdict, and the mediator's account
 * sent exactly one transaction per job (its nonce says so: nothing was sent twice).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { keccak256Hex, type Hex } from '../../src/core/index.js';
import { writeKeyFile } from '../../src/mediator/chain/keyfile.js';
import { jobIdToBytes32 } from '../../src/mediator/ports.js';
import { MediatorStore } from '../../src/mediator/store.js';
import { setup, type Fixture } from '../contracts/fixture.js';
import { World } from './fixtures/world.js';

const CHILD = fileURLToPath(new URL('./fixtures/anvil-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

let f: Fixture;
let w: World;
before(async () => {
  f = await setup({ mediators: 1, config: { committeeSize: 1, quorum: 1, batchQuorum: 1 } });
  w = new World();
});
after(async () => {
  await f.stop();
  w.cleanup();
});

/** Runs the child until the first probe line starting with `killAfter` (then SIGKILL), or to the end (then SIGTERM). */
function runChild(keyFile: string, killAfter: string | null, done: () => Promise<boolean>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, f.anvil.url, f.address, keyFile, w.dir], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let hit = 'idle';
    let ready = false; // its SIGTERM handler is installed
    const out: string[] = [];
    let stopping = false;
    let checking = false;
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const watch = setInterval(async () => {
      if (killAfter === null && ready && !stopping && !checking) {
        checking = true; // one check at a time: a second SIGTERM during exit would kill it
        if (await done()) {
          stopping = true;
          child.kill('SIGTERM');
        }
        checking = false;
      }
    }, 50);
    // a kill point that never comes (its work is already done): kill where it idles
    const idle = killAfter === null ? undefined : setTimeout(() => child.kill('SIGKILL'), 5000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'READY') ready = true;
      out.push(line);
      if (killAfter !== null && hit === 'idle' && line.startsWith(`P ${killAfter}`)) {
        child.kill('SIGKILL');
        hit = line.split(' ').slice(1, 2).concat(line.split(' ').slice(3)).join('/');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      clearTimeout(idle);
      if (killAfter === null && code !== 0) return reject(new Error(`mediator exited ${code ?? signal}: ${stderr.slice(-2000)} ${out.slice(-5).join(' | ')}`));
      if (killAfter !== null && signal !== 'SIGKILL') return reject(new Error(`mediator exited ${code ?? signal} before its kill: ${stderr.slice(-2000)}`));
      resolve(hit);
    });
  });
}

test('kill -9 around the broadcast of verdict transactions on anvil: one verdict and one transaction per job', { timeout: 120_000 }, async () => {
  const keyFile = join(w.dir, 'mediator.key');
  writeKeyFile(keyFile, f.wallets.find((x) => x.address === f.mediators[0]!.account)!.privateKey as Hex);
  const expected = new Map<Hex, number>();
  for (let i = 0; i < 4; i++) {
    const honest = i % 2 === 0;
    const { job, evidenceId } = w.submitCase({ honest, provider: f.provider.account, creator: f.creator.account });
    const jobId = jobIdToBytes32(job.id);
    await f.provider.submitResult(jobId, f.creator.account, keccak256Hex(`r${i}`), f.config.minCollateral);
    await f.creator.challenge(jobId, evidenceId as Hex);
    expected.set(jobId, honest ? 0 : 1);
  }
  await f.mine(f.config.drawDelay + 1);
  for (const jobId of expected.keys()) await f.outsider.drawCommittee(jobId);
  const miner = setInterval(() => void f.mine(1).catch(() => {}), 100);
  const hits: string[] = [];
  try {
    for (const point of ['before-broadcast', 'after-broadcast', 'transition', 'before-broadcast', 'after-broadcast', 'ingested']) {
      hits.push(await runChild(keyFile, point, async () => false));
    }
    const allDone = async () => {
      for (const jobId of expected.keys()) if ((await f.outsider.getJob(jobId)).status !== 'Resolved') return false;
      const store = new MediatorStore(join(w.dir, 'mediator.db'), { readonly: true });
      try {
        return store.list().length === expected.size && store.list().every((d) => d.state === 'confirmed');
      } finally {
        store.close();
      }
    };
    await runChild(keyFile, null, allDone);
  } finally {
    clearInterval(miner);
  }
  assert.ok(hits.filter((h) => h.startsWith('before-broadcast')).length >= 2, hits.join(', '));
  assert.ok(hits.filter((h) => h.startsWith('after-broadcast')).length >= 2, hits.join(', '));
  for (const [jobId, outcome] of expected) {
    const job = await f.outsider.getJob(jobId);
    assert.equal(job.status, 'Resolved');
    assert.equal(job.outcome, outcome);
  }
  const posted = (await f.outsider.logs([null], 0, await f.head())).filter((l) => l.log.name === 'VerdictPosted');
  assert.equal(posted.length, expected.size, 'one VerdictPosted per job');
  const nonce = await f.admin.provider.getTransactionCount(f.mediators[0]!.account);
  assert.equal(nonce - 1, expected.size, 'one transaction per job from the mediator (after registering), none resent');
  const store = new MediatorStore(join(w.dir, 'mediator.db'));
  assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
  for (const d of store.list()) assert.equal(store.posts(d.id).filter((p) => p.status === 'confirmed').length, 1);
  store.close();
});
