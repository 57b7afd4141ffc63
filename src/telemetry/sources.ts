import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { VerdictError, silentLogger, type Logger } from '../core/index.js';
import type { EnergyCounter } from './energy.js';
import { MAX_SMI_LINE, parseSmiCsv, parseSmiLine, smiArgs } from './nvidia-smi.js';
import type { TelemetrySample } from './sample.js';
import { generateTrace, type SyntheticOptions } from './synthetic.js';

/** Where samples come from. `samples` ends when `signal` aborts (or the source runs out), and throws on failure. */
export interface TelemetrySource {
  /** Recorded in the trace genesis: 'nvidia-smi', 'replay' or 'synthetic'. */
  readonly kind: string;
  samples(signal: AbortSignal): AsyncIterable<TelemetrySample>;
  /** Lines the source could not parse so far (garbage from the tool). */
  readonly rejected: number;
}

type Spawn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface NvidiaSmiSourceOptions {
  periodMs: number;
  /** GPU index or UUID, passed as `-i`. Without it the source locks onto the first UUID it sees. */
  gpu?: string;
  /** Executable (default "nvidia-smi", looked up on PATH). */
  command?: string;
  /** Environment; TZ is always forced to UTC so timestamps parse without guessing the zone. */
  env?: NodeJS.ProcessEnv;
  /** NVML energy counter read after each sample (see energy.ts). */
  energy?: EnergyCounter;
  /** Give up after this many unparsable lines (default 100). */
  maxRejectedLines?: number;
  /** Fail if no sample arrives within this time (default 15 s). */
  firstSampleTimeoutMs?: number;
  logger?: Logger;
  /** Injected for tests; node:child_process.spawn by default. */
  spawn?: Spawn;
}

/**
 * Runs `nvidia-smi --query-gpu=… --format=csv,noheader,nounits -lms <period>` as a child process and parses
 * its lines as they come. Garbage lines are counted and logged, not fatal (until there are too many); the
 * process dying on its own is an EXECUTOR_FAILED error; aborting the signal stops it cleanly.
 */
export class NvidiaSmiSource implements TelemetrySource {
  readonly kind = 'nvidia-smi';
  private rejectedLines = 0;

  constructor(private readonly options: NvidiaSmiSourceOptions) {
    if (!Number.isInteger(options.periodMs) || options.periodMs < 10) throw new VerdictError('BAD_INPUT', 'nvidia-smi period must be an integer ≥ 10 ms');
  }

  get rejected(): number {
    return this.rejectedLines;
  }

  async *samples(signal: AbortSignal): AsyncIterable<TelemetrySample> {
    const o = this.options;
    const log = (o.logger ?? silentLogger).child({ source: 'nvidia-smi' });
    const maxRejected = o.maxRejectedLines ?? 100;
    const command = o.command ?? 'nvidia-smi';
    const queue: (TelemetrySample | VerdictError | null)[] = [];
    let wake: (() => void) | null = null;
    const push = (item: TelemetrySample | VerdictError | null) => {
      queue.push(item);
      wake?.();
      wake = null;
    };
    if (signal.aborted) return;
    let stopping = false;
    const child = (o.spawn ?? (nodeSpawn as Spawn))(command, smiArgs(o.periodMs, o.gpu), {
      env: { ...(o.env ?? process.env), TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-2000);
    });
    let lineNo = 0;
    let lockedUuid = o.gpu?.startsWith('GPU-') || o.gpu?.startsWith('MIG-') ? o.gpu : undefined;
    let gotFirst = false;
    const rl = createInterface({ input: child.stdout!, crlfDelay: Infinity });
    rl.on('line', (line) => {
      lineNo++;
      try {
        if (line.length > MAX_SMI_LINE) throw new VerdictError('BAD_INPUT', `line ${lineNo}: too long`);
        const s = parseSmiLine(line, { lineNumber: lineNo });
        if (!s) return;
        lockedUuid ??= s.uuid;
        if (s.uuid !== lockedUuid) return; // another GPU of the machine
        gotFirst = true;
        push(s);
      } catch (e) {
        this.rejectedLines++;
        log.warn({ line: lineNo, err: (e as Error).message }, 'nvidia-smi line rejected');
        if (this.rejectedLines > maxRejected) {
          push(new VerdictError('EXECUTOR_FAILED', `nvidia-smi produced more than ${maxRejected} unparsable lines (last: ${(e as Error).message})`));
          stop();
        }
      }
    });
    const stop = () => {
      if (stopping) return;
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // a wedged nvidia-smi (driver hang) may ignore SIGTERM
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }, 2000).unref?.();
      }
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      push(new VerdictError('EXECUTOR_FAILED', e.code === 'ENOENT' ? `${command} not found on PATH` : `cannot run ${command}: ${e.message}`, { cause: e }));
      push(null);
    });
    child.on('close', (code, sig) => {
      // let readline deliver buffered lines first
      setImmediate(() => {
        if (!stopping) {
          const why = code !== null ? `exit code ${code}` : `signal ${sig}`;
          push(new VerdictError('EXECUTOR_FAILED', `nvidia-smi stopped unexpectedly (${why})${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
        }
        push(null);
      });
    });
    const onAbort = () => {
      stop();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      if (!gotFirst && !stopping) {
        push(new VerdictError('TIMEOUT', `nvidia-smi gave no sample within ${o.firstSampleTimeoutMs ?? 15_000} ms`));
        stop();
      }
    }, o.firstSampleTimeoutMs ?? 15_000);
    timer.unref?.();
    try {
      for (;;) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const item = queue.shift()!;
        if (item === null) return;
        if (item instanceof VerdictError) throw item;
        if (stopping && signal.aborted) continue; // drain without yielding after stop
        if (o.energy) {
          const mJ = await o.energy.readMilliJ();
          if (mJ !== null) item.energyMilliJ = mJ;
        }
        yield item;
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      stop();
      rl.close();
    }
  }
}

export interface ReplaySourceOptions {
  /** Minutes east of UTC of the clock the CSV was recorded with. */
  utcOffsetMinutes?: number;
  /** Keep only this GPU's lines. */
  uuid?: string;
  /** Re-time samples to start at this instant (keeping their spacing), e.g. to replay into a live job. */
  startAt?: number;
  /** Pace samples in real time with this sleep (omitted: as fast as consumed). */
  sleep?: (ms: number) => Promise<void>;
}

/** Replays a recorded nvidia-smi CSV (the query above) as a source. */
export class ReplaySource implements TelemetrySource {
  readonly kind = 'replay';
  private readonly parsed: TelemetrySample[];
  readonly rejected: number;

  constructor(csv: string, private readonly options: ReplaySourceOptions = {}) {
    const r = parseSmiCsv(csv, { ...(options.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: options.utcOffsetMinutes } : {}), ...(options.uuid ? { uuid: options.uuid } : {}) });
    this.parsed = r.samples;
    this.rejected = r.rejected.length;
  }

  async *samples(signal: AbortSignal): AsyncIterable<TelemetrySample> {
    const shift = this.options.startAt !== undefined && this.parsed[0] ? this.options.startAt - this.parsed[0].t : 0;
    let prev: number | undefined;
    for (const s of this.parsed) {
      if (signal.aborted) return;
      const t = s.t + shift;
      if (this.options.sleep && prev !== undefined) await this.options.sleep(t - prev);
      prev = t;
      yield { ...s, t };
    }
  }
}

/** Samples from the seeded synthetic generator (tests, benchmarks, demo). */
export class SyntheticSource implements TelemetrySource {
  readonly kind = 'synthetic';
  readonly rejected = 0;
  constructor(private readonly options: SyntheticOptions) {}

  async *samples(signal: AbortSignal): AsyncIterable<TelemetrySample> {
    for (const s of generateTrace(this.options).samples) {
      if (signal.aborted) return;
      yield s;
    }
  }
}
