// What the engine hands to its outputs (InfluxDB, Prometheus remote write): one metric sample
// in k6's shape, so outputs write the measurement names and tags k6 writes for these metrics
// and dashboards/ reads runs of the engine and of the k6 export alike.

import type { Tags } from '../metrics/sink';

export type MetricType = 'counter' | 'trend' | 'gauge' | 'rate';

export interface Sample {
  /** k6 metric name, e.g. llm_ttft (src/metrics/names.ts) or engine_* (src/observe/names.ts). */
  metric: string;
  type: MetricType;
  /** Trends of time are in ms, as k6 writes them. */
  isTime: boolean;
  value: number;
  /** Wall clock of the sample (ms, sub-ms fraction allowed). */
  timeUnixMs: number;
  /** The sample's own tags merged over the run's tags (run, trace, endpoint, model, scenario, ...). */
  tags: Tags;
}

export interface Output {
  /** Name for messages, e.g. "influxdb=http://127.0.0.1:8086/k6". */
  readonly description: string;
  /** Called once before the first sample; rejects when the target is unusable (the run does not start). */
  start(): Promise<void>;
  /** Hands samples over; must return at once (buffer and flush on a timer, off the send path). */
  add(samples: readonly Sample[]): void;
  /** Flushes what is buffered and stops; a failure is reported, never thrown past the summary. */
  stop(): Promise<void>;
}
