// The engine's own /metrics beside the client's view: engine-metrics.jsonl (one Prometheus
// sample per line, a scrape = the lines with one timestamp) reduced scrape by scrape with the
// same engine mapping as the live scrape (src/observe: vLLM, SGLang, llama.cpp names), then
// binned on the run's time bins: levels averaged per bin, counters as rates (the increase
// between two scrapes spread evenly over the time between them).

import { detectEngine, snapshot, type EngineName, type EngineSnapshot } from '../observe/engines';
import type { Sample } from '../observe/exposition';
import { counterIncrease } from '../observe/rates';
import { readJsonl } from './jsonl';
import { BinCounts, BinIntegral, type TimeBins } from './timebins';

interface EngineLine { t: number; name: string; value: number; labels?: Record<string, string> }

export interface EngineSeries {
  engine: EngineName;
  scrapes: number;
  /** Per bin; NaN where no scrape fell in the bin. */
  running: number[];
  waiting: number[];
  kvUsage: number[];
  generationTokensPerS: number[];
  prefixHitRate: number[];
}

/** Groups consecutive lines with one timestamp into scrapes. */
function* scrapes(file: string): Generator<{ t: number; samples: Sample[] }> {
  let t = NaN;
  let samples: Sample[] = [];
  for (const l of readJsonl<EngineLine>(file)) {
    if (typeof l.t !== 'number' || typeof l.name !== 'string') continue;
    if (l.t !== t && samples.length) {
      yield { t, samples };
      samples = [];
    }
    t = l.t;
    samples.push({ name: l.name, labels: l.labels ?? {}, value: Number(l.value) });
  }
  if (samples.length) yield { t, samples };
}

function meanPerBin(sum: BinCounts, n: BinCounts): number[] {
  return Array.from(sum.values, (s, i) => (n.values[i] > 0 ? s / n.values[i] : NaN));
}

/** Bins the engine series of one point; undefined when no scrape names a known engine. */
export function engineSeries(file: string, bins: TimeBins, model?: string): EngineSeries | undefined {
  let engine: EngineName | null = null;
  let prev: { t: number; snap: EngineSnapshot } | undefined;
  let count = 0;
  const sums = { running: new BinCounts(bins), waiting: new BinCounts(bins), kvUsage: new BinCounts(bins) };
  const levelN = { running: new BinCounts(bins), waiting: new BinCounts(bins), kvUsage: new BinCounts(bins) };
  const covered = new BinIntegral(bins);
  const gen = new BinIntegral(bins);
  const hits = new BinIntegral(bins);
  const queries = new BinIntegral(bins);
  for (const s of scrapes(file)) {
    const expo = { samples: s.samples, types: {}, skippedLines: 0 };
    engine ??= detectEngine(expo);
    if (!engine) continue;
    const snap = snapshot(expo, engine, model);
    count++;
    for (const k of ['running', 'waiting', 'kvUsage'] as const) {
      const v = snap.levels[k];
      if (v !== undefined) {
        sums[k].add(s.t, v);
        levelN[k].add(s.t, 1);
      }
    }
    if (prev && s.t > prev.t) {
      const before = prev.snap;
      const perMs = (k: keyof EngineSnapshot['counters']) => {
        const a = before.counters[k];
        const b = snap.counters[k];
        return a !== undefined && b !== undefined ? counterIncrease(a, b) / (s.t - prev!.t) : 0;
      };
      covered.add(prev.t, s.t);
      gen.add(prev.t, s.t, perMs('generationTokens'));
      hits.add(prev.t, s.t, perMs('prefixHits'));
      queries.add(prev.t, s.t, perMs('prefixQueries'));
    }
    prev = { t: s.t, snap };
  }
  if (!engine || count === 0) return undefined;
  const cover = covered.totals();
  const q = queries.totals();
  const h = hits.totals();
  return {
    engine,
    scrapes: count,
    running: meanPerBin(sums.running, levelN.running),
    waiting: meanPerBin(sums.waiting, levelN.waiting),
    kvUsage: meanPerBin(sums.kvUsage, levelN.kvUsage),
    generationTokensPerS: Array.from(gen.totals(), (v, i) => (cover[i] > 0 ? (v * 1000) / cover[i] : NaN)),
    prefixHitRate: Array.from(q, (v, i) => (v > 0 ? h[i] / v : NaN)),
  };
}
