export * from './types.js';
export * from './sampling.js';
export * from './tokenizer.js';
export * from './model.js';
export { ForwardState, prefill, checkTokens, RMS_EPS, PREFILL_BLOCK, type PrefillOptions } from './forward.js';
export * from './generate.js';
export { Xoshiro128, type VariantSeed } from './rng.js';
