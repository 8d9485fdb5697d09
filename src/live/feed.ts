// The live dashboard's data: every metric sample of the run (the samples the engine's registries
// hand to the outputs: the client's llm_* and the scraped engine_* series) folded into time bins
// of one second (widened two-fold whenever there are more than MAX_BINS, so a long run keeps a
// fixed memory), and run totals as the same log histograms the summary is computed from, so the
// page's final figures are the summary's. Pure apart from the clock it is given.

import { addValues, emptyHistogram, histogramPercentile, mergeHistograms, type LogHistogram } from '../metrics/histogram';
import { COUNTERS, TRENDS } from '../metrics/names';
import { ENGINE_GAUGES } from '../observe/names';
import type { Sample } from '../outputs/sample';

const MAX_BINS = 600;
export const LIVE_METRICS = ['ttft', 'itl', 'e2e'] as const;
export type LiveMetric = (typeof LIVE_METRICS)[number];
const TREND_OF: Record<LiveMetric, string> = { ttft: TRENDS.ttft, itl: TRENDS.itlMean, e2e: TRENDS.e2e };
const ENGINE_KEYS = ['running', 'waiting', 'kvUsage', 'prefixHitRate', 'generationTokensPerS'] as const;
type EngineKey = (typeof ENGINE_KEYS)[number];
const ENGINE_OF = new Map<string, EngineKey>(ENGINE_KEYS.map((k) => [ENGINE_GAUGES[k], k]));

interface Bin {
  sent: number;
  ok: number;
  failed: number;
  outputTokens: number;
  errors: Map<string, number>;
  hist: Record<LiveMetric, LogHistogram>;
  engine: Record<EngineKey, { sum: number; n: number }>;
  /** The run's live counts last seen in this bin (requests are recorded when they end: sends and in-flight come from here). */
  cumSent?: number;
  inFlight?: number;
  /** p50/p90/p99 per metric, computed once a bin stops changing (only the newest bins change). */
  quantiles?: Record<LiveMetric, [number, number, number]>;
}

function emptyBin(): Bin {
  return {
    sent: 0, ok: 0, failed: 0, outputTokens: 0, errors: new Map(),
    // 2% buckets per bin: small, and plenty for a line over time.
    hist: { ttft: emptyHistogram(0.001, 1.02), itl: emptyHistogram(0.001, 1.02), e2e: emptyHistogram(0.001, 1.02) },
    engine: Object.fromEntries(ENGINE_KEYS.map((k) => [k, { sum: 0, n: 0 }])) as Bin['engine'],
  };
}

function binQuantiles(b: Bin): Record<LiveMetric, [number, number, number]> {
  const q = (h: LogHistogram): [number, number, number] => (h.count ? [histogramPercentile(h, 50), histogramPercentile(h, 90), histogramPercentile(h, 99)] : [NaN, NaN, NaN]);
  return { ttft: q(b.hist.ttft), itl: q(b.hist.itl), e2e: q(b.hist.e2e) };
}

function mergeBins(a: Bin, b: Bin): Bin {
  const errors = new Map(a.errors);
  for (const [k, v] of b.errors) errors.set(k, (errors.get(k) ?? 0) + v);
  const engine = {} as Bin['engine'];
  for (const k of ENGINE_KEYS) engine[k] = { sum: a.engine[k].sum + b.engine[k].sum, n: a.engine[k].n + b.engine[k].n };
  const hist = {} as Bin['hist'];
  for (const m of LIVE_METRICS) hist[m] = mergeHistograms(a.hist[m], b.hist[m]);
  return {
    sent: a.sent + b.sent, ok: a.ok + b.ok, failed: a.failed + b.failed, outputTokens: a.outputTokens + b.outputTokens, errors, hist, engine,
    cumSent: b.cumSent ?? a.cumSent, inFlight: b.inFlight ?? a.inFlight,
  };
}

/** The run's totals as the page shows them. */
export interface LiveTotals {
  elapsedS: number;
  sent: number;
  succeeded: number;
  failed: number;
  inFlight: number;
  outputTokens: number;
  inputTokens: number;
  errors: Record<string, number>;
  /** Percentiles over the whole run so far (ms), as the summary computes them. */
  latencyMs: Record<LiveMetric, { count: number; p50: number | null; p90: number | null; p99: number | null }>;
}

/** Per-bin series, x = bin start in seconds since the run's start. */
export interface LiveSeries {
  binS: number[];
  widthS: number;
  requestsPerS: number[];
  inFlight: number[];
  outputTokensPerS: number[];
  errorsPerS: number[];
  errorsByReason: Record<string, number[]>;
  percentiles: Record<LiveMetric, { p50: number[]; p90: number[]; p99: number[] }>;
  /** Engine series (scraped /metrics), NaN where no scrape fell in a bin; absent without a scrape. */
  engine?: Record<EngineKey, number[]>;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export class LiveFeed {
  private bins: Bin[] = [];
  private widthMs = 1000;
  private readonly totals = { sent: 0, ok: 0, failed: 0, outputTokens: 0, inputTokens: 0, errors: new Map<string, number>() };
  private readonly hist: Record<LiveMetric, LogHistogram> = { ttft: emptyHistogram(), itl: emptyHistogram(), e2e: emptyHistogram() };
  private engineSeen = false;
  private observed = false;

  constructor(private readonly startUnixMs: number, private readonly now: () => number = Date.now) {}

  private binAt(t: number): Bin {
    const index = () => Math.max(0, Math.floor((t - this.startUnixMs) / this.widthMs));
    let j = index();
    while (j >= MAX_BINS) {
      this.widen();
      j = index();
    }
    while (this.bins.length <= j) this.bins.push(emptyBin());
    return this.bins[j];
  }

  /** Halves the number of bins: neighbours merged, the width doubled. */
  private widen(): void {
    const out: Bin[] = [];
    for (let i = 0; i < this.bins.length; i += 2) out.push(i + 1 < this.bins.length ? mergeBins(this.bins[i], this.bins[i + 1]) : this.bins[i]);
    this.bins = out;
    this.widthMs *= 2;
  }

  /**
   * The run's live counts now (its progress: sends as they go out, requests in flight). Metric
   * samples are recorded when a request ends, so they alone cannot place a send in time.
   */
  observe(sent: number, inFlight: number, t = this.now()): void {
    const b = this.binAt(t);
    b.cumSent = sent;
    b.inFlight = inFlight;
    this.observed = true;
  }

  add(samples: readonly Sample[]): void {
    for (const s of samples) this.addOne(s);
  }

  private addOne(s: Sample): void {
    const m = s.metric;
    if (m === COUNTERS.sent) {
      this.binAt(s.timeUnixMs).sent += s.value;
      this.totals.sent += s.value;
    } else if (m === COUNTERS.requests) {
      const ok = s.tags.outcome === 'ok';
      const b = this.binAt(s.timeUnixMs);
      if (ok) (b.ok += s.value), (this.totals.ok += s.value);
      else (b.failed += s.value), (this.totals.failed += s.value);
    } else if (m === COUNTERS.errors) {
      const reason = s.tags.reason ?? 'unknown';
      const b = this.binAt(s.timeUnixMs);
      b.errors.set(reason, (b.errors.get(reason) ?? 0) + s.value);
      this.totals.errors.set(reason, (this.totals.errors.get(reason) ?? 0) + s.value);
    } else if (m === COUNTERS.outputTokens) {
      this.binAt(s.timeUnixMs).outputTokens += s.value;
      this.totals.outputTokens += s.value;
    } else if (m === COUNTERS.promptTokens) {
      this.totals.inputTokens += s.value;
    } else if (s.type === 'trend') {
      for (const k of LIVE_METRICS) {
        if (TREND_OF[k] !== m) continue;
        const b = this.binAt(s.timeUnixMs);
        addValues(b.hist[k], [s.value]);
        b.quantiles = undefined;
        addValues(this.hist[k], [s.value]);
      }
    } else if (s.type === 'gauge') {
      const k = ENGINE_OF.get(m);
      if (!k) return;
      const e = this.binAt(s.timeUnixMs).engine[k];
      e.sum += s.value;
      e.n++;
      this.engineSeen = true;
    }
  }

  totalsNow(): LiveTotals {
    const pct = (h: LogHistogram) => ({ count: h.count, p50: finite(histogramPercentile(h, 50)), p90: finite(histogramPercentile(h, 90)), p99: finite(histogramPercentile(h, 99)) });
    return {
      elapsedS: Math.max(0, (this.now() - this.startUnixMs) / 1000),
      sent: this.totals.sent,
      succeeded: this.totals.ok,
      failed: this.totals.failed,
      inFlight: this.totals.sent - this.totals.ok - this.totals.failed,
      outputTokens: this.totals.outputTokens,
      inputTokens: this.totals.inputTokens,
      errors: Object.fromEntries([...this.totals.errors].sort()),
      latencyMs: { ttft: pct(this.hist.ttft), itl: pct(this.hist.itl), e2e: pct(this.hist.e2e) },
    };
  }

  /** The series up to now (bins until the current second, empty ones included). */
  series(): LiveSeries {
    this.binAt(this.now());
    const w = this.widthMs / 1000;
    const reasons = [...new Set(this.bins.flatMap((b) => [...b.errors.keys()]))].sort();
    let inFlight = 0;
    let cum = 0;
    let seen = 0;
    // Observed counts carried forward over bins without an observation.
    const sentRate = (b: Bin) => {
      const prev = cum;
      cum = b.cumSent ?? cum;
      return (cum - prev) / w;
    };
    const flying = (b: Bin) => (seen = b.inFlight ?? seen);
    const quantiles = this.bins.map((b) => (b.quantiles ??= binQuantiles(b)));
    const q = (k: LiveMetric, i: 0 | 1 | 2) => quantiles.map((x) => x[k][i]);
    return {
      binS: this.bins.map((_, i) => i * w),
      widthS: w,
      requestsPerS: this.observed ? this.bins.map(sentRate) : this.bins.map((b) => b.sent / w),
      inFlight: this.observed ? this.bins.map(flying) : this.bins.map((b) => (inFlight += b.sent - b.ok - b.failed)),
      outputTokensPerS: this.bins.map((b) => b.outputTokens / w),
      errorsPerS: this.bins.map((b) => b.failed / w),
      errorsByReason: Object.fromEntries(reasons.map((r) => [r, this.bins.map((b) => (b.errors.get(r) ?? 0) / w)])),
      percentiles: Object.fromEntries(LIVE_METRICS.map((k) => [k, { p50: q(k, 0), p90: q(k, 1), p99: q(k, 2) }])) as LiveSeries['percentiles'],
      engine: this.engineSeen
        ? (Object.fromEntries(ENGINE_KEYS.map((k) => [k, this.bins.map((b) => (b.engine[k].n ? b.engine[k].sum / b.engine[k].n : NaN))])) as Record<EngineKey, number[]>)
        : undefined,
    };
  }
}
