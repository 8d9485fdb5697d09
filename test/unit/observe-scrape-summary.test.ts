import { describe, expect, it } from 'vitest';
import { EngineScrapeTotals } from '../../src/observe/scrape-summary';
import { ENGINE_COUNTERS, ENGINE_GAUGES } from '../../src/observe/names';
import type { EngineSample } from '../../src/observe/tracker';

const counter = (metric: string, value: number): EngineSample => ({ metric, kind: 'counter', value });
const gauge = (metric: string, value: number): EngineSample => ({ metric, kind: 'gauge', value });

describe('engine scrape totals for the summary JSON', () => {
  it('adds counter increases, keeps the queue peaks, and gives the run\'s own prefix-cache hit rate', () => {
    const t = new EngineScrapeTotals();
    t.add([gauge(ENGINE_GAUGES.running, 1), gauge(ENGINE_GAUGES.waiting, 0)]); // baseline scrape: levels only
    t.add([gauge(ENGINE_GAUGES.running, 4), gauge(ENGINE_GAUGES.waiting, 2), counter(ENGINE_COUNTERS.prefixQueries, 300), counter(ENGINE_COUNTERS.prefixHits, 100),
      counter(ENGINE_COUNTERS.promptTokens, 300), gauge(ENGINE_GAUGES.prefixHitRate, 0.33)]);
    t.add([gauge(ENGINE_GAUGES.running, 2), counter(ENGINE_COUNTERS.prefixQueries, 100), counter(ENGINE_COUNTERS.prefixHits, 100), counter(ENGINE_COUNTERS.promptTokens, 100)]);
    expect(t.summary('llamacpp', 3, 0)).toEqual({
      engine: 'llamacpp', scrapes: 3, failed: 0,
      counters: { prefixQueries: 400, prefixHits: 200, promptTokens: 400 },
      peak: { running: 4, waiting: 2 },
      prefixHitRate: 0.5,
    });
  });

  it('no hit rate where the engine exports no prefix counters or nothing was queried; null peaks when never scraped', () => {
    const t = new EngineScrapeTotals();
    expect(t.summary(null, 0, 0)).toEqual({ engine: null, scrapes: 0, failed: 0, counters: {}, peak: { running: null, waiting: null }, prefixHitRate: null });
    t.add([counter(ENGINE_COUNTERS.prefixQueries, 0), counter(ENGINE_COUNTERS.prefixHits, 0)]);
    expect(t.summary('vllm', 2, 0).prefixHitRate).toBeNull();
  });
});
