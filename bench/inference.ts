/**
 * Inference runtime benchmark: generation throughput (greedy, 256 new tokens after "Once upon a time") for
 * each accumulation, teacher-forced prefill throughput over the same sequence, and the prefill/generation
 * cost ratio (what a spot-sample verifier pays relative to the provider).
 *
 * Baselines, same run:
 * - Karpathy's llama2.c `run.c` (the model's reference C implementation), when LLAMA2C_DIR points at a
 *   checkout of https://github.com/karpathy/llama2.c: the model is converted with bench/llama2c-convert.ts,
 *   and a small harness (written here, including run.c) is compiled with gcc -O3 and with -Ofast
 *   -march=native; it times the same 256-token greedy generation and a teacher-forced re-run, and its
 *   tokens are checked against ours.
 * - A naive runtime: generation without a KV cache (every step re-runs the whole prefix).
 *
 * Every measurement runs once per round and rounds are repeated REPS times (medians reported), so load from
 * other processes hits all variants alike and the ratios stay meaningful on a shared machine.
 *
 * Usage: LLAMA2C_DIR=/path/to/llama2.c npx tsx bench/inference.ts [newTokens=256] [reps=9]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, arch } from 'node:os';
import { join, resolve } from 'node:path';
import { argmax, generate, loadModel, prefill, ForwardState, Xoshiro128, type Accumulation, type Model } from '../src/inference/index.js';
import { writeLlama2cFiles } from './llama2c-convert.js';

const NEW_TOKENS = Number(process.argv[2] ?? 256);
const REPS = Number(process.argv[3] ?? 9);
const PROMPT = 'Once upon a time';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function once(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Generation without a KV cache: each new token re-runs the full prefix (the naive baseline). */
function naiveGenerate(model: Model, prompt: number[], n: number): number[] {
  const seq = [...prompt];
  while (seq.length < prompt.length + n) {
    const p = prefill(model, seq, { from: seq.length });
    seq.push(argmax(p.row(seq.length)));
  }
  return seq;
}

const HARNESS = `
#define TESTING
#include "run.c"
#include <time.h>
static double now_s(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: harness model.bin tokenizer.bin prompt new reps\\n"); return 2; }
  Transformer tr; build_transformer(&tr, argv[1]);
  Tokenizer tk; build_tokenizer(&tk, argv[2], tr.config.vocab_size);
  int gen = atoi(argv[4]), reps = atoi(argv[5]);
  int *prompt = malloc(sizeof(int) * (strlen(argv[3]) + 3)); int np = 0;
  encode(&tk, argv[3], 1, 0, prompt, &np);
  int total = np + gen; if (total > tr.config.seq_len) total = tr.config.seq_len;
  int *seq = malloc(sizeof(int) * total);
  printf("prompt"); for (int i = 0; i < np; i++) printf(" %d", prompt[i]); printf("\\n");
  for (int r = 0; r < reps + 2; r++) {
    double t0 = now_s();
    int token = prompt[0]; seq[0] = token;
    for (int pos = 0; pos < total - 1; pos++) {
      float *logits = forward(&tr, token, pos);
      int next = pos < np - 1 ? prompt[pos + 1] : sample_argmax(logits, tr.config.vocab_size);
      seq[pos + 1] = next; token = next;
    }
    double t1 = now_s();
    for (int pos = 0; pos < total; pos++) forward(&tr, seq[pos], pos);
    double t2 = now_s();
    if (r >= 2) printf("times %.9f %.9f\\n", t1 - t0, t2 - t1);
  }
  printf("tokens"); for (int i = 0; i < total; i++) printf(" %d", seq[i]); printf("\\n");
  free_transformer(&tr); free_tokenizer(&tk); free(seq); free(prompt);
  return 0;
}
`;

interface CTimes {
  genMs: number;
  forcedMs: number;
  tokens: number[];
  prompt: number[];
}

const C_FLAGS = ['-O3', '-Ofast -march=native'];

/** Compiles the harness once per flag set; returns a function running one measured round. */
function buildLlama2c(model: Model, dir: string, work: string): Array<{ flags: string; run: () => CTimes }> {
  const files = writeLlama2cFiles(model, work);
  const harness = join(work, 'harness.c');
  writeFileSync(harness, HARNESS);
  return C_FLAGS.map((flags, i) => {
    const exe = join(work, `harness${i}`);
    execFileSync('gcc', [...flags.split(' '), '-I', dir, '-o', exe, harness, '-lm'], { stdio: 'pipe' });
    return {
      flags,
      run: (): CTimes => {
        const text = execFileSync(exe, [files.checkpoint, files.tokenizer, PROMPT, String(NEW_TOKENS), '1'], { encoding: 'utf8' });
        const lines = text.trim().split('\n');
        const nums = (prefix: string): number[] => lines.find((l) => l.startsWith(prefix + ' '))!.split(' ').slice(1).map(Number);
        const t = nums('times');
        return { genMs: t[0]! * 1000, forcedMs: t[1]! * 1000, tokens: nums('tokens'), prompt: nums('prompt') };
      },
    };
  });
}

async function main(): Promise<void> {
  const model = await loadModel();
  const prompt = model.tokenizer.encode(PROMPT, { bos: true });
  console.log(`# inference benchmark — ${model.label}`);
  console.log(`machine: ${arch()}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  console.log(`task: greedy, ${NEW_TOKENS} new tokens after ${JSON.stringify(PROMPT)} (${prompt.length} prompt tokens); median of ${REPS} interleaved rounds\n`);

  const seq = generate(model, prompt, { maxTokens: NEW_TOKENS, stopAtEos: false }).tokens;
  // Spot checks of k positions (k = 44: 1 − 0.9^44 ≥ 99% detection of a provider faking 10% of positions).
  const K = Math.min(44, NEW_TOKENS);
  const rng = new Xoshiro128('bench-positions', 1);
  const pool = [...Array(NEW_TOKENS).keys()].map((i) => i + prompt.length);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const sampled = pool.slice(0, K).sort((a, b) => a - b);
  // With per-position KV records committed by the provider, each check is one forward step.
  const full = new ForwardState(model, 'float64', seq.length);
  full.feed(seq, null);
  const records = seq.map((_, i) => full.readKV(i));
  const checker = new ForwardState(model, 'float64', seq.length);
  const logits = new Float64Array(model.config.vocabSize);
  const naiveN = Math.min(64, NEW_TOKENS);
  const naiveSeq = naiveGenerate(model, prompt, 8);
  if (naiveSeq.join() !== seq.slice(0, naiveSeq.length).join()) throw new Error('naive baseline disagrees with the runtime');

  type Case = { name: string; unit: string; count: number; fn: () => void };
  const cases: Case[] = [];
  for (const acc of ['float64', 'float32', 'f32x8'] as Accumulation[]) {
    cases.push({ name: `verdict generate, ${acc}`, unit: 'tok/s', count: NEW_TOKENS, fn: () => generate(model, prompt, { maxTokens: NEW_TOKENS, stopAtEos: false, accumulation: acc }) });
  }
  for (const acc of ['float64', 'float32'] as Accumulation[]) {
    cases.push({ name: `verdict prefill (teacher-forced), ${acc}`, unit: 'scored tok/s', count: NEW_TOKENS, fn: () => prefill(model, seq, { from: prompt.length, accumulation: acc }) });
  }
  cases.push({ name: `spot check of ${K} positions: prefill up to the last, logits at those only`, unit: 'checked pos/s', count: K, fn: () => prefill(model, seq, { positions: sampled }) });
  cases.push({
    name: `spot check of ${K} positions from committed KV records (one step each)`,
    unit: 'checked pos/s',
    count: K,
    fn: () => {
      for (let i = 0; i < seq.length; i++) checker.writeKV(i, records[i]!);
      for (const t of sampled) {
        checker.seek(t - 1);
        checker.feed([seq[t - 1]!], logits, 0);
      }
    },
  });
  cases.push({ name: `naive: no KV cache, float64, ${naiveN} tokens`, unit: 'tok/s', count: naiveN, fn: () => naiveGenerate(model, prompt, naiveN) });

  let c: Array<{ flags: string; run: () => CTimes }> = [];
  const dir = process.env['LLAMA2C_DIR'];
  const work = mkdtempSync(join(tmpdir(), 'verdict-llama2c-'));
  const cTimes = new Map<string, CTimes[]>();
  try {
    if (dir && existsSync(join(dir, 'run.c'))) {
      c = buildLlama2c(model, resolve(dir), work);
      for (const r of c) {
        const first = r.run();
        if (first.prompt.join() !== prompt.join()) throw new Error(`llama2.c encodes the prompt as ${first.prompt}`);
        const agree = first.tokens.findIndex((t, i) => t !== seq[i]);
        console.log(`llama2.c ${r.flags}: greedy tokens ${agree === -1 ? `identical to ours for all ${seq.length} positions` : `differ from position ${agree}`}`);
        cTimes.set(r.flags, []);
      }
    } else {
      console.log('llama2.c: not measured (set LLAMA2C_DIR to a checkout of https://github.com/karpathy/llama2.c)');
    }
    for (const cs of cases) cs.fn(); // warm-up (JIT)
    const ms = new Map<string, number[]>(cases.map((cs) => [cs.name, []]));
    for (let r = 0; r < REPS; r++) {
      for (const cs of cases) ms.get(cs.name)!.push(once(cs.fn));
      for (const x of c) cTimes.get(x.flags)!.push(x.run());
    }
    const med = (name: string): number => median(ms.get(name)!);
    console.log('\n| implementation | median ms | throughput |\n|---|---:|---:|');
    for (const cs of cases) console.log(`| ${cs.name} | ${fmt(med(cs.name), 2)} | ${fmt((cs.count / med(cs.name)) * 1000)} ${cs.unit} |`);
    const cMed: Record<string, { gen: number; forced: number }> = {};
    for (const x of c) {
      const ts = cTimes.get(x.flags)!;
      const gen = median(ts.map((t) => t.genMs));
      const forced = median(ts.map((t) => t.forcedMs));
      cMed[x.flags] = { gen, forced };
      console.log(`| llama2.c run.c ${x.flags}, generate | ${fmt(gen, 2)} | ${fmt((NEW_TOKENS / gen) * 1000)} tok/s |`);
      console.log(`| llama2.c run.c ${x.flags}, teacher-forced re-run | ${fmt(forced, 2)} | ${fmt((NEW_TOKENS / forced) * 1000)} scored tok/s |`);
    }
    const g64 = med('verdict generate, float64');
    const p64 = med('verdict prefill (teacher-forced), float64');
    console.log('');
    console.log(`verify/generate cost ratio (prefill float64 / generate float64): ${fmt(p64 / g64, 3)}`);
    console.log(
      `spot check (${K} positions) / generate: prefill-based ${fmt(med(cases[5]!.name) / g64, 3)}, KV-record-based ${fmt(med(cases[6]!.name) / g64, 3)}`,
    );
    console.log(
      `float32 / float64 generation time: ${fmt(med('verdict generate, float32') / g64, 2)}; f32x8 / float64: ${fmt(med('verdict generate, f32x8') / g64, 2)}`,
    );
    console.log(`naive (no KV cache) per-token time / KV-cache per-token time: ${fmt(med(cases[7]!.name) / naiveN / (g64 / NEW_TOKENS), 1)}×`);
    for (const [flags, t] of Object.entries(cMed)) {
      console.log(`llama2.c ${flags}: verdict float64 generation takes ${fmt(g64 / t.gen, 2)}× its time; verdict prefill ${fmt(p64 / t.forced, 2)}× its teacher-forced re-run`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
