import { existsSync } from 'node:fs';
import { sha256, toHex, utf8, type Claim, type EvidenceBundle, type Hex, type Job } from '../core/index.js';
import {
  Xoshiro128,
  defaultModelPath,
  dropLayers,
  loadModel,
  perturbWeights,
  randomModel,
  RANDOM_WEIGHTS_LABEL,
  type Accumulation,
  type Model,
} from '../inference/index.js';
import { commitRevealTranscript, commitSecret, type Reveal } from '../sampling/index.js';
import {
  SpotSampleVerifier,
  claimFor,
  commitLlmOutput,
  generateFor,
  localModelResolver,
  llmJob,
  parseLlmSpec,
  respondLlm,
  type LlmOutput,
  type LlmSingleSpec,
  type LlmTokensEvidence,
} from '../verifiers/spot-sample/index.js';
import type { DemoCase, DemoContext, DemoModule } from './types.js';
import { demoProvider } from './accounts.js';
import { telemetryForJob, type TelemetryForgery } from './telemetry.js';
import { walletSigner } from '../telemetry/signer.js';
import { createTelemetryVerifier } from '../verifiers/telemetry/index.js';

/**
 * LLM providers for the spot-sample verifier, honest and cheating, on the real stories260K model (or, when
 * the model file is absent, on a clearly labelled seeded random-weight model of the same architecture).
 * Tests and bench/spot-sample.ts reuse the strategies below.
 */

export const LLM_JOB_TYPE = 'llm-inference';

/** What every provider and verifier of one demo market share. */
export interface LlmWorld {
  /** The model the jobs are for (the verifier recomputes with it). */
  model: Model;
  modelId: string;
  /** Job creator and mediator: both commit to a secret with every job, reveal after the provider commits. */
  parties: Reveal[];
  /** The spot-sample rule's options of the policy (public: providers size their openings from them). */
  policyOptions: Record<string, unknown>;
  /** Lazily built model variants that cheaters use. */
  variants: Map<string, Model>;
}

export interface LlmWorldOptions {
  /** Path of the model file; the default is VERDICT_MODEL or ../shared/models/stories260k/... */
  modelPath?: string;
  policyOptions?: Record<string, unknown>;
}

export async function createLlmWorld(options: LlmWorldOptions = {}): Promise<LlmWorld> {
  const path = options.modelPath ?? defaultModelPath();
  const real = existsSync(path);
  const model = real ? await loadModel(path) : randomModel(undefined, 'verdict-demo');
  return {
    model,
    modelId: real ? 'stories260k' : 'random-260k',
    parties: [
      { party: 'creator:0xc0ffee', secret: sha256(utf8('demo creator secret')) },
      { party: 'mediator:0x3ed1a', secret: sha256(utf8('demo mediator secret')) },
    ],
    policyOptions: options.policyOptions ?? {},
    variants: new Map(),
  };
}

export function isRandomFallback(world: LlmWorld): boolean {
  return world.model.label === RANDOM_WEIGHTS_LABEL;
}

export interface LlmJobInput {
  id: string;
  provider: string;
  prompt: string;
  maxTokens: number;
  temperature?: number;
  /** Sampling seed (sampled jobs); derived from the job id when absent. */
  seed?: Hex;
  logprobs?: boolean;
  /** Default true: the completion may end at a stop token. */
  stopAtEos?: boolean;
}

export function makeLlmJob(world: LlmWorld, input: LlmJobInput): Job {
  const temperature = input.temperature ?? 0;
  const generation: Record<string, unknown> = { prompt: input.prompt, maxTokens: input.maxTokens, temperature, stopAtEos: input.stopAtEos ?? true };
  if (temperature > 0) generation.seed = input.seed ?? toHex(sha256(utf8(`sampling seed of ${input.id}`)));
  const model: { id: string; sha256?: Hex } = { id: world.modelId };
  if (world.model.digest) model.sha256 = world.model.digest as Hex;
  return llmJob({
    id: input.id,
    provider: input.provider,
    creator: world.parties[0]!.party,
    model,
    generation: generation as never,
    logprobs: input.logprobs ?? true,
    challenge: { kind: 'commit-reveal', commits: world.parties.map((p) => ({ party: p.party, commit: commitSecret(p.secret, p.party, input.id) })) },
  });
}

export interface LlmRun {
  claim: Claim;
  evidence: LlmTokensEvidence;
}

/** A provider strategy: how it produces its claim and its answer to the challenge. */
export interface LlmStrategy {
  name: string;
  honest: boolean;
  /** Only meaningful for sampled jobs (temperature > 0). */
  sampledOnly?: boolean;
  run(world: LlmWorld, job: Job): LlmRun;
}

function specOf(job: Job): LlmSingleSpec {
  return parseLlmSpec(job.spec) as LlmSingleSpec;
}

function variant(world: LlmWorld, key: string, make: () => Model): Model {
  let m = world.variants.get(key);
  if (!m) {
    m = make();
    world.variants.set(key, m);
  }
  return m;
}

/** Commit, let the parties reveal, open the sample: the protocol every provider follows. */
export function commitAndRespond(world: LlmWorld, job: Job, promptTokens: number[], output: LlmOutput): LlmRun {
  const commitment = commitLlmOutput(job, promptTokens, output);
  const claim = claimFor(job, commitment);
  const challenge = commitRevealTranscript(job.id, claim.outputCommitment, world.parties);
  return { claim, evidence: respondLlm(job, commitment, challenge, world.policyOptions) };
}

/** Generates with `model` (the right one or not) and presents the result as the job's output. */
function generated(world: LlmWorld, job: Job, model: Model, patch: Partial<LlmSingleSpec> = {}, accumulation: Accumulation = 'float64'): LlmRun {
  const spec = { ...specOf(job), ...patch };
  return commitAndRespond(world, job, promptOf(world, job), generateFor(model, spec, { accumulation }));
}

function promptOf(world: LlmWorld, job: Job): number[] {
  return world.model.tokenizer.encode(specOf(job).prompt ?? '', { bos: true });
}

export const honest = (accumulation: Accumulation = 'float64'): LlmStrategy => ({
  name: accumulation === 'float64' ? 'honest' : `honest, ${accumulation} accumulation (not bit-identical)`,
  honest: true,
  run: (world, job) => generated(world, job, world.model, {}, accumulation),
});

export const perturbedModel = (relative = 0.01, seed = 1): LlmStrategy => ({
  name: `cheat: weights ×(1 + ${relative * 100}% noise)`,
  honest: false,
  run: (world, job) => generated(world, job, variant(world, `perturb:${relative}:${seed}`, () => perturbWeights(world.model, relative, seed))),
});

export const droppedLayers = (layers: number[] = [2]): LlmStrategy => ({
  name: `cheat: layer${layers.length > 1 ? 's' : ''} ${layers.join(',')} dropped`,
  honest: false,
  run: (world, job) => generated(world, job, variant(world, `drop:${layers.join(',')}`, () => dropLayers(world.model, layers))),
});

export const randomTokens = (): LlmStrategy => ({
  name: 'cheat: random tokens',
  honest: false,
  run: (world, job) => {
    const spec = specOf(job);
    const rng = new Xoshiro128('demo-random-tokens', job.id);
    const V = world.model.config.vocabSize;
    // Uniform over ordinary pieces (no BOS/EOS, which would end the completion).
    const completion = Array.from({ length: spec.maxTokens }, () => 3 + rng.nextInt(V - 3));
    return commitAndRespond(world, job, promptOf(world, job), { completion, logprobs: completion.map(() => -rng.nextFloat() * 5) });
  },
});

export const otherPrompt = (prompt = 'The little dog ran to the park'): LlmStrategy => ({
  name: 'cheat: output of another prompt',
  honest: false,
  run: (world, job) => generated(world, job, world.model, { prompt }),
});

export const wrongSeed = (): LlmStrategy => ({
  name: 'cheat: another sampling seed',
  honest: false,
  sampledOnly: true,
  run: (world, job) => generated(world, job, world.model, { seed: toHex(sha256(utf8(`not the agreed seed of ${job.id}`))) }),
});

export const wrongTemperature = (factor = 1.5): LlmStrategy => ({
  name: `cheat: temperature ×${factor}`,
  honest: false,
  sampledOnly: true,
  run: (world, job) => generated(world, job, world.model, { temperature: specOf(job).temperature * factor }),
});

export const greedyInsteadOfSampling = (): LlmStrategy => ({
  name: 'cheat: greedy instead of the agreed sampling',
  honest: false,
  sampledOnly: true,
  run: (world, job) => generated(world, job, world.model, { temperature: 0 }),
});

/** Honest for the first `honestFraction` of the tokens, then a cheap 1-layer model continues. */
export const honestPrefixOnly = (honestFraction = 0.5): LlmStrategy => ({
  name: `cheat: honest for the first ${honestFraction * 100}% only`,
  honest: false,
  run: (world, job) => {
    const spec = specOf(job);
    const good = generateFor(world.model, spec);
    const keep = Math.floor(good.completion.length * honestFraction);
    const cheap = variant(world, 'drop:1,2,3,4', () => dropLayers(world.model, [1, 2, 3, 4]));
    const prefix = good.completion.slice(0, keep);
    const rest = generateFor(cheap, { ...spec, prompt: undefined, promptTokens: [...good.promptTokens, ...prefix], maxTokens: spec.maxTokens - keep });
    return commitAndRespond(world, job, good.promptTokens, {
      completion: [...prefix, ...rest.completion],
      logprobs: [...good.logprobs!.slice(0, keep), ...rest.logprobs!],
    });
  },
});

/** Commits to a cheap output, then (knowing the sample) opens honest tokens at the sampled positions. */
export const swapAfterChallenge = (): LlmStrategy => ({
  name: 'cheat: openings ≠ commitment',
  honest: false,
  run: (world, job) => {
    const spec = specOf(job);
    const rng = new Xoshiro128('demo-swap', job.id);
    const prompt = promptOf(world, job);
    const cheap = Array.from({ length: spec.maxTokens }, () => 3 + rng.nextInt(world.model.config.vocabSize - 3));
    const committed = commitLlmOutput(job, prompt, { completion: cheap, logprobs: cheap.map(() => -1) });
    const claim = claimFor(job, committed);
    const challenge = commitRevealTranscript(job.id, claim.outputCommitment, world.parties);
    // Only now does it run the model, and opens the honest leaves under the committed root.
    const good = generateFor(world.model, spec);
    const evidence = respondLlm(job, commitLlmOutput(job, prompt, good), challenge, world.policyOptions);
    return { claim, evidence: { ...evidence, root: committed.root, size: committed.size } };
  },
});

/** Commits honestly, then reveals a completion whose tokens differ from the committed ones. */
export const revealOtherCompletion = (): LlmStrategy => ({
  name: 'cheat: revealed completion ≠ committed',
  honest: false,
  run: (world, job) => {
    const run = honest().run(world, job);
    const completion = run.evidence.completion.map((t, i) => (i % 2 === 1 ? 3 + ((t + 1) % (world.model.config.vocabSize - 3)) : t));
    return { claim: run.claim, evidence: { ...run.evidence, completion } };
  },
});

export const ALL_CHEATS: LlmStrategy[] = [
  perturbedModel(),
  droppedLayers(),
  randomTokens(),
  otherPrompt(),
  wrongSeed(),
  wrongTemperature(),
  greedyInsteadOfSampling(),
  honestPrefixOnly(),
  swapAfterChallenge(),
  revealOtherCompletion(),
];

export function spotSampleVerifierFor(world: LlmWorld): SpotSampleVerifier {
  return new SpotSampleVerifier({ models: localModelResolver({ [world.modelId]: world.model }) });
}

export function bundleOf(job: Job, run: LlmRun): EvidenceBundle {
  return { v: 1, jobId: job.id, claim: run.claim, items: { 'spot-sample': JSON.parse(JSON.stringify(run.evidence)) } };
}

export function createSpotSampleDemo(options: LlmWorldOptions = {}): DemoModule {
  let world: Promise<LlmWorld> | undefined;
  const getWorld = (ctx: DemoContext) => (world ??= createLlmWorld({ ...options, ...(ctx.modelPath ? { modelPath: ctx.modelPath } : {}) }));
  return {
    jobType: LLM_JOB_TYPE,
    policyFile: 'policies/llm-inference.yaml',
    async verifiers(ctx) {
      // the llm-inference policy blends GPU telemetry into the check (policies/llm-inference.yaml)
      return [spotSampleVerifierFor(await getWorld(ctx)), createTelemetryVerifier()];
    },
    async cases(ctx) {
      const w = await getWorld(ctx);
      if (isRandomFallback(w)) {
        ctx.logger.warn(
          { model: w.model.label },
          'stories260K not found (set VERDICT_MODEL to tinystories_260k_v1.bin, see docs/sampling.md); using seeded random weights, not the real model',
        );
      }
      const prompts = ['Once upon a time', 'Lily wanted to play outside', 'The big red ball', 'Tom and his friend'];
      const scenarios: Array<[LlmStrategy, number]> = [
        [honest(), 0],
        [honest('float32'), 0],
        [honest('f32x8'), 0.8],
        [perturbedModel(), 0],
        [droppedLayers(), 0],
        [randomTokens(), 0],
        [otherPrompt(), 0],
        [wrongSeed(), 0.8],
        [honestPrefixOnly(0.5), 0],
        [swapAfterChallenge(), 0],
      ];
      const label = isRandomFallback(w) ? ' [random weights]' : '';
      const hour = 3_600_000;
      const cases: DemoCase[] = [];
      // Each provider's GPU records a signed trace of the run; one honest provider hands in a fabricated trace
      // (its outputs are right): telemetry alone is too weak to reject, the finding is recorded with the accept.
      const runs: Array<[LlmStrategy, number, string, TelemetryForgery?]> = scenarios.map(([strategy, temperature], i) => [
        strategy,
        temperature,
        strategy.honest ? (i % 2 === 0 ? 'alice' : 'bob') : `llm cheat ${i}`,
      ]);
      runs.push([honest(), 0, 'erin', 'fabricated-smooth']);
      for (const [i, [strategy, temperature, name, forgery]] of runs.entries()) {
        const account = demoProvider(ctx, name);
        const base = makeLlmJob(w, { id: `llm-demo-${i + 1}`, provider: account.address, prompt: prompts[i % prompts.length]!, maxTokens: 64, temperature });
        const gpu = await telemetryForJob(base, {
          signer: walletSigner(account.privateKey),
          profile: 'l4',
          startAt: ctx.clock.now() - 6 * hour + i * 600_000,
          durationS: 120,
          seed: `llm-demo-${i + 1}`,
          ...(forgery ? { forgery } : {}),
        });
        const bundle = bundleOf(gpu.job, strategy.run(w, gpu.job));
        bundle.items.telemetry = gpu.evidence;
        cases.push({
          scenario: `${strategy.name}${temperature > 0 ? ` (T=${temperature})` : ''}${forgery ? `, ${forgery} GPU trace` : ''}${label}`,
          expected: strategy.honest ? 'accept' : 'reject',
          job: gpu.job,
          bundle,
        });
      }
      return cases;
    },
  };
}
