export * from './spec.js';
export * from './evidence.js';
export * from './checks.js';
export * from './plan.js';
export * from './verifier.js';
export * from './respond.js';
