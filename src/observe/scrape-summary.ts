// What the engine's /metrics said over a run, for the summary JSON: the increases of its
// counters (the first scrape is the baseline), the peaks of its queue, and its own prefix-cache
// hit rate, accumulated from the engine_* samples each scrape recorded. Pure.

import type { EngineName } from './engines';
import type { EngineSample } from './tracker';
import { ENGINE_COUNTERS, ENGINE_GAUGES, type EngineCounterKey } from './names';

export interface EngineScrapeSummary {
  engine: EngineName | null;
  scrapes: number;
  failed: number;
  /** Counter increases over the run; a quantity the engine does not export is absent. */
  counters: Partial<Record<EngineCounterKey, number>>;
  /** Highest requests running / waiting any scrape saw (null: never scraped). */
  peak: { running: number | null; waiting: number | null };
  /** prefixHits / prefixQueries over the run; null when the engine exports neither or nothing was queried. */
  prefixHitRate: number | null;
}

const COUNTER_KEY = new Map<string, EngineCounterKey>(Object.entries(ENGINE_COUNTERS).map(([k, metric]) => [metric, k as EngineCounterKey]));

export class EngineScrapeTotals {
  private readonly counters: Partial<Record<EngineCounterKey, number>> = {};
  private running: number | null = null;
  private waiting: number | null = null;

  add(samples: readonly EngineSample[]): void {
    for (const s of samples) {
      const key = s.kind === 'counter' ? COUNTER_KEY.get(s.metric) : undefined;
      if (key) this.counters[key] = (this.counters[key] ?? 0) + s.value;
      else if (s.metric === ENGINE_GAUGES.running) this.running = Math.max(this.running ?? 0, s.value);
      else if (s.metric === ENGINE_GAUGES.waiting) this.waiting = Math.max(this.waiting ?? 0, s.value);
    }
  }

  summary(engine: EngineName | null, scrapes: number, failed: number): EngineScrapeSummary {
    const { prefixHits, prefixQueries } = this.counters;
    const prefixHitRate = prefixHits !== undefined && prefixQueries ? prefixHits / prefixQueries : null;
    return { engine, scrapes, failed, counters: { ...this.counters }, peak: { running: this.running, waiting: this.waiting }, prefixHitRate };
  }
}
