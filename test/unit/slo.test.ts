import { describe, expect, it } from 'vitest';
import { formatSlo, meetsSlos, parseSlo, renderSloLines, SloColumn, SloSyntaxError, SloTracker, statOf } from '../../src/metrics/slo';

describe('parseSlo', () => {
  it('reads METRIC:STAT<=MS', () => {
    expect(parseSlo('ttft:p99<=2000')).toEqual({ metric: 'ttft', stat: 'p99', op: '<=', threshold: 2000 });
    expect(parseSlo(' TPOT : p99.9 <= 50.5ms')).toEqual({ metric: 'tpot', stat: 'p99.9', op: '<=', threshold: 50.5 });
    expect(parseSlo('e2e:mean<=10000').stat).toBe('mean');
    expect(parseSlo('itl:p99.99<=30').stat).toBe('p99.99');
    expect(formatSlo(parseSlo('ttft:p50<=100'))).toBe('ttft:p50<=100');
  });

  it('says what is wrong', () => {
    expect(() => parseSlo('ttft<2000')).toThrow(SloSyntaxError);
    expect(() => parseSlo('latency:p99<=2000')).toThrow(/METRIC ttft, tpot, itl or e2e/);
    expect(() => parseSlo('ttft:p0<=2000')).toThrow(/between p1 and p99.99/);
    expect(() => parseSlo('ttft:p99>=2000')).toThrow(/e.g. ttft:p99<=2000/);
  });
});

describe('meetsSlos', () => {
  const o = [parseSlo('ttft:p99<=100'), parseSlo('tpot:p99<=10')];
  it('needs success and every value within its threshold; a missing value meets it', () => {
    expect(meetsSlos({ ok: true, ttftMs: 100, tpotMs: 10, e2eMs: 500 }, o)).toBe(true);
    expect(meetsSlos({ ok: true, ttftMs: 100.1, tpotMs: 1, e2eMs: 500 }, o)).toBe(false);
    expect(meetsSlos({ ok: true, ttftMs: 1, tpotMs: 11, e2eMs: 500 }, o)).toBe(false);
    expect(meetsSlos({ ok: true, ttftMs: 1, e2eMs: 500 }, o)).toBe(true);
    expect(meetsSlos({ ok: false, ttftMs: 1, tpotMs: 1, e2eMs: 5 }, o)).toBe(false);
    expect(meetsSlos({ ok: true, itlMeanMs: 50, e2eMs: 5 }, [parseSlo('itl:mean<=40')])).toBe(false);
  });
});

describe('SloTracker', () => {
  it('counts attainment and goodput, and the stat of each objective over successful requests', () => {
    const t = new SloTracker([parseSlo('ttft:p50<=100'), parseSlo('e2e:mean<=1000')]);
    const marks = [
      t.add({ ok: true, ttftMs: 50, e2eMs: 400 }),
      t.add({ ok: true, ttftMs: 150, e2eMs: 600 }),
      t.add({ ok: true, ttftMs: 90, e2eMs: 2000 }),
      t.add({ ok: false, e2eMs: 5 }),
    ];
    expect(marks).toEqual([true, false, false, false]);
    const b = t.block(2);
    expect(b.requestsMet).toBe(1);
    expect(b.requestsTotal).toBe(4);
    expect(b.attainment).toBe(0.25);
    expect(b.goodputRps).toBe(0.5);
    expect(b.objectives[0]).toMatchObject({ metric: 'ttft', value: 90, met: true });
    expect(b.objectives[1]).toMatchObject({ metric: 'e2e', value: 1000, met: true });
    expect(renderSloLines(b)).toMatch(/SLO attainment \(requests meeting all\):\s+25.00%/);
    expect(renderSloLines(b)).toMatch(/Goodput \(req\/s\):\s+0.50/);
  });

  it('handles no requests and grows past its first block', () => {
    expect(new SloTracker([parseSlo('ttft:p99<=1')]).block(0)).toMatchObject({ attainment: 0, goodputRps: 0, objectives: [{ value: null, met: true }] });
    const t = new SloTracker([parseSlo('ttft:p99<=1000')]);
    for (let i = 0; i < 5000; i++) t.add({ ok: true, ttftMs: i % 1001, e2eMs: 1 });
    expect(t.block(1).requestsMet).toBe(5000);
    expect(t.block(1).objectives[0].value).toBeCloseTo(989, 0);
  });

  it('keeps at most its exact limit of values on a long run, then reads stats from a histogram', () => {
    const exact = new SloColumn(Infinity);
    const bounded = new SloColumn(1000);
    // 50,000 requests (50x the limit): TTFTs spread over two orders of magnitude.
    for (let i = 0; i < 50_000; i++) {
      const v = 10 + ((i * 7919) % 10_000) / 10;
      exact.push(v);
      bounded.push(v);
    }
    expect(bounded.exactValues, 'values held one by one').toBe(0);
    expect(exact.exactValues).toBe(50_000);
    for (const stat of ['p50', 'p90', 'p99', 'p99.9']) {
      expect(Math.abs(bounded.stat(stat)! / exact.stat(stat)! - 1), stat).toBeLessThan(0.006);
    }
    expect(bounded.stat('mean')).toBeCloseTo(exact.stat('mean')!, 6);
    // Below the limit it is exact.
    const small = new SloColumn(1000);
    [5, 1, 3].forEach((v) => small.push(v));
    expect(small.stat('p50')).toBe(3);
    expect(new SloColumn(10).stat('p99')).toBeNull();
  });

  it('statOf interpolates as numpy', () => {
    expect(statOf(new Float64Array([1, 2, 3, 4]), 'p50')).toBe(2.5);
    expect(statOf(new Float64Array([]), 'p50')).toBeNull();
    expect(statOf(new Float64Array([1, 2, 6]), 'mean')).toBe(3);
  });
});
