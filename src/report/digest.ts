// One campaign point reduced to what the report draws, streaming its per-request file once:
// distributions as log histograms, the run's time series in fixed bins, the engine's series.
// Memory per point is fixed (bins x buckets), whatever its request count; points are digested
// one after the other and only the digests are kept.

import { addValues, emptyHistogram, histogramPercentile, type LogHistogram } from '../metrics/histogram';
import { HISTOGRAMS } from '../metrics/names';
import type { RequestRecord } from '../outputs/jsonl';
import { engineSeries, type EngineSeries } from './engine-series';
import { readSummary, type PointRef, type RunSummary } from './inputs';
import { readJsonl, type JsonlStats } from './jsonl';
import { BinCounts, BinIntegral, TimeBins } from './timebins';

export type ReportRecord = RequestRecord & { warmup?: boolean; sloOk?: boolean };

export const DIST_METRICS = ['ttft', 'tpot', 'itl', 'e2e'] as const;
export type DistMetric = (typeof DIST_METRICS)[number];

/** Per-bin series of one run; x = bin start, seconds since the run's first send. */
export interface RunSeries {
  binS: number[];
  widthS: number;
  requestsPerS: number[];
  inFlight: number[];
  ttftP50: number[];
  ttftP99: number[];
  outputTokensPerS: number[];
  errorsPerS: number[];
}

export interface PointDigest {
  ref: PointRef;
  summary: RunSummary;
  /** Histograms behind the CDFs and the tables (the summary's, or filled from the records). */
  dists: Record<DistMetric, LogHistogram | null>;
  /** Where `itl` comes from: every token gap (summary) or per-request means (records only). */
  itlSource: 'gaps' | 'request-mean' | 'none';
  series?: RunSeries;
  engine?: EngineSeries;
  /** Lines read from requests.jsonl; `warmup` of them were warm-up records, left out of everything. */
  records: RecordStats;
}

export type RecordStats = JsonlStats & { warmup: number };

export interface DigestOptions { maxBins: number }

/** Bins for a run: at most maxBins, and about 10 requests per bin or more so rates are not all noise. */
export function binCount(requests: number, maxBins: number): number {
  return Math.max(10, Math.min(maxBins, Math.floor(requests / 10)));
}

const SUMMARY_HIST: Record<DistMetric, string> = { ttft: HISTOGRAMS.ttft, tpot: HISTOGRAMS.tpot, itl: HISTOGRAMS.itl, e2e: HISTOGRAMS.e2e };

/** First send -> last end of the measured requests, Unix ms: from the summary, else one pass over the records. */
function runSpan(summary: RunSummary, requests: string | undefined): { start: number; end: number } | undefined {
  const send = summary.histograms?.[HISTOGRAMS.sendUnix];
  const end = summary.histograms?.[HISTOGRAMS.endUnix];
  if (send && end && send.count > 0 && Number.isFinite(send.min) && end.max > send.min) return { start: send.min, end: end.max };
  if (!requests) return undefined;
  let start = Infinity;
  let last = -Infinity;
  for (const r of readJsonl<ReportRecord>(requests)) {
    if (r.warmup) continue;
    start = Math.min(start, r.sendUnixMs);
    last = Math.max(last, r.sendUnixMs + r.e2eMs);
  }
  return Number.isFinite(start) ? { start, end: Math.max(last, start + 1) } : undefined;
}

/** Per-bin p50/p99 of a value, from a small histogram per bin (2% buckets). */
class BinQuantiles {
  private readonly hists: LogHistogram[];
  constructor(private readonly bins: TimeBins) {
    this.hists = Array.from({ length: bins.n }, () => emptyHistogram(0.001, 1.02));
  }
  add(t: number, v: number): void {
    const i = this.bins.index(t);
    if (i >= 0) addValues(this.hists[i], [v]);
  }
  quantile(p: number): number[] {
    return this.hists.map((h) => (h.count ? histogramPercentile(h, p) : NaN));
  }
}

function streamSeries(requests: string, bins: TimeBins, own: Partial<Record<DistMetric, LogHistogram>>, stats: RecordStats): RunSeries {
  const sends = new BinCounts(bins);
  const errors = new BinCounts(bins);
  const inFlight = new BinIntegral(bins);
  const tokens = new BinIntegral(bins);
  const ttft = new BinQuantiles(bins);
  for (const r of readJsonl<ReportRecord>(requests, stats)) {
    if (r.warmup) {
      stats.warmup++;
      continue;
    }
    const s = r.sendUnixMs;
    const e = s + r.e2eMs;
    sends.add(s);
    inFlight.add(s, e);
    if (!r.ok) {
      errors.add(e);
      continue;
    }
    if (r.ttftMs !== undefined) ttft.add(s, r.ttftMs);
    // Tokens stream from the first token to the end: spread them evenly over that time.
    const first = s + (r.ttftMs ?? r.e2eMs);
    if (r.outputTokens > 0) {
      if (e > first) tokens.add(first, e, r.outputTokens / (e - first));
      else tokens.add(e - 1e-3, e, r.outputTokens / 1e-3);
    }
    const values: Record<DistMetric, number | undefined> = { ttft: r.ttftMs, tpot: r.tpotMs, itl: r.itlMeanMs, e2e: r.e2eMs };
    for (const m of DIST_METRICS) {
      const h = own[m];
      const v = values[m];
      if (h && v !== undefined) addValues(h, [v]);
    }
  }
  return {
    binS: bins.startsS(),
    widthS: bins.widthMs / 1000,
    requestsPerS: sends.rates(),
    inFlight: inFlight.averages(),
    ttftP50: ttft.quantile(50),
    ttftP99: ttft.quantile(99),
    outputTokensPerS: tokens.averages().map((v) => v * 1000),
    errorsPerS: errors.rates(),
  };
}

/** Reads one point: its summary, then its records and engine samples once each, streamed. */
export function digestPoint(ref: PointRef, o: DigestOptions): PointDigest {
  const summary = readSummary(ref.summaryPath!);
  const dists = {} as Record<DistMetric, LogHistogram | null>;
  // Distributions the summary lacks are filled from the records (excluding warm-up, as the summary).
  const own: Partial<Record<DistMetric, LogHistogram>> = {};
  for (const m of DIST_METRICS) {
    const h = summary.histograms?.[SUMMARY_HIST[m]];
    dists[m] = h && h.count > 0 ? h : null;
    if (!dists[m] && ref.requestsPath) own[m] = emptyHistogram();
  }
  const records: RecordStats = { lines: 0, truncatedLast: false, warmup: 0 };
  let series: RunSeries | undefined;
  let engine: EngineSeries | undefined;
  const span = ref.requestsPath || ref.engineMetricsPath ? runSpan(summary, ref.requestsPath) : undefined;
  if (span) {
    const bins = new TimeBins(span.start, span.end, binCount(summary.requests?.sent ?? 0, o.maxBins));
    if (ref.requestsPath) series = streamSeries(ref.requestsPath, bins, own, records);
    if (ref.engineMetricsPath) engine = engineSeries(ref.engineMetricsPath, bins, summary.run?.model);
  }
  for (const m of DIST_METRICS) if (own[m] && own[m]!.count > 0) dists[m] = own[m]!;
  const itlSource = summary.histograms?.[HISTOGRAMS.itl]?.count ? 'gaps' : own.itl?.count ? 'request-mean' : 'none';
  return { ref, summary, dists, itlSource, series, engine, records };
}
