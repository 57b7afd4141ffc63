import { VerdictError } from '../core/index.js';

/**
 * NVML's total energy counter: nvmlDeviceGetTotalEnergyConsumption(), millijoules since the driver was last
 * loaded, on Volta and newer GPUs. nvidia-smi's --query-gpu has no field for it, so it is read from DCGM
 * (field 156, DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, mJ), which dcgm-exporter publishes as a Prometheus counter,
 * or from any reader the provider plugs in. The counter is independent of power.draw sampling, which is why
 * the verifier compares the two (they must agree within ~15%).
 */
export interface EnergyCounter {
  /** The counter now, in mJ; null when the device does not support it. */
  readMilliJ(): Promise<number | null>;
}

const METRIC = 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION';
const MAX_EXPORTER_TEXT = 8 * 1024 * 1024;

/**
 * Reads the energy counter of one GPU (by UUID) from dcgm-exporter's text exposition, e.g.
 *   DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-…",modelName="NVIDIA H100 80GB HBM3"} 1.23456789e+09
 * Returns null when the GPU has no such series; throws VerdictError('BAD_INPUT') for malformed text.
 */
export function parseDcgmEnergy(text: string, uuid: string): number | null {
  if (typeof text !== 'string') throw new VerdictError('BAD_INPUT', 'dcgm-exporter output must be text');
  if (text.length > MAX_EXPORTER_TEXT) throw new VerdictError('LIMIT_EXCEEDED', 'dcgm-exporter output larger than 8 MiB');
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith(METRIC) || line.startsWith('#')) continue;
    const m = /^DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION\{([^}]*)\}\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) throw new VerdictError('BAD_INPUT', `dcgm-exporter: malformed ${METRIC} line`);
    const labels = new Map<string, string>();
    for (const pair of m[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels.set(pair[1]!, pair[2]!);
    if (labels.get('UUID') !== uuid) continue;
    const value = Number(m[2]);
    if (!Number.isFinite(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
      throw new VerdictError('BAD_INPUT', `dcgm-exporter: ${METRIC} value "${m[2]!.slice(0, 30)}" is not a counter`);
    }
    return Math.round(value);
  }
  return null;
}

/** An EnergyCounter over dcgm-exporter's /metrics; `fetchText` is injected (e.g. `() => fetch(url).then(r => r.text())`). */
export function dcgmExporterEnergy(fetchText: () => Promise<string>, uuid: string): EnergyCounter {
  return {
    async readMilliJ() {
      let text: string;
      try {
        text = await fetchText();
      } catch (e) {
        throw new VerdictError('EXECUTOR_FAILED', `dcgm-exporter unreachable: ${(e as Error).message}`, { cause: e });
      }
      return parseDcgmEnergy(text, uuid);
    },
  };
}
