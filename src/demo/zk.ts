/**
 * Demo of the zk-inference job type: providers prove int8 model inference with Groth16 (circuits/), and the
 * mediator checks the proof and that its public signals are this job's id, model, input and claimed output.
 * Models are seeded synthetic int8 weights (docs/zk.md): what the demo shows is the proof system, not the model.
 */
import { utf8, type EvidenceBundle, type Job } from '../core/index.js';
import { ZkProver, type ZkProofBundle } from '../provider/zk.js';
import {
  SnarkBackend,
  ZK_JOB_TYPE,
  createZkVerifier,
  fieldToHex,
  findCircuit,
  jobIdToField,
  makeZkJob,
  modelCommitment,
  outputCommitment,
  seededInt8,
  seededModel,
  type CircuitDef,
  type QuantModel,
} from '../verifiers/zk/index.js';
import type { DemoCase, DemoContext, DemoModule } from './types.js';
import { demoProvider } from './accounts.js';

const bundleOf = (job: Job, p: Pick<ZkProofBundle, 'claim' | 'evidence'>): EvidenceBundle => ({
  v: 1,
  jobId: job.id,
  claim: p.claim,
  items: { zk: p.evidence },
});

export function createZkDemo(): DemoModule {
  return {
    jobType: ZK_JOB_TYPE,
    policyFile: 'policies/zk-inference.yaml',
    async verifiers() {
      return [createZkVerifier()];
    },
    async cases(ctx: DemoContext) {
      const dense = findCircuit('dense-q8-32x16', 1)!;
      const mlp = findCircuit('mlp-q8-16x16x4', 1)!;
      // The prover's curve workers are stopped when it is done; the verifier starts its own when it runs.
      const prover = new ZkProver({ backend: new SnarkBackend(), clock: ctx.clock });
      const seed = (label: string) => utf8(`verdict.demo.zk.${label}`);
      const world = (def: CircuitDef, label: string, salt: bigint): { model: QuantModel; input: number[]; inputSalt: bigint } => ({
        model: seededModel(def, seed(`${label}.model`), { salt }),
        input: seededInt8(seed(`${label}.input`), def.layers[0]!.nIn),
        inputSalt: BigInt(`0x${Buffer.from(seed(`${label}.salt`)).toString('hex')}`), // < 2^248: a field element
      });
      const job = (id: string, provider: string, def: CircuitDef, w: { model: QuantModel; input: number[]; inputSalt: bigint }) =>
        makeZkJob({ id, provider, circuit: def, modelCommitment: modelCommitment(def, w.model), input: w.input, inputSalt: w.inputSalt, createdAt: ctx.clock.now() });
      const p = (name: string) => demoProvider(ctx, name).address;
      const cases: DemoCase[] = [];
      try {
        const dw = world(dense, 'dense', 0x5a17n);
        const j1 = job('zk-dense-1', p('alice'), dense, dw);
        const honest = await prover.prove({ job: j1, ...dw });
        cases.push({ scenario: 'honest (int8 dense layer 32→16, Groth16)', expected: 'accept', job: j1, bundle: bundleOf(j1, honest) });

        const mw = world(mlp, 'mlp', 0x0b0bn);
        const j2 = job('zk-mlp-1', p('bob'), mlp, mw);
        cases.push({ scenario: 'honest (int8 MLP 16→16→4, private salted model)', expected: 'accept', job: j2, bundle: bundleOf(j2, await prover.prove({ job: j2, ...mw })) });

        // Runs the job honestly but claims cheaper outputs, attaching the proof it has.
        const j3 = job('zk-dense-2', p('zk cheat 1'), dense, dw);
        const real = await prover.prove({ job: j3, ...dw });
        const lazy = real.output.map((y) => (y > -128 ? y - 1 : y));
        cases.push({
          scenario: 'cheat: proof for other outputs than claimed',
          expected: 'reject',
          job: j3,
          bundle: bundleOf(j3, { claim: { ...real.claim, outputCommitment: fieldToHex(outputCommitment(j3.id, lazy)) }, evidence: { ...real.evidence, output: lazy } }),
        });

        // Same model and input as job 1: hands in job 1's proof and outputs, re-committed under the new job id.
        const j4 = job('zk-dense-3', p('zk cheat 2'), dense, dw);
        cases.push({
          scenario: "cheat: replays another job's proof",
          expected: 'reject',
          job: j4,
          bundle: bundleOf(j4, { claim: { ...honest.claim, jobId: j4.id, provider: j4.provider, outputCommitment: fieldToHex(outputCommitment(j4.id, honest.output)) }, evidence: honest.evidence }),
        });

        // Claims this job's statement (computed without proving), with curve points lifted from two other proofs.
        const j5 = job('zk-dense-4', p('zk cheat 3'), dense, dw);
        const out5 = honest.output;
        const statement = [jobIdToField(j5.id), honest.statement.modelCommitment, honest.statement.inputCommitment, outputCommitment(j5.id, out5)];
        const forgedProof = { ...(honest.evidence.proof as Record<string, unknown>), pi_a: (real.evidence.proof as Record<string, unknown>).pi_a };
        cases.push({
          scenario: 'cheat: forged proof',
          expected: 'reject',
          job: j5,
          bundle: bundleOf(j5, {
            claim: { v: 1, jobId: j5.id, provider: j5.provider, outputCommitment: fieldToHex(statement[3]!), completedAt: ctx.clock.now() },
            evidence: { ...honest.evidence, proof: forgedProof, publicSignals: statement.map(String), output: out5 },
          }),
        });

        // Runs (and honestly proves) a cheaper model with smaller weights instead of the committed one.
        const j6 = job('zk-dense-5', p('zk cheat 4'), dense, dw);
        const cheap = { ...dw, model: seededModel(dense, seed('dense.model'), { salt: 0x5a17n, maxAbs: 2 }) };
        const cheapJob = { ...j6, spec: { ...j6.spec, modelCommitment: fieldToHex(modelCommitment(dense, cheap.model)) } };
        const cheapProof = await prover.prove({ job: cheapJob, ...cheap });
        cases.push({ scenario: 'cheat: proves a cheaper model', expected: 'reject', job: j6, bundle: bundleOf(j6, cheapProof) });
      } finally {
        await prover.dispose();
      }
      return cases;
    },
  };
}
