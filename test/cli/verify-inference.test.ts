import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultModelPath } from '../../src/inference/index.js';
import { loadPolicyFile } from '../../src/policy/index.js';
import { parseSpotSampleOptions, sampleSize } from '../../src/verifiers/spot-sample/index.js';
import { LLM_JOB_TYPE, bundleOf, createLlmWorld, droppedLayers, honest, makeLlmJob, swapAfterChallenge } from '../../src/demo/spot-sample.js';

/**
 * `verdict verify` on llm-inference jobs, end to end: the CLI process loads the real stories260K model
 * (builtin registry: VERDICT_MODEL or the shared default) and re-checks the providers' sampled positions.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const NEEDS_MODEL = existsSync(defaultModelPath()) ? false : `model file not found at ${defaultModelPath()} (set VERDICT_MODEL; see docs/inference.md)`;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('verdict verify on llm-inference jobs: honest provider exits 0, cheaters 1, malformed evidence 3', { skip: NEEDS_MODEL }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-cli-llm-'));
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  // The shipped policy's spot-sample rule, options included, on its own: other rules of the job type
  // (telemetry) need evidence of their own and are tested with the policy engine elsewhere.
  const shipped = loadPolicyFile(join(root, 'policies/llm-inference.yaml'));
  const rule = shipped.verifiers.find((r) => r.id === 'spot-sample');
  assert.ok(rule, 'policies/llm-inference.yaml has a spot-sample rule');
  assert.equal(shipped.jobType, LLM_JOB_TYPE);
  const policy = write('llm-spot-sample.json', { v: 1, id: 'llm-spot-sample-cli-test', version: '1', jobType: LLM_JOB_TYPE, verifiers: [{ ...rule, probability: 1, required: true }] });

  const w = await createLlmWorld({ policyOptions: rule.options ?? {} });
  assert.equal(w.modelId, 'stories260k', 'the real model, as the CLI loads it');
  const jobOf = (id: string, provider: string) => makeLlmJob(w, { id, provider, prompt: 'Once upon a time', maxTokens: 48, stopAtEos: false });

  const good = jobOf('cli-llm-honest', '0xa11ce');
  const goodJob = write('good-job.json', good);
  const goodBundle = bundleOf(good, honest().run(w, good));
  const accept = cli('verify', '--policy', policy, '--job', goodJob, '--evidence', write('good.json', goodBundle), '--json');
  assert.equal(accept.code, 0, accept.err);
  const decision = JSON.parse(accept.out);
  assert.equal(decision.outcome, 'accept');
  assert.equal(decision.findings[0].verifier, 'spot-sample');
  assert.equal(decision.findings[0].outcome, 'pass', decision.findings[0].reason);
  // The sample the shipped options ask for: ≥ 99% detection of a provider faking ≥ 10% of the 48 positions.
  assert.equal(decision.findings[0].details.sample.size, sampleSize(parseSpotSampleOptions(rule.options ?? {}), 48));
  assert.ok(decision.findings[0].details.detection.probability >= 0.99);

  // A provider that ran a cheaper model, and one whose openings are not what it committed to.
  for (const [i, cheat] of [droppedLayers(), swapAfterChallenge()].entries()) {
    const job = jobOf(`cli-llm-cheat-${i}`, `0xbad${i}`);
    const r = cli('verify', '--policy', policy, '--job', write(`cheat-job-${i}.json`, job), '--evidence', write(`cheat-${i}.json`, bundleOf(job, cheat.run(w, job))));
    assert.equal(r.code, 1, `${cheat.name}: ${r.err}`);
    assert.match(r.out, /^REJECT job cli-llm-cheat-/, cheat.name);
    assert.match(r.out, /spot-sample: fail/, cheat.name);
  }

  // Malformed evidence files are refused at the boundary: exit 3, one line on stderr.
  for (const [name, evidence] of [
    ['truncated', JSON.stringify(goodBundle).slice(0, 200)],
    ['no claim', { ...goodBundle, claim: undefined }],
    ['another job', { ...goodBundle, jobId: 'cli-llm-other' }],
  ] as const) {
    const r = cli('verify', '--policy', policy, '--job', goodJob, '--evidence', write(`malformed-${name.replace(/ /g, '-')}.json`, evidence));
    assert.equal(r.code, 3, `${name}: ${r.out} ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, `${name}: one line: ${r.err}`);
    assert.match(r.err, /^verdict: [A-Z_]+: /, name);
  }
  // A well-formed bundle whose spot-sample item the verifier cannot parse is the provider's failure (reject),
  // not bad input to the command.
  const garbled = { ...goodBundle, items: { 'spot-sample': { ...goodBundle.items['spot-sample'] as object, kind: 'tokens', positions: 'all' } } };
  const r = cli('verify', '--policy', policy, '--job', goodJob, '--evidence', write('garbled-item.json', garbled));
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /spot-sample: fail/);
});
