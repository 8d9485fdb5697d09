import { describe, expect, it } from 'vitest';
import { bootstrapPercentileDiffs, bootstrapSumDiff, resampledPercentiles } from '../../../src/report/bootstrap';
import { percentile } from '../../../src/metrics/formulas';
import { mulberry32 } from '../../../src/prompt/prng';

function sample(n: number, seed: number, scale = 1, shift = 0): Float64Array {
  const rng = mulberry32(seed);
  // Log-normal-ish latencies.
  return Float64Array.from({ length: n }, () => shift + scale * Math.exp(2 + ((rng() / 2 ** 32) + (rng() / 2 ** 32) + (rng() / 2 ** 32) - 1.5))).sort();
}

describe('bootstrap', () => {
  it('reads percentiles of a resample from its counts as sorting the resample would', () => {
    const rng = mulberry32(11);
    for (let trial = 0; trial < 100; trial++) {
      const n = 1 + (rng() % 40);
      const sorted = Float64Array.from({ length: n }, () => rng() % 20).sort();
      const counts = new Uint32Array(n);
      const drawn: number[] = [];
      for (let k = 0; k < n; k++) {
        const i = rng() % n;
        counts[i]++;
        drawn.push(sorted[i]);
      }
      drawn.sort((a, b) => a - b);
      const ps = [0, 1, 25, 50, 90, 99, 99.9, 100];
      const got = resampledPercentiles(sorted, counts, ps);
      ps.forEach((p, j) => expect(got[j]).toBeCloseTo(percentile(drawn, p), 9));
    }
  });

  it('is reproducible with a seed', () => {
    const a = sample(500, 1);
    const b = sample(500, 2);
    const o = { resamples: 200, seed: 5, confidence: 0.95 };
    expect(bootstrapPercentileDiffs(a, b, [50, 99], o)).toEqual(bootstrapPercentileDiffs(a, b, [50, 99], o));
    expect(bootstrapPercentileDiffs(a, b, [50], { ...o, seed: 6 })[0].lo).not.toBe(bootstrapPercentileDiffs(a, b, [50], o)[0].lo);
  });

  it('calls two samples of one distribution within noise and a 30% slower one beyond it', () => {
    const o = { resamples: 500, seed: 1, confidence: 0.95 };
    const a = sample(2000, 21);
    const same = bootstrapPercentileDiffs(a, sample(2000, 22), [50, 90, 99], o);
    expect(same.filter((r) => r.beyondNoise).length).toBeLessThanOrEqual(1);
    for (const r of same) expect(r.lo).toBeLessThan(r.hi);
    const slower = bootstrapPercentileDiffs(a, sample(2000, 23, 1.3), [50, 90, 99], o);
    for (const r of slower) {
      expect(r.beyondNoise).toBe(true);
      expect(r.lo).toBeGreaterThan(0);
      expect(r.diff).toBeGreaterThan(0);
    }
  });

  it('covers the true difference of medians at about the stated rate', () => {
    // 60 pairs of samples from one distribution: a 90% interval of B - A should hold 0 in ~54.
    let covered = 0;
    for (let k = 0; k < 60; k++) {
      const r = bootstrapPercentileDiffs(sample(300, 100 + k), sample(300, 200 + k), [50], { resamples: 300, seed: k, confidence: 0.9 })[0];
      if (r.lo <= 0 && r.hi >= 0) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(47);
    expect(covered).toBeLessThanOrEqual(60);
  });

  it('bootstraps a scaled sum (throughput, error rate): its interval holds the point estimate and widens with fewer requests', () => {
    const ones = (n: number, p: number, seed: number) => {
      const rng = mulberry32(seed);
      return Float64Array.from({ length: n }, () => (rng() / 2 ** 32 < p ? 1 : 0));
    };
    const o = { resamples: 400, seed: 3, confidence: 0.95 };
    const big = bootstrapSumDiff(ones(4000, 0.1, 1), ones(4000, 0.1, 2), 1 / 4000, 1 / 4000, o);
    const small = bootstrapSumDiff(ones(200, 0.1, 1), ones(200, 0.1, 2), 1 / 200, 1 / 200, o);
    expect(big.lo).toBeLessThanOrEqual(big.diff);
    expect(big.hi).toBeGreaterThanOrEqual(big.diff);
    expect(small.hi - small.lo).toBeGreaterThan(2 * (big.hi - big.lo));
    expect(bootstrapSumDiff(ones(2000, 0.05, 4), ones(2000, 0.25, 5), 1 / 2000, 1 / 2000, o).beyondNoise).toBe(true);
  });
});
