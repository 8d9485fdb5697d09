import { describe, expect, it } from 'vitest';
import { e2eMs, itlGapsMs, percentile, summarize, tpotMs, ttftMs } from '../../src/metrics/formulas';
import { addValues, emptyHistogram, histogramStats, mergeHistograms, histogramPercentile } from '../../src/metrics/histogram';
import { mulberry32 } from '../../src/prompt/prng';

describe('metric formulas', () => {
  it('follows the vLLM definitions', () => {
    const r = { sendMs: 100, tokenChunkMs: [150, 160, 175], endMs: 180 };
    expect(ttftMs(r)).toBe(50);
    expect(e2eMs(r)).toBe(80);
    expect(itlGapsMs(r.tokenChunkMs)).toEqual([10, 15]);
    expect(tpotMs(80, 50, 3)).toBe(15);
    expect(tpotMs(80, 50, 1)).toBeUndefined();
    expect(ttftMs({ sendMs: 0, tokenChunkMs: [], endMs: 5 })).toBeUndefined();
  });

  it('computes numpy-style percentiles and population std', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97);
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.mean).toBe(5);
    expect(s.std).toBe(2);
    expect(s.p50).toBe(4.5);
    expect(summarize([]).count).toBe(0);
  });
});

describe('log histogram', () => {
  const rand = mulberry32(7);
  const values = Array.from({ length: 20000 }, () => 0.2 + (rand() / 2 ** 32) * 80);

  it('gives exact mean/std and percentiles within 0.5% of the exact ones', () => {
    const h = emptyHistogram();
    addValues(h, values);
    const exact = summarize(values);
    const approx = histogramStats(h);
    expect(approx.mean).toBeCloseTo(exact.mean, 6);
    expect(approx.std).toBeCloseTo(exact.std, 6);
    for (const k of ['p25', 'p50', 'p75', 'p90', 'p99'] as const) {
      expect(Math.abs(approx[k] - exact[k]) / exact[k]).toBeLessThan(0.006);
    }
  });

  it('merges exactly: two halves equal the whole', () => {
    const a = emptyHistogram();
    const b = emptyHistogram();
    const all = emptyHistogram();
    addValues(a, values.slice(0, 7000));
    addValues(b, values.slice(7000));
    addValues(all, values);
    const m = mergeHistograms(a, b);
    expect(m.buckets).toEqual(all.buckets);
    expect(m.count).toBe(all.count);
    expect(histogramPercentile(m, 99)).toBe(histogramPercentile(all, 99));
  });

  it('handles zeros and tiny values', () => {
    const h = emptyHistogram();
    addValues(h, [0, 0, 0, 5, NaN]);
    expect(h.count).toBe(4);
    expect(h.zeroCount).toBe(3);
    expect(histogramPercentile(h, 50)).toBe(0);
    expect(histogramPercentile(h, 100)).toBe(5);
  });
});
