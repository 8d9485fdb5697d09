// GPU power and energy over a run, from a DCGM exporter's /metrics (--gpu-metrics-url) or the
// engine's own /metrics when it carries the DCGM names: DCGM_FI_DEV_POWER_USAGE (W, a gauge per
// GPU) and DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ since the driver loaded, a counter per GPU).
// The energy of the run is the counter's increase summed over GPUs; without the counter, the
// power readings integrated over time (trapezoids). Joules per token and tokens per joule follow.

export const DCGM_POWER = 'DCGM_FI_DEV_POWER_USAGE';
export const DCGM_ENERGY = 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION';

export interface GpuReading {
  /** Unix ms of the read. */
  t: number;
  /** Watts per GPU (by its gpu/UUID label). */
  powerW: Map<string, number>;
  /** Millijoules per GPU since the driver loaded. */
  energyMj: Map<string, number>;
}

function gpuKey(labels: string | undefined): string {
  if (!labels) return '0';
  const m = /(?:^|[{,])\s*(?:UUID|gpu)="([^"]*)"/.exec(labels);
  return m ? m[1] : labels;
}

/** The DCGM series of one /metrics text; null when it has none. */
export function parseDcgm(text: string, t: number): GpuReading | null {
  const powerW = new Map<string, number>();
  const energyMj = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('DCGM_FI_DEV_')) continue;
    const m = /^(DCGM_FI_DEV_[A-Z_]+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (!Number.isFinite(v)) continue;
    if (m[1] === DCGM_POWER) powerW.set(gpuKey(m[2]), v);
    else if (m[1] === DCGM_ENERGY) energyMj.set(gpuKey(m[2]), v);
  }
  return powerW.size || energyMj.size ? { t, powerW, energyMj } : null;
}

export interface EnergyBlock {
  source: string;
  gpus: number;
  readings: number;
  /** How the energy was found: the energy counter's increase, or power integrated over time. */
  method: 'energy-counter' | 'power-integral';
  durationS: number;
  energyJ: number;
  meanPowerW: number | null;
  maxPowerW: number | null;
  joulesPerOutputToken: number | null;
  joulesPerToken: number | null;
  outputTokensPerJoule: number | null;
  tokensPerJoule: number | null;
}

function sum(m: Map<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

/** Energy of the run from its readings (first to last); null with fewer than two readings. */
export function energyOf(readings: readonly GpuReading[], tokens: { input: number; output: number }, source: string): EnergyBlock | null {
  if (readings.length < 2) return null;
  const first = readings[0];
  const last = readings[readings.length - 1];
  const durationS = (last.t - first.t) / 1000;
  if (durationS <= 0) return null;
  let energyJ = NaN;
  let method: EnergyBlock['method'] = 'energy-counter';
  const gpus = new Set([...first.energyMj.keys()].filter((k) => last.energyMj.has(k)));
  if (gpus.size) {
    let mj = 0;
    for (const g of gpus) mj += last.energyMj.get(g)! - first.energyMj.get(g)!;
    // A counter that went down (driver reload) says nothing: fall back to the power readings.
    if (mj >= 0) energyJ = mj / 1000;
  }
  const powers = readings.map((r) => sum(r.powerW));
  if (!Number.isFinite(energyJ)) {
    method = 'power-integral';
    energyJ = 0;
    for (let i = 1; i < readings.length; i++) energyJ += ((powers[i] + powers[i - 1]) / 2) * ((readings[i].t - readings[i - 1].t) / 1000);
  }
  const withPower = readings.some((r) => r.powerW.size > 0);
  const total = tokens.input + tokens.output;
  return {
    source,
    gpus: Math.max(gpus.size, ...readings.map((r) => r.powerW.size)),
    readings: readings.length,
    method,
    durationS,
    energyJ,
    meanPowerW: withPower ? energyJ / durationS : null,
    maxPowerW: withPower ? Math.max(...powers) : null,
    joulesPerOutputToken: tokens.output > 0 ? energyJ / tokens.output : null,
    joulesPerToken: total > 0 ? energyJ / total : null,
    outputTokensPerJoule: energyJ > 0 ? tokens.output / energyJ : null,
    tokensPerJoule: energyJ > 0 ? total / energyJ : null,
  };
}

function n(x: number | null, digits: number): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}

export function energyRows(e: EnergyBlock): Array<[string, string]> {
  return [
    ['GPU energy (J):', n(e.energyJ, 1)],
    ['Mean GPU power (W):', n(e.meanPowerW, 1)],
    ['Joules per output token:', n(e.joulesPerOutputToken, 4)],
    ['Output tokens per joule:', n(e.outputTokensPerJoule, 3)],
    ['Tokens per joule (in+out):', n(e.tokensPerJoule, 3)],
  ];
}
