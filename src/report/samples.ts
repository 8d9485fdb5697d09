// Per-request values of one run for `report compare`, streamed from its records into bounded
// reservoirs (Vitter's algorithm R, seeded): up to `cap` values per figure, every value when the
// run has fewer. Warm-up requests are left out, as in the summary.

import { mulberry32 } from '../prompt/prng';
import type { ReportRecord } from './digest';
import { readJsonl } from './jsonl';

export class Reservoir {
  private readonly buf: Float64Array;
  private size = 0;
  /** Values offered. */
  seen = 0;
  constructor(private readonly cap: number, private readonly rng: () => number) {
    this.buf = new Float64Array(cap);
  }
  add(v: number): void {
    this.seen++;
    if (this.size < this.cap) this.buf[this.size++] = v;
    else {
      const j = Math.floor((this.rng() / 4294967296) * this.seen);
      if (j < this.cap) this.buf[j] = v;
    }
  }
  values(): Float64Array {
    return this.buf.subarray(0, this.size);
  }
  sorted(): Float64Array {
    return Float64Array.from(this.values()).sort();
  }
  /** seen / kept: what a sum over the kept values is multiplied by to stand for all of them. */
  scale(): number {
    return this.size ? this.seen / this.size : 0;
  }
}

export const LATENCY_METRICS = ['ttft', 'tpot', 'itl', 'e2e'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** Per request: 0/1 and token counts whose sums make the run's counts. */
export const COUNT_FIGURES = ['ok', 'failed', 'outputTokens', 'sloOk'] as const;
export type CountFigure = (typeof COUNT_FIGURES)[number];

export interface RunSamples {
  latency: Record<LatencyMetric, Reservoir>;
  counts: Record<CountFigure, Reservoir>;
  /** Records carry sloOk (SLOs were set). */
  hasSlo: boolean;
  requests: number;
}

function value(r: ReportRecord, m: LatencyMetric): number | undefined {
  return m === 'ttft' ? r.ttftMs : m === 'tpot' ? r.tpotMs : m === 'itl' ? r.itlMeanMs : r.e2eMs;
}

export function readRunSamples(requests: string, cap: number, seed: number): RunSamples {
  const rng = mulberry32(seed);
  const latency = Object.fromEntries(LATENCY_METRICS.map((m) => [m, new Reservoir(cap, rng)])) as Record<LatencyMetric, Reservoir>;
  const counts = Object.fromEntries(COUNT_FIGURES.map((m) => [m, new Reservoir(cap, rng)])) as Record<CountFigure, Reservoir>;
  let hasSlo = false;
  let n = 0;
  for (const r of readJsonl<ReportRecord>(requests)) {
    if (r.warmup) continue;
    n++;
    counts.ok.add(r.ok ? 1 : 0);
    counts.failed.add(r.ok ? 0 : 1);
    counts.outputTokens.add(r.ok ? r.outputTokens : 0);
    if (r.sloOk !== undefined) hasSlo = true;
    counts.sloOk.add(r.sloOk ? 1 : 0);
    if (!r.ok) continue;
    for (const m of LATENCY_METRICS) {
      const v = value(r, m);
      if (v !== undefined && Number.isFinite(v)) latency[m].add(v);
    }
  }
  return { latency, counts, hasSlo, requests: n };
}
