// Counter and histogram maths between two scrapes, with Prometheus' semantics: a counter that
// goes down means the server restarted (the increase is then its new value), and quantiles
// interpolate linearly inside a bucket as histogram_quantile does. Pure.

import type { CumulativeHistogram } from './engines';

/** Increase of a counter from `prev` to `cur`. */
export function counterIncrease(prev: number, cur: number): number {
  return cur >= prev ? cur - prev : cur;
}

/** Per-second rate of an increase over `dtMs`, or undefined for an empty interval. */
export function perSecond(increase: number, dtMs: number): number | undefined {
  return dtMs > 0 ? (increase * 1000) / dtMs : undefined;
}

/** part / whole, or undefined when nothing happened (no division by zero, no NaN samples). */
export function ratio(part: number, whole: number): number | undefined {
  return whole > 0 ? part / whole : undefined;
}

/** What a histogram observed between two scrapes (a reset makes it the newer one). */
export function histogramIncrease(prev: CumulativeHistogram | undefined, cur: CumulativeHistogram): CumulativeHistogram {
  if (!prev || cur.count < prev.count) return cur;
  const before = new Map(prev.buckets);
  return {
    buckets: cur.buckets.map(([le, c]) => [le, Math.max(0, c - (before.get(le) ?? 0))] as [number, number]),
    sum: cur.sum - prev.sum,
    count: cur.count - prev.count,
  };
}

export function histogramMean(h: CumulativeHistogram): number | undefined {
  return ratio(h.sum, h.count);
}

/**
 * The q-quantile (0..1) of a cumulative histogram, as PromQL's histogram_quantile: linear
 * inside the bucket holding the rank, the lower edge of the first bucket being 0 (or its upper
 * edge when that is negative); the largest finite bound when the rank falls in +Inf.
 */
export function histogramQuantile(q: number, h: CumulativeHistogram): number | undefined {
  const b = h.buckets;
  if (b.length === 0 || !(q >= 0 && q <= 1)) return undefined;
  const total = b[b.length - 1][1];
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let i = 0;
  while (i < b.length - 1 && b[i][1] < rank) i++;
  const [upper, cumUpper] = b[i];
  if (upper === Infinity) return i > 0 ? b[i - 1][0] : undefined;
  const lower = i > 0 ? b[i - 1][0] : Math.min(0, upper);
  const cumLower = i > 0 ? b[i - 1][1] : 0;
  if (cumUpper === cumLower) return upper;
  return lower + ((upper - lower) * (rank - cumLower)) / (cumUpper - cumLower);
}
