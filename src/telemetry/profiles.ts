import { VerdictError } from '../core/index.js';

/**
 * What a GPU model can physically do, for plausibility checks and for calibrating synthetic traces.
 *
 * Sources (cited per field in `sources`):
 * - [DS]   the vendor datasheet of the board: power limit (TDP), memory, peak dense BF16/FP16 tensor throughput
 *          (NVIDIA quotes sparse figures too; we always use the dense one, half the sparse figure), max boost clock.
 * - [TPU]  TechPowerUp GPU Database entry of the board: base/boost clocks where the datasheet omits them.
 * - [ISSUE] the calibration targets of this project's issue #6, themselves summarising published measurements:
 *          "an H100 idles near 120 W and draws roughly 390–450 W serving an LLM at ~90% utilisation; an A100 idles
 *          near 80 W and draws 280–300 W".
 * - [SMI]  nvidia-smi output published in public repositories: an idle H100 80GB HBM3 at 71.32 W and 345 MHz, and
 *          memory.total of 81559 MiB (H100 80GB), 24564 MiB (RTX 4090).
 * - [EST]  our estimate, NOT a measurement: operating points of boards for which we found no published LLM-serving
 *          figure are scaled from the power limit with the H100/A100 ratios above (serving ≈ 55–100% of TDP for
 *          memory-bound decode) and thermal constants are typical of the cooling class. Replace them with recorded
 *          traces (`nvidia-smi` on the real board) when one is available.
 */
export interface DeviceProfile {
  /** Stable id used in claims and policies, e.g. "h100-sxm". */
  id: string;
  label: string;
  /** Product names nvidia-smi prints for this board (`name` column). */
  names: string[];
  /** memory.total as nvidia-smi reports it (drivers differ by up to ~2% because of reserved memory). */
  memTotalMiB: number;
  /** Default power limit (TDP), W. */
  tdpW: number;
  /** Typical idle draw range, W, with the driver loaded (P0, persistence mode on). */
  idleW: [number, number];
  /** Draw while serving an LLM at ~90% utilisation (memory-bound decode), W. */
  servingW: [number, number];
  /** Peak dense BF16/FP16 tensor throughput, TFLOP/s. */
  peakDenseTflops: number;
  maxSmClockMHz: number;
  idleSmClockMHz: number;
  /** Temperature rise per watt at steady state (°C/W) and the thermal time constant (s) of the board and cooler. */
  thermal: { idleC: [number, number]; resistanceCPerW: number; tauS: number; slowdownC: number };
  sources: Record<string, string>;
}

const P = (p: DeviceProfile) => Object.freeze(p);

export const DEVICE_PROFILES: readonly DeviceProfile[] = Object.freeze([
  P({
    id: 'h100-sxm',
    label: 'NVIDIA H100 SXM5 80GB',
    names: ['NVIDIA H100 80GB HBM3'],
    memTotalMiB: 81559,
    tdpW: 700,
    idleW: [60, 130],
    servingW: [390, 450],
    peakDenseTflops: 989,
    maxSmClockMHz: 1980,
    idleSmClockMHz: 345,
    thermal: { idleC: [28, 38], resistanceCPerW: 0.07, tauS: 40, slowdownC: 87 },
    sources: {
      tdpW: '[DS] H100 SXM5: max TDP up to 700 W',
      memTotalMiB: '[SMI] 81559 MiB',
      idleW: '[SMI] 71.32 W idle at 345 MHz; [ISSUE] ~120 W idle with a model loaded',
      servingW: '[ISSUE] 390–450 W serving an LLM at ~90% utilisation',
      peakDenseTflops: '[DS] BF16 tensor 1,979 TFLOPS with sparsity → 989 dense',
      maxSmClockMHz: '[TPU] boost 1980 MHz',
      idleSmClockMHz: '[SMI] 345 MHz idle',
      thermal: '[EST] ~32 °C idle, ~55 °C serving, ~70 °C near TDP (0.07 °C/W); 40 s time constant; slowdown ~87 °C',
    },
  }),
  P({
    id: 'h100-pcie',
    label: 'NVIDIA H100 PCIe 80GB',
    names: ['NVIDIA H100 PCIe'],
    memTotalMiB: 81559,
    tdpW: 350,
    idleW: [40, 90],
    servingW: [230, 300],
    peakDenseTflops: 756,
    maxSmClockMHz: 1755,
    idleSmClockMHz: 345,
    thermal: { idleC: [28, 40], resistanceCPerW: 0.15, tauS: 35, slowdownC: 87 },
    sources: {
      tdpW: '[DS] H100 PCIe: 300–350 W (configurable); default 350 W',
      memTotalMiB: '[DS] 80 GB HBM2e; reported like the SXM board',
      idleW: '[EST] scaled from the SXM board',
      servingW: '[EST] 65–85% of TDP (PCIe boards run closer to their cap)',
      peakDenseTflops: '[DS] BF16 tensor 1,513 TFLOPS with sparsity → 756 dense',
      maxSmClockMHz: '[TPU] boost 1755 MHz',
      idleSmClockMHz: '[EST] same as the SXM board',
      thermal: '[EST] passive data-centre cooling',
    },
  }),
  P({
    id: 'a100-sxm4-40gb',
    label: 'NVIDIA A100 SXM4 40GB',
    names: ['NVIDIA A100-SXM4-40GB'],
    memTotalMiB: 40960,
    tdpW: 400,
    idleW: [50, 90],
    servingW: [280, 300],
    peakDenseTflops: 312,
    maxSmClockMHz: 1410,
    idleSmClockMHz: 210,
    thermal: { idleC: [28, 38], resistanceCPerW: 0.13, tauS: 40, slowdownC: 88 },
    sources: {
      tdpW: '[DS] A100 SXM: 400 W',
      memTotalMiB: '[DS] 40 GB HBM2; nvidia-smi reports 40960 MiB (newer drivers ~40536)',
      idleW: '[ISSUE] ~80 W idle',
      servingW: '[ISSUE] 280–300 W serving an LLM',
      peakDenseTflops: '[DS] BF16 tensor 312 TFLOPS dense (624 sparse)',
      maxSmClockMHz: '[TPU] boost 1410 MHz',
      idleSmClockMHz: '[EST] lowest P0 clock',
      thermal: '[EST] ~33 °C idle, ~60 °C at 290 W',
    },
  }),
  P({
    id: 'a100-sxm4-80gb',
    label: 'NVIDIA A100 SXM4 80GB',
    names: ['NVIDIA A100-SXM4-80GB'],
    memTotalMiB: 81920,
    tdpW: 400,
    idleW: [50, 95],
    servingW: [280, 310],
    peakDenseTflops: 312,
    maxSmClockMHz: 1410,
    idleSmClockMHz: 210,
    thermal: { idleC: [28, 38], resistanceCPerW: 0.13, tauS: 40, slowdownC: 88 },
    sources: {
      tdpW: '[DS] A100 80GB SXM: 400 W',
      memTotalMiB: '[DS] 80 GB HBM2e; nvidia-smi reports 81920 MiB',
      idleW: '[ISSUE] ~80 W idle (A100 class)',
      servingW: '[ISSUE] 280–300 W serving an LLM (A100 class), +10 W for the larger HBM2e stack [EST]',
      peakDenseTflops: '[DS] BF16 tensor 312 TFLOPS dense',
      maxSmClockMHz: '[TPU] boost 1410 MHz',
      idleSmClockMHz: '[EST] lowest P0 clock',
      thermal: '[EST] as the 40 GB board',
    },
  }),
  P({
    id: 'l4',
    label: 'NVIDIA L4 24GB',
    names: ['NVIDIA L4'],
    memTotalMiB: 23034,
    tdpW: 72,
    idleW: [12, 22],
    servingW: [50, 72],
    peakDenseTflops: 121,
    maxSmClockMHz: 2040,
    idleSmClockMHz: 210,
    thermal: { idleC: [28, 40], resistanceCPerW: 0.55, tauS: 30, slowdownC: 88 },
    sources: {
      tdpW: '[DS] L4: 72 W max power',
      memTotalMiB: '[DS] 24 GB GDDR6; nvidia-smi reports 23034 MiB',
      idleW: '[EST] ~15–20% of TDP',
      servingW: '[EST] 70–100% of TDP (small boards hit their cap)',
      peakDenseTflops: '[DS] FP16/BF16 tensor 242 TFLOPS with sparsity → 121 dense',
      maxSmClockMHz: '[TPU] boost 2040 MHz',
      idleSmClockMHz: '[EST] lowest P0 clock',
      thermal: '[EST] passive low-profile cooling',
    },
  }),
  P({
    id: 'rtx-4090',
    label: 'NVIDIA GeForce RTX 4090 24GB',
    names: ['NVIDIA GeForce RTX 4090'],
    memTotalMiB: 24564,
    tdpW: 450,
    idleW: [10, 35],
    servingW: [250, 380],
    peakDenseTflops: 165,
    maxSmClockMHz: 2520,
    idleSmClockMHz: 210,
    thermal: { idleC: [30, 45], resistanceCPerW: 0.08, tauS: 25, slowdownC: 88 },
    sources: {
      tdpW: '[DS] RTX 4090: 450 W total graphics power',
      memTotalMiB: '[SMI] 24564 MiB',
      idleW: '[EST] desktop idle with the driver loaded',
      servingW: '[EST] 55–85% of TDP',
      peakDenseTflops: '[DS] Ada whitepaper: FP16 tensor with FP32 accumulate 165.2 TFLOPS dense',
      maxSmClockMHz: '[TPU] boost 2520 MHz',
      idleSmClockMHz: '[EST] lowest clock',
      thermal: '[EST] open-air triple-fan cooler',
    },
  }),
  P({
    id: 'a10',
    label: 'NVIDIA A10 24GB',
    names: ['NVIDIA A10'],
    memTotalMiB: 23028,
    tdpW: 150,
    idleW: [12, 30],
    servingW: [110, 150],
    peakDenseTflops: 125,
    maxSmClockMHz: 1695,
    idleSmClockMHz: 210,
    thermal: { idleC: [28, 40], resistanceCPerW: 0.28, tauS: 35, slowdownC: 88 },
    sources: {
      tdpW: '[DS] A10: 150 W',
      memTotalMiB: '[DS] 24 GB GDDR6; nvidia-smi reports 23028 MiB',
      idleW: '[EST] ~10–20% of TDP',
      servingW: '[EST] 75–100% of TDP',
      peakDenseTflops: '[DS] BF16 tensor 125 TFLOPS dense (250 sparse)',
      maxSmClockMHz: '[TPU] boost 1695 MHz',
      idleSmClockMHz: '[EST] lowest P0 clock',
      thermal: '[EST] passive data-centre cooling',
    },
  }),
  P({
    id: 't4',
    label: 'NVIDIA T4 16GB',
    names: ['Tesla T4'],
    memTotalMiB: 15360,
    tdpW: 70,
    idleW: [8, 16],
    servingW: [50, 70],
    peakDenseTflops: 65,
    maxSmClockMHz: 1590,
    idleSmClockMHz: 300,
    thermal: { idleC: [28, 40], resistanceCPerW: 0.55, tauS: 30, slowdownC: 88 },
    sources: {
      tdpW: '[DS] T4: 70 W',
      memTotalMiB: '[DS] 16 GB GDDR6; nvidia-smi reports 15360 MiB (newer drivers ~15109)',
      idleW: '[EST] ~10–20% of TDP',
      servingW: '[EST] 70–100% of TDP',
      peakDenseTflops: '[DS] FP16 tensor 65 TFLOPS (mixed precision)',
      maxSmClockMHz: '[TPU] boost 1590 MHz',
      idleSmClockMHz: '[EST] lowest P0 clock',
      thermal: '[EST] passive low-profile cooling',
    },
  }),
]);

export function deviceProfile(id: string, profiles: readonly DeviceProfile[] = DEVICE_PROFILES): DeviceProfile {
  const p = profiles.find((x) => x.id === id);
  if (!p) throw new VerdictError('NOT_FOUND', `unknown device profile "${id}" (known: ${profiles.map((x) => x.id).join(', ')})`);
  return p;
}

/** The profile whose nvidia-smi name is `name`, if any. */
export function profileForName(name: string, profiles: readonly DeviceProfile[] = DEVICE_PROFILES): DeviceProfile | undefined {
  return profiles.find((p) => p.names.includes(name));
}

/**
 * Derived bounds the verifier checks against. Heuristics, each explained:
 * - power ∈ [0.8·idle_min, 1.05·TDP]: below the idle floor the board would be off, above TDP the limiter acts
 *   within one power-sampling window;
 * - busy floor: a board reporting ≥ 80% utilisation draws at least idle_max + 25% of its dynamic range
 *   (memory-bound decode on an H100 still draws ≥ 390 W [ISSUE]; the floor leaves a wide margin);
 * - busy clock floor: when neither power- nor thermally-limited, a busy GPU runs near max boost; we require
 *   ≥ 85% of it (an A100 at its 1410 MHz boost is below 85% of an H100 PCIe's 1755 MHz).
 */
export function profileBounds(p: DeviceProfile) {
  return {
    minPowerW: 0.8 * p.idleW[0],
    maxPowerW: 1.05 * p.tdpW,
    busyPowerFloorW: p.idleW[1] + 0.25 * (p.tdpW - p.idleW[1]),
    busyClockFloorMHz: 0.85 * p.maxSmClockMHz,
    maxClockMHz: 1.02 * p.maxSmClockMHz,
  };
}
