// The simulator's GPU telemetry, named as NVIDIA's DCGM exporter names it, so energy per token
// is testable without a GPU: a power model of the batch load (idle power with nothing running,
// rising with the running batch towards the board's limit), sampled every 100 ms and integrated
// into the energy counter. Served on /dcgm/metrics (where a DCGM exporter would be scraped)
// apart from the engine's /metrics. Rough, like the presets: the shape, not a GPU's figures.

import { DCGM_ENERGY, DCGM_POWER } from '../observe/dcgm.js';

export interface PowerModel {
  idleW: number;
  maxW: number;
  /** Power with any work at all, as a share of max - idle (weights are read every step). */
  busyShare: number;
}

/** An L40S-class board: ~60 W idle, 350 W limit. */
export const DEFAULT_POWER: PowerModel = { idleW: 60, maxW: 350, busyShare: 0.4 };

const SAMPLE_MS = 100;

/** Watts for a batch of `running` sequences of at most `maxSeqs`. */
export function powerOf(m: PowerModel, running: number, maxSeqs: number): number {
  if (running <= 0) return m.idleW;
  const load = Math.min(1, running / Math.max(1, maxSeqs));
  return m.idleW + (m.maxW - m.idleW) * (m.busyShare + (1 - m.busyShare) * Math.sqrt(load));
}

export class SimGpuTelemetry {
  private energyMj = 0;
  private powerW: number;
  private last = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly load: () => { running: number; maxSeqs: number }, private readonly model: PowerModel = DEFAULT_POWER, private readonly modelName = 'SIM-GPU') {
    this.powerW = model.idleW;
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  /** Integrates the last interval at the power then, and reads the load for the next. */
  sample(now = Date.now()): void {
    if (now > this.last) {
      this.energyMj += this.powerW * (now - this.last);
      this.last = now;
    }
    const l = this.load();
    this.powerW = powerOf(this.model, l.running, l.maxSeqs);
  }

  render(): string {
    this.sample();
    const labels = `gpu="0",UUID="GPU-sim-0",device="nvidia0",modelName="${this.modelName}",Hostname="sim"`;
    return [
      `# HELP ${DCGM_POWER} Power draw (in W).`,
      `# TYPE ${DCGM_POWER} gauge`,
      `${DCGM_POWER}{${labels}} ${this.powerW.toFixed(3)}`,
      `# HELP ${DCGM_ENERGY} Total energy consumption since boot (in mJ).`,
      `# TYPE ${DCGM_ENERGY} counter`,
      `${DCGM_ENERGY}{${labels}} ${Math.round(this.energyMj)}`,
      '',
    ].join('\n');
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
