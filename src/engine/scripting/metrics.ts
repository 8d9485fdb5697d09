// Custom metrics of the scripting API, as k6 users know them: declare a counter, trend or gauge
// by name, then add samples with optional tags. They go to the run's registry beside the
// standard llm_* metrics, so thresholds, outputs and the summary see them alike.

import type { MetricSink, Tags } from '../../metrics/sink';
import { knownMetricType } from '../thresholds';

export type { Tags };

export interface Counter {
  readonly name: string;
  /** Adds `value` (default 1). */
  add(value?: number, tags?: Tags): void;
}

export interface Trend {
  readonly name: string;
  /** Whether values are times in ms (outputs write them as durations, the summary adds "ms"). */
  readonly isTime: boolean;
  add(value: number, tags?: Tags): void;
}

export interface Gauge {
  readonly name: string;
  /** Sets the current value. */
  add(value: number, tags?: Tags): void;
}

/** Declares custom metrics; the same name and type again gives the same metric. */
export interface Metrics {
  counter(name: string): Counter;
  trend(name: string, isTime?: boolean): Trend;
  gauge(name: string): Gauge;
}

type Kind = 'counter' | 'trend' | 'gauge';

export class MetricError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricError';
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Custom metrics over a sink; `declared` collects every declared name with its kind and isTime. */
export class CustomMetrics implements Metrics {
  readonly declared = new Map<string, { kind: Kind; isTime: boolean }>();

  constructor(private readonly sink: MetricSink) {}

  counter(name: string): Counter {
    this.declare(name, 'counter', false);
    const sink = this.sink;
    return {
      name,
      add(value = 1, tags) {
        if (!Number.isFinite(value) || value < 0) throw new MetricError(`counter ${name}: add(${value}): counters only grow, add a number >= 0`);
        sink.counter(name, value, tags);
      },
    };
  }

  trend(name: string, isTime = false): Trend {
    this.declare(name, 'trend', isTime);
    const sink = this.sink;
    return {
      name,
      isTime,
      add(value, tags) {
        if (!Number.isFinite(value)) throw new MetricError(`trend ${name}: add(${value}): a finite number`);
        sink.trend(name, value, tags);
      },
    };
  }

  gauge(name: string): Gauge {
    this.declare(name, 'gauge', false);
    const sink = this.sink;
    return {
      name,
      add(value, tags) {
        if (!Number.isFinite(value)) throw new MetricError(`gauge ${name}: add(${value}): a finite number`);
        sink.gauge(name, value, tags);
      },
    };
  }

  /** Whether a declared trend holds times (the registry asks when writing outputs). */
  isTime(name: string): boolean {
    return this.declared.get(name)?.isTime === true;
  }

  private declare(name: string, kind: Kind, isTime: boolean): void {
    if (!NAME.test(name)) throw new MetricError(`metric name "${name}": letters, digits and _ (not first), at most 128, e.g. my_metric`);
    const builtin = knownMetricType(name);
    if (builtin) throw new MetricError(`metric name "${name}" is one of the engine's own (${builtin}): choose another name for a custom ${kind}`);
    const seen = this.declared.get(name);
    if (seen && (seen.kind !== kind || seen.isTime !== isTime)) {
      throw new MetricError(`metric "${name}" is already a ${seen.kind}${seen.kind === 'trend' ? ` (isTime ${seen.isTime})` : ''}: a name has one type`);
    }
    this.declared.set(name, { kind, isTime });
  }
}
