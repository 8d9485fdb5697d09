// Exact percentiles of integer samples (token counts) in memory bounded by the number of
// distinct values, not the number of samples: a 1 GB trace has millions of requests but only
// tens of thousands of distinct lengths.

import { PERCENTILES, type Stats } from '../../metrics/formulas';

export class IntDistribution {
  private readonly counts = new Map<number, number>();
  count = 0;
  private sum = 0;
  private sumSq = 0;

  add(v: number): void {
    this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
    this.count++;
    this.sum += v;
    this.sumSq += v * v;
  }

  /** The value at 0-based rank k of the sorted sample. */
  private atRanks(sortedValues: number[], ranks: number[]): number[] {
    const out: number[] = [];
    let seen = 0;
    let r = 0;
    for (const v of sortedValues) {
      seen += this.counts.get(v)!;
      while (r < ranks.length && ranks[r] < seen) {
        out.push(v);
        r++;
      }
    }
    return out;
  }

  /** Percentile p with linear interpolation between closest ranks (numpy's default, as formulas.percentile). */
  percentiles(ps: readonly number[]): number[] {
    if (this.count === 0) return ps.map(() => NaN);
    const sorted = [...this.counts.keys()].sort((a, b) => a - b);
    return ps.map((p) => {
      const rank = (p / 100) * (this.count - 1);
      const [lo, hi] = this.atRanks(sorted, [Math.floor(rank), Math.ceil(rank)]);
      return lo + (hi - lo) * (rank - Math.floor(rank));
    });
  }

  stats(): Stats {
    const n = this.count;
    const mean = n ? this.sum / n : NaN;
    const values = this.percentiles([0, 100, ...PERCENTILES.map(([, p]) => p)]);
    const s: Stats = {
      count: n, mean, std: n ? Math.sqrt(Math.max(0, this.sumSq / n - mean * mean)) : NaN, min: values[0], max: values[1],
      p25: NaN, p50: NaN, p75: NaN, p90: NaN, p95: NaN, p99: NaN, p999: NaN,
    };
    PERCENTILES.forEach(([key], i) => (s[key] = values[i + 2]));
    return s;
  }
}
