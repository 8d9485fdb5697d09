// Reading statistics out of a log-bucketed histogram (the process-wide histograms the k6
// extension keeps for per-token metrics such as ITL, where one Trend sample per token would
// grow k6's memory without bound). Bucket i covers (minValue*growth^i, minValue*growth^(i+1)];
// values <= minValue are counted in zeroCount. With growth 1.01 a percentile read from the
// bucket's geometric middle is within 0.5% of the true sample value.

import { PERCENTILES, type Stats } from './formulas';

export interface LogHistogram {
  count: number;
  sum: number;
  sumSq: number;
  min: number;
  max: number;
  zeroCount: number;
  minValue: number;
  growth: number;
  /** Sparse: bucket index (as a string key) -> count. */
  buckets: Record<string, number>;
}

/** Bucket index of a value above minValue (the same rule the extension applies). */
export function bucketIndex(v: number, minValue: number, growth: number): number {
  return Math.max(0, Math.ceil(Math.log(v / minValue) / Math.log(growth)) - 1);
}

/** An empty histogram with the given scheme (for tests and merging). */
export function emptyHistogram(minValue = 0.001, growth = 1.01): LogHistogram {
  return { count: 0, sum: 0, sumSq: 0, min: Infinity, max: -Infinity, zeroCount: 0, minValue, growth, buckets: {} };
}

/** Adds values the way the extension does (used by tests and by the stock-k6 fallback). */
export function addValues(h: LogHistogram, values: readonly number[]): void {
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    h.count++;
    h.sum += v;
    h.sumSq += v * v;
    if (v < h.min) h.min = v;
    if (v > h.max) h.max = v;
    if (v <= h.minValue) {
      h.zeroCount++;
    } else {
      const k = String(bucketIndex(v, h.minValue, h.growth));
      h.buckets[k] = (h.buckets[k] ?? 0) + 1;
    }
  }
}

/** Merges b into a (same scheme): histograms of several k6 instances add up exactly. */
export function mergeHistograms(a: LogHistogram, b: LogHistogram): LogHistogram {
  if (a.minValue !== b.minValue || a.growth !== b.growth) throw new Error('cannot merge histograms with different bucket schemes');
  const out: LogHistogram = {
    ...a,
    count: a.count + b.count,
    sum: a.sum + b.sum,
    sumSq: a.sumSq + b.sumSq,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    zeroCount: a.zeroCount + b.zeroCount,
    buckets: { ...a.buckets },
  };
  for (const k of Object.keys(b.buckets)) out.buckets[k] = (out.buckets[k] ?? 0) + b.buckets[k];
  return out;
}

/** Percentile p (0..100) as the geometric middle of the bucket holding rank p/100*(n-1), clamped to [min, max]. */
export function histogramPercentile(h: LogHistogram, p: number): number {
  if (h.count === 0) return NaN;
  const rank = Math.round((p / 100) * (h.count - 1));
  // The extremes are known exactly.
  if (rank <= 0) return h.min;
  if (rank >= h.count - 1) return h.max;
  let seen = h.zeroCount;
  if (rank < seen) return h.min;
  const indices = Object.keys(h.buckets).map(Number).sort((x, y) => x - y);
  for (const i of indices) {
    seen += h.buckets[String(i)];
    if (rank < seen) {
      const mid = h.minValue * Math.pow(h.growth, i + 0.5);
      return Math.min(h.max, Math.max(h.min, mid));
    }
  }
  return h.max;
}

/** Mean, population std and percentiles from a histogram (mean and std are exact). */
export function histogramStats(h: LogHistogram): Stats {
  const n = h.count;
  const mean = n ? h.sum / n : NaN;
  const variance = n ? Math.max(0, h.sumSq / n - mean * mean) : NaN;
  const stats: Stats = {
    count: n,
    mean,
    std: Math.sqrt(variance),
    min: n ? h.min : NaN,
    max: n ? h.max : NaN,
    p25: NaN, p50: NaN, p75: NaN, p90: NaN, p95: NaN, p99: NaN, p999: NaN,
  };
  for (const [key, p] of PERCENTILES) stats[key] = histogramPercentile(h, p);
  return stats;
}
