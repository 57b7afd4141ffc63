/**
 * The main job at small scale: the WASI re-run market (honest, not-bit-identical honest, six cheats and a
 * veteran) on a real anvil with three mediator daemons, as `npm run demo` runs every job type.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJson, silentLogger, systemClock, type Hex } from '../../src/core/index.js';
import { mediationDomain, recoverSigner, verdictDigest } from '../../src/mediator/chain/eip712.js';
import { verifyVerdictBundle } from '../../src/mediator/bundle.js';
import { EvidenceStore } from '../../src/mediator/evidence-store.js';
import { MediatorStore } from '../../src/mediator/store.js';
import { VerifierRegistry } from '../../src/verifiers/index.js';
import { DemoAccounts } from '../../src/demo/accounts.js';
import { VETERAN_NAME, runEndToEnd } from '../../src/demo/end-to-end.js';
import { expectedOutcome } from '../../src/demo/market.js';
import { totals } from '../../src/demo/report.js';
import { createRerunDemo } from '../../src/demo/rerun.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

test('end to end: disputes decided by a mediator committee on anvil, settled, recorded in reputation', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'verdict-e2e-'));
  try {
    const ctx = { logger: silentLogger, clock: systemClock, workDir: outDir, accounts: new DemoAccounts() };
    const rerun = createRerunDemo();
    const report = await runEndToEnd({ ctx, modules: [rerun], outDir, repoRoot });
    const t = totals(report);
    assert.equal(t.wrong.length, 0, `wrong verdicts: ${t.wrong.map((j) => j.case.job.id).join(', ')}`);

    const cheats = report.jobs.filter((j) => j.case.expected === 'reject');
    assert.ok(cheats.length >= 5);
    for (const j of cheats) {
      assert.ok(j.challenged, `${j.case.job.id}: a new provider is checked on every job`);
      assert.equal(j.outcome, 'ProviderFaulty', j.case.scenario);
      assert.ok(j.verdictTx && j.settleTx);
      // the collateral goes to the creator, with the challenge bond less the mediation fee
      assert.equal(j.toProvider, 0n);
      assert.ok(j.toCreator! > j.collateral);
      assert.ok(j.signers!.length >= 2, 'a quorum of 2 of the 3-member committee signed');
    }
    const veteran = report.jobs.filter((j) => j.provider.name === VETERAN_NAME);
    assert.ok(veteran.length >= 3);
    for (const j of veteran) assert.ok(j.checkProbability < 0.1, `veteran checked at ${j.checkProbability}`);
    assert.ok(veteran.some((j) => !j.challenged), 'some veteran job is released without a dispute');
    for (const j of report.jobs.filter((x) => x.case.expected === 'accept' && x.challenged)) {
      assert.equal(j.outcome, expectedOutcome('accept'), j.case.scenario);
      assert.ok(j.toProvider! >= j.collateral);
    }

    // reputation: every cheater banned, honest providers credited with passes
    for (const j of cheats) {
      const row = report.reputation.find((r) => r.name === j.provider.name);
      assert.equal(row?.assessment.tier, 'banned', j.provider.name);
    }
    assert.ok(report.reputation.find((r) => r.name === 'alice')!.record.passes >= 1);
    assert.ok(report.mediators.every((m) => m.failed === 0));
    assert.ok(report.mediators.reduce((s, m) => s + m.balance, 0n) > 0n, 'signers earned the mediation fees');

    // anyone can re-check a verdict from its bundle alone: signatures, hashes and a fresh run of the policy
    const store = new EvidenceStore(join(outDir, 'mediator-1', 'evidence'));
    const { chainId, contract } = report.chain;
    const registry = new VerifierRegistry();
    for (const v of await rerun.verifiers(ctx)) registry.register(v);
    const bundleIds = readdirBundles(outDir);
    assert.ok(bundleIds.length > 0);
    const verdicts = new Set<string>();
    let voted = 0;
    for (const id of bundleIds) {
      const raw = parseJson(store.get(id as Hex), { source: id });
      if ((raw as { format?: string }).format !== 'verdict.verdict-bundle') continue;
      // a member that voted carries its signature; one that found the verdict already on-chain only witnesses it
      const signed = (raw as { signatures: unknown[] }).signatures.length > 0;
      if (signed) voted++;
      const r = await verifyVerdictBundle(raw, {
        registry,
        ...(signed
          ? { recoverSigner: (payload, signature) => recoverSigner(verdictDigest(mediationDomain(chainId, contract), payload), signature) }
          : { allowUnsignedCheck: true }),
      });
      assert.ok(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)));
      verdicts.add(r.outcome);
    }
    assert.deepEqual([...verdicts].sort(), ['ProviderCorrect', 'ProviderFaulty']);
    assert.ok(voted > 0, 'mediator 1 voted on some disputes');
    await registry.dispose();
    assert.match(readFileSync(join(outDir, 'report.html'), 'utf8'), /ProviderFaulty/);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

/** Content ids of the verdict bundles mediator 1 wrote (from its database). */
function readdirBundles(outDir: string): string[] {
  const db = join(outDir, 'mediator-1', 'mediator.db');
  const store = new MediatorStore(db, { readonly: true });
  try {
    return store
      .list(1_000_000)
      .map((d) => store.verdict(d.id, d.jobId)?.bundleId)
      .filter((x): x is Hex => typeof x === 'string');
  } finally {
    store.close();
  }
}
