import { VerdictError } from '../../core/index.js';
import { minCheckProbability } from '../../sampling/economics.js';
import { resolveReputationConfig, type EconomicsParams, type ReputationConfig, type ReputationConfigInput } from '../config.js';
import type { ReputationOutcome } from '../model.js';
import { Sfc32 } from './prng.js';
import { boincRule, reputationRule, type CheckRule, type RuleAgent } from './rules.js';
import { mean, quantile, standardError } from './stats.js';
import { DEFAULT_STRATEGY_PARAMS, STRATEGY_NAMES, makeStrategy, type Strategy, type StrategyName, type StrategyParams } from './strategies.js';

/**
 * A deterministic marketplace simulator. Every provider ("agent") runs a strategy for `jobs` jobs (or until it
 * is banned and does not come back). Each job: the rule gives a check probability; the provider decides to cheat
 * or not (before it knows whether it is checked); a check of a cheated job fails with the verifier's detection
 * probability; every fail goes to appeal, which upholds a real cheat with probability `confirm` and a benign
 * mis-flag with probability `falseConfirm`; an upheld fail slashes the whole stake and bans the identity.
 *
 * Agents are independent (a check rate depends only on the provider's own history), so the network is simulated
 * agent by agent. Randomness: three SFC32 streams per agent (behaviour, check draw, verifier) seeded from
 * (seed, strategy, agent index) and drawn a fixed number of times per job, so every rule faces the same providers
 * making the same choices (common random numbers: differences between rules are not sampling noise).
 */
export interface SimParams {
  seed: string;
  /** Jobs per provider. */
  jobs: number;
  /** Simulated time per job slot (decay periods and suspensions are in time). */
  jobMs: number;
  /** Slashable stake each identity posts. */
  stake: number;
  /** Non-refundable fee to enter under a new identity (paid again by whitewashers). */
  entryBond: number;
  /** Reward, honest cost, gain of a cheat, and the verifier's detection probability per check. */
  economics: EconomicsParams;
  /** Probability an appeal upholds a detected cheat. */
  confirm: number;
  /** Probability an appeal upholds a benign mis-flag (honest provider wrongly confirmed). */
  falseConfirm: number;
  population: { honest: number; noisy: number; cheatersPerStrategy: number };
  /** Runs per cheating strategy for the detection statistics (the network's cheaters are the first of them). */
  trials: number;
  strategy: StrategyParams;
  /** Scorer overrides; its economics default is replaced by `economics`. */
  reputation: ReputationConfigInput;
  boinc: { threshold: number; minRate: number };
  /** Time buckets of the check-rate-over-time series. */
  buckets: number;
  /** Detection target: caught within this many jobs of the first cheat. */
  targetJobs: number;
}

export const FULL_SCALE: Pick<SimParams, 'jobs' | 'population' | 'trials' | 'strategy'> = {
  jobs: 10_000,
  population: { honest: 500, noisy: 500, cheatersPerStrategy: 20 },
  trials: 2000,
  strategy: DEFAULT_STRATEGY_PARAMS,
};

/** For tests and quick looks: shorter lives, so slow poisoning starts earlier. */
export const SMALL_SCALE: Pick<SimParams, 'jobs' | 'population' | 'trials' | 'strategy'> = {
  jobs: 2000,
  population: { honest: 10, noisy: 10, cheatersPerStrategy: 2 },
  trials: 40,
  strategy: { ...DEFAULT_STRATEGY_PARAMS, poisonAfter: 500, sleeperAfter: 500 },
};

export function defaultSimParams(overrides: Partial<SimParams> = {}): SimParams {
  return {
    seed: 'verdict',
    ...FULL_SCALE,
    jobMs: 60_000,
    stake: 25,
    entryBond: 5,
    economics: { reward: 1, cost: 0.5, gain: 0.5, detection: 0.9 },
    confirm: 1,
    falseConfirm: 0,
    reputation: {},
    boinc: { threshold: 10, minRate: 0.04 },
    buckets: 50,
    targetJobs: 1000,
    ...overrides,
  };
}

export interface AgentResult {
  strategy: StrategyName;
  index: number;
  jobs: number;
  slots: number;
  /** First-line checks, and appeals (a second, full verification of every fail). */
  checks: number;
  appeals: number;
  cheatJobs: number;
  /** Jobs done honestly / paid for. */
  honestJobs: number;
  paidJobs: number;
  identities: number;
  bans: number;
  /** Jobs from the first identity's first cheat to its confirmed detection, inclusive; Infinity if never caught; NaN if it never cheated. */
  detection: number;
  suspendedSlots: number;
  suspensions: number;
  slashed: number;
  bonds: number;
}

export interface StrategyStats {
  strategy: StrategyName;
  label: string;
  description: string;
  honest: boolean;
  agents: number;
  jobs: number;
  /** (checks + appeals) / jobs. */
  checksPerJob: number;
  /** Detection over runs that cheated: fraction caught within targetJobs, median and p99 of jobs until detection. */
  detection: { runs: number; caught: number; caughtWithinTarget: number; median: number; p99: number; mean: number; times: number[] };
  /** Per agent, mean: Σ G over cheated jobs, stake slashed, rewards withheld on failed jobs, extra entry bonds. */
  gain: number;
  slashed: number;
  forfeited: number;
  bonds: number;
  /** Mean over agents of (payoff − what the same jobs would have paid done honestly) = gain − slashed − forfeited − bonds. */
  netCheating: number;
  netCheatingSE: number;
  /** netCheating per job done. */
  netPerJob: number;
  /** Also counting the income lost after a ban (over the full horizon). */
  vsHonestHorizon: number;
  /** Honest strategies: agents slashed, agents ever suspended, fraction of time suspended. */
  wronglySlashed: number;
  wronglySuspended: number;
  suspendedFraction: number;
  /** Mean check probability by time bucket (jobs done), over agents active in the bucket. */
  rateSeries: number[];
}

export interface RuleResult {
  rule: string;
  label: string;
  description: string;
  strategies: StrategyStats[];
  network: { agents: number; jobs: number; checks: number; appeals: number; checkRate: number };
}

export interface TargetCheck {
  id: string;
  statement: string;
  value: number;
  threshold: number;
  met: boolean;
}

export interface SimResult {
  v: 1;
  params: SimParams;
  config: ReputationConfig;
  economicMinimum: number;
  rules: RuleResult[];
  targets: TargetCheck[];
}

const CHEATERS: StrategyName[] = STRATEGY_NAMES.filter((s) => s !== 'honest' && s !== 'noisy');

export function validateSimParams(p: SimParams): void {
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new VerdictError('BAD_INPUT', `${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  const prob = (name: string, v: number) => {
    if (!(v >= 0 && v <= 1)) throw new VerdictError('BAD_INPUT', `${name} must be in [0, 1], got ${v}`);
  };
  int('jobs', p.jobs, 1, 10_000_000);
  int('population.honest', p.population.honest, 0, 1_000_000);
  int('population.noisy', p.population.noisy, 0, 1_000_000);
  int('population.cheatersPerStrategy', p.population.cheatersPerStrategy, 0, 1_000_000);
  int('trials', p.trials, 1, 1_000_000);
  int('buckets', p.buckets, 1, 10_000);
  int('targetJobs', p.targetJobs, 1, 10_000_000);
  int('jobMs', p.jobMs, 1, 86_400_000);
  prob('confirm', p.confirm);
  prob('falseConfirm', p.falseConfirm);
  prob('economics.detection', p.economics.detection);
  if (!(p.economics.detection > 0)) throw new VerdictError('BAD_INPUT', 'economics.detection must be > 0');
  for (const [k, v] of Object.entries({ stake: p.stake, entryBond: p.entryBond, ...p.economics })) {
    if (!Number.isFinite(v) || v < 0) throw new VerdictError('BAD_INPUT', `${k} must be a finite number ≥ 0, got ${v}`);
  }
}

/** The scorer config the simulation runs with: the given overrides, with the simulated economics. */
export function simReputationConfig(p: SimParams): ReputationConfig {
  return resolveReputationConfig({ ...p.reputation, economics: { default: p.economics, byJobType: {} } }, 'simulation reputation config');
}

export function simRules(p: SimParams, config = simReputationConfig(p)): CheckRule[] {
  return [reputationRule(config), boincRule({ threshold: p.boinc.threshold, minRate: 0 }), boincRule(p.boinc)];
}

/** Runs one agent under one rule. `series` accumulates [Σ rate, count] per time bucket. */
export function runAgent(
  strategy: Strategy,
  index: number,
  agent: RuleAgent,
  p: SimParams,
  series?: { sum: Float64Array; count: Float64Array },
): AgentResult {
  const label = `${p.seed}/${strategy.name}/${index}`;
  const behaviour = new Sfc32(`${label}/behaviour`);
  const checkDraws = new Sfc32(`${label}/check`);
  const verifier = new Sfc32(`${label}/verifier`);
  const { detection: d } = p.economics;
  const r: AgentResult = {
    strategy: strategy.name,
    index,
    jobs: 0,
    slots: 0,
    checks: 0,
    appeals: 0,
    cheatJobs: 0,
    honestJobs: 0,
    paidJobs: 0,
    identities: 1,
    bans: 0,
    detection: Number.NaN,
    suspendedSlots: 0,
    suspensions: 0,
    slashed: 0,
    bonds: 0,
  };
  let identity = `${strategy.name}-${index}#0`;
  let identityJob = 0;
  let firstCheat = -1;
  let wasSuspended = false;
  const rejoin = (now: number) => {
    identity = `${strategy.name}-${index}#${r.identities}`;
    r.identities += 1;
    r.bonds += p.entryBond;
    identityJob = 0;
    agent.join(identity, p.stake, now);
  };
  agent.join(identity, p.stake, 0);
  // Suspensions take time slots, so cap the slots so that a provider suspended forever cannot loop forever.
  const maxSlots = p.jobs * 4;
  for (let slot = 0; r.jobs < p.jobs && slot < maxSlots; slot++) {
    const now = slot * p.jobMs;
    r.slots += 1;
    let a = agent.assess(identity, now);
    if (a.banned) {
      if (!strategy.rejoinsAfterBan) {
        r.slots -= 1;
        break;
      }
      rejoin(now);
      a = agent.assess(identity, now);
    } else if (strategy.leavesOnProbation && a.tier === 'probation') {
      rejoin(now);
      a = agent.assess(identity, now);
    }
    if (!a.eligible) {
      r.suspendedSlots += 1;
      if (!wasSuspended) r.suspensions += 1;
      wasSuspended = true;
      continue;
    }
    wasSuspended = false;
    const uBehaviour = behaviour.next();
    const uCheck = checkDraws.next();
    const uFinding = verifier.next();
    const uAppeal = verifier.next();
    const cheat = strategy.cheats({ job: r.jobs, identityJob, tier: a.tier, newcomerJobs: agent.newcomerJobs }, uBehaviour);
    if (series) {
      const b = Math.min(series.sum.length - 1, Math.floor((r.jobs * series.sum.length) / p.jobs));
      series.sum[b]! += a.rate;
      series.count[b]! += 1;
    }
    const jobIndex = r.jobs;
    r.jobs += 1;
    identityJob += 1;
    if (cheat) {
      r.cheatJobs += 1;
      if (firstCheat < 0 && r.identities === 1) firstCheat = jobIndex;
    } else r.honestJobs += 1;
    let paid = true;
    if (uCheck < a.rate) {
      r.checks += 1;
      let outcome: ReputationOutcome;
      if (cheat) outcome = uFinding < d ? 'fail' : 'pass';
      else if (uFinding < strategy.noise.falseFlag) outcome = 'fail';
      else if (uFinding < strategy.noise.falseFlag + strategy.noise.inconclusive) outcome = 'inconclusive';
      else outcome = 'pass';
      let confirmed = false;
      if (outcome === 'fail') {
        r.appeals += 1;
        paid = false;
        confirmed = uAppeal < (cheat ? p.confirm : p.falseConfirm);
      }
      agent.record(identity, outcome, confirmed, now);
      if (confirmed) {
        r.bans += 1;
        r.slashed += p.stake;
        if (r.identities === 1 && Number.isNaN(r.detection) && firstCheat >= 0) r.detection = jobIndex - firstCheat + 1;
      }
    }
    if (paid) r.paidJobs += 1;
  }
  if (firstCheat >= 0 && Number.isNaN(r.detection)) r.detection = Number.POSITIVE_INFINITY;
  return r;
}

export interface SimProgress {
  (event: { rule: string; strategy: StrategyName; done: number; total: number }): void;
}

/** Runs every rule on the same population and summarises. Deterministic: same params → same result. */
export function simulate(p: SimParams, onProgress?: SimProgress): SimResult {
  validateSimParams(p);
  const config = simReputationConfig(p);
  const rules = simRules(p, config);
  const results: RuleResult[] = [];
  for (const rule of rules) {
    const strategies: StrategyStats[] = [];
    let netJobs = 0;
    let netChecks = 0;
    let netAppeals = 0;
    let netAgents = 0;
    for (const name of STRATEGY_NAMES) {
      const strategy = makeStrategy(name, p.strategy);
      const honest = strategy.honest;
      const count = honest ? (name === 'honest' ? p.population.honest : p.population.noisy) : Math.max(p.trials, p.population.cheatersPerStrategy);
      const inNetwork = honest ? count : p.population.cheatersPerStrategy;
      const series = { sum: new Float64Array(p.buckets), count: new Float64Array(p.buckets) };
      const agents: AgentResult[] = [];
      for (let i = 0; i < count; i++) {
        const res = runAgent(strategy, i, rule.agent(), p, series);
        agents.push(res);
        if (i < inNetwork) {
          netAgents += 1;
          netJobs += res.jobs;
          netChecks += res.checks;
          netAppeals += res.appeals;
        }
        if (onProgress && (i + 1) % 100 === 0) onProgress({ rule: rule.name, strategy: name, done: i + 1, total: count });
      }
      strategies.push(summarise(strategy, agents, series, p));
    }
    results.push({
      rule: rule.name,
      label: rule.label,
      description: rule.description,
      strategies,
      network: { agents: netAgents, jobs: netJobs, checks: netChecks, appeals: netAppeals, checkRate: netJobs ? (netChecks + netAppeals) / netJobs : 0 },
    });
  }
  const economicMinimum = config.economicMargin * minCheckProbability({ ...p.economics, stake: p.stake });
  return { v: 1, params: p, config, economicMinimum, rules: results, targets: evaluateTargets(results[0]!, p) };
}

function summarise(strategy: Strategy, agents: AgentResult[], series: { sum: Float64Array; count: Float64Array }, p: SimParams): StrategyStats {
  const { reward: R, cost: C, gain: G } = p.economics;
  const jobs = agents.reduce((s, a) => s + a.jobs, 0);
  const checks = agents.reduce((s, a) => s + a.checks + a.appeals, 0);
  const cheated = agents.filter((a) => !Number.isNaN(a.detection));
  const times = cheated.map((a) => a.detection);
  const nets = agents.map((a) => G * a.cheatJobs - R * (a.jobs - a.paidJobs) - a.slashed - a.bonds);
  const horizon = agents.map((a, i) => nets[i]! - (R - C) * (p.jobs - a.jobs));
  const slots = agents.reduce((s, a) => s + a.slots, 0);
  return {
    strategy: strategy.name,
    label: strategy.label,
    description: strategy.description,
    honest: strategy.honest,
    agents: agents.length,
    jobs,
    checksPerJob: jobs ? checks / jobs : 0,
    detection: {
      runs: cheated.length,
      caught: times.filter(Number.isFinite).length,
      caughtWithinTarget: cheated.length ? times.filter((t) => t <= p.targetJobs).length / cheated.length : Number.NaN,
      median: quantile(times, 0.5),
      p99: quantile(times, 0.99),
      mean: mean(times.filter(Number.isFinite)),
      times,
    },
    gain: mean(agents.map((a) => G * a.cheatJobs)),
    slashed: mean(agents.map((a) => a.slashed)),
    forfeited: mean(agents.map((a) => R * (a.jobs - a.paidJobs))),
    bonds: mean(agents.map((a) => a.bonds)),
    netCheating: mean(nets),
    netCheatingSE: standardError(nets),
    netPerJob: jobs ? nets.reduce((s, x) => s + x, 0) / jobs : 0,
    vsHonestHorizon: mean(horizon),
    wronglySlashed: strategy.honest ? agents.filter((a) => a.bans > 0).length : 0,
    wronglySuspended: strategy.honest ? agents.filter((a) => a.suspensions > 0).length : 0,
    suspendedFraction: strategy.honest && slots ? agents.reduce((s, a) => s + a.suspendedSlots, 0) / slots : 0,
    rateSeries: Array.from(series.sum, (s, i) => (series.count[i]! > 0 ? s / series.count[i]! : Number.NaN)),
  };
}

/** The targets, evaluated on the first rule (this package's scorer). */
export function evaluateTargets(ours: RuleResult, p: SimParams): TargetCheck[] {
  const by = (s: StrategyName) => ours.strategies.find((x) => x.strategy === s)!;
  const honest = ours.strategies.filter((s) => s.honest);
  const honestSlots = honest.reduce((s, x) => s + x.agents, 0);
  const suspended = honest.reduce((s, x) => s + x.suspendedFraction * x.agents, 0) / Math.max(1, honestSlots);
  const targets: TargetCheck[] = [
    {
      id: 'rare-caught',
      statement: `a provider cheating on ${Math.round(p.strategy.rareRate * 100)}% of jobs is caught within ${p.targetJobs} jobs of its first cheat in ≥ 99% of runs`,
      value: by('rare').detection.caughtWithinTarget,
      threshold: 0.99,
      met: by('rare').detection.caughtWithinTarget >= 0.99,
    },
    {
      id: 'network-check-rate',
      statement: 'average check rate (checks + appeals per job) across the honest-majority network ≤ 10%',
      value: ours.network.checkRate,
      threshold: 0.1,
      met: ours.network.checkRate <= 0.1,
    },
    {
      id: 'honest-slashed',
      statement: `no honest provider (with or without benign noise) slashed over ${p.jobs} jobs each`,
      value: honest.reduce((s, x) => s + x.wronglySlashed, 0),
      threshold: 0,
      met: honest.every((x) => x.wronglySlashed === 0),
    },
    {
      id: 'wrongful-suspension',
      statement: 'time honest providers spend suspended ≤ 0.01%',
      value: suspended,
      threshold: 0.0001,
      met: suspended <= 0.0001,
    },
  ];
  for (const s of CHEATERS) {
    const st = by(s);
    targets.push({
      id: `ev-${s}`,
      statement: `cheating has negative expected value: ${st.label}`,
      value: st.netCheating,
      threshold: 0,
      met: st.netCheating < 0,
    });
  }
  return targets;
}
