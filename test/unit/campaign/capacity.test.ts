import { describe, expect, it } from 'vitest';
import { searchCapacity, wilson, withinNoise } from '../../../src/campaign/capacity';
import type { CapacitySpec } from '../../../src/campaign/file';

/** A server whose attainment is 1 up to `capacity` and falls steeply after it, n requests a probe. */
function plantedProbe(capacity: number, n = 200, curve?: (v: number, repeat: number) => number) {
  const calls: Array<[number, number]> = [];
  const probe = async (value: number, repeat: number) => {
    calls.push([value, repeat]);
    const a = curve ? curve(value, repeat) : value <= capacity ? 1 : Math.max(0, 1 - (value - capacity));
    return { met: Math.round(a * n), total: n, pointId: `p${calls.length}` };
  };
  return { probe, calls };
}

const spec = (s: Partial<CapacitySpec> = {}): CapacitySpec => ({ load: 'speedup', min: 1, max: 64, target: 0.95, tolerance: 0.25, maxProbes: 20, ...s });

describe('wilson', () => {
  it('is the 95% score interval', () => {
    const [lo, hi] = wilson(40, 40);
    expect(lo).toBeCloseTo(0.9124, 3);
    expect(hi).toBe(1);
    const [l2, h2] = wilson(50, 100);
    expect(l2).toBeCloseTo(0.4038, 3);
    expect(h2).toBeCloseTo(0.5962, 3);
    expect(withinNoise(40, 40, 0.95)).toBe(true);
    expect(withinNoise(40, 40, 0.9)).toBe(false);
  });
});

describe('searchCapacity', () => {
  it('brackets by doubling, then bisects to the tolerance', async () => {
    const { probe, calls } = plantedProbe(5.3);
    const r = await searchCapacity(spec(), probe);
    expect(calls.slice(0, 4).map((c) => c[0])).toEqual([1, 2, 4, 8]);
    expect(r.answer!).toBeLessThanOrEqual(5.3);
    expect(r.answer!).toBeGreaterThan(5.3 - 0.25);
    expect(r.confidence).toMatch(/capacity in \[/);
    expect(r.probes.length).toBe(calls.length);
  });

  it('repeats a probe whose verdict is within noise and pools the two', async () => {
    // At 3 the attainment is 0.988 of 1000: the target 0.99 is inside its interval, even pooled.
    const { probe, calls } = plantedProbe(0, 1000, (v) => (v < 3 ? 1 : v === 3 ? 0.988 : 0.5));
    const r = await searchCapacity(spec({ min: 2, max: 4, tolerance: 0.5, target: 0.99 }), probe);
    expect(calls).toContainEqual([3, 1]);
    expect(calls.filter((c) => c[0] === 3).length).toBe(2);
    expect(r.answer).toBe(2.5);
    expect(r.probes.find((p) => p.value === 3)!.attainment).toBe(0.988);
    expect(r.confidence).toMatch(/1 verdict\(s\) stayed within noise/);
  });

  it('reports when even the lowest load fails, or the highest holds', async () => {
    expect((await searchCapacity(spec({ min: 8 }), plantedProbe(4).probe)).answer).toBeNull();
    const high = await searchCapacity(spec({ max: 16 }), plantedProbe(100).probe);
    expect(high.answer).toBe(16);
    expect(high.confidence).toMatch(/raise capacity.max/);
  });

  it('stays within maxProbes and says so', async () => {
    const { probe, calls } = plantedProbe(37.1);
    const r = await searchCapacity(spec({ maxProbes: 7 }), probe);
    expect(calls.length).toBe(7);
    expect(r.confidence).toMatch(/probe budget spent/);
  });

  it('searches users in whole numbers', async () => {
    const { probe, calls } = plantedProbe(13);
    const r = await searchCapacity(spec({ load: 'users', min: 2, max: 64, tolerance: 1 }), probe);
    expect(calls.every((c) => Number.isInteger(c[0]))).toBe(true);
    expect(r.answer).toBe(13);
  });
});
