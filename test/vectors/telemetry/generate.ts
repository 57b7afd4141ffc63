/**
 * Regenerates the synthetic fixtures of this folder (run: npx tsx test/vectors/telemetry/generate.ts).
 * The CSVs are what nvidia-smi prints for our query (--format=csv,noheader,nounits, TZ=UTC); their numbers come
 * from the seeded generator, calibrated as src/telemetry/profiles.ts documents. No GPU was available on the
 * machine that built them: they are NOT recordings of real boards.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSmiLine, generateTrace, signTrace, walletSigner } from '../../../src/telemetry/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const start = Date.UTC(2024, 4, 1, 12, 0, 0);

const h100 = generateTrace({ profile: 'h100-sxm', seed: 'fixture-h100', startAt: start, durationS: 120, load: 'llm-serving', warmupS: 10 });
writeFileSync(join(here, 'h100-sxm-serving.csv'), h100.samples.map(formatSmiLine).join('\n') + '\n');
const a100 = generateTrace({ profile: 'a100-sxm4-40gb', seed: 'fixture-a100', startAt: start, durationS: 120, load: 'batch', warmupS: 10 });
writeFileSync(join(here, 'a100-sxm4-40gb-batch.csv'), a100.samples.map(formatSmiLine).join('\n') + '\n');

const signer = walletSigner('0x' + '42'.repeat(32));
const small = generateTrace({ profile: 'h100-sxm', seed: 'fixture-trace', startAt: start, durationS: 15, load: 'llm-serving', warmupS: 2 });
const trace = await signTrace(
  { jobId: 'fixture-job-1', nonce: `0x${'ab'.repeat(32)}`, nonceIssuedAt: start - 1000, provider: signer.address, periodMs: 250, source: 'synthetic' },
  small.samples,
  signer,
  { device: { profile: 'h100-sxm' }, work: { tokens: 1200 } },
);
writeFileSync(join(here, 'trace-v1.json'), JSON.stringify(trace, null, 1) + '\n');
console.log('wrote fixtures; trace head', trace.summary.head, 'signer', signer.address);
