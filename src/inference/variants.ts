/**
 * Model variants that cheating providers use in tests and the demo: perturbed weights and dropped
 * layers. (Honest-but-different providers vary the accumulation instead: `accumulation` in
 * GenerateOptions, prefill options, or LocalBackend.) The variants carry no file digest: they are not
 * the committed model, whatever a provider claims.
 */
import { VerdictError } from '../core/errors.js';
import { modelFromParts, tensorLayout } from './model.js';
import { Xoshiro128, type VariantSeed } from './rng.js';
import type { Model, ModelConfig, ModelWeights } from './types.js';

/** Every weight w → w·(1 + relative·n), n ~ N(0, 1) from a seeded xoshiro128** stream. */
export function perturbWeights(model: Model, relative = 0.01, seed: VariantSeed = 0): Model {
  if (!Number.isFinite(relative) || relative < 0) throw new VerdictError('BAD_INPUT', `relative must be a finite number >= 0, got ${relative}`);
  const rng = new Xoshiro128('perturb-weights', seed);
  const weights = {} as ModelWeights;
  for (const [name] of tensorLayout(model.config)) {
    const src = model.weights[name];
    const dst = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) dst[i] = src[i]! * (1 + relative * rng.nextNormal());
    weights[name] = dst;
  }
  if (model.config.sharedOutputWeight) weights.classifier = weights.embedding;
  return modelFromParts(model.config, weights, [...model.vocab], `${model.label} with weights perturbed by ${relative} (seed ${String(seed)})`);
}

/** The model without the given layers (indices into 0..numLayers-1); at least one layer must remain. */
export function dropLayers(model: Model, layers: readonly number[]): Model {
  const L = model.config.numLayers;
  const drop = new Set<number>();
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= L) throw new VerdictError('BAD_INPUT', `layer ${l} outside [0, ${L})`);
    drop.add(l);
  }
  const keep = [...Array(L).keys()].filter((l) => !drop.has(l));
  if (keep.length === 0) throw new VerdictError('BAD_INPUT', 'cannot drop every layer');
  const config: ModelConfig = { ...model.config, numLayers: keep.length };
  const w = model.weights;
  const D = config.hiddenSize;
  const I = config.intermediateSize;
  const kv = model.kvDim;
  const pick = (t: Float32Array, per: number): Float32Array => {
    const out = new Float32Array(keep.length * per);
    keep.forEach((l, i) => out.set(t.subarray(l * per, (l + 1) * per), i * per));
    return out;
  };
  const weights: ModelWeights = {
    embedding: w.embedding,
    attentionNorm: pick(w.attentionNorm, D),
    wq: pick(w.wq, D * D),
    wk: pick(w.wk, kv * D),
    wv: pick(w.wv, kv * D),
    wo: pick(w.wo, D * D),
    ffnNorm: pick(w.ffnNorm, D),
    w1: pick(w.w1, I * D),
    w2: pick(w.w2, D * I),
    w3: pick(w.w3, I * D),
    finalNorm: w.finalNorm,
    classifier: w.classifier,
  };
  return modelFromParts(config, weights, [...model.vocab], `${model.label} without layers ${[...drop].sort((a, b) => a - b).join(',')}`);
}
