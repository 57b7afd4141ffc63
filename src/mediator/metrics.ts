import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Verdict } from '../core/index.js';
import type { EngineMetrics } from './engine.js';
import { DISPUTE_STATES, type DisputeState, type DisputeStatus } from './states.js';

/**
 * Prometheus metrics of one mediator (a Registry instance of its own, never prom-client's global one).
 * Names are prefixed `verdict_mediator_`; docs/operator-guide.md lists them.
 */
export class MediatorMetrics implements EngineMetrics {
  readonly registry = new Registry();
  private readonly verdicts: Counter<'outcome' | 'posted_by'>;
  private readonly verifySeconds: Histogram<'job_type'>;
  private readonly rpcErrors: Counter<'op'>;
  private readonly stepErrors: Counter<'state' | 'code'>;
  private readonly transitions: Counter<'to'>;
  private readonly nextBlock: Gauge;

  constructor(options: { counts?: () => Partial<Record<DisputeStatus, number>>; defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const counts = options.counts;
    new Gauge({
      name: 'verdict_mediator_disputes',
      help: 'Disputes by state ("retrying": waiting for a backoff after a retryable error)',
      labelNames: ['state'],
      registers,
      collect() {
        if (!counts) return;
        const now = counts();
        for (const s of [...DISPUTE_STATES, 'retrying'] as const) this.set({ state: s }, now[s] ?? 0);
      },
    });
    this.verdicts = new Counter({
      name: 'verdict_mediator_verdicts_posted_total',
      help: 'Verdicts confirmed on-chain, by outcome and by who posted them (this mediator or another party)',
      labelNames: ['outcome', 'posted_by'],
      registers,
    });
    this.verifySeconds = new Histogram({
      name: 'verdict_mediator_verification_seconds',
      help: 'Time to run a job type policy on one dispute',
      labelNames: ['job_type'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.rpcErrors = new Counter({ name: 'verdict_mediator_rpc_errors_total', help: 'Failed chain RPC calls, by operation', labelNames: ['op'], registers });
    this.stepErrors = new Counter({
      name: 'verdict_mediator_step_errors_total',
      help: 'Dispute steps that failed (retried or not), by state and error code',
      labelNames: ['state', 'code'],
      registers,
    });
    this.transitions = new Counter({ name: 'verdict_mediator_transitions_total', help: 'Dispute state transitions, by target state', labelNames: ['to'], registers });
    this.nextBlock = new Gauge({ name: 'verdict_mediator_next_block', help: 'First chain block not yet scanned for disputes', registers });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'verdict_mediator_' });
  }

  verdictPosted(outcome: Verdict['outcome'], by: 'self' | 'other'): void {
    this.verdicts.inc({ outcome, posted_by: by });
  }
  verification(seconds: number, jobType: string): void {
    this.verifySeconds.observe({ job_type: jobType }, seconds);
  }
  rpcError(op: string): void {
    this.rpcErrors.inc({ op });
  }
  stepError(state: DisputeState, code: string): void {
    this.stepErrors.inc({ state, code });
  }
  transition(_from: DisputeState, to: DisputeState): void {
    this.transitions.inc({ to });
  }
  scanned(nextBlock: number): void {
    this.nextBlock.set(nextBlock);
  }

  contentType(): string {
    return this.registry.contentType;
  }
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
