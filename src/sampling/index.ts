export * from './drbg.js';
export * from './samplers.js';
export * from './detection.js';
export * from './commitment.js';
export * from './challenge.js';
export * from './economics.js';
