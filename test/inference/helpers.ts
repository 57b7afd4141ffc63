import { existsSync } from 'node:fs';
import { defaultModelPath, loadModel, type Model } from '../../src/inference/index.js';

/** sha256 of the shared stories260K file, from its README. */
export const STORIES260K_SHA256 = '0xe35e37262c264ec73c9ebe107cdb267c1b4fb9eedf294479fe422b47d19930c1';

let cached: Promise<Model> | undefined;

/** The real model (VERDICT_MODEL or the shared default), loaded once per test file; undefined when absent. */
export async function realModel(): Promise<Model | undefined> {
  if (!existsSync(defaultModelPath())) return undefined;
  cached ??= loadModel(defaultModelPath());
  return cached;
}

export const MODEL_MISSING = `model file not found at ${defaultModelPath()} (set VERDICT_MODEL; see docs/inference.md)`;

/**
 * `skip` option for tests that need the real model: they are skipped (with the reason) only on a clone
 * without the model and without VERDICT_MODEL; when VERDICT_MODEL names a file that is missing, they fail.
 */
export const NEEDS_MODEL: string | false = !existsSync(defaultModelPath()) && !process.env['VERDICT_MODEL'] ? MODEL_MISSING : false;

/** The real model, or a test failure: the golden tests must not pass silently without it. */
export async function requireModel(): Promise<Model> {
  const m = await realModel();
  if (!m) throw new Error(MODEL_MISSING);
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export const PROMPT = 'Once upon a time';
