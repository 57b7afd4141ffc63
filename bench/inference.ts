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
 * Usage: LLAMA2C_DIR=/path/to/llama2.c npx tsx bench/inference.ts [newTokens=256] [reps=7]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, arch } from 'node:os';
import { join, resolve } from 'node:path';
import { argmax, generate, loadModel, prefill, type Accumulation, type Model } from '../src/inference/index.js';
import { writeLlama2cFiles } from './llama2c-convert.js';

const NEW_TOKENS = Number(process.argv[2] ?? 256);
const REPS = Number(process.argv[3] ?? 7);
const PROMPT = 'Once upon a time';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => void, reps: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
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

interface CResult {
  flags: string;
  genMs: number;
  forcedMs: number;
  tokens: number[];
  prompt: number[];
}

function runLlama2c(model: Model, dir: string, work: string): CResult[] {
  const files = writeLlama2cFiles(model, work);
  const harness = join(work, 'harness.c');
  writeFileSync(harness, HARNESS);
  const out: CResult[] = [];
  for (const flags of ['-O3', '-Ofast -march=native']) {
    const exe = join(work, `harness${out.length}`);
    execFileSync('gcc', [...flags.split(' '), '-I', dir, '-o', exe, harness, '-lm'], { stdio: 'pipe' });
    const text = execFileSync(exe, [files.checkpoint, files.tokenizer, PROMPT, String(NEW_TOKENS), String(REPS)], { encoding: 'utf8' });
    const lines = text.trim().split('\n');
    const nums = (prefix: string): number[][] => lines.filter((l) => l.startsWith(prefix + ' ')).map((l) => l.split(' ').slice(1).map(Number));
    const times = nums('times');
    out.push({
      flags,
      genMs: median(times.map((t) => t[0]! * 1000)),
      forcedMs: median(times.map((t) => t[1]! * 1000)),
      tokens: nums('tokens')[0]!,
      prompt: nums('prompt')[0]!,
    });
  }
  return out;
}

async function main(): Promise<void> {
  const model = await loadModel();
  const prompt = model.tokenizer.encode(PROMPT, { bos: true });
  console.log(`# inference benchmark — ${model.label}`);
  console.log(`machine: ${arch()}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  console.log(`task: greedy, ${NEW_TOKENS} new tokens after ${JSON.stringify(PROMPT)} (${prompt.length} prompt tokens); median of ${REPS} runs\n`);

  const ref = generate(model, prompt, { maxTokens: NEW_TOKENS, stopAtEos: false });
  const seq = ref.tokens;
  const rows: Array<[string, number, string]> = [];
  const genMs: Partial<Record<Accumulation, number>> = {};
  for (const acc of ['float64', 'float32', 'f32x8'] as Accumulation[]) {
    const ms = time(() => generate(model, prompt, { maxTokens: NEW_TOKENS, stopAtEos: false, accumulation: acc }), REPS);
    genMs[acc] = ms;
    rows.push([`verdict generate, ${acc}`, ms, `${fmt((NEW_TOKENS / ms) * 1000)} tok/s`]);
  }
  const preMs: Partial<Record<Accumulation, number>> = {};
  for (const acc of ['float64', 'float32'] as Accumulation[]) {
    const ms = time(() => prefill(model, seq, { from: prompt.length, accumulation: acc }), REPS);
    preMs[acc] = ms;
    rows.push([`verdict prefill (teacher-forced), ${acc}`, ms, `${fmt((NEW_TOKENS / ms) * 1000)} scored tok/s`]);
  }
  const naiveN = Math.min(64, NEW_TOKENS);
  const naiveMs = time(() => naiveGenerate(model, prompt, naiveN), 1, 0);
  rows.push([`naive: no KV cache, float64, ${naiveN} tokens`, naiveMs, `${fmt((naiveN / naiveMs) * 1000)} tok/s`]);
  const naiveSeq = naiveGenerate(model, prompt, 8);
  if (naiveSeq.join() !== seq.slice(0, naiveSeq.length).join()) throw new Error('naive baseline disagrees with the runtime');

  let c: CResult[] = [];
  const dir = process.env['LLAMA2C_DIR'];
  if (dir && existsSync(join(dir, 'run.c'))) {
    const work = mkdtempSync(join(tmpdir(), 'verdict-llama2c-'));
    try {
      c = runLlama2c(model, resolve(dir), work);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    for (const r of c) {
      if (r.prompt.join() !== prompt.join()) throw new Error(`llama2.c encodes the prompt as ${r.prompt}`);
      const agree = r.tokens.findIndex((t, i) => t !== seq[i]);
      rows.push([`llama2.c run.c ${r.flags}, generate`, r.genMs, `${fmt((NEW_TOKENS / r.genMs) * 1000)} tok/s`]);
      rows.push([`llama2.c run.c ${r.flags}, teacher-forced re-run`, r.forcedMs, `${fmt((NEW_TOKENS / r.forcedMs) * 1000)} scored tok/s`]);
      console.log(`llama2.c ${r.flags}: greedy tokens ${agree === -1 ? `identical to ours for all ${seq.length} positions` : `differ from position ${agree}`}`);
    }
  } else {
    console.log('llama2.c: not measured (set LLAMA2C_DIR to a checkout of https://github.com/karpathy/llama2.c)');
  }

  console.log('\n| implementation | median ms | throughput |\n|---|---:|---:|');
  for (const [name, ms, thr] of rows) console.log(`| ${name} | ${fmt(ms, 2)} | ${thr} |`);
  console.log('');
  console.log(`verify/generate cost ratio (prefill float64 / generate float64): ${fmt(preMs.float64! / genMs.float64!, 3)}`);
  console.log(`float32 / float64 generation time: ${fmt(genMs.float32! / genMs.float64!, 2)}; f32x8 / float64: ${fmt(genMs.f32x8! / genMs.float64!, 2)}`);
  console.log(`naive (no KV cache) per-token time / KV-cache per-token time: ${fmt(naiveMs / naiveN / (genMs.float64! / NEW_TOKENS), 1)}×`);
  for (const r of c) {
    console.log(`llama2.c ${r.flags}: verdict float64 generation takes ${fmt(genMs.float64! / r.genMs, 2)}× its time; verdict prefill ${fmt(preMs.float64! / r.forcedMs, 2)}× its teacher-forced re-run`);
  }
}

await main();
