// Fixed-size time bins over one run, so the report's time series cost the same memory for
// 100 or 10 million requests. Counts go to the bin of their instant; quantities that last
// (a request in flight, tokens streamed over a response) are spread over the bins they overlap
// in O(1) per request: the partial first and last bins directly, the full bins between them
// through a difference array. Pure.

const NICE_MS = [100, 200, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];

/** The smallest "round" bin width giving at most maxBins bins over spanMs. */
export function binWidthMs(spanMs: number, maxBins: number): number {
  const raw = Math.max(spanMs, 1) / Math.max(1, maxBins);
  for (const w of NICE_MS) if (w >= raw) return w;
  return Math.ceil(raw / 3_600_000) * 3_600_000;
}

export class TimeBins {
  readonly widthMs: number;
  readonly n: number;

  constructor(readonly startMs: number, endMs: number, maxBins = 120) {
    this.widthMs = binWidthMs(endMs - startMs, maxBins);
    this.n = Math.max(1, Math.ceil((endMs - startMs) / this.widthMs));
  }

  /** The bin of an instant, or -1 outside the run. */
  index(t: number): number {
    const i = Math.floor((t - this.startMs) / this.widthMs);
    return i >= 0 && i < this.n ? i : i === this.n && t === this.startMs + this.n * this.widthMs ? this.n - 1 : -1;
  }

  /** Bin start times, seconds since the run's start. */
  startsS(): number[] {
    return Array.from({ length: this.n }, (_, i) => (i * this.widthMs) / 1000);
  }
}

/** A count (or sum) per bin. */
export class BinCounts {
  readonly values: Float64Array;
  constructor(readonly bins: TimeBins) {
    this.values = new Float64Array(bins.n);
  }
  add(t: number, v = 1): void {
    const i = this.bins.index(t);
    if (i >= 0) this.values[i] += v;
  }
  /** Per second. */
  rates(): number[] {
    return Array.from(this.values, (v) => (v * 1000) / this.bins.widthMs);
  }
}

/** The integral over each bin of a quantity present at `rate` from s to e (clipped to the run). */
export class BinIntegral {
  private readonly partial: Float64Array;
  private readonly diff: Float64Array;
  constructor(readonly bins: TimeBins) {
    this.partial = new Float64Array(bins.n);
    this.diff = new Float64Array(bins.n + 1);
  }

  add(s: number, e: number, rate = 1): void {
    const { startMs, widthMs, n } = this.bins;
    const lo = Math.max(s, startMs);
    const hi = Math.min(e, startMs + n * widthMs);
    if (!(hi > lo)) return;
    const a = Math.min(n - 1, Math.floor((lo - startMs) / widthMs));
    const b = Math.min(n - 1, Math.floor((hi - startMs) / widthMs));
    if (a === b) {
      this.partial[a] += (hi - lo) * rate;
      return;
    }
    this.partial[a] += (startMs + (a + 1) * widthMs - lo) * rate;
    this.partial[b] += (hi - (startMs + b * widthMs)) * rate;
    if (b > a + 1) {
      this.diff[a + 1] += widthMs * rate;
      this.diff[b] -= widthMs * rate;
    }
  }

  /** The integral per bin (quantity x ms). */
  totals(): Float64Array {
    const out = new Float64Array(this.bins.n);
    let run = 0;
    for (let i = 0; i < this.bins.n; i++) {
      run += this.diff[i];
      out[i] = this.partial[i] + run;
    }
    return out;
  }

  /** The time average per bin (e.g. requests in flight). */
  averages(): number[] {
    return Array.from(this.totals(), (v) => v / this.bins.widthMs);
  }
}
