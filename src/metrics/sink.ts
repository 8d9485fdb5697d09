// Where measurements go: the one seam between the pure recording code (src/metrics/record.ts,
// src/sessions/record.ts) and a runtime. The engine implements it with its own registry
// (src/engine/metrics), the k6 export with k6/metrics objects declared in init code.

export type Tags = Record<string, string>;

export interface MetricSink {
  /** Adds to a counter (k6 Counter), optionally tagged. */
  counter(name: string, value: number, tags?: Tags): void;
  /** One sample of a trend (k6 Trend): a per-request or per-session value. */
  trend(name: string, value: number, tags?: Tags): void;
  /** Sets a gauge (k6 Gauge), e.g. an engine /metrics figure. */
  gauge(name: string, value: number, tags?: Tags): void;
  /** Adds values to a process-wide log histogram (per-token data such as ITL); never tagged. */
  histogram(name: string, values: readonly number[]): void;
}
