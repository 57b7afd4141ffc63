/**
 * CLI around src/inference/llama2c.ts:
 *
 *   npx tsx bench/llama2c-convert.ts export <out-dir>
 *       writes model.bin + tokenizer.bin for llama2.c's run.c from $VERDICT_MODEL (or the shared model)
 *   npx tsx bench/llama2c-convert.ts import <stories260K.bin> <tok512.bin> <out.bin>
 *       builds a llama2.ts-format model file from llama2.c's published files
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadModel, parseLlama2c, serializeModel, toLlama2cCheckpoint, toLlama2cTokenizer, type Model } from '../src/inference/index.js';

/** Writes model.bin and tokenizer.bin into dir; returns their paths. */
export function writeLlama2cFiles(model: Model, dir: string): { checkpoint: string; tokenizer: string } {
  mkdirSync(dir, { recursive: true });
  const checkpoint = join(dir, 'model.bin');
  const tokenizer = join(dir, 'tokenizer.bin');
  writeFileSync(checkpoint, toLlama2cCheckpoint(model));
  writeFileSync(tokenizer, toLlama2cTokenizer(model));
  return { checkpoint, tokenizer };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [cmd, a, b, c] = process.argv.slice(2);
  if (cmd === 'export' && a) {
    const files = writeLlama2cFiles(await loadModel(), a);
    console.log(`wrote ${files.checkpoint} and ${files.tokenizer}`);
  } else if (cmd === 'import' && a && b && c) {
    const model = parseLlama2c(new Uint8Array(readFileSync(a)), new Uint8Array(readFileSync(b)), a);
    writeFileSync(c, serializeModel(model));
    console.log(`wrote ${c}`);
  } else {
    console.error('usage: llama2c-convert.ts export <out-dir> | import <checkpoint.bin> <tokenizer.bin> <out.bin>');
    process.exit(2);
  }
}
