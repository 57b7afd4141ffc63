/**
 * Spot-sampling of LLM inference: what verification costs next to generation, and how detection grows
 * with the sample. Run: `npx tsx bench/spot-sample.ts [--quick] [--only=A,A2,B,C] [--batch=1000] [--batch-tokens=256] [--batch-seeds=10]` (VERDICT_MODEL selects the model file).
 *
 * A. One 256-token greedy completion, at the policy default sample (≥ 99% detection of a provider faking
 *    ≥ 10% of the positions). Baseline: the provider's own generation, timed in the same run, interleaved.
 *    Also measured: the k single decode steps an activation-committing design would recompute instead.
 * B. A batch job of many 256-token requests, sampled by request at the same target, next to the same
 *    generation; detection of a provider faking 10% of the batch's positions, by the verifier and by its sampler.
 * C. Detection rate vs sample size k for every cheat, next to 1 − (1 − f)^k.
 */
import { cpus } from 'node:os';
import { sha256 } from '../src/core/index.js';
import { ForwardState, LocalBackend, Xoshiro128, argmax, generate, logSoftmax } from '../src/inference/index.js';
import { binomialDetection, commitRevealTranscript, commitSecret, type Reveal, finiteDetection, hypergeometricDetection, samplesNeededBinomial, samplesNeededHypergeometric } from '../src/sampling/index.js';
import {
  checkGreedy,
  claimFor,
  commitLlmBatch,
  commitLlmOutput,
  generateFor,
  llmBatchJob,
  parseLlmSpec,
  parseSpotSampleOptions,
  PURPOSE_REQUESTS,
  respondBatch,
  selectSample,
  respondLlm,
  type LlmBatchSpec,
  type LlmSingleSpec,
} from '../src/verifiers/spot-sample/index.js';
import { ALL_CHEATS, commitAndRespond, createLlmWorld, honest, isRandomFallback, makeLlmJob, spotSampleVerifierFor, type LlmStrategy } from '../src/demo/spot-sample.js';
import { silentLogger, systemClock, utf8, type Claim, type Finding, type Hex } from '../src/core/index.js';

const quick = process.argv.includes('--quick');
/** `--only=A,C` runs just those sections. */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const section = (name: string) => !only || only.includes(name);
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const w = await createLlmWorld();
const v = spotSampleVerifierFor(w);
const ctx = (claim: Claim, options: Record<string, unknown> = {}) => ({
  claim,
  signal: new AbortController().signal,
  deadline: Number.MAX_SAFE_INTEGER,
  clock: systemClock,
  logger: silentLogger,
  seed: new Uint8Array(32),
  options,
});
const verify = (job: Parameters<typeof v.verify>[0], claim: Claim, evidence: unknown, options: Record<string, unknown> = {}): Promise<Finding> =>
  v.verify(job, v.parseEvidence(JSON.parse(JSON.stringify(evidence))), ctx(claim, options));

console.log(`# bench/spot-sample — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
console.log(`model: ${w.model.label}${isRandomFallback(w) ? ' (RANDOM WEIGHTS: set VERDICT_MODEL for the real model)' : ''}`);
const defaults = parseSpotSampleOptions({});

// ---------------------------------------------------------------- A. one 256-token completion
if (section('A')) {
  const N = 256;
  const reps = quick ? 3 : 9;
  console.log(`\n## A. one ${N}-token greedy completion, policy default sample (f = ${defaults.cheatFraction}, target ${defaults.targetDetection})`);
  const gen: number[] = [];
  const provider: number[] = [];
  const verifyAll: number[] = [];
  const prefill: number[] = [];
  const overhead: number[] = [];
  const steps: number[] = [];
  let last: Finding | undefined;
  let prefilled = 0;
  for (let r = 0; r < reps; r++) {
    const job = makeLlmJob(w, { id: `bench-256-${r}`, provider: '0xa11ce', prompt: 'Once upon a time', maxTokens: N, stopAtEos: false });
    const spec = parseLlmSpec(job.spec) as LlmSingleSpec;
    // Baseline: the provider's generation (KV cache, float64, logprobs), the work the verifier must not redo.
    let t0 = performance.now();
    const out = generateFor(w.model, spec);
    gen.push(performance.now() - t0);
    // Provider overhead of the protocol: commitment and openings.
    t0 = performance.now();
    const commitment = commitLlmOutput(job, out.promptTokens, out);
    const claim = claimFor(job, commitment);
    const evidence = respondLlm(job, commitment, commitRevealTranscript(job.id, claim.outputCommitment, w.parties), w.policyOptions);
    provider.push(performance.now() - t0);
    t0 = performance.now();
    last = await verify(job, claim, evidence);
    verifyAll.push(performance.now() - t0);
    if (last.outcome !== 'pass') throw new Error(`honest job did not pass: ${last.reason}`);
    const d = last.details as { recompute: { ms: number; tokens: number; scoredFrom: number }; positions: number[] };
    prefill.push(d.recompute.ms);
    overhead.push(verifyAll[r]! - d.recompute.ms);
    prefilled += d.recompute.tokens - d.recompute.scoredFrom + 1;
    // Projection: an activation-committing provider would let the verifier recompute only one decode step per
    // sampled position (given the committed KV rows). Time exactly those steps on a filled cache.
    const tokens = [...out.promptTokens, ...out.completion];
    const state = new ForwardState(w.model, 'float64', tokens.length);
    const row = new Float64Array(w.model.config.vocabSize);
    let stepMs = 0;
    for (const t of d.positions) {
      const at = out.promptTokens.length + t - 1; // feeding token `at` yields the logits of position at + 1
      if (state.position < at) state.feed(tokens.slice(state.position, at), null);
      const s0 = performance.now();
      state.feed([tokens[at]!], row, 0);
      stepMs += performance.now() - s0;
    }
    // ... plus hashing the revealed KV rows of the prefix (L · 2 · kvDim float32 per position).
    const kvBytes = new Uint8Array((d.positions[d.positions.length - 1]! + out.promptTokens.length) * w.model.config.numLayers * 2 * w.model.kvDim * 4);
    const h0 = performance.now();
    sha256(kvBytes);
    steps.push(stepMs + performance.now() - h0);
  }
  const d = last!.details as { sample: { size: number }; detection: { probability: number } };
  const G = median(gen);
  const V = median(verifyAll);
  console.log(`sample: k = ${d.sample.size} of ${N} positions (hypergeometric), guaranteed detection ${d.detection.probability.toFixed(4)}; binomial would need k = ${samplesNeededBinomial(defaults.cheatFraction, defaults.targetDetection)}`);
  console.log(`| step | median of ${reps} | vs generation |`);
  console.log('|---|---|---|');
  console.log(`| **baseline: provider generation, ${N} tokens (KV cache)** | **${ms(G)}** | 100% |`);
  console.log(`| provider protocol overhead (commit ${N} leaves, open k) | ${ms(median(provider))} | ${pct(median(provider) / G)} |`);
  console.log(`| **verifier, whole verify()** | **${ms(V)}** | **${pct(V / G)}** |`);
  console.log(`| — of which one prefill up to the last sampled position (${Math.round(prefilled / reps)} positions scored on average) | ${ms(median(prefill))} | ${pct(median(prefill) / G)} |`);
  console.log(`| — of which challenge, proofs, context chain, checks | ${ms(median(overhead))} | ${pct(median(overhead) / G)} |`);
  console.log(`| projection, not implemented: k single decode steps on committed KV rows (+ hashing the rows) | ${ms(median(steps))} | ${pct(median(steps) / G)} |`);
  const kMin = samplesNeededHypergeometric(N, defaults.cheatFraction, defaults.targetDetection);
  console.log(`lower bound for any per-position check: k/N = ${kMin}/${N} = ${pct(kMin / N)} of one decode step per token; 5% needs N ≥ ${Math.ceil(samplesNeededBinomial(defaults.cheatFraction, defaults.targetDetection) / 0.05)} positions`);
}

// ---------------------------------------------------------------- A2. why not a windowed context
if (section('A2')) {
  const N = 256;
  console.log(`\n## A2. scoring sampled positions with a windowed context (BOS + the last w tokens) instead of the full prefix`);
  const job = makeLlmJob(w, { id: 'bench-window', provider: '0xa11ce', prompt: 'Once upon a time', maxTokens: N, stopAtEos: false });
  const out = generateFor(w.model, parseLlmSpec(job.spec) as LlmSingleSpec, { accumulation: 'float32' });
  const tokens = [...out.promptTokens, ...out.completion];
  const P = out.promptTokens.length;
  const k = samplesNeededHypergeometric(N, defaults.cheatFraction, defaults.targetDetection);
  const positions = Array.from({ length: k }, (_, i) => Math.floor(((i + 0.5) * N) / k)); // spread over the completion
  const backend = new LocalBackend(w.model);
  const full = await backend.score(tokens, P, { topK: 1 });
  console.log(`honest float32 completion, ${k} positions; a position is flagged when the windowed argmax differs by more than the near-tie margin`);
  console.log('| window w | honest positions flagged | mean |Δ logprob| vs full context | positions computed (k·(w+1)) vs full prefill |');
  console.log('|---|---|---|---|');
  for (const win of [4, 16, 64, 128]) {
    let flagged = 0;
    let dlp = 0;
    let computed = 0;
    for (const t of positions) {
      const at = P + t;
      const ctxStart = Math.max(1, at - win);
      const seq = [tokens[0]!, ...tokens.slice(ctxStart, at + 1)];
      const s = (await backend.score(seq, seq.length - 1, { topK: 1 }))[0]!;
      computed += seq.length;
      if (checkGreedy(s, defaults.nearTieMargin).verdict === 'mismatch') flagged++;
      dlp += Math.abs(s.logprob - full[at - P]!.logprob);
    }
    console.log(`| ${win} | ${flagged}/${k} | ${(dlp / k).toFixed(3)} | ${computed} vs ${tokens.length} |`);
  }
}

// ---------------------------------------------------------------- B. batch job, sampled by request
if (section('B')) {
  // Same completion length as A: the ≤ 5% target is for 256-token completions, reached by sampling requests
  // of a batch (one completion alone needs ≥ k/N of its decode steps, see A).
  const R = Number(arg('batch') ?? (quick ? 300 : 1000));
  const L = Number(arg('batch-tokens') ?? 256);
  const seeds = Number(arg('batch-seeds') ?? (quick ? 3 : 10));
  const draws = 10_000;
  console.log(`\n## B. batch job: ${R} requests × ${L} tokens, sampled by request (f = ${defaults.cheatFraction}, target ${defaults.targetDetection})`);
  const starts = ['Once upon a time', 'The cat', 'Lily saw a bird', 'Tom was sad', 'The sun was hot', 'A little boy', 'She wanted', 'One day, a dog'];
  const requests = Array.from({ length: R }, (_, i) => ({ prompt: `${starts[i % starts.length]} ${i}`, maxTokens: L, stopAtEos: false }));
  const batchJob = (parties: Reveal[]) =>
    llmBatchJob({
      id: 'bench-batch',
      provider: '0xa11ce',
      model: { id: w.modelId, ...(w.model.digest ? { sha256: w.model.digest as Hex } : {}) },
      requests,
      logprobs: true,
      challenge: { kind: 'commit-reveal', commits: parties.map((p) => ({ party: p.party, commit: commitSecret(p.secret, p.party, 'bench-batch') })) },
    });
  const job = batchJob(w.parties);
  const spec = parseLlmSpec(job.spec) as LlmBatchSpec;
  let t0 = performance.now();
  const outputs = spec.requests.map((g) => generateFor(w.model, g));
  const G = performance.now() - t0;
  t0 = performance.now();
  const commitment = commitLlmBatch(job, outputs);
  const claim = claimFor(job, commitment);
  const evidence = respondBatch(job, commitment, outputs, commitRevealTranscript(job.id, claim.outputCommitment, w.parties));
  const P = performance.now() - t0;
  t0 = performance.now();
  const f = await verify(job, claim, evidence);
  const V = performance.now() - t0;
  if (f.outcome !== 'pass') throw new Error(`honest batch did not pass: ${f.reason}`);
  const d = f.details as { sample: { size: number }; detection: { probability: number }; recompute: { positions: number; tokens: number } };
  console.log(`honest provider: outcome ${f.outcome}; k = ${d.sample.size} requests of ${R} (${d.recompute.positions} positions checked, ${d.recompute.tokens} tokens prefilled), guaranteed detection ${d.detection.probability.toFixed(4)}`);
  console.log('| step | time | vs generation |');
  console.log('|---|---|---|');
  console.log(`| **baseline: provider generation of all ${R} requests (${R * L} tokens)** | **${ms(G)}** | 100% |`);
  console.log(`| provider protocol overhead (commit ${R} leaves, open k) | ${ms(P)} | ${pct(P / G)} |`);
  console.log(`| **verifier: one prefill per sampled request, every position checked** | **${ms(V)}** | **${pct(V / G)}** |`);
  // Control against load drift between the long generation and the short verification: the sampled requests'
  // generation, timed right after the verification.
  const sampled = evidence.openings.map((o) => o.leaf.i); // the provider opens exactly the sampled requests
  t0 = performance.now();
  for (const i of sampled) generateFor(w.model, spec.requests[i]!);
  const Gk = performance.now() - t0;
  if (sampled.length === d.sample.size) {
    console.log(`control: generating just the ${sampled.length} sampled requests, timed right after: ${ms(Gk)}; verifier / that = ${pct(V / Gk)}, × k/R = ${pct((V / Gk) * (sampled.length / R))} of the batch's generation`);
  }

  // The cheater of the target: fakes ≥ 10% of all positions. With equal-length requests and every position
  // of a sampled request checked, its best placement is to concentrate the fakes in as few requests as
  // possible: all positions of ⌈f·R⌉ requests (random tokens, no generation). Spreading them out only puts
  // a faked position in more requests.
  const rng = new Xoshiro128('bench-batch-cheater', 'requests');
  const bad = new Set<number>();
  while (bad.size < Math.ceil(defaults.cheatFraction * R)) bad.add(rng.nextInt(R));
  const V0 = w.model.config.vocabSize;
  const faked = outputs.map((o, i) => {
    if (!bad.has(i)) return o;
    const completion = Array.from({ length: L }, () => 3 + rng.nextInt(V0 - 3));
    return { ...o, completion, logprobs: completion.map(() => -rng.nextFloat() * 5) };
  });
  // (a) the verifier itself, on fresh challenges (other creator/mediator secrets each time);
  let caught = 0;
  const cheatMs: number[] = [];
  for (let s = 0; s < seeds; s++) {
    const parties = w.parties.map((p) => ({ party: p.party, secret: sha256(utf8(`bench batch secret ${s} of ${p.party}`)) }));
    const cj = batchJob(parties);
    const cc = commitLlmBatch(cj, faked);
    const cl = claimFor(cj, cc);
    const ev = respondBatch(cj, cc, faked, commitRevealTranscript(cj.id, cl.outputCommitment, parties));
    const c0 = performance.now();
    if ((await verify(cj, cl, ev)).outcome === 'fail') caught++;
    cheatMs.push(performance.now() - c0);
  }
  // (b) the same sampler over many more challenge seeds: does the sample contain a faked request?
  let hit = 0;
  const drbg = new Xoshiro128('bench-batch-seeds', 'draws');
  for (let s = 0; s < draws; s++) {
    const seed = sha256(utf8(`draw ${s} ${drbg.nextFloat()}`));
    if (selectSample(seed, defaults, R, PURPOSE_REQUESTS).positions.some((i) => bad.has(i))) hit++;
  }
  console.log(`cheater faking ${pct(bad.size / R)} of the positions (all ${L} positions of ${bad.size} of the ${R} requests, random tokens):`);
  console.log(`| detection | measured | guaranteed (hypergeometric) |`);
  console.log('|---|---|---|');
  console.log(`| verifier on ${seeds} fresh commit-reveal challenges | ${caught}/${seeds} rejected (median verify ${ms(median(cheatMs))}) | ${d.detection.probability.toFixed(4)} |`);
  console.log(`| the verifier's request sampler over ${draws.toLocaleString('en-US')} challenge seeds: sample contains a faked request | ${(hit / draws).toFixed(4)} | ${hypergeometricDetection(R, bad.size, d.sample.size).toFixed(4)} |`);
}

/**
 * A greedy provider that replaces exactly round(fraction · N) positions by a random token and is honest at
 * every other position (it continues from its own faked prefix), so only the replaced positions mismatch:
 * the case where sample size matters.
 */
const fakeFraction = (fraction: number): LlmStrategy => ({
  name: `cheat: ${fraction * 100}% of positions replaced, honest elsewhere`,
  honest: false,
  run: (world, job) => {
    const spec = parseLlmSpec(job.spec) as LlmSingleSpec;
    const prompt = world.model.tokenizer.encode(spec.prompt ?? '', { bos: true });
    const rng = new Xoshiro128('bench-fake-fraction', job.id);
    const V = world.model.config.vocabSize;
    const N = spec.maxTokens;
    const fakes = new Set<number>();
    while (fakes.size < Math.round(fraction * N)) fakes.add(rng.nextInt(N));
    const state = new ForwardState(world.model, 'float64', prompt.length + N);
    const logits = new Float64Array(V);
    const lp = new Float64Array(V);
    state.feed(prompt, logits, prompt.length - 1);
    const completion: number[] = [];
    const logprobs: number[] = [];
    for (let t = 0; t < N; t++) {
      logSoftmax(logits, lp);
      let token = argmax(logits);
      if (fakes.has(t)) {
        let r = token;
        while (r === token) r = 3 + rng.nextInt(V - 3);
        token = r;
      }
      completion.push(token);
      logprobs.push(lp[token]!);
      if (t < N - 1) state.feed([token], logits, 0);
    }
    return commitAndRespond(world, job, prompt, { completion, logprobs });
  },
});

// ---------------------------------------------------------------- C. detection rate vs sample size
if (section('C')) {
  const N = 64;
  const M = quick ? 30 : 100;
  const ks = [1, 2, 4, 8, 16, 32];
  console.log(`\n## C. detection rate vs sample size: ${M} jobs per cheat, ${N}-token completions, logprobs committed`);
  console.log('f̂ = mean share of positions that mismatch when all are checked; "exact" = mean over jobs of 1 − C(N−B_j, k)/C(N, k) with B_j the job\'s mismatching positions.');
  console.log(`| cheat | f̂ | ${ks.map((k) => `k=${k} measured / 1−(1−f̂)^k / exact`).join(' | ')} |`);
  console.log(`|---|---|${ks.map(() => '---').join('|')}|`);
  const saved = w.policyOptions;
  w.policyOptions = { samples: N }; // providers open every position, so each k below is a sub-sample
  for (const cheat of [fakeFraction(0.1), ...ALL_CHEATS]) {
    const caught = ks.map(() => 0);
    const exact = ks.map(() => 0);
    let fSum = 0;
    let commitmentCheat = false;
    for (let i = 0; i < M; i++) {
      const job = makeLlmJob(w, { id: `table-${cheat.name}-${i}`, provider: '0xbad', prompt: `Once upon a time ${i}`, maxTokens: N, temperature: cheat.sampledOnly ? 0.8 : 0, stopAtEos: false });
      const run = cheat.run(w, job);
      const all = await verify(job, run.claim, run.evidence, { samples: N });
      const dAll = all.details as { checked?: number; mismatches?: number } | undefined;
      const bad = dAll?.checked ? dAll.mismatches! : undefined;
      if (bad === undefined) commitmentCheat = true;
      else fSum += bad / N;
      for (const [j, k] of ks.entries()) {
        const f = await verify(job, run.claim, run.evidence, { samples: k });
        if (f.outcome === 'fail') caught[j]!++;
        exact[j]! += bad === undefined ? 1 : hypergeometricDetection(N, bad, k);
      }
    }
    const fHat = fSum / M;
    const cells = ks.map((k, j) => `${(caught[j]! / M).toFixed(2)} / ${commitmentCheat ? '—' : binomialDetection(fHat, k).toFixed(2)} / ${(exact[j]! / M).toFixed(2)}`);
    console.log(`| ${cheat.name} | ${commitmentCheat ? 'commitment' : fHat.toFixed(3)} | ${cells.join(' | ')} |`);
  }
  w.policyOptions = saved;
  // Honest reference rows: the false-rejection side at the same sizes.
  let honestFails = 0;
  for (let i = 0; i < M; i++) {
    const job = makeLlmJob(w, { id: `table-honest-${i}`, provider: '0xa11ce', prompt: `Once upon a time ${i}`, maxTokens: N, stopAtEos: false });
    w.policyOptions = { samples: N };
    const run = honest('float32').run(w, job);
    w.policyOptions = saved;
    if ((await verify(job, run.claim, run.evidence, { samples: N })).outcome !== 'pass') honestFails++;
  }
  console.log(`| honest, float32 accumulation (every position checked) | — | rejected ${honestFails}/${M} |`);
  console.log(`reference: finite-population detection of f = 0.1 at N = ${N}: ${ks.map((k) => `k=${k}: ${finiteDetection(N, 0.1, k).toFixed(2)}`).join(', ')}`);
}

// Generation throughput of the provider path, for context (the runtime's own bench is bench/inference.ts).
if (section('A')) {
  const prompt = w.model.tokenizer.encode('Once upon a time', { bos: true });
  const t0 = performance.now();
  const r = generate(w.model, prompt, { maxTokens: 256, stopAtEos: false });
  console.log(`\n(generation throughput in this process: ${(r.completion.length / ((performance.now() - t0) / 1000)).toFixed(0)} tokens/s, float64)`);
}
