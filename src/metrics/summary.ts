// The end-of-test result: gathered from k6's summary data and the process-wide histograms,
// written as JSON and printed as the "Serving Benchmark Result" table of `vllm bench serve`.

import { endpointFigures, renderEndpointBlock, type EndpointFigures } from './endpoint-split';
import { COUNTERS, HISTOGRAMS, TRENDS } from './names';
import { histogramStats, type LogHistogram } from './histogram';
import type { Stats } from './formulas';
import { renderSloLines, type SloBlock } from './slo';
import type { CostBlock } from './cost';
import type { EnergyBlock } from '../observe/dcgm';
import type { RunCard } from '../outputs/run-card';

/** The part of k6's handleSummary data this module reads. */
export interface K6SummaryData {
  metrics: Record<string, { type: string; values: Record<string, number> } | undefined>;
  state?: { testRunDurationMs?: number };
}

export interface RunInfo {
  runId: string;
  trace: string;
  format: string;
  baseUrl: string;
  endpoint: string;
  model: string;
  platform: string;
  speedup: number;
  /** Requests the schedule planned to send, over all instances of the run. */
  plannedRequests: number;
  /** This instance's k6 execution segment (e.g. "1/2:1"), or null/absent when it runs everything. */
  executionSegment?: string | null;
}

export interface ReplayResult {
  version: 1;
  run: RunInfo;
  requests: { planned: number; sent: number; completed: number; succeeded: number; failed: number; notSent: number | null; droppedIterations: number };
  errors: Record<string, number>;
  tokens: { input: number; output: number; cached: number; countedByChunks: number; source: 'usage' | 'chunks' | 'mixed' };
  durationS: number;
  throughput: { requestsPerS: number; outputTokensPerS: number; totalTokensPerS: number };
  cacheHitRate: number | null;
  /** ttfo: time to first output token, present when any stream carried reasoning (older results lack it). */
  latencyMs: { ttft: Stats | null; ttfo?: Stats | null; tpot: Stats | null; itl: Stats | null; e2e: Stats | null; ttfb: Stats | null; dispatchLag: Stats | null };
  /**
   * The process-wide histograms by name (sparse buckets), so the results of several k6
   * instances (execution segments) merge into one (scripts/report: `report merge`).
   */
  histograms: Record<string, LogHistogram>;
  /** With --slo: attainment and goodput (src/metrics/slo.ts). */
  slo?: SloBlock;
  /** What produced the result (src/outputs/run-card.ts). */
  runCard?: RunCard;
  /** With --cost-per-hour (src/metrics/cost.ts). */
  cost?: CostBlock;
  /** With GPU telemetry (src/observe/dcgm.ts). */
  energy?: EnergyBlock;
  /** Figures per endpoint (src/metrics/endpoint-split.ts), when requests went to more than one. */
  byEndpoint?: Record<string, EndpointFigures>;
}

function counter(d: K6SummaryData, name: string): number {
  return d.metrics[name]?.values.count ?? 0;
}

/** Sums a counter's tagged submetrics ("name{tag:value}") by tag value. */
function counterByTag(d: K6SummaryData, name: string, tag: string): Record<string, number> {
  const out: Record<string, number> = {};
  const prefix = `${name}{${tag}:`;
  for (const key of Object.keys(d.metrics)) {
    if (key.startsWith(prefix) && key.endsWith('}')) out[key.slice(prefix.length, -1)] = d.metrics[key]?.values.count ?? 0;
  }
  return out;
}

function nonZero(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(counts).sort()) if (counts[k] > 0) out[k] = counts[k];
  return out;
}

const TREND_PERCENTILES: Array<[keyof Stats, string]> = [
  ['p25', 'p(25)'], ['p50', 'p(50)'], ['p75', 'p(75)'], ['p90', 'p(90)'], ['p95', 'p(95)'], ['p99', 'p(99)'], ['p999', 'p(99.9)'],
];

/**
 * Stats of a per-request metric: exact percentiles from the k6 Trend, std (which Trends do not
 * give) from the histogram's exact sums; std is NaN where the platform keeps no histogram.
 */
function trendStats(d: K6SummaryData, trend: string, hist: LogHistogram | null): Stats | null {
  const v = d.metrics[trend]?.values;
  if (!v || !v.count) return null;
  const fromHist = hist && hist.count > 0 ? histogramStats(hist) : null;
  const s: Stats = {
    count: v.count, mean: v.avg, std: fromHist ? fromHist.std : NaN, min: v.min, max: v.max,
    p25: NaN, p50: NaN, p75: NaN, p90: NaN, p95: NaN, p99: NaN, p999: NaN,
  };
  for (const [key, name] of TREND_PERCENTILES) s[key] = v[name] ?? NaN;
  return s;
}

function collectHistograms(hist: (name: string) => LogHistogram | null): Record<string, LogHistogram> {
  const out: Record<string, LogHistogram> = {};
  for (const name of Object.values(HISTOGRAMS)) {
    const h = hist(name);
    if (h && h.count > 0) out[name] = h;
  }
  return out;
}

/** The counts a result is made of: what every k6 instance adds up. */
export interface ResultCounts {
  sent: number;
  succeeded: number;
  failed: number;
  droppedIterations: number;
  errors: Record<string, number>;
  input: number;
  output: number;
  cached: number;
  countedByChunks: number;
}

export type LatencyStats = ReplayResult['latencyMs'];

function countsFromK6(d: K6SummaryData): ResultCounts {
  const byOutcome = counterByTag(d, COUNTERS.requests, 'outcome');
  return {
    sent: counter(d, COUNTERS.sent),
    succeeded: byOutcome.ok ?? 0,
    failed: byOutcome.error ?? 0,
    droppedIterations: counter(d, 'dropped_iterations'),
    errors: nonZero(counterByTag(d, COUNTERS.errors, 'reason')),
    input: counter(d, COUNTERS.promptTokens),
    output: counter(d, COUNTERS.outputTokens),
    cached: counter(d, COUNTERS.cachedTokens),
    countedByChunks: counter(d, COUNTERS.chunkCounted),
  };
}

/** Stats of a histogram, or null when it is empty or missing. */
export function statsOf(h: LogHistogram | null | undefined): Stats | null {
  return h && h.count > 0 ? histogramStats(h) : null;
}

/**
 * Assembles a result. `spanMs` is vLLM's benchmark duration (first request sent -> last
 * response done); `notSent` is null when one instance of a segmented run cannot know it.
 */
export function assembleResult(run: RunInfo, c: ResultCounts, latencyMs: LatencyStats, spanMs: number,
  histograms: Record<string, LogHistogram>, notSent: number | null): ReplayResult {
  const durationS = spanMs / 1000;
  return {
    version: 1,
    run,
    requests: {
      planned: run.plannedRequests,
      sent: c.sent,
      completed: c.succeeded + c.failed,
      succeeded: c.succeeded,
      failed: c.failed,
      notSent,
      droppedIterations: c.droppedIterations,
    },
    errors: c.errors,
    tokens: {
      input: c.input, output: c.output, cached: c.cached, countedByChunks: c.countedByChunks,
      source: c.countedByChunks === 0 ? 'usage' : c.countedByChunks >= c.succeeded ? 'chunks' : 'mixed',
    },
    durationS,
    throughput: {
      requestsPerS: durationS > 0 ? c.succeeded / durationS : 0,
      outputTokensPerS: durationS > 0 ? c.output / durationS : 0,
      totalTokensPerS: durationS > 0 ? (c.input + c.output) / durationS : 0,
    },
    cacheHitRate: c.input > 0 && c.countedByChunks === 0 ? c.cached / c.input : null,
    latencyMs,
    histograms,
  };
}

/** The result of one k6 process, from its handleSummary data and its histograms. */
export function buildResult(d: K6SummaryData, run: RunInfo, hist: (name: string) => LogHistogram | null): ReplayResult {
  const c = countsFromK6(d);
  const sendAt = hist(HISTOGRAMS.sendAt);
  const endAt = hist(HISTOGRAMS.endAt);
  // Without the extension's histograms, the duration falls back to the whole k6 run.
  const spanMs = sendAt && endAt && sendAt.count > 0 ? endAt.max - sendAt.min : d.state?.testRunDurationMs ?? 0;
  const latency: LatencyStats = {
    ttft: trendStats(d, TRENDS.ttft, hist(HISTOGRAMS.ttft)),
    ttfo: trendStats(d, TRENDS.ttfo, hist(HISTOGRAMS.ttfo)),
    tpot: trendStats(d, TRENDS.tpot, hist(HISTOGRAMS.tpot)),
    itl: statsOf(hist(HISTOGRAMS.itl)),
    e2e: trendStats(d, TRENDS.e2e, hist(HISTOGRAMS.e2e)),
    ttfb: trendStats(d, TRENDS.ttfb, null),
    dispatchLag: trendStats(d, TRENDS.dispatchLag, hist(HISTOGRAMS.dispatchLag)),
  };
  // One instance of a segmented run sends only its share of the plan.
  const notSent = run.executionSegment ? null : Math.max(0, run.plannedRequests - c.sent);
  const result = assembleResult(run, c, latency, spanMs, collectHistograms(hist), notSent);
  const byEndpoint = endpointFigures((name) => counterByTag(d, name, 'endpoint'), result.durationS);
  if (Object.keys(byEndpoint).length > 1) result.byEndpoint = byEndpoint;
  return result;
}

const WIDTH = 50;

/** One row of the table: label left, value right (cost, energy and run card rows use it too). */
export function line(label: string, value: string): string {
  return `${label.padEnd(WIDTH - 10)}${value.padStart(10)}`;
}

export function header(title: string, fill = '-'): string {
  const pad = Math.max(0, WIDTH - title.length);
  const left = Math.floor(pad / 2);
  return fill.repeat(left) + title + fill.repeat(pad - left);
}

function num(v: number, digits = 2): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

const STAT_ROWS: Array<[string, keyof Stats]> = [
  ['Mean', 'mean'], ['Median', 'p50'], ['Std', 'std'], ['P25', 'p25'], ['P75', 'p75'], ['P90', 'p90'], ['P99', 'p99'],
];

function latencyBlock(title: string, short: string, s: Stats | null): string[] {
  const out = [header(title)];
  if (!s) return [...out, line(`${short} (ms):`, 'n/a')];
  for (const [label, key] of STAT_ROWS) out.push(line(`${label} ${short} (ms):`, num(s[key])));
  return out;
}

/** The vLLM-style table, plus the harness's own rows (errors, dispatch lag, cache). */
export function renderTable(r: ReplayResult): string {
  const rows = [
    header(' Serving Benchmark Result ', '='),
    line('Successful requests:', String(r.requests.succeeded)),
    line('Failed requests:', String(r.requests.failed)),
    line('Benchmark duration (s):', num(r.durationS)),
    line('Total input tokens:', String(r.tokens.input)),
    line('Total generated tokens:', String(r.tokens.output)),
    line('Request throughput (req/s):', num(r.throughput.requestsPerS)),
    line('Output token throughput (tok/s):', num(r.throughput.outputTokensPerS)),
    line('Total Token throughput (tok/s):', num(r.throughput.totalTokensPerS)),
    line('Prefix cache hit rate (server usage):', r.cacheHitRate === null ? 'n/a' : `${num(r.cacheHitRate * 100)}%`),
    ...latencyBlock('Time to First Token', 'TTFT', r.latencyMs.ttft),
    // Only when some stream carried reasoning: otherwise it would repeat TTFT.
    ...(r.latencyMs.ttfo ? latencyBlock('Time to First Output Token', 'TTFO', r.latencyMs.ttfo) : []),
    ...latencyBlock('Time per Output Token (excl. 1st token)', 'TPOT', r.latencyMs.tpot),
    ...latencyBlock('Inter-token Latency', 'ITL', r.latencyMs.itl),
    ...latencyBlock('End-to-end Latency', 'E2EL', r.latencyMs.e2e),
    header('Replay'),
    ...(r.run.executionSegment ? [line('Execution segment:', r.run.executionSegment)] : []),
    line(r.run.executionSegment ? 'Requests planned (all) / sent here:' : 'Requests planned / sent:', `${r.requests.planned} / ${r.requests.sent}`),
    line('Dispatch lag P50 (ms):', num(r.latencyMs.dispatchLag?.p50 ?? NaN, 3)),
    line('Dispatch lag P99 (ms):', num(r.latencyMs.dispatchLag?.p99 ?? NaN, 3)),
    line('Token counts from:', r.tokens.source === 'usage' ? 'server usage' : r.tokens.source === 'chunks' ? 'chunk count' : 'usage+chunks'),
  ];
  const errors = Object.keys(r.errors).filter((k) => r.errors[k] > 0).sort();
  if (errors.length) {
    rows.push(header('Errors by reason'));
    for (const k of errors) rows.push(line(`${k}:`, String(r.errors[k])));
  }
  rows.push(...renderEndpointBlock(r.byEndpoint, WIDTH));
  rows.push('='.repeat(WIDTH));
  const warnings = replayWarnings(r);
  return rows.join('\n') + '\n' + (r.slo ? renderSloLines(r.slo, WIDTH) : '') + (warnings.length ? '\n' + warnings.map((w) => `WARNING: ${w}`).join('\n') + '\n' : '');
}

/** Loud notes about a replay that did not follow the trace. */
export function replayWarnings(r: ReplayResult): string[] {
  const w: string[] = [];
  if (r.requests.notSent !== null && r.requests.notSent > 0) {
    const why = r.requests.droppedIterations > 0
      ? `k6 dropped ${r.requests.droppedIterations} iteration(s) for lack of a free VU: raise -e VUS=... / -e MAX_VUS=...`
      : 'the test ended early or was aborted';
    w.push(`${r.requests.notSent} request(s) of the trace were never sent: ${why}.`);
  } else if (r.requests.droppedIterations > 0) {
    w.push(`k6 dropped ${r.requests.droppedIterations} spare iteration(s) at the end (every request was sent): raise -e VUS=... for headroom.`);
  }
  return w;
}
