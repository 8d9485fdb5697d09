// k6 metrics of session replay, beside the per-request ones of src/k6/metrics.ts: one Trend
// sample per session (few) or per turn (as many as requests, like the request Trends), and the
// workload token sums per time bucket in the platform's process-wide histograms, so nothing
// grows per token or per chunk.

import { Counter, Trend } from 'k6/metrics';
import { SESSION_COUNTERS, SESSION_TRENDS, workloadHistogram } from '../metrics/names';
import type { SessionFigures } from '../sessions/formulas';
import type { Platform } from './platform';

const trends = {
  ttft: new Trend(SESSION_TRENDS.ttft, true),
  ttfat: new Trend(SESSION_TRENDS.ttfat, true),
  latency: new Trend(SESSION_TRENDS.latency, true),
  decodeTps: new Trend(SESSION_TRENDS.decodeTps),
  cacheHitRate: new Trend(SESSION_TRENDS.cacheHitRate),
  eligibleHitRate: new Trend(SESSION_TRENDS.eligibleHitRate),
  turnDecodeTps: new Trend(SESSION_TRENDS.turnDecodeTps),
  turnCacheHitRate: new Trend(SESSION_TRENDS.turnCacheHitRate),
  turnEligibleHitRate: new Trend(SESSION_TRENDS.turnEligibleHitRate),
};

const counters = {
  started: new Counter(SESSION_COUNTERS.started),
  sessions: new Counter(SESSION_COUNTERS.sessions),
  eligibleTokens: new Counter(SESSION_COUNTERS.eligibleTokens),
};

export type SessionOutcome = 'ok' | 'error' | 'aborted';

/** Always-true thresholds so k6 keeps the outcome submetrics the summary reads. */
export function sessionSubmetricThresholds(): Record<string, string[]> {
  const t: Record<string, string[]> = {};
  for (const o of ['ok', 'error', 'aborted']) t[`${SESSION_COUNTERS.sessions}{outcome:${o}}`] = ['count>=0'];
  return t;
}

export function recordSessionStart(): void {
  counters.started.add(1);
}

/** A finished session: figures only for sessions that ran to their end. */
export function recordSession(f: SessionFigures, outcome: SessionOutcome): void {
  counters.sessions.add(1, { outcome });
  if (outcome === 'aborted') return;
  trends.latency.add(f.latencyMs);
  if (f.ttftMs !== undefined) trends.ttft.add(f.ttftMs);
  if (f.ttfatMs !== undefined) trends.ttfat.add(f.ttfatMs);
  if (f.decodeTps !== undefined) trends.decodeTps.add(f.decodeTps);
  if (f.cacheHitRate !== undefined) trends.cacheHitRate.add(f.cacheHitRate * 100);
  if (f.eligibleHitRate !== undefined) trends.eligibleHitRate.add(f.eligibleHitRate * 100);
}

export interface TurnSample {
  promptTokens: number;
  cachedTokens?: number;
  completionTokens: number;
  eligibleTokens: number;
  decodeTps?: number;
  /** When the response ended, ms since the scenario start. */
  endRunMs: number;
}

/** A successful request of a session: per-turn figures and its tokens in the workload buckets. */
export function recordTurn(platform: Platform, s: TurnSample, bucketMs: number): void {
  counters.eligibleTokens.add(s.eligibleTokens);
  if (s.decodeTps !== undefined) trends.turnDecodeTps.add(s.decodeTps);
  if (s.cachedTokens !== undefined && s.promptTokens > 0) trends.turnCacheHitRate.add((100 * s.cachedTokens) / s.promptTokens);
  if (s.cachedTokens !== undefined && s.eligibleTokens > 0) trends.turnEligibleHitRate.add((100 * s.cachedTokens) / s.eligibleTokens);
  const b = Math.max(0, Math.floor(s.endRunMs / bucketMs));
  platform.record(workloadHistogram('prompt', b), [s.promptTokens]);
  platform.record(workloadHistogram('cached', b), [s.cachedTokens ?? 0]);
  platform.record(workloadHistogram('completion', b), [s.completionTokens]);
}
