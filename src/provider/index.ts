export * from './fhe.js';
export * from './telemetry.js';
