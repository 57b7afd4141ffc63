import { isVerdictError, type Job } from '../../core/index.js';
import {
  checkChain,
  normaliseAddress,
  profileBounds,
  recoverDigestSigner,
  statementDigest,
  type DeviceProfile,
  type SignedTrace,
} from '../../telemetry/index.js';
import type { NonceRecord } from './nonce.js';
import type { JobTelemetry, TelemetryOptions } from './options.js';
import { busySeconds, integratePowerJ, type Series } from './series.js';
import { median } from './stats.js';
import type { DeviceWindow } from './stores.js';

export type CheckStatus = 'pass' | 'fail' | 'skipped';

export interface CheckResult {
  status: CheckStatus;
  reasons: string[];
  metrics: Record<string, number | string | boolean | null>;
}

/** Accumulates the reasons and metrics of one check. */
export class CheckLog {
  readonly reasons: string[] = [];
  readonly metrics: CheckResult['metrics'] = {};
  private skippedWhy: string | undefined;

  fail(reason: string): void {
    this.reasons.push(reason);
  }
  /** Records a rounded metric. */
  m(key: string, value: number | string | boolean | null): void {
    this.metrics[key] = typeof value === 'number' ? Math.round(value * 1e4) / 1e4 : value;
  }
  skip(why: string): void {
    this.skippedWhy = why;
  }
  result(): CheckResult {
    if (this.reasons.length) return { status: 'fail', reasons: this.reasons, metrics: this.metrics };
    if (this.skippedWhy) return { status: 'skipped', reasons: [this.skippedWhy], metrics: this.metrics };
    return { status: 'pass', reasons: [], metrics: this.metrics };
  }
}

/** Derived timing parameters shared by the checks. */
export function timing(trace: SignedTrace, options: TelemetryOptions) {
  const period = trace.genesis.periodMs;
  return {
    period,
    maxGapMs: options.maxGapMs ?? Math.max(4 * period, 2000),
    edgeMs: options.edgeToleranceMs ?? Math.max(2 * period, 2000),
    skewMs: options.clockSkewMs,
  };
}

/**
 * Integrity: the chain recomputes to the signed head, the signature recovers the job's provider, and the
 * genesis carries this job's id and the nonce the verifier issued (so the samples were recorded after it).
 */
export function checkIntegrity(job: Job, trace: SignedTrace, nonce: NonceRecord, now: number, options: TelemetryOptions): CheckResult {
  const c = new CheckLog();
  const { skewMs } = timing(trace, options);
  const chain = checkChain(trace);
  c.m('chain', chain.ok);
  if (!chain.ok) c.fail(chain.reason!);
  let signer: string | null = null;
  try {
    signer = recoverDigestSigner(statementDigest(trace.genesis, trace.summary), trace.signature);
  } catch (e) {
    c.fail(isVerdictError(e) ? e.message : 'trace signature does not recover');
  }
  c.m('signer', signer);
  const provider = normaliseAddress(job.provider);
  if (!provider) c.fail(`job provider "${job.provider}" is not an 0x address, so a signed trace cannot be bound to it`);
  else if (signer && signer !== provider) c.fail(`trace signed by ${signer}, not by the job's provider ${provider}`);
  if (normaliseAddress(trace.genesis.provider) !== provider) c.fail(`trace genesis names provider ${trace.genesis.provider}, not the job's`);
  if (trace.genesis.jobId !== job.id) c.fail(`trace is bound to job "${trace.genesis.jobId}", not "${job.id}"`);
  if (trace.genesis.nonce.toLowerCase() !== nonce.nonce.toLowerCase() || trace.genesis.nonceIssuedAt !== nonce.issuedAt) {
    c.fail('trace does not start from the nonce issued for this job (a trace from another run, or an old nonce)');
  }
  const samples = trace.samples;
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first && first.t < nonce.issuedAt - skewMs) c.fail(`first sample (${iso(first.t)}) predates the job's nonce (${iso(nonce.issuedAt)})`);
  if (trace.summary.startedAt < nonce.issuedAt - skewMs) c.fail('claimed start predates the job\'s nonce');
  if (last && last.t > now + skewMs) c.fail(`last sample (${iso(last.t)}) is in the future`);
  let unordered = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i]!.t <= samples[i - 1]!.t) unordered++;
  if (unordered) c.fail(`${unordered} sample timestamps do not increase`);
  return c.result();
}

/** Coverage: samples span the claimed run, with no gap longer than the bound. */
export function checkCoverage(job: Job, trace: SignedTrace, s: Series, options: TelemetryOptions, claimCompletedAt?: number): CheckResult {
  const c = new CheckLog();
  const { maxGapMs, edgeMs, skewMs } = timing(trace, options);
  const { startedAt, endedAt } = trace.summary;
  c.m('claimedRunS', (endedAt - startedAt) / 1000);
  c.m('samples', s.n);
  if (endedAt <= startedAt) c.fail('claimed run ends before it starts');
  if (s.n === 0) {
    c.fail('no samples');
    return c.result();
  }
  const t0 = s.t[0]!;
  const tn = s.t[s.n - 1]!;
  c.m('firstSampleOffsetMs', t0 - startedAt);
  c.m('lastSampleOffsetMs', endedAt - tn);
  if (t0 > startedAt + edgeMs) c.fail(`samples begin ${((t0 - startedAt) / 1000).toFixed(1)} s after the claimed start`);
  if (tn < endedAt - edgeMs) c.fail(`samples end ${((endedAt - tn) / 1000).toFixed(1)} s before the claimed end`);
  let maxGap = 0;
  let gaps = 0;
  for (let i = 1; i < s.n; i++) {
    if (s.t[i]! < startedAt - edgeMs || s.t[i - 1]! > endedAt + edgeMs) continue;
    const g = s.t[i]! - s.t[i - 1]!;
    if (g > maxGap) maxGap = g;
    if (g > maxGapMs) gaps++;
  }
  c.m('maxGapMs', maxGap);
  if (gaps) c.fail(`${gaps} gap(s) longer than ${maxGapMs} ms (longest ${maxGap} ms)`);
  if (job.createdAt !== undefined && startedAt < job.createdAt - skewMs) c.fail('claimed run starts before the job was created');
  if (claimCompletedAt !== undefined && endedAt > claimCompletedAt + skewMs) c.fail('claimed run ends after the claim says the job completed');
  return c.result();
}

/**
 * Identity: one device throughout (UUID, name, serial, memory), the one the provider claims, of the class the
 * job asked for, and not claimed elsewhere: by another provider, or by this provider for an overlapping job.
 */
export function checkIdentity(
  job: Job,
  trace: SignedTrace,
  profile: DeviceProfile | undefined,
  expected: JobTelemetry,
  windows: readonly DeviceWindow[],
  provider: string,
  options: TelemetryOptions,
): CheckResult {
  const c = new CheckLog();
  const claimed = trace.summary.device;
  c.m('profile', claimed.profile);
  c.m('uuid', claimed.uuid);
  const samples = trace.samples;
  const first = samples[0]!;
  const changed = (k: 'uuid' | 'name' | 'serial' | 'memTotalMiB') => samples.some((x) => x[k] !== first[k]);
  for (const k of ['uuid', 'name', 'serial', 'memTotalMiB'] as const) if (changed(k)) c.fail(`${k} changes during the trace`);
  if (first.uuid !== claimed.uuid) c.fail(`samples come from ${first.uuid}, not the claimed ${claimed.uuid}`);
  if (!/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(first.uuid) && !first.uuid.startsWith('MIG-')) {
    c.fail(`"${first.uuid}" is not an NVIDIA device UUID`);
  }
  if (!profile) c.fail(`unknown device profile "${claimed.profile}"`);
  else {
    if (!profile.names.includes(first.name)) c.fail(`device reports "${first.name}", not a ${profile.label} (${profile.names.join(' / ')})`);
    if (first.memTotalMiB === null) c.fail('memory.total not reported');
    else if (Math.abs(first.memTotalMiB / profile.memTotalMiB - 1) > 0.04) {
      c.fail(`memory.total ${first.memTotalMiB} MiB does not match a ${profile.label} (${profile.memTotalMiB} MiB)`);
    }
  }
  const wanted = expected.device === undefined ? undefined : Array.isArray(expected.device) ? expected.device : [expected.device];
  if (wanted && !wanted.includes(claimed.profile)) c.fail(`job asked for ${wanted.join(' or ')}, trace claims ${claimed.profile}`);

  const { startedAt, endedAt } = trace.summary;
  const me = provider.toLowerCase();
  let conflicts = 0;
  for (const w of windows) {
    if (w.jobId === job.id) continue;
    const overlaps = w.start < endedAt && startedAt < w.end;
    if (w.provider.toLowerCase() !== me && (overlaps || options.uuidExclusiveToProvider)) {
      conflicts++;
      c.fail(`device ${w.uuid} is also claimed by provider ${w.provider} (job ${w.jobId}${overlaps ? ', at the same time' : ''})`);
    } else if (overlaps) {
      conflicts++;
      c.fail(`device ${w.uuid} is claimed for job ${w.jobId} at the same time (${iso(Math.max(w.start, startedAt))} – ${iso(Math.min(w.end, endedAt))})`);
    }
  }
  c.m('conflicts', conflicts);
  return c.result();
}

/**
 * Physics against the device profile: power within [0.8·idle, 1.05·TDP]; a busy board draws at least its busy
 * floor and, unless power- or thermally-limited, clocks near max boost; memory holds the weights; the work
 * fits the run at peak throughput; energy per unit of work is plausible; NVML's energy counter agrees with
 * integrated power.draw.
 */
export function checkPhysics(trace: SignedTrace, s: Series, profile: DeviceProfile | undefined, expected: JobTelemetry, options: TelemetryOptions): CheckResult {
  const c = new CheckLog();
  if (!profile) {
    c.skip('no device profile to check against');
    return c.result();
  }
  const b = profileBounds(profile);
  for (const [k, v] of Object.entries(s.present)) {
    if (v < 0.95) c.fail(`${k} reported in only ${(v * 100).toFixed(0)}% of samples`);
  }
  let outOfRange = 0;
  let overClock = 0;
  let overMem = 0;
  let maxMem = 0;
  const busyPower: number[] = [];
  const busyClock: number[] = [];
  let maxTemp = -Infinity;
  for (let i = 0; i < s.n; i++) {
    const p = s.power[i]!;
    if (p < b.minPowerW || p > b.maxPowerW) outOfRange++;
    if (s.clock[i]! > b.maxClockMHz) overClock++;
    if (s.memUsed[i]! > profile.memTotalMiB * 1.04) overMem++;
    if (s.memUsed[i]! > maxMem) maxMem = s.memUsed[i]!;
    if (s.temp[i]! > maxTemp) maxTemp = s.temp[i]!;
    if (s.util[i]! >= 80) {
      busyPower.push(p);
      busyClock.push(s.clock[i]!);
    }
  }
  c.m('powerOutOfRangeFraction', outOfRange / s.n);
  if (outOfRange > 0.01 * s.n) {
    c.fail(`${outOfRange} samples draw outside [${b.minPowerW.toFixed(0)}, ${b.maxPowerW.toFixed(0)}] W, the range of a ${profile.label}`);
  }
  if (overClock) c.fail(`${overClock} samples report an SM clock above the ${profile.label}'s max boost (${profile.maxSmClockMHz} MHz)`);
  if (overMem) c.fail(`${overMem} samples use more memory than a ${profile.label} has`);
  c.m('busySamples', busyPower.length);
  if (busyPower.length >= 20) {
    const mp = median(busyPower);
    const mc = median(busyClock);
    c.m('busyMedianPowerW', mp);
    c.m('busyMedianClockMHz', mc);
    if (mp < b.busyPowerFloorW) {
      c.fail(`at ≥80% utilisation the board draws ${mp.toFixed(0)} W (median), below the ${b.busyPowerFloorW.toFixed(0)} W a busy ${profile.label} draws`);
    }
    const limited = mp >= 0.9 * profile.tdpW || maxTemp >= profile.thermal.slowdownC;
    if (!limited && mc < b.busyClockFloorMHz) {
      c.fail(`busy SM clock ${mc.toFixed(0)} MHz (median) is far below the ${profile.label}'s boost (${profile.maxSmClockMHz} MHz) though not power- or thermally-limited`);
    }
  }
  c.m('maxMemUsedMiB', maxMem);
  if (expected.weightsMiB !== undefined && maxMem < expected.weightsMiB) {
    c.fail(`memory used peaks at ${maxMem} MiB, less than the ${expected.weightsMiB} MiB of model weights`);
  }

  const runS = (trace.summary.endedAt - trace.summary.startedAt) / 1000;
  const energyJ = integratePowerJ(s);
  const busyS = busySeconds(s);
  c.m('energyJ', energyJ);
  c.m('busyS', busyS);
  const flops = expected.flops ?? trace.summary.work?.flops;
  if (flops !== undefined && flops > 0) {
    const peak = profile.peakDenseTflops * 1e12;
    const impliedMfu = flops / (Math.max(busyS, 1e-9) * peak);
    c.m('flops', flops);
    c.m('minRunS', flops / peak);
    c.m('impliedBusyMfu', impliedMfu);
    if (runS < flops / peak) c.fail(`the job's ${flops.toExponential(2)} FLOPs need ≥ ${(flops / peak).toFixed(1)} s on a ${profile.label}; the run took ${runS.toFixed(1)} s`);
    else if (impliedMfu > 1.05) c.fail(`the GPU was busy ${busyS.toFixed(1)} s, too little for ${flops.toExponential(2)} FLOPs at peak`);
    const jPerTflop = energyJ / (flops / 1e12);
    const [mfuMin, mfuMax] = options.mfuRange;
    const lo = b.busyPowerFloorW / (profile.peakDenseTflops * Math.max(mfuMax, 1e-9));
    const hi = profile.tdpW / (profile.peakDenseTflops * Math.max(mfuMin, 1e-9));
    c.m('joulesPerTflop', jPerTflop);
    c.m('joulesPerTflopBand', `${lo.toFixed(3)}–${hi.toFixed(1)}`);
    if (jPerTflop < lo) c.fail(`${jPerTflop.toFixed(3)} J per TFLOP is less energy than a ${profile.label} needs for this work`);
    if (jPerTflop > hi) c.fail(`${jPerTflop.toFixed(1)} J per TFLOP: far more energy than the job's work needs (below ${(mfuMin * 100).toFixed(2)}% of peak)`);
  }

  const withCounter = trace.samples.filter((x) => x.energyMilliJ !== undefined);
  c.m('energyCounter', withCounter.length > 0);
  if (withCounter.length === 0) {
    if (options.requireEnergyCounter) c.fail('no NVML energy counter in the trace');
  } else if (withCounter.length < trace.samples.length) {
    c.fail('the energy counter is missing from some samples');
  } else {
    let backwards = 0;
    for (let i = 1; i < withCounter.length; i++) if (withCounter[i]!.energyMilliJ! < withCounter[i - 1]!.energyMilliJ!) backwards++;
    const counterJ = (withCounter[withCounter.length - 1]!.energyMilliJ! - withCounter[0]!.energyMilliJ!) / 1000;
    c.m('counterEnergyJ', counterJ);
    if (backwards) c.fail(`the energy counter goes backwards ${backwards} time(s)`);
    else if (energyJ > 0) {
      const ratio = counterJ / energyJ;
      c.m('counterToPowerRatio', ratio);
      if (Math.abs(ratio - 1) > options.energyTolerance) {
        c.fail(`energy counter (${counterJ.toFixed(0)} J) and integrated power (${energyJ.toFixed(0)} J) differ by ${(Math.abs(ratio - 1) * 100).toFixed(0)}%`);
      }
    }
  }
  return c.result();
}

const iso = (t: number) => new Date(t).toISOString();
