import { describe, expect, it } from 'vitest';
import { BinCounts, BinIntegral, TimeBins, binWidthMs } from '../../../src/report/timebins';
import { mulberry32 } from '../../../src/prompt/prng';

describe('time bins', () => {
  it('picks a round width giving at most the asked bin count', () => {
    expect(binWidthMs(12_000, 120)).toBe(100);
    expect(binWidthMs(60_000, 120)).toBe(500);
    expect(binWidthMs(3_600_000, 120)).toBe(30_000);
    const b = new TimeBins(1000, 61_000, 120);
    expect(b.n).toBeLessThanOrEqual(120);
    expect(b.widthMs * b.n).toBeGreaterThanOrEqual(60_000);
  });

  it('counts instants in their bin and drops those outside the run', () => {
    const b = new TimeBins(0, 1000, 10);
    const c = new BinCounts(b);
    for (const t of [0, 99.9, 100, 950, 1000, -1, 1001]) c.add(t);
    expect(Array.from(c.values)).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(c.rates()[0]).toBe(20); // 2 per 100 ms
  });

  it('spreads an interval over the bins it overlaps (partial ends, full middle)', () => {
    const b = new TimeBins(0, 1000, 10);
    const i = new BinIntegral(b);
    i.add(50, 350); // 50 ms in bin 0, full bins 1 and 2, 50 ms in bin 3
    i.add(420, 430, 2); // inside one bin, rate 2
    i.add(-500, 20); // clipped to the run
    expect(Array.from(i.totals())).toEqual([70, 100, 100, 50, 20, 0, 0, 0, 0, 0]);
    expect(i.averages()[1]).toBe(1);
  });

  it('gives the time-average in flight of random requests (brute force by 1 ms steps)', () => {
    const rng = mulberry32(3);
    const b = new TimeBins(0, 5000, 50);
    const i = new BinIntegral(b);
    const reqs = Array.from({ length: 300 }, () => {
      const s = rng() % 5000;
      return [s, s + (rng() % 1500)] as const;
    });
    for (const [s, e] of reqs) i.add(s, e);
    const avg = i.averages();
    for (const bin of [0, 7, 23, 49]) {
      let sum = 0;
      for (let t = bin * 100; t < (bin + 1) * 100; t++) sum += reqs.filter(([s, e]) => s <= t && t < Math.min(e, 5000)).length;
      expect(avg[bin]).toBeCloseTo(sum / 100, 6);
    }
    // Nothing lost: the integral over all bins is the total time in flight inside the run.
    const total = reqs.reduce((acc, [s, e]) => acc + Math.min(e, 5000) - s, 0);
    expect(Array.from(i.totals()).reduce((a, c) => a + c, 0)).toBeCloseTo(total, 6);
  });
});
