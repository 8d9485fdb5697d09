// Turns successive engine snapshots into the engine_* samples one scrape should record: levels
// as they are, counter increases since the previous scrape, and per-interval rates, hit rate
// and latency statistics. The first scrape only sets the baseline for counters, so totals
// count what happened during the run, not since the server started. Pure.

import type { EngineSnapshot, HistogramKey } from './engines';
import { ENGINE_COUNTERS, ENGINE_GAUGES, ENGINE_LATENCY_GAUGES, type EngineCounterKey, type EngineLatencyKey } from './names';
import { counterIncrease, histogramIncrease, histogramMean, histogramQuantile, perSecond, ratio } from './rates';

export type SampleKind = 'gauge' | 'latency' | 'counter';

export interface EngineSample {
  metric: string;
  kind: SampleKind;
  value: number;
}

/** Which latency gauge comes from which histogram statistic (seconds in, ms out). */
const LATENCY_SOURCES: Array<[EngineLatencyKey, HistogramKey, 'mean' | number]> = [
  ['ttftMean', 'ttft', 'mean'],
  ['ttftP99', 'ttft', 0.99],
  ['itlMean', 'itl', 'mean'],
  ['itlP99', 'itl', 0.99],
  ['e2eMean', 'e2e', 'mean'],
  ['queueTimeMean', 'queueTime', 'mean'],
];

export class EngineTracker {
  private prev?: { snap: EngineSnapshot; atMs: number };

  /** Samples for a snapshot taken at `atMs` (any monotonic ms clock). */
  update(snap: EngineSnapshot, atMs: number): EngineSample[] {
    const out: EngineSample[] = [];
    const add = (metric: string, kind: SampleKind, value: number | undefined) => {
      if (value !== undefined && Number.isFinite(value)) out.push({ metric, kind, value });
    };
    add(ENGINE_GAUGES.running, 'gauge', snap.levels.running);
    add(ENGINE_GAUGES.waiting, 'gauge', snap.levels.waiting);
    add(ENGINE_GAUGES.kvUsage, 'gauge', snap.levels.kvUsage);

    const prev = this.prev;
    this.prev = { snap, atMs };
    if (!prev || prev.snap.engine !== snap.engine) return out;
    const dtMs = atMs - prev.atMs;

    const inc: Partial<Record<EngineCounterKey, number>> = {};
    for (const key of Object.keys(snap.counters) as EngineCounterKey[]) {
      const before = prev.snap.counters[key];
      const now = snap.counters[key];
      if (before === undefined || now === undefined) continue;
      inc[key] = counterIncrease(before, now);
      add(ENGINE_COUNTERS[key], 'counter', inc[key]);
    }
    if (inc.prefixHits !== undefined && inc.prefixQueries !== undefined) {
      add(ENGINE_GAUGES.prefixHitRate, 'gauge', ratio(inc.prefixHits, inc.prefixQueries));
    }
    if (inc.promptTokens !== undefined) add(ENGINE_GAUGES.promptTokensPerS, 'gauge', perSecond(inc.promptTokens, dtMs));
    if (inc.generationTokens !== undefined) add(ENGINE_GAUGES.generationTokensPerS, 'gauge', perSecond(inc.generationTokens, dtMs));

    for (const [key, hist, stat] of LATENCY_SOURCES) {
      const cur = snap.histograms[hist];
      if (!cur) continue;
      const d = histogramIncrease(prev.snap.histograms[hist], cur);
      const seconds = stat === 'mean' ? histogramMean(d) : histogramQuantile(stat, d);
      add(ENGINE_LATENCY_GAUGES[key], 'latency', seconds === undefined ? undefined : seconds * 1000);
    }
    return out;
  }
}
