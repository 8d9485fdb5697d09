// The end-of-test result of a sessions run: the standard "Serving Benchmark Result" (built and
// rendered by src/metrics/summary.ts), then the per-session table (trie's "Per-trace metrics")
// and the workload table. Pure: reads k6's summary data and the process-wide histograms.

import { buildResult, renderTable, type K6SummaryData, type ReplayResult, type RunInfo } from '../metrics/summary';
import { HISTOGRAMS, SESSION_COUNTERS, SESSION_TRENDS, workloadHistogram } from '../metrics/names';
import type { LogHistogram } from '../metrics/histogram';
import { renderWorkload, workloadTable, type BucketSeries, type WorkloadOptions, type WorkloadTable } from './workload';
import type { SessionsConfig } from '../config/sessions';

export interface SessionStats {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface SessionsInfo {
  /** Sessions the run planned (undefined when it runs for a duration). */
  planned?: number;
  timing: string;
  timeScale: number;
  users?: number;
  subagentJoin: string;
  warmPrefix: string;
  uniquePrefix: boolean;
}

/** How the run was set up, for the sessions line of the summary. */
export function sessionsInfo(cfg: SessionsConfig, planned: number | undefined): SessionsInfo {
  return {
    planned, timing: cfg.timing === 'api-scaled' ? `api-scaled (API_SCALE=${cfg.apiScale})` : cfg.timing,
    timeScale: cfg.timeScale, users: cfg.users, subagentJoin: cfg.join,
    warmPrefix: cfg.warmPrefixTokens !== undefined ? `${cfg.warmPrefixTokens} tokens` : cfg.warmPrefix > 0 ? `${cfg.warmPrefix * 100}% of system+tools` : 'off',
    uniquePrefix: cfg.uniquePrefix,
  };
}

export interface SessionsResult {
  version: 1;
  serving: ReplayResult;
  sessions: SessionsInfo & { started: number; ok: number; failed: number; aborted: number };
  /** sum cached / sum eligible over the whole run. */
  eligibleHitRate: number | null;
  perSession: Record<'latencyS' | 'ttftS' | 'ttfatS' | 'decodeTps' | 'cacheHitPct' | 'eligibleHitPct', SessionStats | null>;
  perTurn: Record<'decodeTps' | 'cacheHitPct' | 'eligibleHitPct', SessionStats | null>;
  workload: WorkloadTable | null;
}

function count(d: K6SummaryData, name: string): number {
  return d.metrics[name]?.values.count ?? 0;
}

/** A Trend's statistics, values multiplied by `scale` (ms -> s). */
export function trendStats(d: K6SummaryData, name: string, scale = 1): SessionStats | null {
  const v = d.metrics[name]?.values;
  if (!v || !v.count) return null;
  const g = (k: string) => (v[k] ?? NaN) * scale;
  return { count: v.count, mean: g('avg'), min: g('min'), p50: v['p(50)'] !== undefined ? g('p(50)') : g('med'), p90: g('p(90)'), p95: g('p(95)'), p99: g('p(99)'), max: g('max') };
}

/** Per-bucket sums of one token kind, for buckets first..last. */
export function bucketSeries(hist: (name: string) => LogHistogram | null, kind: 'prompt' | 'cached' | 'completion', first: number, last: number, bucketMs: number): BucketSeries {
  const values: number[] = [];
  for (let b = first; b <= last; b++) values.push(hist(workloadHistogram(kind, b))?.sum ?? 0);
  return { bucketMs, first, values };
}

export interface SessionsSummaryOptions extends WorkloadOptions {
  bucketMs: number;
}

export function buildSessionsResult(
  d: K6SummaryData,
  run: RunInfo,
  info: SessionsInfo,
  hist: (name: string) => LogHistogram | null,
  o: SessionsSummaryOptions,
): SessionsResult {
  const serving = buildResult(d, run, hist);
  const started = count(d, SESSION_COUNTERS.started);
  const ok = count(d, `${SESSION_COUNTERS.sessions}{outcome:ok}`);
  const failed = count(d, `${SESSION_COUNTERS.sessions}{outcome:error}`);
  // A session cut by k6 (gracefulStop) ends with its iteration and reports nothing: count it here.
  const aborted = Math.max(count(d, `${SESSION_COUNTERS.sessions}{outcome:aborted}`), started - ok - failed);
  const eligible = count(d, SESSION_COUNTERS.eligibleTokens);
  const sendAt = hist(HISTOGRAMS.sendAt);
  const endAt = hist(HISTOGRAMS.endAt);
  let workload: WorkloadTable | null = null;
  if (sendAt && endAt && sendAt.count > 0 && endAt.max > sendAt.min) {
    const first = Math.floor(sendAt.min / o.bucketMs);
    const last = Math.floor(endAt.max / o.bucketMs);
    workload = workloadTable({
      prompt: bucketSeries(hist, 'prompt', first, last, o.bucketMs),
      cached: bucketSeries(hist, 'cached', first, last, o.bucketMs),
      completion: bucketSeries(hist, 'completion', first, last, o.bucketMs),
      startMs: sendAt.min,
      endMs: endAt.max,
      sessionsCompleted: ok + failed,
      sessionsStarted: started,
    }, o);
  }
  return {
    version: 1,
    serving,
    sessions: { ...info, started, ok, failed, aborted },
    eligibleHitRate: eligible > 0 && serving.cacheHitRate !== null ? serving.tokens.cached / eligible : null,
    perSession: {
      latencyS: trendStats(d, SESSION_TRENDS.latency, 1 / 1000),
      ttftS: trendStats(d, SESSION_TRENDS.ttft, 1 / 1000),
      ttfatS: trendStats(d, SESSION_TRENDS.ttfat, 1 / 1000),
      decodeTps: trendStats(d, SESSION_TRENDS.decodeTps),
      cacheHitPct: trendStats(d, SESSION_TRENDS.cacheHitRate),
      eligibleHitPct: trendStats(d, SESSION_TRENDS.eligibleHitRate),
    },
    perTurn: {
      decodeTps: trendStats(d, SESSION_TRENDS.turnDecodeTps),
      cacheHitPct: trendStats(d, SESSION_TRENDS.turnCacheHitRate),
      eligibleHitPct: trendStats(d, SESSION_TRENDS.turnEligibleHitRate),
    },
    workload,
  };
}

const COLUMNS: Array<[keyof SessionsResult['perSession'], string, number]> = [
  ['latencyS', 'Latency (s)', 3],
  ['ttftS', 'TTFT (s)', 3],
  ['ttfatS', 'TTFAT (s)', 3],
  ['decodeTps', 'Decode TPS', 2],
  ['cacheHitPct', 'Cache hit %', 1],
  ['eligibleHitPct', 'Eligible hit %', 1],
];

const ROWS: Array<[keyof SessionStats, string]> = [['mean', 'mean'], ['min', 'min'], ['p50', 'p50'], ['p90', 'p90'], ['p95', 'p95'], ['p99', 'p99'], ['max', 'max']];

function fmt(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

/** trie's per-trace table: one column per per-session metric, one row per statistic. */
export function renderSessionTable(r: SessionsResult): string {
  const w0 = 8;
  const w = 15;
  const lines = ['Per-session metrics', 'Metric'.padEnd(w0) + COLUMNS.map(([, h]) => h.padStart(w)).join('')];
  for (const [key, label] of ROWS) {
    lines.push(label.padEnd(w0) + COLUMNS.map(([c, , digits]) => fmt(r.perSession[c]?.[key], digits).padStart(w)).join(''));
  }
  return lines.join('\n') + '\n';
}

export function renderSessions(r: SessionsResult): string {
  const s = r.sessions;
  const head = [
    `Sessions: ${s.started} started, ${s.ok} ok, ${s.failed} with failed requests, ${s.aborted} cut by the end of the test` +
      (s.planned !== undefined ? ` (${s.planned} planned)` : ''),
    `Timing: ${s.timing} x${s.timeScale}${s.users !== undefined ? `, ${s.users} users` : ', recorded start times'}, sub-agent join: ${s.subagentJoin}, ` +
      `warm prefix: ${s.warmPrefix}, unique prefix per session: ${s.uniquePrefix ? 'yes' : 'no'}`,
    `Eligible cache hit rate (sum cached / sum eligible): ${r.eligibleHitRate === null ? 'n/a' : `${(r.eligibleHitRate * 100).toFixed(2)}%`}`,
  ];
  const warnings: string[] = [];
  if (s.aborted > 0) warnings.push(`${s.aborted} session(s) were cut short by the end of the test (DURATION / MAX_DURATION / GRACEFUL_STOP_S).`);
  if (s.planned !== undefined && s.started < s.planned) warnings.push(`${s.planned - s.started} planned session(s) never started.`);
  return [
    renderTable(r.serving),
    head.join('\n') + '\n',
    renderSessionTable(r),
    r.workload ? renderWorkload(r.workload) : 'Workload: no requests\n',
    warnings.length ? warnings.map((w) => `WARNING: ${w}`).join('\n') + '\n' : '',
  ].join('\n');
}
