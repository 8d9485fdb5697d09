// Recording sessions into a MetricSink, beside the per-request metrics of src/metrics/record.ts:
// one trend sample per session (few) or per turn (as many as requests), and the workload token
// sums per time bucket in process-wide histograms, so nothing grows per token or per chunk.
// The engine's registry and the k6 export's sink (declared from SESSION_METRICS) both take it.

import { SESSION_COUNTERS, SESSION_TRENDS, workloadHistogram } from '../metrics/names';
import type { MetricSink } from '../metrics/sink';
import type { SessionFigures } from './formulas';

export type SessionOutcome = 'ok' | 'error' | 'aborted';

const TIME_TRENDS = [SESSION_TRENDS.ttft, SESSION_TRENDS.ttfat, SESSION_TRENDS.latency];

/** Every session metric, by kind (what a k6 script declares in init code). */
export const SESSION_METRICS = {
  counters: Object.values(SESSION_COUNTERS) as string[],
  timeTrends: TIME_TRENDS as string[],
  trends: Object.values(SESSION_TRENDS).filter((n) => !TIME_TRENDS.includes(n as never)) as string[],
};

/** Always-true thresholds so k6 keeps the outcome submetrics the summary reads. */
export function sessionSubmetricThresholds(): Record<string, string[]> {
  const t: Record<string, string[]> = {};
  for (const o of ['ok', 'error', 'aborted']) t[`${SESSION_COUNTERS.sessions}{outcome:${o}}`] = ['count>=0'];
  return t;
}

export function recordSessionStart(sink: MetricSink): void {
  sink.counter(SESSION_COUNTERS.started, 1);
}

/** A finished session: figures only for sessions that ran to their end. */
export function recordSession(sink: MetricSink, f: SessionFigures, outcome: SessionOutcome): void {
  sink.counter(SESSION_COUNTERS.sessions, 1, { outcome });
  if (outcome === 'aborted') return;
  sink.trend(SESSION_TRENDS.latency, f.latencyMs);
  if (f.ttftMs !== undefined) sink.trend(SESSION_TRENDS.ttft, f.ttftMs);
  if (f.ttfatMs !== undefined) sink.trend(SESSION_TRENDS.ttfat, f.ttfatMs);
  if (f.decodeTps !== undefined) sink.trend(SESSION_TRENDS.decodeTps, f.decodeTps);
  if (f.cacheHitRate !== undefined) sink.trend(SESSION_TRENDS.cacheHitRate, f.cacheHitRate * 100);
  if (f.eligibleHitRate !== undefined) sink.trend(SESSION_TRENDS.eligibleHitRate, f.eligibleHitRate * 100);
}

export interface TurnSample {
  promptTokens: number;
  cachedTokens?: number;
  completionTokens: number;
  eligibleTokens: number;
  decodeTps?: number;
  /** When the response ended, ms since the run's origin. */
  endRunMs: number;
}

/** A successful request of a session: per-turn figures and its tokens in the workload buckets. */
export function recordTurn(sink: MetricSink, s: TurnSample, bucketMs: number): void {
  sink.counter(SESSION_COUNTERS.eligibleTokens, s.eligibleTokens);
  if (s.decodeTps !== undefined) sink.trend(SESSION_TRENDS.turnDecodeTps, s.decodeTps);
  if (s.cachedTokens !== undefined && s.promptTokens > 0) sink.trend(SESSION_TRENDS.turnCacheHitRate, (100 * s.cachedTokens) / s.promptTokens);
  if (s.cachedTokens !== undefined && s.eligibleTokens > 0) sink.trend(SESSION_TRENDS.turnEligibleHitRate, (100 * s.cachedTokens) / s.eligibleTokens);
  const b = Math.max(0, Math.floor(s.endRunMs / bucketMs));
  sink.histogram(workloadHistogram('prompt', b), [s.promptTokens]);
  sink.histogram(workloadHistogram('cached', b), [s.cachedTokens ?? 0]);
  sink.histogram(workloadHistogram('completion', b), [s.completionTokens]);
}
