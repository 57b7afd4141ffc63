export * from './types.js';
export * from './sampling.js';
