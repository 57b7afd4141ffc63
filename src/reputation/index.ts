export * from './beta.js';
export * from './config.js';
export * from './model.js';
export * from './store.js';
export * from './sqlite.js';
export * from './scorer.js';
export * from './sim/index.js';
