// Counts over time in a fixed number of buckets: when a time falls outside the covered span,
// the bucket width doubles (neighbours merge) until it fits. Memory stays fixed whatever the
// trace's length; resolution is reported with the results.
//
// Starts and ends are kept apart so that intervals stay conservative when buckets merge: a
// start moves to the start of its bucket, an end to the end of its bucket, so an interval never
// shrinks or vanishes and the peak of overlapping intervals is never underestimated (it may be
// overestimated by the intervals that meet inside one bucket).

export class TimeBuckets {
  private origin: number | undefined;
  private starts: Float64Array;
  private ends: Float64Array | undefined;

  constructor(
    readonly size: number,
    private widthMs: number,
    withEnds: boolean,
  ) {
    this.starts = new Float64Array(size);
    if (withEnds) this.ends = new Float64Array(size);
  }

  get resolutionMs(): number {
    return this.widthMs;
  }

  /** Counts `v` at time t (a start, or an arrival). */
  add(tMs: number, v = 1): void {
    this.starts[this.indexOf(tMs, tMs)] += v;
  }

  /** An interval [start, end). */
  addInterval(startMs: number, endMs: number): void {
    if (!this.ends) throw new Error('internal: TimeBuckets built without ends');
    const end = Math.max(startMs, endMs);
    const s = this.indexOf(startMs, end);
    this.starts[s] += 1;
    // The interval stays open through the bucket holding its end (at least its start bucket).
    this.ends[Math.max(s, Math.ceil((end - this.origin!) / this.widthMs) - 1)] += 1;
  }

  /** Bucket index of t, after widening the buckets until both t and `alsoMs` fit. */
  private indexOf(tMs: number, alsoMs: number): number {
    if (this.origin === undefined) this.origin = Math.floor(tMs / this.widthMs) * this.widthMs;
    const lo = Math.min(tMs, this.origin);
    const hi = Math.max(alsoMs, tMs);
    if (lo < this.origin || hi >= this.origin + this.size * this.widthMs) this.widen(lo, hi);
    return Math.floor((tMs - this.origin) / this.widthMs);
  }

  private widen(lo: number, hi: number): void {
    let width = this.widthMs;
    let origin = Math.floor(lo / width) * width;
    while (hi >= origin + this.size * width) {
      width *= 2;
      origin = Math.floor(lo / width) * width;
    }
    const old = { origin: this.origin!, width: this.widthMs };
    const remap = (arr: Float64Array, endSide: boolean) => {
      const out = new Float64Array(this.size);
      for (let i = 0; i < arr.length; i++) {
        if (arr[i] === 0) continue;
        // Old buckets are aligned to the old width, which divides the new one: no bucket is split.
        const t = old.origin + (endSide ? i + 1 : i) * old.width;
        const j = endSide ? Math.ceil((t - origin) / width) - 1 : Math.floor((t - origin) / width);
        out[Math.max(0, Math.min(this.size - 1, j))] += arr[i];
      }
      return out;
    };
    this.starts = remap(this.starts, false);
    if (this.ends) this.ends = remap(this.ends, true);
    this.origin = origin;
    this.widthMs = width;
  }

  /** Counts per bucket from the first non-empty one to the last (starts only). */
  series(): { startMs: number; widthMs: number; counts: number[] } {
    let first = -1;
    let last = -1;
    for (let i = 0; i < this.size; i++) {
      if (this.starts[i] !== 0) {
        if (first < 0) first = i;
        last = i;
      }
    }
    if (first < 0) return { startMs: 0, widthMs: this.widthMs, counts: [] };
    return { startMs: this.origin! + first * this.widthMs, widthMs: this.widthMs, counts: Array.from(this.starts.subarray(first, last + 1)) };
  }

  /** Most intervals open at once: a running sum where a bucket's starts count before its ends. */
  peakOverlap(): number {
    if (!this.ends) throw new Error('internal: TimeBuckets built without ends');
    let open = 0;
    let peak = 0;
    for (let i = 0; i < this.size; i++) {
      open += this.starts[i];
      if (open > peak) peak = open;
      open -= this.ends[i];
    }
    return peak;
  }
}
