// Distributions in the report come from mergeable log histograms (1% buckets, the summary's own
// llm_* histograms or ones filled from the records): a CDF drawn at a fixed grid of quantiles
// (denser in the tail, so p99.9 and p99.99 show) and percentile tables to p99.99. Fixed sizes
// whatever the request count. Pure.

import { histogramPercentile, type LogHistogram } from '../metrics/histogram';

/** Table columns: label and percentile (NaN = mean, Infinity = max). */
export const TABLE_PERCENTILES: ReadonlyArray<[string, number]> = [
  ['mean', NaN], ['p50', 50], ['p90', 90], ['p95', 95], ['p99', 99], ['p99.9', 99.9], ['p99.99', 99.99], ['max', Infinity],
];

/** Quantiles at which a CDF is drawn: 0..99% by 1%, then the tail. */
export const CDF_QUANTILES: readonly number[] = [
  ...Array.from({ length: 100 }, (_, i) => i / 100), 0.995, 0.999, 0.9995, 0.9999, 1,
];

/** [value, cumulative fraction] pairs, value non-decreasing. */
export function cdfPoints(h: LogHistogram): Array<[number, number]> {
  if (h.count === 0) return [];
  return CDF_QUANTILES.map((q) => [histogramPercentile(h, q * 100), q]);
}

/** One table row: count and the TABLE_PERCENTILES columns. */
export function percentileRow(h: LogHistogram | null | undefined): { count: number; values: number[] } {
  if (!h || h.count === 0) return { count: 0, values: TABLE_PERCENTILES.map(() => NaN) };
  return {
    count: h.count,
    values: TABLE_PERCENTILES.map(([, p]) => (Number.isNaN(p) ? h.sum / h.count : p === Infinity ? h.max : histogramPercentile(h, p))),
  };
}
