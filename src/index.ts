export * from './core/index.js';
export * from './verifiers/index.js';
export * from './policy/index.js';
