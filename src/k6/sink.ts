// The MetricSink (src/metrics/sink.ts) of the k6 export: k6/metrics objects, which k6 only lets
// a script create in init code, so every name a scenario may record is declared up front.
//
// Process-wide histograms are dropped on stock k6: each VU would keep its own, and
// handleSummary runs in a runtime of its own that cannot read the VUs' state. The k6 Trends
// give exact percentiles of the per-request metrics instead; the per-token ones (ITL) cannot be
// measured without streaming anyway.

import exec from 'k6/execution';
import { Counter, Gauge, Trend } from 'k6/metrics';
import type { MetricSink, Tags } from '../metrics/sink';
import { COUNTERS, TRENDS } from '../metrics/names';
import { PROMPT_LENGTH_METRICS } from '../metrics/prompt-length';
import { MAX_TOKENS_CAPPED } from '../metrics/context-cap';

/** The metric names a script declares, by kind. Time trends and gauges are in ms. */
export interface MetricDeclarations {
  counters?: readonly string[];
  timeTrends?: readonly string[];
  trends?: readonly string[];
  gauges?: readonly string[];
  timeGauges?: readonly string[];
}

/** The per-request metrics of src/metrics/record.ts. */
export const REQUEST_METRICS: MetricDeclarations = {
  counters: [...Object.values(COUNTERS), PROMPT_LENGTH_METRICS.exact, MAX_TOKENS_CAPPED], timeTrends: Object.values(TRENDS), trends: [PROMPT_LENGTH_METRICS.error],
};

/** Sample-metadata key of the request id: kept by k6's JSON/CSV outputs, not a tag (no time-series per request). */
export const REQUEST_ID_METADATA = 'request_id';

function declare<M>(out: Map<string, M>, names: readonly string[] | undefined, make: (name: string) => M): void {
  for (const name of names ?? []) if (!out.has(name)) out.set(name, make(name));
}

export class K6MetricSink implements MetricSink {
  private readonly counters = new Map<string, Counter>();
  private readonly trends = new Map<string, Trend>();
  private readonly gauges = new Map<string, Gauge>();

  /** Call in init code (module top level or an entry's init), never inside an iteration. */
  constructor(d: MetricDeclarations) {
    declare(this.counters, d.counters, (n) => new Counter(n));
    declare(this.trends, d.timeTrends, (n) => new Trend(n, true));
    declare(this.trends, d.trends, (n) => new Trend(n));
    declare(this.gauges, d.timeGauges, (n) => new Gauge(n, true));
    declare(this.gauges, d.gauges, (n) => new Gauge(n));
  }

  counter(name: string, value: number, tags?: Tags): void {
    lookup(this.counters, name, 'counter').add(value, tags);
  }

  trend(name: string, value: number, tags?: Tags): void {
    lookup(this.trends, name, 'trend').add(value, tags);
  }

  gauge(name: string, value: number, tags?: Tags): void {
    lookup(this.gauges, name, 'gauge').add(value, tags);
  }

  histogram(): void {
    // Dropped on stock k6 (see the top of this file).
  }

  /**
   * Runs `record` with `requestId` in the VU's sample metadata, so every sample it emits
   * carries the id (joinable with server logs), and removes it again.
   */
  withRequestId(requestId: string, record: () => void): void {
    const meta = exec.vu.metrics.metadata;
    meta[REQUEST_ID_METADATA] = requestId;
    try {
      record();
    } finally {
      delete meta[REQUEST_ID_METADATA];
    }
  }
}

function lookup<M>(metrics: Map<string, M>, name: string, kind: string): M {
  const m = metrics.get(name);
  if (m === undefined) {
    // k6 cannot create metrics once the test runs: the name must be declared with the sink.
    throw new Error(`k6 sink: ${kind} "${name}" was not declared in init code (add it to the K6MetricSink declarations)`);
  }
  return m;
}
