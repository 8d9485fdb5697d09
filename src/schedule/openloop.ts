// Open-loop schedules: every request at its recorded offset, whatever the responses do.
//
// k6 side: a ramping-arrival-rate scenario whose stages are the trace's arrival histogram in
// buckets of `bucketMs`, with timeUnit = bucketMs so every stage target is an exact integer
// count. k6 starts the n iterations of a bucket at (m+1)/n of the bucket (m = 0..n-1), i.e.
// inside (start, end]. Requests are sent `leadMs` after their recorded offset (lead > one
// bucket), so iteration k always starts before request k is due and then waits for its exact
// time: the wait absorbs k6's even spacing, and dispatch lag measures only what is really late.

import type { Endpoint } from '../config/replay';

/** An open-loop request: one turn with an absolute arrival time, flattened out of its session. */
export interface TimedRequest {
  /** Position in the trace after sorting by time (the k6 iteration index that sends it). */
  index: number;
  atMs: number;
  inputTokens: number;
  outputTokens: number;
  blocks?: number[];
  line?: number;
  /** The API it goes to, when the trace row names one (else the run's --endpoint). */
  endpoint?: Endpoint;
}

export interface SliceOptions {
  /** Divide recorded offsets by this (2 = twice as fast). */
  speedup?: number;
  /** Keep requests recorded in [fromMs, toMs) (trace time, before speed-up). */
  fromMs?: number;
  toMs?: number;
  /** Keep at most this many requests (after the time window). */
  maxRequests?: number;
}


/**
 * Rows of the window in schedule order (stable: equal times keep file order), at most
 * maxRequests, numbered, with offsets rebased to the window start and divided by the speed-up.
 * Sorts and rewrites `rows` in place.
 */
export function timeOrder<T extends { atMs: number; index: number }>(rows: T[], o: SliceOptions): T[] {
  const speedup = o.speedup ?? 1;
  if (!(speedup > 0)) throw new Error(`speed-up must be a positive number, got ${speedup}`);
  const from = o.fromMs ?? 0;
  rows.sort((a, b) => a.atMs - b.atMs);
  if (o.maxRequests !== undefined && rows.length > o.maxRequests) rows.length = o.maxRequests;
  rows.forEach((r, i) => {
    r.index = i;
    r.atMs = (r.atMs - from) / speedup;
  });
  return rows;
}

export interface Stage {
  target: number;
  duration: string;
}

export interface ArrivalStages {
  startRate: number;
  timeUnit: string;
  stages: Stage[];
  /** Iterations the trace's buckets start (the number of requests). */
  total: number;
  /** Extra iterations of the spare stage at the end; they send nothing unless k6 lost some. */
  spare: number;
  /** Scenario length (ms): the last bucket's end. */
  durationMs: number;
}

/** Requests per bucket: counts[j] = requests with offset in [j*bucketMs, (j+1)*bucketMs). */
export function bucketCounts(offsetsMs: readonly number[], bucketMs: number): number[] {
  const counts: number[] = [];
  for (const t of offsetsMs) {
    const j = Math.floor(t / bucketMs);
    while (counts.length <= j) counts.push(0);
    counts[j]++;
  }
  return counts;
}

/**
 * ramping-arrival-rate stages that start exactly counts[j] iterations in bucket j: a
 * 0-second stage jumps to the bucket's rate, then the rate holds for the bucket; runs of
 * equal buckets merge into one stage.
 */
export function arrivalStages(offsetsMs: readonly number[], bucketMs: number): ArrivalStages {
  if (!(bucketMs > 0) || !Number.isInteger(bucketMs)) throw new Error(`bucket must be a positive whole number of ms, got ${bucketMs}`);
  const counts = bucketCounts(offsetsMs, bucketMs);
  const stages: Stage[] = [];
  let run = 0;
  for (let j = 0; j < counts.length; j++) {
    const n = counts[j];
    const prev = stages.length ? stages[stages.length - 1].target : counts[0];
    if (stages.length && n === prev) {
      run++;
      stages[stages.length - 1].duration = `${run * bucketMs}ms`;
      continue;
    }
    if (stages.length) stages.push({ target: n, duration: '0s' });
    run = 1;
    stages.push({ target: n, duration: `${bucketMs}ms` });
  }
  // k6 computes start times in float64 and stops at the scenario's end, so the last one or two
  // iterations of the final bucket can fail to start. A short spare stage after the trace
  // starts them (or, when none were lost, iterations past the last request, which do nothing).
  stages.push({ target: SPARE_ITERATIONS, duration: '0s' }, { target: SPARE_ITERATIONS, duration: `${bucketMs}ms` });
  return {
    startRate: counts.length ? counts[0] : 0,
    timeUnit: `${bucketMs}ms`,
    stages,
    total: counts.reduce((a, b) => a + b, 0),
    spare: SPARE_ITERATIONS,
    durationMs: (counts.length + 1) * bucketMs,
  };
}

/** Iterations of the spare stage: its first starts 1/SPARE of a bucket in, well inside the lead's slack. */
export const SPARE_ITERATIONS = 20;

export interface LatencyModel {
  /** Expected time to first token (ms) plus prefill time per input token (ms). */
  ttftMs: number;
  prefillMsPerToken: number;
  /** Expected time per output token (ms). */
  tpotMs: number;
}

/**
 * Peak number of requests in flight or waiting for their send time, under a simple latency
 * model: each request holds a k6 VU from (send - lead - bucket) to (send + expected latency).
 */
export function estimatePeakConcurrency(reqs: readonly TimedRequest[], holdBeforeMs: number, m: LatencyModel): number {
  const events: Array<[number, number]> = [];
  for (const r of reqs) {
    const busy = m.ttftMs + r.inputTokens * m.prefillMsPerToken + r.outputTokens * m.tpotMs;
    events.push([r.atMs - holdBeforeMs, 1], [r.atMs + busy, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let peak = 0;
  for (const [, d] of events) {
    cur += d;
    if (cur > peak) peak = cur;
  }
  return peak;
}

export interface VuPlan {
  preAllocatedVUs: number;
  maxVUs: number;
}

/** VUs for a replay: the estimate with 25% headroom, and room to grow to 4x. */
export function planVus(peak: number, override?: { vus?: number; maxVus?: number }): VuPlan {
  const pre = override?.vus ?? Math.max(2, Math.ceil(peak * 1.25) + 2);
  const max = override?.maxVus ?? Math.max(pre, pre * 4);
  if (max < pre) throw new Error(`MAX_VUS (${max}) must be at least VUS (${pre})`);
  return { preAllocatedVUs: pre, maxVUs: max };
}
