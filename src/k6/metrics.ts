// k6 metric objects for the contract in src/metrics/names.ts, and recording one request.
// Per-token data (ITL gaps) goes into the platform's process-wide histogram in one call per
// request, never as one Trend sample per token: k6 Trends keep every sample in memory.

import { Counter, Trend } from 'k6/metrics';
import exec from 'k6/execution';
import { COUNTERS, HISTOGRAMS, TRENDS } from '../metrics/names';
import type { RequestOutcome } from '../openai/outcome';
import type { Platform } from './platform';

const trends = {
  ttft: new Trend(TRENDS.ttft, true),
  ttfb: new Trend(TRENDS.ttfb, true),
  tpot: new Trend(TRENDS.tpot, true),
  e2e: new Trend(TRENDS.e2e, true),
  itlMean: new Trend(TRENDS.itlMean, true),
  itlMax: new Trend(TRENDS.itlMax, true),
  dispatchLag: new Trend(TRENDS.dispatchLag, true),
  connect: new Trend(TRENDS.connect, true),
};

const counters = {
  sent: new Counter(COUNTERS.sent),
  requests: new Counter(COUNTERS.requests),
  errors: new Counter(COUNTERS.errors),
  promptTokens: new Counter(COUNTERS.promptTokens),
  outputTokens: new Counter(COUNTERS.outputTokens),
  cachedTokens: new Counter(COUNTERS.cachedTokens),
  chunkCounted: new Counter(COUNTERS.chunkCounted),
};

/**
 * Records one sent request: its dispatch lag and its outcome. `requestId` goes into sample
 * metadata (kept by the JSON and CSV outputs, not turned into a tag), so per-request results
 * can be joined with server logs without blowing up time-series cardinality.
 */
export function recordRequest(platform: Platform, lagMs: number, o: RequestOutcome, requestId: string, sendRunMs: number, sendUnixMs: number): void {
  const meta = exec.vu.metrics.metadata;
  meta.request_id = requestId;
  try {
    counters.sent.add(1);
    trends.dispatchLag.add(lagMs);
    platform.record(HISTOGRAMS.dispatchLag, [lagMs]);
    platform.record(HISTOGRAMS.sendAt, [sendRunMs]);
    platform.record(HISTOGRAMS.endAt, [sendRunMs + o.e2eMs]);
    platform.record(HISTOGRAMS.sendUnix, [sendUnixMs]);
    platform.record(HISTOGRAMS.endUnix, [sendUnixMs + o.e2eMs]);
    if (!o.ok) {
      counters.requests.add(1, { outcome: 'error' });
      counters.errors.add(1, { reason: o.reason ?? 'unknown' });
      return;
    }
    counters.requests.add(1, { outcome: 'ok' });
    trends.e2e.add(o.e2eMs);
    platform.record(HISTOGRAMS.e2e, [o.e2eMs]);
    if (o.ttfbMs !== undefined) trends.ttfb.add(o.ttfbMs);
    trends.connect.add(o.connectMs);
    if (o.ttftMs !== undefined) {
      trends.ttft.add(o.ttftMs);
      platform.record(HISTOGRAMS.ttft, [o.ttftMs]);
    }
    if (o.tpotMs !== undefined) {
      trends.tpot.add(o.tpotMs);
      platform.record(HISTOGRAMS.tpot, [o.tpotMs]);
    }
    const gaps = o.itlGapsMs;
    if (gaps.length > 0) {
      let sum = 0;
      let max = 0;
      for (const g of gaps) {
        sum += g;
        if (g > max) max = g;
      }
      trends.itlMean.add(sum / gaps.length);
      trends.itlMax.add(max);
      platform.record(HISTOGRAMS.itl, gaps);
    }
    if (o.promptTokens !== undefined) counters.promptTokens.add(o.promptTokens);
    counters.outputTokens.add(o.outputTokens);
    if (o.cachedTokens !== undefined) counters.cachedTokens.add(o.cachedTokens);
    if (o.tokenSource === 'chunks') counters.chunkCounted.add(1);
  } finally {
    delete meta.request_id;
  }
}
