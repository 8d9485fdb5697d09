import { describe, expect, it } from 'vitest';
import { counterIncrease, histogramIncrease, histogramMean, histogramQuantile, perSecond, ratio } from '../../src/observe/rates';
import type { CumulativeHistogram } from '../../src/observe/engines';

const h = (buckets: Array<[number, number]>, sum: number): CumulativeHistogram => ({ buckets, sum, count: buckets[buckets.length - 1][1] });

describe('counter maths', () => {
  it('takes increases, and a decrease as a restart whose increase is the new value', () => {
    expect(counterIncrease(100, 130)).toBe(30);
    expect(counterIncrease(100, 100)).toBe(0);
    expect(counterIncrease(100, 7)).toBe(7);
  });

  it('gives no rate or ratio for empty intervals rather than NaN or Infinity', () => {
    expect(perSecond(50, 2000)).toBe(25);
    expect(perSecond(50, 0)).toBeUndefined();
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(0, 0)).toBeUndefined();
  });
});

describe('histograms', () => {
  // 10 observations: 2 in (0, 0.1], 6 in (0.1, 0.5], 2 in (0.5, +Inf)
  const hist = h([[0.1, 2], [0.5, 8], [Infinity, 10]], 3.1);

  it('interpolates quantiles inside the bucket as histogram_quantile does', () => {
    expect(histogramQuantile(0.5, hist)).toBeCloseTo(0.1 + 0.4 * (5 - 2) / 6, 12);
    expect(histogramQuantile(0.1, hist)).toBeCloseTo(0.05, 12);
    expect(histogramQuantile(0.8, hist)).toBeCloseTo(0.5, 12);
  });

  it('answers the largest finite bound when the rank falls in +Inf, and nothing for an empty histogram', () => {
    expect(histogramQuantile(0.99, hist)).toBe(0.5);
    expect(histogramQuantile(0.5, h([[0.1, 0], [Infinity, 0]], 0))).toBeUndefined();
    expect(histogramQuantile(1.5, hist)).toBeUndefined();
  });

  it('uses the upper bound when the first bucket is not positive', () => {
    expect(histogramQuantile(0.5, h([[-1, 4], [Infinity, 4]], -8))).toBe(-1);
  });

  it('takes bucket-wise increases, and the newer histogram after a restart', () => {
    const later = h([[0.1, 3], [0.5, 12], [Infinity, 14]], 4.6);
    const d = histogramIncrease(hist, later);
    expect(d).toEqual({ buckets: [[0.1, 1], [0.5, 4], [Infinity, 4]], sum: 4.6 - 3.1, count: 4 });
    expect(histogramMean(d)).toBeCloseTo(1.5 / 4, 12);
    const restarted = h([[0.1, 1], [0.5, 1], [Infinity, 1]], 0.05);
    expect(histogramIncrease(hist, restarted)).toBe(restarted);
    expect(histogramIncrease(undefined, hist)).toBe(hist);
  });
});
