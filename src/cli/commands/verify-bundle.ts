import { parseArgs } from 'node:util';
import { VerdictError } from '../../core/index.js';
import type { VerifierRegistry } from '../../verifiers/index.js';
import { mediationDomain, recoverSigner, verdictDigest } from '../../mediator/chain/eip712.js';
import { verifyVerdictBundle, type BundleReport, type ChainContext } from '../../mediator/bundle.js';
import type { VerdictPayload } from '../../mediator/ports.js';
import { createBuiltinRegistry } from '../builtin.js';
import { readJsonFile, type CliIO } from '../io.js';

export const VERIFY_BUNDLE_USAGE = `verdict verify --bundle <verdict-bundle.json> [--blobs <dir>] [--skip-signatures] [--json]

Re-checks a mediator's verdict from its bundle alone (docs/formats.md, "Mediation"): the hashes that bind job,
evidence, policy, decision and verdict; the committee's EIP-712 signatures (domain from the bundle's chain id
and contract); and a fresh run of the policy's verifiers with the recorded seed.
Exit code: 0 the verdict re-checks, 1 it does not, 3 bad input.`;

/** Signer recovery for the VerdictMediation EIP-712 domain named in the bundle. */
export function eip712SignerRecovery(payload: VerdictPayload, signature: `0x${string}`, chain: ChainContext): string {
  if (chain.chainId === undefined || !chain.contract) throw new VerdictError('BAD_EVIDENCE', 'the bundle names no chain id / contract');
  return recoverSigner(verdictDigest(mediationDomain(chain.chainId, chain.contract), payload), signature);
}

export async function verifyBundleCommand(argv: string[], io: CliIO, deps: { registry?: () => Promise<VerifierRegistry> } = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bundle: { type: 'string' },
      blobs: { type: 'string' },
      'skip-signatures': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(`${VERIFY_BUNDLE_USAGE}\n`);
    return 0;
  }
  if (!values.bundle) throw new VerdictError('BAD_INPUT', 'missing --bundle (see: verdict verify --help)');
  const raw = readJsonFile(values.bundle, 'verdict bundle');
  const registry = deps.registry ? await deps.registry() : await createBuiltinRegistry({ ...(values.blobs ? { blobsDir: values.blobs } : {}) });
  let report: BundleReport;
  try {
    report = await verifyVerdictBundle(raw, {
      registry,
      ...(values['skip-signatures'] ? { allowUnsignedCheck: true } : { recoverSigner: eip712SignerRecovery }),
    });
  } finally {
    await registry.dispose();
  }
  if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    io.stdout.write(`${report.ok ? 'VERIFIED' : 'NOT VERIFIED'} ${report.outcome} for job ${report.jobId}\n`);
    for (const c of report.checks) io.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}\n`);
  }
  return report.ok ? 0 : 1;
}
