import { sha256, utf8, type EvidenceBundle } from '../core/index.js';
import {
  scoped,
  PRESETS,
  ProgramEvaluator,
  createFheJob,
  generateBlobs,
  mlpProgram,
  parseFheJobSpec,
  trainMlp,
  validateCiphertext,
  validateGaloisKeys,
  validatePublicKey,
  validateRelinKeys,
  loadSealBackend,
  type CreatedFheJob,
  type FheBackend,
  type FheEngine,
  type FheProgram,
  type KeySetBytes,
} from '../fhe/index.js';
import { claimFheOutputs, runFheJob, type FheJobResult } from '../provider/fhe.js';
import { FheVerifier, MemoryFheKeyring } from '../verifiers/fhe/index.js';
import type { DemoCase, DemoContext, DemoModule } from './types.js';
import { demoProvider } from './accounts.js';

/**
 * The `fhe-inference` job type in the demo: a creator with private records (a generated data set) has a
 * tiny MLP evaluated on CKKS ciphertexts by providers, hides canary items among its inputs, and disputes;
 * the mediator re-runs sampled items on ciphertexts, and the creator's key checks the canaries.
 */
export const FHE_CHEATS = ['partial-batch', 'skipped-layer', 'copied-outputs', 'fresh-encryptions', 'wrong-params'] as const;
export type FheCheat = (typeof FHE_CHEATS)[number];

/**
 * Output ciphertexts of a cheating provider (canonical bytes). Every strategy produces well-formed SEAL
 * ciphertexts where it can, so what catches it is the re-run or the canaries, not a parser.
 * - partial-batch: evaluates the first half of the items, repeats the first output for the rest;
 * - skipped-layer: skips the activation and mod-switches to the expected output level;
 * - copied-outputs: hands in another job's outputs (`other`);
 * - fresh-encryptions: encrypts made-up results under the creator's public key, at the output level;
 * - wrong-params: evaluates under cheaper, different encryption parameters.
 */
export function cheatingOutputs(engine: FheEngine, created: CreatedFheJob, strategy: FheCheat, other?: readonly Uint8Array[]): Uint8Array[] {
  const { job, pkg, secret } = created;
  const spec = parseFheJobSpec(job);
  const program = pkg.program;
  const relin = pkg.keys.relin ? validateRelinKeys(pkg.keys.relin, engine.chain) : undefined;
  const galois = pkg.keys.galois ? validateGaloisKeys(pkg.keys.galois, engine.chain, spec.galoisSteps) : undefined;
  engine.setEvaluationKeys({ ...(relin ? { relin } : {}), ...(galois ? { galois } : {}) });
  const honest = new ProgramEvaluator(engine, program);
  const inputs = pkg.inputs.map((b, i) => validateCiphertext(b, engine.chain, honest.inputExpectation(), { what: `input ${i}` }));
  const outLevel = honest.outputExpectation().level;
  try {
    switch (strategy) {
      case 'partial-batch': {
        const half = Math.max(1, Math.floor(inputs.length / 2));
        const done = inputs.slice(0, half).map((x) => honest.evaluate(x));
        return inputs.map((_, i) => done[i] ?? done[0]!);
      }
      case 'skipped-layer': {
        const skipped: FheProgram = { ...program, ops: program.ops.filter((op) => op.op !== 'poly') };
        const ev = new ProgramEvaluator(engine, skipped);
        try {
          return inputs.map((x) => modSwitched(engine, validateCiphertext(ev.evaluate(x), engine.chain, ev.outputExpectation()), outLevel));
        } finally {
          ev.dispose();
        }
      }
      case 'copied-outputs':
        if (!other || other.length === 0) throw new Error('copied-outputs needs another job’s outputs');
        return inputs.map((_, i) => validateCiphertext(other[i % other.length]!, engine.chain, { level: outLevel }).bytes);
      case 'fresh-encryptions': {
        const enc = engine.encryptor(validatePublicKey(secret.publicKey, engine.chain));
        try {
          const made = new Float64Array(engine.rowSize * engine.rows).fill(0.5);
          return inputs.map(() => modSwitched(engine, validateCiphertext(enc.encrypt(made), engine.chain, { level: 0 }), outLevel));
        } finally {
          enc.delete();
        }
      }
      case 'wrong-params':
        throw new Error('wrong-params needs its own engine: use wrongParamsOutputs');
    }
  } finally {
    honest.dispose();
  }
}

function modSwitched(engine: FheEngine, ct: ReturnType<typeof validateCiphertext>, level: number): Uint8Array {
  return scoped((arena) => engine.saveCiphertext(engine.modSwitchTo(engine.loadCiphertext(ct, arena), level, arena)));
}

/** wrong-params: the provider runs a cheaper parameter set of its own and returns ciphertexts under it. */
export function wrongParamsOutputs(backend: FheBackend, created: CreatedFheJob): Uint8Array[] {
  const params = created.spec.params.polyModulusDegree === 8192 && created.spec.params.coeffModulus.length === 6 ? PRESETS['ckks-8192-d3'] : PRESETS['ckks-8192-d4'];
  const engine = backend.createEngine(params);
  try {
    const keys = engine.keygen([]);
    const enc = engine.encryptor(validatePublicKey(keys.publicKey, engine.chain));
    try {
      const made = new Float64Array(engine.rowSize).fill(0.25);
      return created.pkg.inputs.map(() => enc.encrypt(made));
    } finally {
      enc.delete();
    }
  } finally {
    engine.delete();
  }
}

/** Claim and evidence of a cheating provider for a job. */
export function cheatClaim(engine: FheEngine, created: CreatedFheJob, outputs: readonly Uint8Array[]): ReturnType<typeof claimFheOutputs> {
  const probe = new ProgramEvaluator(engine, created.pkg.program);
  try {
    const inputHashes = created.pkg.inputs.map((b, i) => validateCiphertext(b, engine.chain, probe.inputExpectation(), { what: `input ${i}` }).hash);
    return claimFheOutputs(created.job, inputHashes, outputs, created.pkg);
  } finally {
    probe.dispose();
  }
}

export function fheBundle(created: CreatedFheJob, result: Pick<FheJobResult, 'claim' | 'evidence'>, withCanaries = true): EvidenceBundle {
  return {
    v: 1,
    jobId: created.job.id,
    claim: result.claim,
    items: { fhe: { ...result.evidence, ...(withCanaries && created.secret.canary ? { canary: created.secret.canary } : {}) } },
  };
}

export interface FheDemoSetup {
  program: FheProgram;
  records: number[][];
  pool: number[][];
}

/** The demo's model: a 4-8-3 square-activation MLP trained on generated blobs (deterministic). */
export function fheDemoSetup(seed = sha256(utf8('verdict.demo.fhe.v1'))): FheDemoSetup {
  const data = generateBlobs({ seed, perClass: 100 });
  const model = trainMlp(data, { seed, hidden: 8, epochs: 300 });
  return { program: mlpProgram(model, 'demo-mlp-4-8-3'), records: data.x.slice(0, 300), pool: data.x.slice(150) };
}

export function createFheDemo(): DemoModule & { keyring: MemoryFheKeyring } {
  const keyring = new MemoryFheKeyring();
  let backend: Promise<FheBackend> | undefined;
  const getBackend = () => (backend ??= loadSealBackend());
  return {
    jobType: 'fhe-inference',
    policyFile: 'policies/fhe-inference.yaml',
    keyring,
    async verifiers() {
      return [new FheVerifier({ keyring, loadBackend: getBackend })];
    },
    async cases(ctx: DemoContext) {
      const b = await getBackend();
      const { program, records, pool } = fheDemoSetup();
      const engine = b.createEngine(PRESETS['ckks-8192-d3']);
      try {
        const now = ctx.clock.now();
        let keys: KeySetBytes | undefined;
        const make = (id: string, provider: string, offset: number): CreatedFheJob => {
          const created = createFheJob({
            engine,
            program,
            id,
            provider,
            creator: '0xc2ea702',
            createdAt: now,
            records: records.slice(offset, offset + 200),
            canaries: { items: 2, pool },
            seed: sha256(utf8(`verdict.demo.fhe.creator:${id}`)),
            ...(keys ? { keys } : {}),
          });
          keys ??= created.secret.keys;
          keyring.set(id, created.secret.secretKey);
          return created;
        };
        const p = (name: string) => demoProvider(ctx, name).address;
        const cases: DemoCase[] = [];
        const honestCase = async (id: string, provider: string, scenario: string, compress: boolean) => {
          const created = make(id, provider, 0);
          const result = await runFheJob(b, created.job, created.pkg, { compress });
          cases.push({ scenario, expected: 'accept', job: created.job, bundle: fheBundle(created, result) });
          return result;
        };
        const honest = await honestCase('fhe-mlp-1', p('alice'), 'honest (encrypted MLP, 200 records)', true);
        await honestCase('fhe-mlp-2', p('bob'), 'honest, uncompressed ciphertexts (other bytes, same hashes)', false);
        for (const [i, strategy] of FHE_CHEATS.entries()) {
          const created = make(`fhe-mlp-cheat-${i + 1}`, p(`fhe cheat ${i + 1}`), 100);
          const outputs =
            strategy === 'wrong-params' ? wrongParamsOutputs(b, created) : cheatingOutputs(engine, created, strategy, honest.outputs);
          cases.push({ scenario: `cheat: ${strategy}`, expected: 'reject', job: created.job, bundle: fheBundle(created, cheatClaim(engine, created, outputs)) });
        }
        return cases;
      } finally {
        engine.delete();
      }
    },
  };
}
