// The state k6's experimental-prometheus-rw output keeps per time series (metric + tags), and
// the names it gives them: k6_<name>_total for Counters (cumulative sum), k6_<name> for Gauges
// (last value, in the metric's own unit), k6_<name>_rate for Rates (non-zero / all, cumulative),
// and for Trends a cumulative native histogram named k6_<name>_seconds with values in seconds
// when the Trend is a time (ms), k6_<name> otherwise. Tags become labels. A series is sent
// again only after it received samples, stamped with its newest sample's time. Pure.

import { NativeHistogram, SCHEMA, ZERO_THRESHOLD } from './native-histogram';
import type { Label, TimeSeries } from './remote-write-proto';
import type { MetricType, Sample } from './sample';

/** The series name k6 writes for a metric. */
export function promName(metric: string, type: MetricType, isTime: boolean): string {
  const base = `k6_${sanitize(metric, /[^a-zA-Z0-9_:]/g)}`;
  switch (type) {
    case 'counter':
      return `${base}_total`;
    case 'rate':
      return `${base}_rate`;
    case 'trend':
      return isTime ? `${base}_seconds` : base;
    case 'gauge':
      return base;
  }
}

function sanitize(s: string, invalid: RegExp): string {
  const out = s.replace(invalid, '_');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/** Labels sorted by name as remote write requires; empty values and reserved names are left out. */
export function labelsOf(name: string, tags: Record<string, string>): Label[] {
  const labels: Label[] = [{ name: '__name__', value: name }];
  for (const [k, v] of Object.entries(tags)) {
    if (v === '' || v === undefined || k.startsWith('__')) continue;
    labels.push({ name: sanitize(k, /[^a-zA-Z0-9_]/g), value: v });
  }
  return labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

class SeriesState {
  private value = 0;
  private nonZero = 0;
  private total = 0;
  private readonly histogram?: NativeHistogram;
  /** Newest sample time (ms) and the timestamp last sent (each push must be newer). */
  private latestMs = -Infinity;
  private sentMs = -Infinity;
  dirty = false;

  constructor(
    readonly labels: Label[],
    private readonly type: MetricType,
    private readonly scale: number,
  ) {
    if (type === 'trend') this.histogram = new NativeHistogram();
  }

  add(s: Sample): void {
    switch (this.type) {
      case 'counter':
        this.value += s.value;
        break;
      case 'gauge':
        this.value = s.value;
        break;
      case 'rate':
        this.total++;
        if (s.value !== 0) this.nonZero++;
        break;
      case 'trend':
        this.histogram!.observe(s.value * this.scale);
        break;
    }
    this.latestMs = Math.max(this.latestMs, Math.floor(s.timeUnixMs));
    this.dirty = true;
  }

  /** The series as it is now, at a timestamp newer than the last one sent. */
  snapshot(atMs = this.latestMs): TimeSeries {
    const timestamp = Math.max(Math.floor(atMs), this.sentMs + 1);
    this.sentMs = timestamp;
    this.dirty = false;
    if (this.histogram) {
      const h = this.histogram.state();
      return {
        labels: this.labels,
        histograms: [{
          count_int: h.count, sum: h.sum, schema: SCHEMA, zero_threshold: ZERO_THRESHOLD, zero_count_int: h.zeroCount,
          negative_spans: h.negative.spans, negative_deltas: h.negative.deltas,
          positive_spans: h.positive.spans, positive_deltas: h.positive.deltas, timestamp,
        }],
      };
    }
    const value = this.type === 'rate' ? (this.total ? this.nonZero / this.total : 0) : this.value;
    return { labels: this.labels, samples: [{ value, timestamp }] };
  }

  /** A float sample with `value` (the staleness marker) after everything sent. */
  marker(value: number, atMs: number): TimeSeries {
    const timestamp = Math.max(Math.floor(atMs), this.sentMs + 1);
    this.sentMs = timestamp;
    return { labels: this.labels, samples: [{ value, timestamp }] };
  }
}

/** Every series seen in the run, keyed by metric and tags. */
export class SeriesStore {
  private readonly series = new Map<string, SeriesState>();

  add(samples: readonly Sample[]): void {
    for (const s of samples) {
      if (!Number.isFinite(s.value)) continue;
      const key = seriesKey(s);
      let state = this.series.get(key);
      if (!state) {
        const labels = labelsOf(promName(s.metric, s.type, s.isTime), s.tags);
        state = new SeriesState(labels, s.type, s.type === 'trend' && s.isTime ? 1 / 1000 : 1);
        this.series.set(key, state);
      }
      state.add(s);
    }
  }

  /** The series that received samples since the last call, with their cumulative values. */
  takeChanged(): TimeSeries[] {
    const out: TimeSeries[] = [];
    for (const s of this.series.values()) if (s.dirty) out.push(s.snapshot());
    return out;
  }

  /** A staleness marker for every series (k6's K6_PROMETHEUS_RW_STALE_MARKERS). */
  markAllStale(staleNaN: number, atMs: number): TimeSeries[] {
    return [...this.series.values()].map((s) => s.marker(staleNaN, atMs));
  }

  get size(): number {
    return this.series.size;
  }
}

function seriesKey(s: Sample): string {
  let key = `${s.type}\u0000${s.metric}`;
  for (const k of Object.keys(s.tags).sort()) key += `\u0000${k}\u0001${s.tags[k]}`;
  return key;
}
