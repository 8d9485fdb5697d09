import { describe, expect, it } from 'vitest';
import { renderWorkload, windowRate, workloadTable, type BucketSeries } from '../../src/sessions/workload';

const series = (values: number[], first = 0, bucketMs = 1000): BucketSeries => ({ bucketMs, first, values });

describe('workload table', () => {
  it('rates over a window count a partial bucket pro rata', () => {
    const s = series([100, 200, 300, 400]);
    expect(windowRate(s, 0, 4000)).toBe(250);
    expect(windowRate(s, 2000, 4000)).toBe(350);
    expect(windowRate(s, 1500, 3500)).toBe((100 + 300 + 200) / 2);
    expect(windowRate(series([10, 10], 5), 5000, 7000)).toBe(10);
    expect(windowRate(s, 3000, 3000)).toBeNaN();
  });

  it('overall, last window, steady state after the warm-up fraction, per GPU', () => {
    // Ramp-up: the first 2 s carry little, steady 1000 tok/s after.
    const prompt = series([0, 100, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    const cached = series([0, 0, 800, 800, 800, 800, 800, 800, 800, 800]);
    const completion = series([0, 10, 50, 50, 50, 50, 50, 50, 50, 50]);
    const t = workloadTable({ prompt, cached, completion, startMs: 0, endMs: 10_000, sessionsCompleted: 5, sessionsStarted: 6 }, { lastWindowMs: 3000, warmupFraction: 0.2, gpus: 4 });
    const row = (m: string) => t.rows.find((r) => r.metric === m)!;
    expect(row('total prompt tok/s').overall).toBe(810);
    expect(row('total prompt tok/s').steady).toBe(1000);
    expect(row('total prompt tok/s').lastWindow).toBe(1000);
    expect(row('uncached prompt tok/s').steady).toBe(200);
    expect(row('cached prompt tok/s').steadyPerGpu).toBe(200);
    expect(row('completion tok/s').overall).toBe(41);
    expect(t.sessionsPerS).toBe(0.5);
    const text = renderWorkload(t);
    expect(text).toMatch(/5\/6 sessions completed/);
    expect(text).toMatch(/Steady \/ GPU \(4\)/);
    expect(text).toMatch(/Last 3s window/);
    expect(text.split('\n').find((l) => l.startsWith('uncached prompt tok/s'))).toMatch(/170\.00\s+200\.00\s+200\.00\s+50\.00/);
  });

  it('without GPUS there is no per-GPU column; a run shorter than the window uses all of it', () => {
    const s = series([10, 10]);
    const t = workloadTable({ prompt: s, cached: s, completion: s, startMs: 0, endMs: 2000, sessionsCompleted: 1, sessionsStarted: 1 }, { lastWindowMs: 30_000, warmupFraction: 0.2 });
    expect(t.rows[0].steadyPerGpu).toBeUndefined();
    expect(t.lastWindowS).toBe(2);
    expect(renderWorkload(t)).not.toMatch(/GPU/);
  });
});
