export * from './fhe.js';
