import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as sampling from '../../src/sampling/index.js';
import * as economics from '../../src/sampling/economics.js';

test('verdict/sampling re-exports the Proof-of-Sampling economics', () => {
  const names = Object.keys(economics);
  assert.ok(names.length >= 10);
  for (const name of names) assert.equal((sampling as Record<string, unknown>)[name], (economics as Record<string, unknown>)[name], name);
  // The paper's condition through the package entry point: p* = G/(S + G).
  assert.equal(sampling.posMinCheckProbability(10, 0.5), 0.5 / 10.5);
});
