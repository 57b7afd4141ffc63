import { VerdictError } from '../core/index.js';

/**
 * The life of a dispute. Every transition is persisted (with a step-log row) before the next one starts,
 * so a mediator killed at any point resumes from the last persisted state.
 *
 *   received ─► evidence_fetched ─► verified ─► decided ─► signed ─► posted ─► confirmed
 *       │                                                     ▲        │
 *       └──────────── (evidence unusable) ───► decided        └────────┘ (tx dropped: prepare again)
 *   any non-terminal state ─► failed      (non-retryable error, or retries exhausted)
 *   any state before posted ─► confirmed  (the chain already holds a verdict for the job)
 *
 * Retrying is not a state of its own: a retryable error keeps the state, bumps `attempts` and sets
 * `next_attempt_at` (exponential backoff); the step log records it as a 'retry' row. `status()` below
 * derives the 'retrying' view used by metrics and the operator.
 */
export const DISPUTE_STATES = [
  'received',
  'evidence_fetched',
  'verified',
  'decided',
  'signed',
  'posted',
  'confirmed',
  'failed',
] as const;

export type DisputeState = (typeof DISPUTE_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<DisputeState> = new Set(['confirmed', 'failed']);

const NEXT: Record<DisputeState, readonly DisputeState[]> = {
  received: ['evidence_fetched', 'decided', 'confirmed', 'failed'],
  evidence_fetched: ['verified', 'decided', 'confirmed', 'failed'],
  verified: ['decided', 'confirmed', 'failed'],
  decided: ['signed', 'confirmed', 'failed'],
  signed: ['posted', 'confirmed', 'failed'],
  posted: ['confirmed', 'signed', 'failed'],
  confirmed: [],
  failed: [],
};

export function isDisputeState(s: unknown): s is DisputeState {
  return typeof s === 'string' && (DISPUTE_STATES as readonly string[]).includes(s);
}

export function canTransition(from: DisputeState, to: DisputeState): boolean {
  return NEXT[from].includes(to);
}

/** Throws INTERNAL for a transition the machine does not have: a bug, never bad input. */
export function assertTransition(from: DisputeState, to: DisputeState): void {
  if (!canTransition(from, to)) throw new VerdictError('INTERNAL', `illegal dispute transition ${from} → ${to}`);
}

/** The operator's view: the state, or 'retrying' while a retryable error waits for its backoff. */
export type DisputeStatus = DisputeState | 'retrying';

export function status(state: DisputeState, attempts: number): DisputeStatus {
  return attempts > 0 && !TERMINAL_STATES.has(state) ? 'retrying' : state;
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): base·2^(attempt−1), capped, with ±25 % jitter drawn
 * deterministically from `key` (no Math.random: the same dispute backs off the same way after a restart).
 */
export function backoffDelay(attempt: number, key: string, options: BackoffOptions): number {
  const raw = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  let h = 2166136261; // FNV-1a: a cheap, documented spread for the jitter; not security relevant
  for (const ch of `${key}#${attempt}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const jitter = 0.75 + (h / 2 ** 32) * 0.5;
  return Math.max(1, Math.round(Math.min(options.maxMs, raw * jitter)));
}
