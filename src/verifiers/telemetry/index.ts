export * from './verifier.js';
export * from './checks.js';
export * from './forgery.js';
export * from './fingerprint.js';
export * from './nonce.js';
export * from './options.js';
export * from './series.js';
export * from './stores.js';
export * as telemetryStats from './stats.js';
