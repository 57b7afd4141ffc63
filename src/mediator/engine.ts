import {
  VerdictError,
  canonicalBytes,
  canonicalize,
  fromHex,
  hashCanonical,
  isVerdictError,
  parseJson,
  sha256Hex,
  silentLogger,
  systemClock,
  toVerdictError,
  utf8,
  verdictOutcome,
  type Clock,
  type Decision,
  type JsonValue,
  type Logger,
  type Verdict,
} from '../core/index.js';
import { evaluatePolicy, type PolicySet } from '../policy/index.js';
import type { VerifierRegistry } from '../verifiers/index.js';
import {
  VERDICT_BUNDLE_FORMAT,
  ZERO32,
  deriveSeed,
  parseDisputeEvidence,
  sameParty,
  unverifiableDecision,
  type DisputeEvidence,
  type VerdictBundle,
} from './bundle.js';
import type { EvidenceStore } from './evidence-store.js';
import {
  jobIdToBytes32,
  neutralReputation,
  outcomeCode,
  outcomeFromCode,
  type Bytes32,
  type ChainPort,
  type CosignerPort,
  type EvidenceSource,
  type ReputationPort,
  type SignedVerdict,
  type VerdictPayload,
} from './ports.js';
import { TERMINAL_STATES, backoffDelay, type BackoffOptions, type DisputeState } from './states.js';
import type { DisputeRow, MediatorStore, PostRow } from './store.js';

/** What the engine reports to a metrics sink (src/mediator/metrics.ts implements it with prom-client). */
export interface EngineMetrics {
  verdictPosted(outcome: Verdict['outcome'], by: 'self' | 'other'): void;
  verification(seconds: number, jobType: string): void;
  rpcError(op: string): void;
  stepError(state: DisputeState, code: string): void;
  transition(from: DisputeState, to: DisputeState): void;
  scanned(nextBlock: number): void;
}

/**
 * Named points a test can stop the process at (kill -9 right after one) to prove crash safety. The engine
 * calls `probe(point, disputeId)` after each durable step, and around the broadcast of a transaction.
 */
export type ProbePoint = 'transition' | 'retry' | 'ingested' | 'before-broadcast' | 'after-broadcast';

export interface EngineOptions {
  store: MediatorStore;
  chain: ChainPort;
  evidence: EvidenceSource;
  evidenceStore: EvidenceStore;
  policies: PolicySet;
  registry: VerifierRegistry;
  reputation?: ReputationPort;
  cosigners?: CosignerPort;
  clock?: Clock;
  logger?: Logger;
  metrics?: EngineMetrics;
  /** Blocks a dispute event must be buried under before the engine acts on it (default 2). */
  confirmations?: number;
  /** Depth at which a verdict transaction counts as final (default: `confirmations`). */
  txConfirmations?: number;
  /** First block to scan when the database has no cursor yet (default 0). */
  startBlock?: number;
  /** Largest block range of one event query (default 2000). */
  maxBlockRange?: number;
  backoff?: BackoffOptions;
  /** Fetch attempts while the evidence is not there yet, before deciding Inconclusive (default 5). */
  evidenceAttempts?: number;
  /** Verification attempts while a verifier is inconclusive for a retryable reason (default 3). */
  verifyAttempts?: number;
  /**
   * Post this mediator's own vote when fewer than the quorum signed off-chain (default: chain.tallyVotes).
   * Without it a k-of-n committee needs co-signers.
   */
  individualVotes?: boolean;
  /** How long to wait for the quorum after our vote is on-chain before leaving the dispute (default 24 h). */
  quorumWaitMs?: number;
  /** Upper bound of one waitConfirmed call, ms (default 60 s). */
  waitTimeoutMs?: number;
  maxEvidenceBytes?: number;
  chainId?: number;
  contract?: string;
  probe?: (point: ProbePoint, disputeId: number) => void;
}

/** A step that could not finish now and should be tried again later, whatever the error's own default. */
class RetryLater extends Error {
  constructor(message: string, readonly code: string = 'RETRY') {
    super(message);
  }
}

/**
 * The dispute engine: scans the chain for disputes, drives each through the state machine of states.ts and
 * persists every step. One dispute is advanced at a time (the verifiers share the machine's cores); a step is
 * either fully persisted or not at all, so killing the process at any moment loses at most the step in flight.
 */
export class DisputeEngine {
  private readonly store: MediatorStore;
  private readonly chain: ChainPort;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly reputation: ReputationPort;
  private readonly confirmations: number;
  private readonly txConfirmations: number;
  private readonly backoff: BackoffOptions;
  private readonly probe: NonNullable<EngineOptions['probe']>;

  constructor(private readonly o: EngineOptions) {
    this.store = o.store;
    this.chain = o.chain;
    this.clock = o.clock ?? systemClock;
    this.log = (o.logger ?? silentLogger).child({ component: 'engine' });
    this.reputation = o.reputation ?? neutralReputation;
    this.confirmations = o.confirmations ?? 2;
    this.txConfirmations = o.txConfirmations ?? this.confirmations;
    this.backoff = o.backoff ?? { baseMs: 500, maxMs: 60_000 };
    this.probe = o.probe ?? (() => {});
  }

  /** Wraps a chain call: counts RPC errors and makes unknown failures retryable CHAIN_ERRORs. */
  private async rpc<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const err = isVerdictError(e) ? e : new VerdictError('CHAIN_ERROR', `${op}: ${(e as Error)?.message ?? e}`, { cause: e });
      if (err.code === 'CHAIN_ERROR' || err.code === 'TIMEOUT') this.o.metrics?.rpcError(op);
      throw err;
    }
  }

  /** Scans the next confirmed block range for disputes and records them. Returns how many were new. */
  async poll(): Promise<number> {
    const confirmed = await this.rpc('confirmedBlock', () => this.chain.confirmedBlock(this.confirmations));
    const from = this.store.nextBlock() ?? this.o.startBlock ?? 0;
    if (confirmed < from) return 0;
    const to = Math.min(confirmed, from + (this.o.maxBlockRange ?? 2000) - 1);
    const events = await this.rpc('pollDisputes', () => this.chain.pollDisputes(from, to));
    const added = this.store.ingest(events, to + 1, this.clock.now());
    this.o.metrics?.scanned(to + 1);
    for (const d of added) {
      this.log.info({ dispute: d.id, jobId: d.jobId, jobKey: d.jobKey, block: d.blockNumber }, 'dispute received');
      this.probe('ingested', d.id);
    }
    return added.length;
  }

  /**
   * Advances every due dispute as far as it goes now (to a terminal state or a scheduled retry). Returns the
   * number of steps taken. Stops between steps when `signal` aborts.
   */
  async processDue(signal?: AbortSignal): Promise<number> {
    let steps = 0;
    for (const row of this.store.due(this.clock.now())) {
      let d = row;
      while (!signal?.aborted && !TERMINAL_STATES.has(d.state) && d.nextAttemptAt <= this.clock.now()) {
        const before = `${d.state}/${d.attempts}/${d.updatedAt}`;
        await this.advance(d, signal);
        steps++;
        d = this.store.get(d.id);
        if (`${d.state}/${d.attempts}/${d.updatedAt}` === before) break; // nothing persisted (aborted mid-step)
      }
      if (signal?.aborted) break;
    }
    return steps;
  }

  /** Runs one step of one dispute; errors become retries or the failed state, never exceptions. */
  async advance(d: DisputeRow, signal?: AbortSignal): Promise<void> {
    const log = this.log.child({ dispute: d.id, jobId: d.jobId, state: d.state });
    try {
      switch (d.state) {
        case 'received':
          return await this.fetchEvidence(d, signal);
        case 'evidence_fetched':
          return await this.verify(d, signal);
        case 'verified':
          return this.decide(d);
        case 'decided':
          return await this.sign(d, signal);
        case 'signed':
          return await this.post(d);
        case 'posted':
          return await this.confirm(d, signal);
        case 'confirmed':
        case 'failed':
          return;
      }
    } catch (e) {
      if (signal?.aborted) return; // shutting down: the step is simply not persisted, and redone on restart
      if (e instanceof RetryLater) {
        this.retry(d, e.message, e.code, log);
        return;
      }
      const err = toVerdictError(e, 'INTERNAL');
      this.o.metrics?.stepError(d.state, err.code);
      if (err.retryable) {
        this.retry(d, err.toLine(), err.code, log);
      } else {
        log.error({ err: err.toJSON() }, 'dispute failed');
        this.move(d, 'failed', { error: err.toLine() });
      }
    }
  }

  private retry(d: DisputeRow, message: string, code: string, log: Logger): void {
    const attempt = d.attempts + 1;
    const delay = backoffDelay(attempt, d.jobId, this.backoff);
    const now = this.clock.now();
    log.warn({ attempt, delayMs: delay, error: message }, 'step will be retried');
    this.store.scheduleRetry(d.id, d.state, now, now + delay, message, { attempt, code });
    this.probe('retry', d.id);
  }

  private move(d: DisputeRow, to: DisputeState, detail?: Record<string, unknown>, writes?: (s: MediatorStore) => void): void {
    this.store.transition(d.id, d.state, to, this.clock.now(), detail, writes);
    this.o.metrics?.transition(d.state, to);
    this.log.info({ dispute: d.id, jobId: d.jobId, from: d.state, to, ...detail }, 'dispute step');
    this.probe('transition', d.id);
  }

  // ---- received → evidence_fetched (or decided, when the evidence is unusable) ----

  private async fetchEvidence(d: DisputeRow, signal?: AbortSignal): Promise<void> {
    if (await this.alreadyOnChain(d)) return;
    let raw: Uint8Array;
    try {
      raw = await this.o.evidence.fetch({ jobId: d.jobId, ...(d.jobKey ? { jobKey: d.jobKey } : {}), ...(d.evidenceId ? { evidenceId: d.evidenceId } : {}) }, signal);
    } catch (e) {
      const err = toVerdictError(e, 'INTERNAL');
      const limit = this.o.evidenceAttempts ?? 5;
      if ((err.code === 'NOT_FOUND' || err.retryable) && d.attempts + 1 < limit) throw new RetryLater(`evidence not available: ${err.toLine()}`, err.code);
      if (err.code === 'INTERNAL') throw err;
      return this.unusable(d, `no usable evidence after ${d.attempts + 1} attempt(s): ${err.toLine()}`, null, null);
    }
    const max = this.o.maxEvidenceBytes ?? this.o.evidenceStore.maxBytes;
    if (raw.length > max) return this.unusable(d, `evidence of ${raw.length} bytes exceeds the limit of ${max}`, null, sha256Hex(raw));
    let value: JsonValue;
    try {
      value = parseJson(raw, { source: 'dispute evidence', maxBytes: max });
    } catch (e) {
      return this.unusable(d, (e as Error).message, null, sha256Hex(raw));
    }
    // canonical bytes once: their sha256 is the content id, and they are what the store keeps
    const canonical = canonicalBytes(value);
    const contentId = sha256Hex(canonical);
    if (d.evidenceId && d.evidenceId !== contentId && d.evidenceId !== sha256Hex(raw)) {
      return this.unusable(d, `evidence does not match the on-chain commitment ${d.evidenceId} (got ${contentId})`, value, contentId);
    }
    let doc: DisputeEvidence;
    try {
      doc = parseDisputeEvidence(value);
    } catch (e) {
      return this.unusable(d, (e as Error).message, value, contentId);
    }
    const problem = this.bindingProblem(d, doc);
    if (problem) return this.unusable(d, problem, value, contentId, doc.job.type);
    const obj = this.o.evidenceStore.put(canonical);
    this.move(d, 'evidence_fetched', { contentId: obj.id, size: obj.size, jobType: doc.job.type }, (s) => {
      s.putEvidence(d.id, { contentId: obj.id, path: obj.path, size: obj.size, fetchedAt: this.clock.now() });
      s.setJobType(d.id, doc.job.type);
    });
  }

  /** Evidence for another job or provider than the one disputed on-chain is unusable. */
  private bindingProblem(d: DisputeRow, doc: DisputeEvidence): string | null {
    if (jobIdToBytes32(doc.job.id) !== d.jobId.toLowerCase()) return `evidence is for job "${doc.job.id}", not the disputed job ${d.jobKey ?? d.jobId}`;
    if (!sameParty(doc.job.provider, d.provider)) return `evidence names provider ${doc.job.provider}, the chain names ${d.provider}`;
    return null;
  }

  /** Records an Inconclusive decision (and its verdict) when nothing can be verified. */
  private unusable(d: DisputeRow, reason: string, value: JsonValue | null, evidenceHash: Bytes32 | null, jobType = 'unknown'): void {
    const decision = unverifiableDecision(d.jobKey ?? d.jobId, jobType, reason, this.clock.now());
    const stored = value === null ? null : this.o.evidenceStore.putJson(value);
    const hash = evidenceHash ?? ZERO32;
    const { payload, verdict } = this.verdictOf(d, decision, hash);
    this.log.warn({ dispute: d.id, reason }, 'evidence unusable: deciding Inconclusive');
    this.move(d, 'decided', { outcome: verdict.outcome, reason }, (s) => {
      if (stored) s.putEvidence(d.id, { contentId: stored.id, path: stored.path, size: stored.size, fetchedAt: this.clock.now() });
      s.setJobType(d.id, jobType);
      s.putDecision(d.id, { decision, decisionHash: verdict.decisionHash, seed: this.seedOf(d), policyJson: null, verifyMs: 0 });
      s.putVerdict(d.id, payload, verdict, this.clock.now());
      s.note(d.id, d.state, this.clock.now(), { evidenceProblem: reason });
    });
  }

  private seedOf(d: DisputeRow): Bytes32 {
    return d.seed ?? deriveSeed(d.blockHash, d.jobId);
  }

  private loadEvidence(d: DisputeRow): { value: JsonValue; doc: DisputeEvidence } | null {
    const ref = this.store.evidence(d.id);
    if (!ref) return null;
    const value = parseJson(this.o.evidenceStore.get(ref.contentId), { source: ref.path, maxBytes: this.o.evidenceStore.maxBytes });
    return { value, doc: parseDisputeEvidence(value) };
  }

  // ---- evidence_fetched → verified ----

  private async verify(d: DisputeRow, signal?: AbortSignal): Promise<void> {
    const ev = this.loadEvidence(d);
    if (!ev) throw new VerdictError('INTERNAL', `dispute ${d.id} is evidence_fetched without an evidence row`);
    const { job, evidence } = ev.doc;
    const contentId = this.store.evidence(d.id)!.contentId;
    if (!this.o.policies.has(job.type)) {
      const decision = unverifiableDecision(job.id, job.type, `no policy for job type "${job.type}"`, this.clock.now());
      const { payload, verdict } = this.verdictOf(d, decision, contentId);
      this.move(d, 'decided', { outcome: verdict.outcome, reason: decision.reasons[0] }, (s) => {
        s.putDecision(d.id, { decision, decisionHash: verdict.decisionHash, seed: this.seedOf(d), policyJson: null, verifyMs: 0 });
        s.putVerdict(d.id, payload, verdict, this.clock.now());
      });
      return;
    }
    const policy = this.o.policies.forJobType(job.type);
    const seed = this.seedOf(d);
    const adaptiveProbability = clamp01(this.reputation.checkProbability(job.provider, job.type));
    const started = performance.now();
    const decision = await evaluatePolicy(this.o.registry, policy, job, evidence.claim, evidence.items as Record<string, unknown>, {
      seed: fromHex(seed, 'seed', 32),
      adaptiveProbability,
      clock: this.clock,
      ...(signal ? { signal } : {}),
    });
    const verifyMs = performance.now() - started;
    if (signal?.aborted) return; // findings made under a shutdown abort are not evidence of anything
    this.o.metrics?.verification(verifyMs / 1000, job.type);
    const retryable = decision.findings.filter((f) => f.outcome === 'inconclusive' && f.error?.retryable);
    if (retryable.length > 0 && d.attempts + 1 < (this.o.verifyAttempts ?? 3)) {
      throw new RetryLater(`verifier(s) ${retryable.map((f) => f.verifier).join(', ')} inconclusive: ${retryable[0]!.reason}`, retryable[0]!.error!.code);
    }
    this.move(d, 'verified', { outcome: decision.outcome, verifyMs: Math.round(verifyMs), findings: decision.findings.map((f) => `${f.verifier}:${f.outcome}`) }, (s) =>
      s.putDecision(d.id, {
        decision,
        decisionHash: hashCanonical(decision as unknown as JsonValue),
        seed,
        policyJson: JSON.stringify({ policy, adaptiveProbability }),
        verifyMs,
      }),
    );
  }

  // ---- verified → decided ----

  private verdictOf(d: DisputeRow, decision: Decision, evidenceHash: Bytes32): { payload: VerdictPayload; verdict: Verdict } {
    const outcome = verdictOutcome(decision.outcome);
    const payload: VerdictPayload = { jobId: d.jobId, outcome: outcomeCode(outcome), evidenceHash };
    const verdict: Verdict = {
      v: 1,
      jobId: decision.jobId,
      outcome,
      decisionHash: hashCanonical(decision as unknown as JsonValue),
      evidenceHash,
      mediator: this.chain.address,
      issuedAt: this.clock.now(),
    };
    return { payload, verdict };
  }

  private decide(d: DisputeRow): void {
    const row = this.store.decision(d.id);
    const ev = this.store.evidence(d.id);
    if (!row || !ev) throw new VerdictError('INTERNAL', `dispute ${d.id} is verified without a decision or evidence`);
    const { payload, verdict } = this.verdictOf(d, row.decision, ev.contentId);
    this.move(d, 'decided', { outcome: verdict.outcome }, (s) => s.putVerdict(d.id, payload, verdict, this.clock.now()));
  }

  // ---- decided → signed ----

  private async sign(d: DisputeRow, signal?: AbortSignal): Promise<void> {
    const v = this.store.verdict(d.id, d.jobId);
    if (!v) throw new VerdictError('INTERNAL', `dispute ${d.id} is decided without a verdict`);
    if (await this.alreadyOnChain(d)) return;
    const committee = await this.rpc('committee', () => this.chain.committee(d.jobId));
    const members = new Set(committee.members.map((m) => m.toLowerCase()));
    if (!members.has(this.chain.address.toLowerCase())) {
      throw new VerdictError('BAD_CONFIG', `this mediator (${this.chain.address}) is not on the committee of job ${d.jobId}`);
    }
    const own = await this.rpc('signVerdict', () => this.chain.signVerdict(v.payload));
    const all = new Map<string, SignedVerdict>([[own.signer.toLowerCase(), own]]);
    const votes = this.individualVotes();
    if (committee.threshold > 1) {
      if (!this.o.cosigners && !votes) {
        throw new VerdictError('BAD_CONFIG', `job ${d.jobId} needs ${committee.threshold} signatures and no co-signers are configured`);
      }
      for (const s of (await this.o.cosigners?.collect(v.payload, committee, signal)) ?? []) {
        const who = s.signer.toLowerCase();
        if (members.has(who) && !all.has(who)) all.set(who, s);
      }
    }
    // with an on-chain tally, a vote with fewer signatures than the quorum counts too
    if (all.size < committee.threshold && !votes) throw new RetryLater(`only ${all.size} of ${committee.threshold} committee signatures`);
    // sorted by signer so the contract can refuse duplicates with one comparison per signature
    const key = (s: SignedVerdict) => s.signer.toLowerCase();
    const signatures = [...all.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const verdict = { ...v.verdict, signature: own.signature };
    this.move(d, 'signed', { signers: signatures.map((s) => s.signer) }, (s) => s.setSignatures(d.id, signatures, verdict));
  }

  // ---- signed → posted: the only step with an external side effect, made idempotent ----

  private async post(d: DisputeRow): Promise<void> {
    const v = this.store.verdict(d.id, d.jobId);
    if (!v?.signatures) throw new VerdictError('INTERNAL', `dispute ${d.id} is signed without signatures`);
    // check the chain before sending: a verdict may be there from before a crash, or from a co-member
    const status = await this.rpc('verdictStatus', () => this.chain.verdictStatus(d.jobId));
    const live = this.store.livePost(d.id);
    if (status.status !== 'none') {
      // ours when it is our live tx, or the adapter cannot tell (the confirm step then finds out from the receipt)
      if (live && (!status.txHash || status.txHash.toLowerCase() === live.txHash.toLowerCase())) {
        this.move(d, 'posted', { txHash: live.txHash, recovered: true }, (s) => s.setPostStatus(live.txHash, 'sent', this.clock.now()));
        return;
      }
      return this.confirmedByOther(d, status.outcome, status.evidenceHash, status.txHash);
    }
    // persist the intent (the signed transaction and its hash) before it can reach the network
    let tx = live;
    if (!tx) {
      const prepared = await this.rpc('prepareVerdict', () => this.chain.prepareVerdict(v.payload, v.signatures!));
      this.store.addPost(d.id, prepared, this.clock.now());
      tx = this.store.livePost(d.id)!;
    }
    this.probe('before-broadcast', d.id);
    const hash = await this.rpc('broadcast', () => this.chain.broadcast(tx));
    this.probe('after-broadcast', d.id);
    if (hash.toLowerCase() !== tx.txHash.toLowerCase()) {
      throw new VerdictError('INTERNAL', `node reports tx ${hash} for prepared tx ${tx.txHash}`);
    }
    this.move(d, 'posted', { txHash: tx.txHash, nonce: tx.nonce, rebroadcast: live !== null }, (s) => s.setPostStatus(tx.txHash, 'sent', this.clock.now()));
  }

  // ---- posted → confirmed (or back to signed when the tx was dropped) ----

  private individualVotes(): boolean {
    return this.o.individualVotes ?? this.chain.tallyVotes ?? false;
  }

  private async confirm(d: DisputeRow, signal?: AbortSignal): Promise<void> {
    const last = this.store.posts(d.id).at(-1);
    if (last?.status === 'confirmed') return this.awaitFinal(d, last); // our vote is in; the quorum is not (yet)
    const live = this.store.livePost(d.id);
    if (!live) {
      this.move(d, 'signed', { reason: 'no live transaction' });
      return;
    }
    const out = await this.rpc('waitConfirmed', () =>
      this.chain.waitConfirmed(live.txHash, this.txConfirmations, { timeoutMs: this.o.waitTimeoutMs ?? 60_000, ...(signal ? { signal } : {}) }),
    );
    if (signal?.aborted) return;
    if (out.status === 'dropped') {
      this.move(d, 'signed', { txHash: live.txHash, reason: 'transaction dropped; preparing it again' }, (s) => s.setPostStatus(live.txHash, 'dropped', this.clock.now()));
      return;
    }
    if (out.status === 'reverted') {
      const status = await this.rpc('verdictStatus', () => this.chain.verdictStatus(d.jobId));
      if (status.status !== 'none') {
        this.store.setPostStatus(live.txHash, 'reverted', this.clock.now(), out.blockNumber);
        return this.confirmedByOther(d, status.outcome, status.evidenceHash, status.txHash);
      }
      throw new VerdictError('CHAIN_ERROR', `verdict transaction ${live.txHash} reverted: ${out.reason ?? 'no reason'}`, { retryable: false });
    }
    const status = await this.rpc('verdictStatus', () => this.chain.verdictStatus(d.jobId));
    if (status.status === 'none') {
      // mined and not reverted, yet no verdict: the contract tallied it as a vote below the quorum
      this.store.setPostStatus(live.txHash, 'confirmed', this.clock.now(), out.blockNumber);
      return this.awaitFinal(d, { ...live, status: 'confirmed', updatedAt: this.clock.now() });
    }
    if (status.txHash && status.txHash.toLowerCase() !== live.txHash.toLowerCase()) {
      // our transaction was a vote; another one completed the quorum
      this.store.setPostStatus(live.txHash, 'confirmed', this.clock.now(), out.blockNumber);
      return this.confirmedByOther(d, status.outcome, status.evidenceHash, status.txHash);
    }
    this.finalizeSelf(d, live.txHash, out.blockNumber);
  }

  /** Our vote is on-chain: wait (with backoff) for the quorum, or give up waiting after quorumWaitMs. */
  private async awaitFinal(d: DisputeRow, vote: PostRow): Promise<void> {
    const status = await this.rpc('verdictStatus', () => this.chain.verdictStatus(d.jobId));
    if (status.status === 'none') {
      if (this.clock.now() - vote.updatedAt >= (this.o.quorumWaitMs ?? 24 * 3600_000)) {
        this.move(d, 'confirmed', { vote: vote.txHash, final: false, reason: 'no quorum within the wait; the contract times the round out' });
        return;
      }
      throw new RetryLater(`vote ${vote.txHash} recorded; waiting for the committee's quorum`, 'AWAITING_QUORUM');
    }
    if (status.txHash && status.txHash.toLowerCase() === vote.txHash.toLowerCase()) return this.finalizeSelf(d, vote.txHash, vote.blockNumber ?? undefined);
    return this.confirmedByOther(d, status.outcome, status.evidenceHash, status.txHash);
  }

  private finalizeSelf(d: DisputeRow, txHash: Bytes32, blockNumber: number | undefined): void {
    const v = this.store.verdict(d.id, d.jobId)!;
    const bundleId = this.writeBundle(d, v.verdict, v.payload, v.signatures ?? [], txHash, 'self');
    this.o.metrics?.verdictPosted(v.verdict.outcome, 'self');
    this.move(d, 'confirmed', { txHash, block: blockNumber ?? null, bundle: bundleId }, (s) => {
      s.setPostStatus(txHash, 'confirmed', this.clock.now(), blockNumber);
      s.setBundle(d.id, bundleId);
      this.recordReputation(s, d, v.verdict.outcome);
    });
  }

  /** The chain already has a verdict for this job (posted before a crash, or by a co-member). */
  private async alreadyOnChain(d: DisputeRow): Promise<boolean> {
    const status = await this.rpc('verdictStatus', () => this.chain.verdictStatus(d.jobId));
    if (status.status === 'none') return false;
    this.confirmedByOther(d, status.outcome, status.evidenceHash, status.txHash);
    return true;
  }

  private confirmedByOther(d: DisputeRow, outcome?: number, evidenceHash?: Bytes32, txHash?: Bytes32): void {
    const v = this.store.verdict(d.id, d.jobId);
    const chainOutcome = outcome === undefined ? null : outcomeFromCode(outcome);
    const agrees = v !== null && v.payload.outcome === outcome && v.payload.evidenceHash === evidenceHash?.toLowerCase();
    if (v && !agrees) this.log.warn({ dispute: d.id, ours: v.verdict.outcome, chain: chainOutcome }, 'the chain holds a different verdict');
    let bundleId: Bytes32 | null = null;
    if (v && agrees) bundleId = this.writeBundle(d, v.verdict, v.payload, v.signatures ?? [], txHash ?? null, 'other');
    if (chainOutcome) this.o.metrics?.verdictPosted(chainOutcome, 'other');
    const live = this.store.livePost(d.id);
    this.move(d, 'confirmed', { postedBy: 'other', txHash: txHash ?? null, outcome: chainOutcome, agrees }, (s) => {
      if (live) s.setPostStatus(live.txHash, 'superseded', this.clock.now());
      if (bundleId) s.setBundle(d.id, bundleId);
      if (chainOutcome && v) this.recordReputation(s, d, chainOutcome);
    });
  }

  /**
   * Reputation is told inside the transaction that confirms the dispute (before it commits), guarded by a flag
   * in that transaction. A crash between the reputation write and the commit replays the call on restart; the
   * ReputationPort deduplicates by job id, so each outcome counts once.
   * A correct verdict whose decision carries failing findings (optional verifiers below the reject weight) passes
   * their ids as `flags`, so a provider that hands in e.g. a forged telemetry trace is not recorded as clean.
   */
  private recordReputation(s: MediatorStore, d: DisputeRow, outcome: Verdict['outcome']): void {
    if (!s.markReputationRecorded(d.id)) return;
    const jobType = d.jobType ?? 'unknown';
    const findings = this.store.decision(d.id)?.decision.findings ?? [];
    const checked = findings.length > 0;
    const flags = outcome === 'ProviderCorrect' ? [...new Set(findings.filter((f) => f.outcome === 'fail').map((f) => f.verifier))] : [];
    this.reputation.record({
      provider: d.provider,
      jobId: d.jobKey ?? d.jobId,
      jobType,
      outcome,
      checked,
      at: this.clock.now(),
      ...(flags.length > 0 ? { flags } : {}),
    });
  }

  /** Writes the verdict bundle (content-addressed, so writing it twice after a crash is harmless). */
  private writeBundle(d: DisputeRow, verdict: Verdict, payload: VerdictPayload, signatures: SignedVerdict[], txHash: Bytes32 | null, postedBy: 'self' | 'other'): Bytes32 {
    const dec = this.store.decision(d.id);
    if (!dec) throw new VerdictError('INTERNAL', `dispute ${d.id} has a verdict without a decision`);
    const ev = this.store.evidence(d.id);
    // the stored evidence already is canonical JSON: it is spliced into the bundle as it is, not re-encoded
    const evidenceText = ev ? Buffer.from(this.o.evidenceStore.get(ev.contentId)).toString('utf8') : null;
    const extra = dec.policyJson ? (JSON.parse(dec.policyJson) as { policy: JsonValue; adaptiveProbability: number }) : null;
    const problem = extra ? null : (dec.decision.reasons[0] ?? 'unverifiable');
    const bundle: Omit<VerdictBundle, 'disputeEvidence'> = {
      format: VERDICT_BUNDLE_FORMAT,
      v: 1,
      evidenceProblem: problem,
      evidenceHash: payload.evidenceHash,
      policy: extra?.policy ?? null,
      seed: dec.seed,
      seedSource: d.seed ? 'chain' : 'block-hash',
      adaptiveProbability: extra?.adaptiveProbability ?? 1,
      decision: dec.decision,
      verdict,
      payload,
      signatures,
      chain: {
        ...(this.o.chainId !== undefined ? { chainId: this.o.chainId } : {}),
        ...(this.o.contract !== undefined ? { contract: this.o.contract } : {}),
        jobId: d.jobId,
        dispute: { blockNumber: d.blockNumber, blockHash: d.blockHash, txHash: d.txHash, logIndex: d.logIndex },
        verdictTx: txHash,
        postedBy,
      },
    };
    return this.o.evidenceStore.put(utf8(canonicalBundle(bundle, evidenceText))).id;
  }

  /**
   * The daemon loop: scan, advance, sleep until the next retry or poll. Returns when `signal` aborts, after
   * the step in flight has been persisted (or abandoned without a trace, to be redone on restart).
   */
  async run(
    signal: AbortSignal,
    options: { pollIntervalMs?: number; onError?: (e: VerdictError) => void; onPolled?: () => void } = {},
  ): Promise<void> {
    const interval = options.pollIntervalMs ?? 2000;
    while (!signal.aborted) {
      try {
        while ((await this.poll()) > 0 && !signal.aborted);
        options.onPolled?.();
      } catch (e) {
        const err = toVerdictError(e, 'CHAIN_ERROR');
        this.log.warn({ err: err.toJSON() }, 'scanning the chain failed; will retry');
        options.onError?.(err);
      }
      await this.processDue(signal);
      if (signal.aborted) break;
      const wake = this.store.nextWakeup();
      const wait = wake === null ? interval : Math.max(0, Math.min(interval, wake - this.clock.now()));
      await sleep(wait, signal);
    }
  }
}

/**
 * Canonical JSON (RFC 8785) of a verdict bundle whose `disputeEvidence` is given as canonical text: the top-level
 * keys are sorted like canonicalize() sorts them, and the evidence — often megabytes — is copied, not re-encoded.
 */
export function canonicalBundle(bundle: Omit<VerdictBundle, 'disputeEvidence'>, evidenceText: string | null): string {
  const all: Record<string, unknown> = { ...bundle, disputeEvidence: null };
  const parts = Object.keys(all)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${k === 'disputeEvidence' ? (evidenceText ?? 'null') : canonicalize(all[k])}`);
  return `{${parts.join(',')}}`;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
