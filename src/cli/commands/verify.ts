import { parseArgs } from 'node:util';
import { VerdictError, fromHex, parseEvidenceBundle, parseJob, sha256, canonicalBytes, type Decision } from '../../core/index.js';
import { evaluatePolicy, loadPolicyFile } from '../../policy/index.js';
import { createBuiltinRegistry } from '../builtin.js';
import { EXIT, readJsonFile, type CliIO } from '../io.js';

export const VERIFY_USAGE = `verdict verify --policy <file> --job <job.json> --evidence <bundle.json> [--blobs <dir>] [--seed <0x32 bytes>] [--json] [--debug]

Runs a job type's policy on one job and prints the Decision.
Exit code: 0 accept, 1 reject, 2 inconclusive, 3 bad input.`;

export async function verifyCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      policy: { type: 'string' },
      job: { type: 'string' },
      evidence: { type: 'string' },
      blobs: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(`${VERIFY_USAGE}\n`);
    return EXIT.accept;
  }
  for (const required of ['policy', 'job', 'evidence'] as const) {
    if (!values[required]) throw new VerdictError('BAD_INPUT', `missing --${required} (see: verdict verify --help)`);
  }
  const policy = loadPolicyFile(values.policy!);
  const job = parseJob(readJsonFile(values.job!, 'job'), `job ${values.job}`);
  const bundle = parseEvidenceBundle(readJsonFile(values.evidence!, 'evidence'), `evidence ${values.evidence}`);
  if (bundle.jobId !== job.id) throw new VerdictError('BAD_INPUT', `evidence is for job "${bundle.jobId}", not "${job.id}"`);
  // Without a revealed seed, selection is keyed by the evidence itself: deterministic and reproducible.
  const seed = values.seed ? fromHex(values.seed, '--seed', 32) : sha256(canonicalBytes(bundle));
  const registry = await createBuiltinRegistry({ ...(values.blobs ? { blobsDir: values.blobs } : {}) });
  let decision: Decision;
  try {
    decision = await evaluatePolicy(registry, policy, job, bundle.claim, bundle.items, { seed });
  } finally {
    await registry.dispose();
  }
  if (values.json) io.stdout.write(`${JSON.stringify(decision, null, 2)}\n`);
  else {
    io.stdout.write(`${decision.outcome.toUpperCase()} job ${job.id} (${job.type}) under policy ${policy.id}@${policy.version}\n`);
    for (const r of decision.reasons) io.stdout.write(`  - ${r}\n`);
    for (const f of decision.findings) io.stdout.write(`  ${f.verifier}: ${f.outcome} — ${f.reason}${f.cost ? ` (${f.cost.ms} ms)` : ''}\n`);
    if (decision.skipped.length) io.stdout.write(`  not drawn this time: ${decision.skipped.join(', ')}\n`);
  }
  return EXIT[decision.outcome];
}
