// A cumulative Prometheus native (sparse, exponential) histogram as k6's remote-write output
// keeps one per Trend series: client_golang with NativeHistogramBucketFactor 1.1, i.e. schema 3
// (bucket bounds grow by 2^(1/8) ~ 1.09) and the default zero threshold 2^-128. Bucket index i
// holds (base^(i-1), base^i]. Pure.

export const SCHEMA = 3;
export const ZERO_THRESHOLD = 2 ** -128;

const PER_POWER_OF_TWO = 2 ** SCHEMA;
/** Upper bounds within one power of two, as fractions in [0.5, 1): 2^(j/8 - 1). */
const BOUNDS = Array.from({ length: PER_POWER_OF_TWO }, (_, j) => 2 ** (j / PER_POWER_OF_TWO - 1));

/** v = frac * 2^exp with frac in [0.5, 1) (C's frexp), for finite v > 0. */
function frexp(v: number): [number, number] {
  let exp = Math.floor(Math.log2(v)) + 1;
  let frac = v / 2 ** exp;
  // log2 can be off by one ulp near powers of two.
  if (frac >= 1) {
    frac /= 2;
    exp++;
  } else if (frac < 0.5) {
    frac *= 2;
    exp--;
  }
  return [frac, exp];
}

/** The bucket index of |v| > 0 at schema 3. */
export function bucketIndex(v: number): number {
  const [frac, exp] = frexp(Math.abs(v));
  let j = 0;
  while (j < PER_POWER_OF_TWO - 1 && BOUNDS[j] < frac) j++;
  if (BOUNDS[j] < frac) j = PER_POWER_OF_TWO; // above the last bound: first bucket of the next power
  return j + (exp - 1) * PER_POWER_OF_TWO;
}

/** The upper bound of bucket `i`. */
export function bucketUpperBound(i: number): number {
  return 2 ** (i / PER_POWER_OF_TWO);
}

export interface BucketSpan {
  offset: number;
  length: number;
}

/** The wire form of one side (positive or negative) of the histogram. */
export interface SparseBuckets {
  spans: BucketSpan[];
  /** First count absolute, then each the difference to the previous bucket. */
  deltas: number[];
}

export interface HistogramState {
  count: number;
  sum: number;
  zeroCount: number;
  positive: SparseBuckets;
  negative: SparseBuckets;
}

function sparse(buckets: Map<number, number>): SparseBuckets {
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  const spans: BucketSpan[] = [];
  const deltas: number[] = [];
  let prevKey = 0;
  let prevCount = 0;
  keys.forEach((k, n) => {
    if (n > 0 && k === prevKey + 1) spans[spans.length - 1].length++;
    else spans.push({ offset: n === 0 ? k : k - prevKey - 1, length: 1 });
    const c = buckets.get(k)!;
    deltas.push(c - prevCount);
    prevKey = k;
    prevCount = c;
  });
  return { spans, deltas };
}

export class NativeHistogram {
  private count = 0;
  private sum = 0;
  private zeroCount = 0;
  private readonly positive = new Map<number, number>();
  private readonly negative = new Map<number, number>();

  observe(v: number): void {
    if (Number.isNaN(v)) return;
    this.count++;
    this.sum += v;
    if (Math.abs(v) <= ZERO_THRESHOLD) {
      this.zeroCount++;
      return;
    }
    const side = v > 0 ? this.positive : this.negative;
    const i = bucketIndex(v);
    side.set(i, (side.get(i) ?? 0) + 1);
  }

  state(): HistogramState {
    return { count: this.count, sum: this.sum, zeroCount: this.zeroCount, positive: sparse(this.positive), negative: sparse(this.negative) };
  }
}
