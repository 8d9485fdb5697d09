import { describe, expect, it } from 'vitest';
import { arrivalStages, bucketCounts, SPARE_ITERATIONS, estimatePeakConcurrency, planVus } from '../../src/schedule/openloop';
import { selectRequests } from '../../src/trace/open-loop';
import type { Trace } from '../../src/trace/model';

function trace(times: number[]): Trace {
  return {
    format: 'test',
    sessions: times.map((t, i) => ({ id: String(i), startMs: t, turns: [{ atMs: t, inputTokens: 100 + i, outputTokens: 10 + i, line: i + 1 }] })),
  };
}

/** Replays k6's ramping-arrival-rate start times for step stages: n per bucket at (m+1)/n. */
function k6StartTimes(a: ReturnType<typeof arrivalStages>, bucketMs: number): number[] {
  const perBucket: number[] = [];
  let rate = a.startRate;
  for (const s of a.stages) {
    const ms = parseInt(s.duration, 10) * (s.duration.endsWith('ms') ? 1 : 1000);
    if (ms === 0) {
      rate = s.target;
      continue;
    }
    for (let i = 0; i < ms / bucketMs; i++) perBucket.push(rate);
  }
  const starts: number[] = [];
  perBucket.forEach((n, j) => {
    for (let m = 0; m < n; m++) starts.push(j * bucketMs + ((m + 1) / n) * bucketMs);
  });
  return starts;
}

describe('open-loop request selection', () => {
  it('sorts by time, keeping file order for equal timestamps', () => {
    const r = selectRequests(trace([5, 0, 5, 1]));
    expect(r.map((x) => x.line)).toEqual([2, 4, 1, 3]);
    expect(r.map((x) => x.index)).toEqual([0, 1, 2, 3]);
  });

  it('applies the time window, rebases to its start, speeds up and caps', () => {
    const r = selectRequests(trace([0, 1000, 2000, 3000, 4000]), { fromMs: 1000, toMs: 4000, speedup: 2, maxRequests: 2 });
    expect(r.map((x) => x.atMs)).toEqual([0, 500]);
    expect(r.map((x) => x.inputTokens)).toEqual([101, 102]);
  });

  it('rejects a non-positive speed-up', () => {
    expect(() => selectRequests(trace([0]), { speedup: 0 })).toThrow(/speed-up/);
  });
});

describe('arrival stages', () => {
  it('counts requests per bucket', () => {
    expect(bucketCounts([0, 0, 999, 1000, 3500], 1000)).toEqual([3, 1, 0, 1]);
  });

  it('starts exactly the trace count, each iteration before its request is due', () => {
    const offsets = [0, 0, 0, 10, 1500, 1600, 1700, 4200, 4200, 4999, 5000, 9000];
    const bucket = 1000;
    const a = arrivalStages(offsets, bucket);
    expect(a.total).toBe(offsets.length);
    expect(a.timeUnit).toBe('1000ms');
    const starts = k6StartTimes(a, bucket);
    expect(starts).toHaveLength(offsets.length + a.spare);
    const lead = bucket + 1; // any lead above one bucket
    offsets.forEach((o, k) => expect(starts[k]).toBeLessThan(o + lead));
    // The spare iterations come after every request's iteration.
    expect(Math.min(...starts.slice(offsets.length))).toBeGreaterThanOrEqual(Math.max(...starts.slice(0, offsets.length)));
  });

  it('merges equal buckets into one stage and jumps with 0s stages', () => {
    const a = arrivalStages([0, 1000, 2000, 3000, 3001], 1000);
    expect(a.startRate).toBe(1);
    expect(a.stages).toEqual([
      { target: 1, duration: '3000ms' },
      { target: 2, duration: '0s' },
      { target: 2, duration: '1000ms' },
      { target: SPARE_ITERATIONS, duration: '0s' },
      { target: SPARE_ITERATIONS, duration: '1000ms' },
    ]);
    expect(a.durationMs).toBe(5000);
  });

  it('rejects a fractional bucket', () => {
    expect(() => arrivalStages([0], 0.5)).toThrow(/whole number/);
  });
});

describe('VU sizing', () => {
  it('estimates the peak of requests waiting or in flight', () => {
    const reqs = selectRequests(trace([0, 0, 0, 10_000]));
    const m = { ttftMs: 100, prefillMsPerToken: 0, tpotMs: 10 };
    // three overlapping at t=0; the fourth starts long after they end
    expect(estimatePeakConcurrency(reqs, 2000, m)).toBe(3);
    expect(estimatePeakConcurrency(reqs, 20_000, m)).toBe(4);
  });

  it('adds headroom and honours overrides', () => {
    expect(planVus(10)).toEqual({ preAllocatedVUs: 15, maxVUs: 60 });
    expect(planVus(10, { vus: 3 })).toEqual({ preAllocatedVUs: 3, maxVUs: 12 });
    expect(() => planVus(10, { vus: 5, maxVus: 2 })).toThrow(/MAX_VUS/);
  });
});
