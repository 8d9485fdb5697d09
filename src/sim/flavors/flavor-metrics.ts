// Hooks the flavor's /metrics onto the simulator's observations and engine steps.

import type { SimMetrics } from '../metrics.js';
import type { Scheduler } from '../scheduler.js';
import type { Flavor } from './flavor.js';
import { LlamacppMetrics } from './llamacpp-metrics.js';
import { SglangMetrics } from './sglang-metrics.js';

export interface FlavorMetricsConfig {
  model: string;
  maxModelLen: number;
  blockSize: number;
  kvBlocks: number;
}

export function attachFlavorMetrics(flavor: Flavor, sim: SimMetrics, scheduler: Scheduler, c: FlavorMetricsConfig): void {
  let perStep: ((seqs: number) => void) | undefined;
  if (flavor === 'sglang') {
    sim.flavor = new SglangMetrics({ model: c.model, contextLen: c.maxModelLen, maxTotalTokens: c.kvBlocks * c.blockSize, pageSize: c.blockSize }, sim);
  } else if (flavor === 'llamacpp') {
    const m = new LlamacppMetrics(sim);
    sim.flavor = m;
    perStep = (seqs) => m.step(seqs);
  }
  scheduler.onStep = (tokens, seqs) => {
    sim.step(tokens);
    perStep?.(seqs);
  };
}
