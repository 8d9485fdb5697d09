// The workload table (trie's "Workload metrics"): prompt, cached, uncached and completion
// token throughput over the whole run, over the last 30 s, and in steady state (after dropping
// the first 20% of wall time as warm-up), and steady state per GPU when the GPU count is given.
// Tokens are attributed to the time their request ended, summed per time bucket by the runner
// (one process-wide histogram per bucket, so memory does not grow with requests).

export interface BucketSeries {
  bucketMs: number;
  /** Index of values[0]'s bucket: it covers [first * bucketMs, (first + 1) * bucketMs). */
  first: number;
  values: number[];
}

/** Rate (per second) of a bucketed series over [fromMs, toMs], a partial bucket counted pro rata. */
export function windowRate(s: BucketSeries, fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return NaN;
  let sum = 0;
  for (let i = 0; i < s.values.length; i++) {
    const lo = (s.first + i) * s.bucketMs;
    const hi = lo + s.bucketMs;
    const overlap = Math.min(hi, toMs) - Math.max(lo, fromMs);
    if (overlap > 0) sum += (s.values[i] * overlap) / s.bucketMs;
  }
  return sum / ((toMs - fromMs) / 1000);
}

export interface WorkloadOptions {
  lastWindowMs: number;
  warmupFraction: number;
  gpus?: number;
}

export interface WorkloadInput {
  prompt: BucketSeries;
  cached: BucketSeries;
  completion: BucketSeries;
  /** Wall time of the run: first request sent -> last response ended (ms since the test start). */
  startMs: number;
  endMs: number;
  sessionsCompleted: number;
  sessionsStarted: number;
}

export interface WorkloadRow {
  metric: string;
  overall: number;
  lastWindow: number;
  steady: number;
  steadyPerGpu?: number;
}

export interface WorkloadTable {
  wallS: number;
  sessionsCompleted: number;
  sessionsStarted: number;
  sessionsPerS: number;
  lastWindowS: number;
  warmupFraction: number;
  gpus?: number;
  rows: WorkloadRow[];
}

function minus(a: BucketSeries, b: BucketSeries): BucketSeries {
  if (a.bucketMs !== b.bucketMs || a.first !== b.first || a.values.length !== b.values.length) throw new Error('bucket series do not line up');
  return { bucketMs: a.bucketMs, first: a.first, values: a.values.map((v, i) => v - b.values[i]) };
}

export function workloadTable(w: WorkloadInput, o: WorkloadOptions): WorkloadTable {
  const span = w.endMs - w.startMs;
  const last = Math.max(w.startMs, w.endMs - o.lastWindowMs);
  const steadyFrom = w.startMs + o.warmupFraction * span;
  const row = (metric: string, s: BucketSeries): WorkloadRow => {
    const r: WorkloadRow = {
      metric,
      overall: windowRate(s, w.startMs, w.endMs),
      lastWindow: windowRate(s, last, w.endMs),
      steady: windowRate(s, steadyFrom, w.endMs),
    };
    if (o.gpus) r.steadyPerGpu = r.steady / o.gpus;
    return r;
  };
  const t: WorkloadTable = {
    wallS: span / 1000,
    sessionsCompleted: w.sessionsCompleted,
    sessionsStarted: w.sessionsStarted,
    sessionsPerS: span > 0 ? w.sessionsCompleted / (span / 1000) : NaN,
    lastWindowS: (w.endMs - last) / 1000,
    warmupFraction: o.warmupFraction,
    rows: [
      row('total prompt tok/s', w.prompt),
      row('cached prompt tok/s', w.cached),
      row('uncached prompt tok/s', minus(w.prompt, w.cached)),
      row('completion tok/s', w.completion),
    ],
  };
  if (o.gpus) t.gpus = o.gpus;
  return t;
}

function cell(v: number | undefined, width: number): string {
  return (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(2)).padStart(width);
}

export function renderWorkload(t: WorkloadTable): string {
  const heads = ['Overall', `Last ${Math.round(t.lastWindowS)}s window`, `Steady state`, ...(t.gpus ? [`Steady / GPU (${t.gpus})`] : [])];
  const w0 = 24;
  const w = 18;
  const lines = [
    `Workload: ${t.sessionsCompleted}/${t.sessionsStarted} sessions completed, ${Number.isFinite(t.sessionsPerS) ? t.sessionsPerS.toFixed(3) : 'n/a'} sessions/s, ` +
      `wall ${t.wallS.toFixed(1)} s (steady state drops the first ${Math.round(t.warmupFraction * 100)}%)`,
    'Metric'.padEnd(w0) + heads.map((h) => h.padStart(w)).join(''),
  ];
  for (const r of t.rows) {
    lines.push(r.metric.padEnd(w0) + cell(r.overall, w) + cell(r.lastWindow, w) + cell(r.steady, w) + (t.gpus ? cell(r.steadyPerGpu, w) : ''));
  }
  return lines.join('\n') + '\n';
}
