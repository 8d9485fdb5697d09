import { describe, expect, it } from 'vitest';
import { paretoFrontier, type ParetoPoint } from '../../../src/report/pareto';
import { mulberry32 } from '../../../src/prompt/prng';

/** The definition, brute force: no other point at least as good on both axes and better on one. */
function nonDominated(ps: ParetoPoint[]): number[] {
  return ps.map((_, i) => i).filter((i) => Number.isFinite(ps[i].x) && Number.isFinite(ps[i].y) &&
    !ps.some((q, j) => j !== i && Number.isFinite(q.x) && Number.isFinite(q.y) && q.x >= ps[i].x && q.y <= ps[i].y && (q.x > ps[i].x || q.y < ps[i].y)));
}

describe('paretoFrontier', () => {
  it('keeps the non-dominated points, ordered by throughput', () => {
    const ps = [{ x: 10, y: 100 }, { x: 20, y: 150 }, { x: 15, y: 300 }, { x: 30, y: 900 }, { x: 5, y: 80 }, { x: 25, y: 900 }];
    // (15,300) is beaten by (20,150); (25,900) by (30,900).
    expect(paretoFrontier(ps)).toEqual([4, 0, 1, 3]);
  });

  it('drops a point with equal throughput and higher latency, and one with equal latency and lower throughput', () => {
    expect(paretoFrontier([{ x: 10, y: 5 }, { x: 10, y: 7 }, { x: 8, y: 5 }])).toEqual([0]);
  });

  it('keeps exact duplicates of a frontier point, not of a dominated one', () => {
    expect(paretoFrontier([{ x: 10, y: 5 }, { x: 10, y: 5 }, { x: 4, y: 9 }, { x: 4, y: 9 }]).sort()).toEqual([0, 1]);
  });

  it('ignores points without a figure (a point with no successful request)', () => {
    expect(paretoFrontier([{ x: NaN, y: 1 }, { x: 3, y: NaN }, { x: 2, y: 2 }])).toEqual([2]);
    expect(paretoFrontier([])).toEqual([]);
  });

  it('equals the brute-force non-dominated set on random campaigns', () => {
    const rng = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + (rng() % 25);
      // Coarse values so ties happen.
      const ps = Array.from({ length: n }, () => ({ x: rng() % 10, y: rng() % 10 }));
      const got = paretoFrontier(ps);
      expect([...got].sort((a, b) => a - b)).toEqual(nonDominated(ps));
      for (let k = 1; k < got.length; k++) expect(ps[got[k]].x).toBeGreaterThanOrEqual(ps[got[k - 1]].x);
    }
  });
});
