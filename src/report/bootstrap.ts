// Is a difference between two runs beyond run-to-run noise? A percentile bootstrap of the
// difference B - A: each resample draws nA requests of A and nB of B with replacement
// (seeded mulberry32, so a comparison is reproducible), computes the figure on both, and keeps
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

type Rng = () => number;

/** Draws n indices of [0, n) with replacement into counts (zeroed first). */
function resampleCounts(counts: Uint32Array, rng: Rng): void {
  const n = counts.length;
  counts.fill(0);
  for (let k = 0; k < n; k++) counts[Math.floor((rng() / 4294967296) * n)]++;
}

/** Percentiles (0..100, ascending or not) of the resample `counts` of `sorted`, interpolated as formulas.percentile. */
export function resampledPercentiles(sorted: Float64Array, counts: Uint32Array, ps: readonly number[]): number[] {
  const n = sorted.length;
  const out = new Array<number>(ps.length).fill(NaN);
  if (n === 0) return out;
  // Ranks wanted: floor and ceil of (p/100)(n-1) for every p, found in one walk.
  const wants = ps.map((p, j) => ({ j, rank: (p / 100) * (n - 1) })).sort((a, b) => a.rank - b.rank);
  let w = 0;
  let seen = 0; // resampled positions before index i
  let prev = NaN; // the value at position seen - 1
  for (let i = 0; i < n && w < wants.length; i++) {
    const c = counts[i];
    if (c === 0) continue;
    const end = seen + c; // positions seen..end-1 hold sorted[i]
    for (; w < wants.length; w++) {
      const { j, rank } = wants[w];
      const lo = Math.floor(rank);
      const hi = Math.ceil(rank);
      if (hi >= end) break;
      // lo and hi are at most one position apart, so lo is here or at position seen - 1.
      const vLo = lo >= seen ? sorted[i] : prev;
      const vHi = hi >= seen ? sorted[i] : prev;
      out[j] = vLo + (vHi - vLo) * (rank - lo);
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
  const rng = mulberry32(o.seed);
  const ca = new Uint32Array(a.length);
  const cb = new Uint32Array(b.length);
  const diffs = ps.map(() => [] as number[]);
  for (let r = 0; r < o.resamples; r++) {
    resampleCounts(ca, rng);
    resampleCounts(cb, rng);
    const pa = resampledPercentiles(a, ca, ps);
    const pb = resampledPercentiles(b, cb, ps);
    for (let j = 0; j < ps.length; j++) diffs[j].push(pb[j] - pa[j]);
  }
  return ps.map((p, j) => interval(percentile(b as unknown as number[], p) - percentile(a as unknown as number[], p), diffs[j], o.confidence));
}

function resampledSum(values: Float64Array, counts: Uint32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) if (counts[i]) s += counts[i] * values[i];
  return s;
}

/**
 * Interval of B - A for a total scaled per run: scaleB * sum(b) - scaleA * sum(a), e.g. output
 * tokens per second (per-request tokens, scale 1/duration) or failed requests (0/1 values).
 */
export function bootstrapSumDiff(a: Float64Array, b: Float64Array, scaleA: number, scaleB: number, o: BootstrapOptions = DEFAULT_BOOTSTRAP): DiffInterval {
  const rng = mulberry32(o.seed ^ 0x5bd1e995);
  const ca = new Uint32Array(a.length);
  const cb = new Uint32Array(b.length);
  const diffs: number[] = [];
  for (let r = 0; r < o.resamples; r++) {
    resampleCounts(ca, rng);
    resampleCounts(cb, rng);
    diffs.push(scaleB * resampledSum(b, cb) - scaleA * resampledSum(a, ca));
  }
  const sum = (x: Float64Array) => x.reduce((s, v) => s + v, 0);
  return interval(scaleB * sum(b) - scaleA * sum(a), diffs, o.confidence);
}
