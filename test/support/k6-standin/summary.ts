// k6's handleSummary data from the stand-in's samples: per metric its type and values
// (counter: count, rate; trend: the summaryTrendStats; gauge: value, min, max; rate: rate,
// passes, fails), and the tagged submetrics `name{tag:value}` the thresholds name, which are
// the only submetrics k6 reports.

import type { MetricSample } from './host';

export interface SummaryMetric {
  type: string;
  contains: 'time' | 'default';
  values: Record<string, number>;
}

export interface SummaryData {
  metrics: Record<string, SummaryMetric>;
  state: { testRunDurationMs: number; isStdOutTTY: boolean; isStdErrTTY: boolean };
  options: { summaryTrendStats: string[] };
  setup_data?: unknown;
}

const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

/** k6's percentile: linear interpolation between the closest ranks of the sorted samples. */
export function k6Percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function trendValues(values: number[], stats: readonly string[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const out: Record<string, number> = {};
  for (const s of stats) {
    if (s === 'avg') out.avg = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
    else if (s === 'min') out.min = sorted[0] ?? 0;
    else if (s === 'max') out.max = sorted[sorted.length - 1] ?? 0;
    else if (s === 'med') out.med = k6Percentile(sorted, 50);
    else if (s === 'count') out.count = sorted.length;
    else {
      const m = /^p\((\d+(?:\.\d+)?)\)$/.exec(s);
      if (!m) throw new Error(`summaryTrendStats: unknown stat "${s}"`);
      out[s] = k6Percentile(sorted, Number(m[1]));
    }
  }
  return out;
}

function metricValues(type: MetricSample['type'], samples: MetricSample[], stats: readonly string[], durationS: number): Record<string, number> {
  const values = samples.map((s) => s.value);
  switch (type) {
    case 'counter': {
      const count = values.reduce((a, b) => a + b, 0);
      return { count, rate: durationS > 0 ? count / durationS : 0 };
    }
    case 'trend':
      return trendValues(values, stats);
    case 'gauge':
      return { value: values[values.length - 1] ?? 0, min: Math.min(...values), max: Math.max(...values) };
    case 'rate': {
      const passes = values.filter((v) => v !== 0).length;
      return { rate: values.length ? passes / values.length : 0, passes, fails: values.length - passes };
    }
  }
}

/** `name{tag:value,...}` -> its parts, or null for a plain name. */
function parseSubmetric(key: string): { name: string; tags: Record<string, string> } | null {
  const m = /^([^{]+)\{(.*)\}$/.exec(key);
  if (!m) return null;
  const tags: Record<string, string> = {};
  for (const pair of m[2].split(',')) {
    const i = pair.indexOf(':');
    if (i < 0) throw new Error(`threshold "${key}": a submetric selector is tag:value`);
    tags[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return { name: m[1], tags };
}

export function summaryData(
  samples: readonly MetricSample[],
  declared: ReadonlyMap<string, { type: MetricSample['type']; isTime: boolean }>,
  options: { summaryTrendStats?: string[]; thresholds?: Record<string, unknown> },
  testRunDurationMs: number,
  setupData?: unknown,
): SummaryData {
  const stats = options.summaryTrendStats ?? DEFAULT_TREND_STATS;
  const durationS = testRunDurationMs / 1000;
  const byName = new Map<string, MetricSample[]>();
  for (const s of samples) {
    const list = byName.get(s.metric) ?? [];
    list.push(s);
    byName.set(s.metric, list);
  }
  const metrics: Record<string, SummaryMetric> = {};
  const put = (key: string, name: string, list: MetricSample[]) => {
    const d = declared.get(name);
    if (!d) throw new Error(`threshold or sample names metric "${name}", which the script never declared (k6 would refuse it)`);
    metrics[key] = { type: d.type, contains: d.isTime ? 'time' : 'default', values: metricValues(d.type, list, stats, durationS) };
  };
  // k6 reports metrics that received samples, and every submetric a threshold names.
  for (const [name, list] of byName) put(name, name, list);
  for (const key of Object.keys(options.thresholds ?? {})) {
    const sub = parseSubmetric(key);
    if (!sub) continue;
    const list = (byName.get(sub.name) ?? []).filter((s) => Object.entries(sub.tags).every(([k, v]) => s.tags[k] === v));
    put(key, sub.name, list);
  }
  return {
    metrics,
    state: { testRunDurationMs, isStdOutTTY: false, isStdErrTTY: false },
    options: { summaryTrendStats: stats },
    ...(setupData === undefined ? {} : { setup_data: setupData }),
  };
}
