// The engine's metric registry: a MetricSink that keeps counters (by k6 submetric key,
// "name{tag:value}"), trends and process-wide histograms as mergeable log histograms (bounded
// memory whatever the request count, exact mean/min/max, percentiles within 0.5%), and gauges.
// It hands every sample to the outputs, gives k6-shaped summary data (what handleSummary got),
// and serialises to plain data so worker threads' registries merge into the main thread's.

import { addValues, emptyHistogram, histogramPercentile, mergeHistograms, type LogHistogram } from '../metrics/histogram';
import type { K6SummaryData } from '../metrics/summary';
import type { MetricSink, Tags } from '../metrics/sink';
import type { MetricType, Sample } from '../outputs/sample';
import { nowUnixMs } from './clock';

export interface RegistryState {
  counters: Record<string, number>;
  trends: Record<string, LogHistogram>;
  gauges: Record<string, number>;
  histograms: Record<string, LogHistogram>;
}

/** Trend names whose values are not times (k6 Trend isTime = false): rates and token speeds. */
export type IsTime = (metric: string) => boolean;

const PERCENTILE_KEYS: Array<[string, number]> = [['med', 50], ['p(25)', 25], ['p(50)', 50], ['p(75)', 75], ['p(90)', 90], ['p(95)', 95], ['p(99)', 99], ['p(99.9)', 99.9], ['p(99.99)', 99.99]];

/** The k6 submetric key of a tagged sample: name{k:v} (tags sorted), or the bare name. */
export function submetricKey(name: string, tags?: Tags): string {
  if (!tags) return name;
  const keys = Object.keys(tags);
  if (keys.length === 0) return name;
  keys.sort();
  return `${name}{${keys.map((k) => `${k}:${tags[k]}`).join(',')}}`;
}

export class Registry implements MetricSink {
  private readonly counters = new Map<string, number>();
  private readonly trends = new Map<string, LogHistogram>();
  private readonly gauges = new Map<string, number>();
  private readonly histograms = new Map<string, LogHistogram>();
  private readonly listeners: Array<(s: Sample) => void> = [];
  private readonly types = new Map<string, MetricType>();
  /** Run tags merged with each distinct sample tag set, frozen and reused (outputs cache per object). */
  private readonly tagSets = new Map<string, Tags>();

  /** `runTags` go on every sample handed to listeners (run, trace, endpoint, model, ...). */
  private readonly runTags: Tags;

  constructor(runTags: Tags = {}, private readonly isTime: IsTime = () => true) {
    this.runTags = Object.freeze({ ...runTags });
  }

  /** Every sample from now on also goes to `fn` (the outputs). */
  onSample(fn: (s: Sample) => void): void {
    this.listeners.push(fn);
  }

  counter(name: string, value: number, tags?: Tags): void {
    this.types.set(name, 'counter');
    this.counters.set(name, (this.counters.get(name) ?? 0) + value);
    if (tags) {
      const key = submetricKey(name, tags);
      this.counters.set(key, (this.counters.get(key) ?? 0) + value);
    }
    this.emit(name, 'counter', value, tags);
  }

  trend(name: string, value: number, tags?: Tags): void {
    if (!Number.isFinite(value)) return;
    this.types.set(name, 'trend');
    addValues(this.trendOf(name), [value]);
    if (tags) addValues(this.trendOf(submetricKey(name, tags)), [value]);
    this.emit(name, 'trend', value, tags);
  }

  gauge(name: string, value: number, tags?: Tags): void {
    this.types.set(name, 'gauge');
    this.gauges.set(name, value);
    if (tags) this.gauges.set(submetricKey(name, tags), value);
    this.emit(name, 'gauge', value, tags);
  }

  histogram(name: string, values: readonly number[]): void {
    let h = this.histograms.get(name);
    if (!h) this.histograms.set(name, (h = emptyHistogram()));
    addValues(h, values);
  }

  /** A process-wide histogram, or null. */
  histogramOf(name: string): LogHistogram | null {
    return this.histograms.get(name) ?? null;
  }

  counterValue(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  private trendOf(key: string): LogHistogram {
    let h = this.trends.get(key);
    if (!h) this.trends.set(key, (h = emptyHistogram()));
    return h;
  }

  private emit(metric: string, type: MetricType, value: number, tags?: Tags): void {
    if (this.listeners.length === 0) return;
    const s: Sample = { metric, type, isTime: type === 'trend' && this.isTime(metric), value, timeUnixMs: nowUnixMs(), tags: tags ? this.tagSet(tags) : this.runTags };
    for (const fn of this.listeners) fn(s);
  }

  private tagSet(tags: Tags): Tags {
    const key = submetricKey('', tags);
    let set = this.tagSets.get(key);
    if (!set) this.tagSets.set(key, (set = Object.freeze({ ...this.runTags, ...tags })));
    return set;
  }

  /** Plain data (structured-clone safe) for merging into another registry. */
  state(): RegistryState {
    return {
      counters: Object.fromEntries(this.counters),
      trends: Object.fromEntries(this.trends),
      gauges: Object.fromEntries(this.gauges),
      histograms: Object.fromEntries(this.histograms),
    };
  }

  /** Adds another registry's state: counters add, histograms merge exactly, gauges take the last. */
  merge(s: RegistryState): void {
    for (const [k, v] of Object.entries(s.counters)) this.counters.set(k, (this.counters.get(k) ?? 0) + v);
    for (const [k, v] of Object.entries(s.gauges)) this.gauges.set(k, v);
    mergeInto(this.trends, s.trends);
    mergeInto(this.histograms, s.histograms);
    for (const k of Object.keys(s.counters)) if (!k.includes('{')) this.types.set(k, 'counter');
    for (const k of Object.keys(s.trends)) if (!k.includes('{')) this.types.set(k, 'trend');
  }

  /** The metrics in the shape of k6's handleSummary data (what thresholds and the summary read). */
  summaryData(testRunDurationMs: number, extraPercentiles: Record<string, number[]> = {}): K6SummaryData {
    const metrics: K6SummaryData['metrics'] = {};
    for (const [k, v] of this.counters) metrics[k] = { type: 'counter', values: { count: v, rate: testRunDurationMs > 0 ? (v * 1000) / testRunDurationMs : 0 } };
    for (const [k, h] of this.trends) metrics[k] = { type: 'trend', values: trendValues(h, extraPercentiles[k]) };
    for (const [k, v] of this.gauges) metrics[k] = { type: 'gauge', values: { value: v } };
    return { metrics, state: { testRunDurationMs } };
  }
}

function mergeInto(into: Map<string, LogHistogram>, from: Record<string, LogHistogram>): void {
  for (const [k, h] of Object.entries(from)) {
    const mine = into.get(k);
    into.set(k, mine ? mergeHistograms(mine, h) : h);
  }
}

/** k6 Trend values (avg, min, med, max, p(N), count) from a log histogram. */
export function trendValues(h: LogHistogram, extra: readonly number[] = []): Record<string, number> {
  const v: Record<string, number> = { count: h.count, avg: h.count ? h.sum / h.count : NaN, min: h.count ? h.min : NaN, max: h.count ? h.max : NaN };
  for (const [key, p] of PERCENTILE_KEYS) v[key] = histogramPercentile(h, p);
  for (const p of extra) v[`p(${p})`] = histogramPercentile(h, p);
  return v;
}
