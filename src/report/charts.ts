// The report's charts as ECharts options: plain JSON (no functions), built once and used both
// by the HTML page (inlined, drawn in the browser) and by the SVG export (drawn in Node by
// ECharts' server-side renderer), so the two always show the same plots.

import { cdfPoints } from './distribution';
import type { DistMetric, PointDigest } from './digest';
import { paretoFrontier } from './pareto';

export interface ChartSpec {
  /** File-safe id: the element id in the HTML and the SVG file name. */
  id: string;
  title: string;
  option: Record<string, unknown>;
}

type Datum = [number | null, number | null] | [number | null, number | null, string];

/** ECharts reads null as a gap; JSON has no NaN. */
function v(x: number | undefined | null): number | null {
  return x === undefined || x === null || !Number.isFinite(x) ? null : x;
}

function round(x: number | null, digits = 4): number | null {
  return x === null ? null : Number(x.toPrecision(digits + 2));
}

function base(title: string, xName: string, yName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    animation: false,
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 60, right: 40, top: 50, bottom: 70, containLabel: true },
    xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 28, scale: true },
    yAxis: { type: 'value', name: yName, scale: true },
    ...extra,
  };
}

function line(name: string, data: Datum[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'line', name, data, showSymbol: false, connectNulls: false, ...extra };
}

/** ECharts' default palette: every series of one point (client and engine) in that point's colour. */
const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc'];

function colourOf(ds: PointDigest[], d: PointDigest): string {
  return PALETTE[ds.indexOf(d) % PALETTE.length];
}

function dashed(colour: string, type: 'dashed' | 'dotted' = 'dashed'): Record<string, unknown> {
  return { color: colour, lineStyle: { type, color: colour } };
}

/** Labels that name a group of points across loads (the load itself is the x axis). */
function groupOf(d: PointDigest): string {
  const load = d.ref.load;
  const parts = Object.entries(d.ref.labels)
    .filter(([k, val]) => !(load && (k === load.kind || val === String(load.value))))
    .map(([k, val]) => `${k}=${val}`);
  return parts.length ? parts.join(' ') : 'all points';
}

function byGroup(ds: PointDigest[]): Map<string, PointDigest[]> {
  const m = new Map<string, PointDigest[]>();
  for (const d of ds) {
    if (!d.ref.load) continue;
    const g = groupOf(d);
    m.set(g, [...(m.get(g) ?? []), d]);
  }
  for (const list of m.values()) list.sort((a, b) => a.ref.load!.value - b.ref.load!.value);
  return m;
}

function loadAxisName(ds: PointDigest[]): string {
  const kind = ds.find((d) => d.ref.load)?.ref.load?.kind ?? 'load';
  return kind === 'speedup' ? 'speed-up (x)' : kind === 'rate' ? 'request rate (req/s)' : kind === 'users' ? 'users' : kind;
}

function paretoChart(ds: PointDigest[]): ChartSpec {
  const pts = ds.map((d) => ({ x: d.summary.throughput.outputTokensPerS, y: d.summary.latencyMs.ttft?.p99 ?? NaN, id: d.ref.id }));
  const frontier = paretoFrontier(pts);
  return {
    id: 'pareto',
    title: 'Throughput vs p99 TTFT (Pareto frontier)',
    option: base('Throughput vs p99 TTFT (Pareto frontier)', 'output tokens/s', 'p99 TTFT (ms)', {
      tooltip: { trigger: 'item' },
      series: [
        { type: 'scatter', name: 'points', symbolSize: 10, data: pts.map((p) => [v(p.x), v(p.y), p.id]), label: { show: ds.length <= 12, formatter: '{@[2]}', position: 'right', fontSize: 10 } },
        line('Pareto frontier', frontier.map((i) => [v(pts[i].x), v(pts[i].y), pts[i].id]), { showSymbol: true, step: false, lineStyle: { width: 2 } }),
      ],
    }),
  };
}

const CDF_TITLES: Record<Exclude<DistMetric, 'tpot'>, string> = { ttft: 'TTFT', itl: 'ITL', e2e: 'E2E latency' };

function cdfChart(ds: PointDigest[], m: 'ttft' | 'itl' | 'e2e'): ChartSpec {
  const note = m === 'itl' && ds.some((d) => d.itlSource === 'request-mean') ? ' (per-request means where a summary has no ITL histogram)' : '';
  const title = `${CDF_TITLES[m]} CDF per point${note}`;
  // Latencies span decades (a cached prompt vs a long queue): a log axis, zeros left out.
  const series = ds.filter((d) => d.dists[m]).map((d) => line(d.ref.id, cdfPoints(d.dists[m]!).map(([x, q]) => [x > 0 ? round(v(x)) : null, q]), { color: colourOf(ds, d) }));
  return {
    id: `cdf-${m}`,
    title,
    option: base(title, `${CDF_TITLES[m]} (ms, log scale)`, 'fraction of requests', {
      xAxis: { type: 'log', name: `${CDF_TITLES[m]} (ms, log scale)`, nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'value', name: 'fraction of requests', min: 0, max: 1 },
      series,
    }),
  };
}

type SeriesKey = 'requestsPerS' | 'inFlight' | 'ttftP99' | 'outputTokensPerS';

function binned(d: PointDigest, ys: number[]): Datum[] {
  const s = d.series!;
  // Bins drawn at their middle.
  return s.binS.map((x, i) => [round(x + s.widthS / 2), round(v(ys[i]))]);
}

/** Engine series drawn beside a client series: name, values per bin, line type. */
type EngineLines = Array<[string, number[], 'dashed' | 'dotted']>;

function timeChart(ds: PointDigest[], id: string, title: string, yName: string, key: SeriesKey, engine?: (d: PointDigest) => EngineLines): ChartSpec {
  const series: Record<string, unknown>[] = [];
  for (const d of ds) {
    if (!d.series) continue;
    const colour = colourOf(ds, d);
    series.push(line(d.ref.id, binned(d, d.series[key]), { color: colour }));
    for (const [name, ys, type] of engine && d.engine ? engine(d) : []) series.push(line(`${d.ref.id} ${name}`, binned(d, ys), dashed(colour, type)));
  }
  return { id, title, option: base(title, 'seconds since the first request', yName, { series }) };
}

function engineKvChart(ds: PointDigest[]): ChartSpec {
  const series: Record<string, unknown>[] = [];
  for (const d of ds) {
    if (!d.series || !d.engine) continue;
    const colour = colourOf(ds, d);
    series.push(line(`${d.ref.id} KV usage`, binned(d, d.engine.kvUsage.map((x) => x * 100)), { color: colour }));
    series.push(line(`${d.ref.id} prefix hit rate`, binned(d, d.engine.prefixHitRate.map((x) => x * 100)), dashed(colour)));
  }
  const title = "Engine's KV cache: usage and prefix-cache hit rate (engine /metrics)";
  return { id: 'ts-engine-kv', title, option: base(title, 'seconds since the first request', '%', { series }) };
}

function vsLoad(ds: PointDigest[], y: (d: PointDigest) => number | undefined, suffix = '', extra: (colour: string) => Record<string, unknown> = (c) => ({ color: c })): Record<string, unknown>[] {
  return [...byGroup(ds)].map(([g, list], i) =>
    line(`${g}${suffix}`, list.map((d) => [d.ref.load!.value, round(v(y(d)))]), { showSymbol: true, ...extra(PALETTE[i % PALETTE.length]) }));
}

function cacheChart(ds: PointDigest[]): ChartSpec {
  const title = 'Prefix-cache hit rate vs load (server usage)';
  return { id: 'cache-vs-load', title, option: base(title, loadAxisName(ds), 'cache hit rate (%)', { series: vsLoad(ds, (d) => (d.summary.cacheHitRate ?? NaN) * 100) }) };
}

function goodputChart(ds: PointDigest[]): ChartSpec {
  const title = 'Goodput and SLO attainment vs load';
  const slo = ds.filter((d) => d.summary.slo);
  return {
    id: 'goodput-vs-load',
    title,
    option: base(title, loadAxisName(slo), 'goodput (req/s)', {
      yAxis: [{ type: 'value', name: 'goodput (req/s)', scale: true }, { type: 'value', name: 'SLO attainment (%)', min: 0, max: 100 }],
      series: [
        ...vsLoad(slo, (d) => d.summary.slo!.goodputRps, ' goodput'),
        ...vsLoad(slo, (d) => d.summary.slo!.attainment * 100, ' attainment', (c) => ({ yAxisIndex: 1, ...dashed(c) })),
      ],
    }),
  };
}

function errorsChart(ds: PointDigest[]): ChartSpec {
  const reasons = [...new Set(ds.flatMap((d) => Object.keys(d.summary.errors ?? {}).filter((k) => d.summary.errors[k] > 0)))].sort();
  const title = 'Errors by reason per point';
  return {
    id: 'errors',
    title,
    option: base(title, '', 'failed requests', {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: ds.map((d) => d.ref.id), axisLabel: { rotate: ds.length > 6 ? 30 : 0, fontSize: 10 } },
      yAxis: { type: 'value', name: 'failed requests', min: 0, minInterval: 1 },
      series: (reasons.length ? reasons : ['none']).map((r) => ({ type: 'bar', name: r, stack: 'errors', data: ds.map((d) => d.summary.errors?.[r] ?? 0) })),
    }),
  };
}

/** Every chart the measured points allow, in report order. */
export function buildCharts(ds: PointDigest[]): ChartSpec[] {
  const charts = [paretoChart(ds), cdfChart(ds, 'ttft'), cdfChart(ds, 'itl'), cdfChart(ds, 'e2e')];
  if (ds.some((d) => d.series)) {
    const engine = ds.some((d) => d.engine);
    charts.push(
      timeChart(ds, 'ts-request-rate', 'Request rate over each run (sent)', 'requests/s', 'requestsPerS'),
      timeChart(ds, 'ts-in-flight', engine ? 'Requests in flight: client (solid) vs engine running (dashed) and waiting (dotted)' : 'Requests in flight over each run', 'requests', 'inFlight',
        (d) => [['engine running', d.engine!.running, 'dashed'], ['engine waiting', d.engine!.waiting, 'dotted']]),
      timeChart(ds, 'ts-ttft', 'TTFT p99 per time bin (by send time)', 'ms', 'ttftP99'),
      timeChart(ds, 'ts-output-tokens', engine ? 'Output tokens/s: client (solid) vs engine generation (dashed)' : 'Output tokens/s over each run', 'tokens/s', 'outputTokensPerS',
        (d) => [['engine generation', d.engine!.generationTokensPerS, 'dashed']]),
    );
    if (engine) charts.push(engineKvChart(ds));
  }
  if (ds.some((d) => d.ref.load)) charts.push(cacheChart(ds));
  charts.push(errorsChart(ds));
  if (ds.some((d) => d.summary.slo && d.ref.load)) charts.push(goodputChart(ds));
  return charts;
}

/** Per-bin percentiles of one latency, for the live page: [label, p50, p90, p99 per bin]. */
export interface LivePercentileSeries { metric: string; p50: number[]; p90: number[]; p99: number[] }

function percentileChart(d: PointDigest, p: LivePercentileSeries): ChartSpec {
  const id = `ts-${p.metric.toLowerCase().split(' ')[0]}-percentiles`;
  const title = `${p.metric} percentiles per second (by completion time)`;
  const series = (['p50', 'p90', 'p99'] as const).map((k, i) => line(k, binned(d, p[k]), { color: PALETTE[i] }));
  return { id, title, option: base(title, 'seconds since the start', 'ms', { series }) };
}

function errorsOverTime(d: PointDigest, byReason: Record<string, number[]>): ChartSpec {
  const title = 'Errors per second by reason';
  const reasons = Object.keys(byReason);
  const series = (reasons.length ? reasons : ['none']).map((r) => ({ type: 'bar', name: r, stack: 'errors', data: binned(d, byReason[r] ?? d.series!.binS.map(() => 0)) }));
  return { id: 'ts-errors', title, option: base(title, 'seconds since the start', 'failed requests/s', { yAxis: { type: 'value', name: 'failed requests/s', min: 0 }, series }) };
}

/**
 * The live dashboard's charts of one running point, from the builders above (the report's
 * request-rate, in-flight, token-throughput and engine charts) and the per-second latency
 * percentiles and errors that only the live page draws.
 */
export function liveCharts(d: PointDigest, percentiles: LivePercentileSeries[], errorsByReason: Record<string, number[]>): ChartSpec[] {
  const ds = [d];
  const engine = d.engine !== undefined;
  const charts = [
    timeChart(ds, 'ts-request-rate', 'Request rate (sent)', 'requests/s', 'requestsPerS'),
    timeChart(ds, 'ts-in-flight', engine ? 'Requests in flight: client (solid) vs engine running (dashed) and waiting (dotted)' : 'Requests in flight', 'requests', 'inFlight',
      (x) => [['engine running', x.engine!.running, 'dashed'], ['engine waiting', x.engine!.waiting, 'dotted']]),
    ...percentiles.map((p) => percentileChart(d, p)),
    timeChart(ds, 'ts-output-tokens', engine ? 'Output tokens/s: client (solid) vs engine generation (dashed)' : 'Output tokens/s', 'tokens/s', 'outputTokensPerS',
      (x) => [['engine generation', x.engine!.generationTokensPerS, 'dashed']]),
    errorsOverTime(d, errorsByReason),
  ];
  if (engine) charts.push(engineKvChart(ds));
  return charts;
}
