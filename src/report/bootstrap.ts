// Is a difference between two runs beyond run-to-run noise? A percentile bootstrap of the
// difference B - A: each resample draws nA requests of A and nB of B with replacement
// (seeded, so a comparison is reproducible), computes the figure on both, and keeps
// B - A; the interval is the (1-c)/2 and (1+c)/2 quantiles of those differences. When it
// excludes 0 the difference is beyond noise. Requests are taken as independent draws, so
// noise that moves a whole run (another job on the machine) is not in the interval. Pure.
//
// A resample of a sorted sample is kept as a count per original index: walking the indices in
// order with their multiplicities is the resample sorted, so every percentile of one resample
// costs O(n) with no sort.

import { mulberry32 } from '../prompt/prng';
import { percentile } from '../metrics/formulas';

export interface BootstrapOptions {
  resamples: number;
  seed: number;
  /** Two-sided confidence level, e.g. 0.95. */
  confidence: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: 1000, seed: 1, confidence: 0.95 };

export interface DiffInterval {
  /** B - A on the samples themselves. */
  diff: number;
  lo: number;
  hi: number;
  /** The interval excludes 0. */
  beyondNoise: boolean;
  /**
   * Every resample gave the same difference: the figure does not vary with the requests drawn
   * (e.g. requests/s when every request succeeded: only the run's duration moves it, and the
   * records hold one duration per run), so its noise cannot be judged this way.
   */
  degenerate: boolean;
}

/**
 * The resampling's random indices: xorshift32 (Marsaglia), seeded through mulberry32. Its loop
 * is inlined below because it runs resamples x requests times per figure (a call per draw was
 * 6x slower); its statistical quality is ample for drawing indices.
 */
class Draws {
  private s: number;
  constructor(seed: number) {
    this.s = mulberry32(seed)() | 1;
  }

  /** n indices of [0, n) with replacement, as a count per index (zeroed first). */
  counts(counts: Uint32Array): void {
    const n = counts.length;
    let s = this.s;
    counts.fill(0);
    for (let k = 0; k < n; k++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      counts[((s >>> 0) * n) / 4294967296 | 0]++;
    }
    this.s = s;
  }

  /** The sum of n values drawn with replacement. */
  sum(values: Float64Array): number {
    const n = values.length;
    let s = this.s;
    let total = 0;
    for (let k = 0; k < n; k++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      total += values[((s >>> 0) * n) / 4294967296 | 0];
    }
    this.s = s;
    return total;
  }
}

/** Percentiles (0..100, ascending or not) of the resample `counts` of `sorted`, interpolated as formulas.percentile. */
export function resampledPercentiles(sorted: Float64Array, counts: Uint32Array, ps: readonly number[]): number[] {
  const n = sorted.length;
  const out = new Array<number>(ps.length).fill(NaN);
  if (n === 0) return out;
  // Ranks wanted: floor and ceil of (p/100)(n-1) for every p, found in one walk.
  const order = ps.map((_, j) => j).sort((x, y) => ps[x] - ps[y]);
  const rank = order.map((j) => (ps[j] / 100) * (n - 1));
  let w = 0;
  let nextHi = Math.ceil(rank[0]);
  let seen = 0; // resampled positions before index i
  let prev = NaN; // the value at position seen - 1
  for (let i = 0; i < n; i++) {
    const c = counts[i];
    if (c === 0) continue;
    const end = seen + c; // positions seen..end-1 hold sorted[i]
    while (nextHi < end) {
      const lo = Math.floor(rank[w]);
      // lo and hi are at most one position apart, so lo is here or at position seen - 1.
      const vLo = lo >= seen ? sorted[i] : prev;
      const vHi = nextHi >= seen ? sorted[i] : prev;
      out[order[w]] = vLo + (vHi - vLo) * (rank[w] - lo);
      if (++w === order.length) return out;
      nextHi = Math.ceil(rank[w]);
    }
    prev = sorted[i];
    seen = end;
  }
  return out;
}

function quantileOf(xs: number[], q: number): number {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return percentile(sorted, q * 100);
}

function interval(diff: number, diffs: number[], confidence: number): DiffInterval {
  const lo = quantileOf(diffs, (1 - confidence) / 2);
  const hi = quantileOf(diffs, (1 + confidence) / 2);
  const degenerate = Number.isFinite(lo) && lo === hi;
  return { diff, lo, hi, beyondNoise: !degenerate && Number.isFinite(lo) && (lo > 0 || hi < 0), degenerate };
}

/** Intervals of B - A for each percentile p of two samples sorted ascending. */
export function bootstrapPercentileDiffs(a: Float64Array, b: Float64Array, ps: readonly number[], o: BootstrapOptions = DEFAULT_BOOTSTRAP): DiffInterval[] {
  const draws = new Draws(o.seed);
  const ca = new Uint32Array(a.length);
  const cb = new Uint32Array(b.length);
  const diffs = ps.map(() => [] as number[]);
  for (let r = 0; r < o.resamples; r++) {
    draws.counts(ca);
    draws.counts(cb);
    const pa = resampledPercentiles(a, ca, ps);
    const pb = resampledPercentiles(b, cb, ps);
    for (let j = 0; j < ps.length; j++) diffs[j].push(pb[j] - pa[j]);
  }
  return ps.map((p, j) => interval(percentile(b as unknown as number[], p) - percentile(a as unknown as number[], p), diffs[j], o.confidence));
}

/**
 * Interval of B - A for a total scaled per run: scaleB * sum(b) - scaleA * sum(a), e.g. output
 * tokens per second (per-request tokens, scale 1/duration) or failed requests (0/1 values).
 */
export function bootstrapSumDiff(a: Float64Array, b: Float64Array, scaleA: number, scaleB: number, o: BootstrapOptions = DEFAULT_BOOTSTRAP): DiffInterval {
  const draws = new Draws(o.seed ^ 0x5bd1e995);
  const diffs: number[] = [];
  for (let r = 0; r < o.resamples; r++) diffs.push(scaleB * draws.sum(b) - scaleA * draws.sum(a));
  const sum = (x: Float64Array) => x.reduce((s, v) => s + v, 0);
  return interval(scaleB * sum(b) - scaleA * sum(a), diffs, o.confidence);
}
