// Recording one sent request into a MetricSink: its dispatch lag and its outcome. Per-token
// data (ITL gaps) goes into a process-wide histogram in one call per request, never as one
// trend sample per token.

import { COUNTERS, HISTOGRAMS, TRENDS } from './names';
import { gapStats } from './formulas';
import type { MetricSink } from './sink';

/** Where the output token count came from: the server's usage, or counted chunks. */
export type TokenSource = 'usage' | 'chunks';

/** What is recorded of a request's outcome (src/openai/outcome.ts measures it: RequestOutcome). */
export interface RecordedOutcome {
  ok: boolean;
  /** Why it failed: http_<status> (see httpReason), connect, timeout, stream_reset, stream_eof, aborted, stream_error, truncated, stream_incomplete, malformed_chunk, empty. */
  reason?: string;
  ttfbMs?: number;
  ttftMs?: number;
  /** Time to first output (non-reasoning) token; only when the stream carried reasoning. */
  ttfoMs?: number;
  e2eMs: number;
  tpotMs?: number;
  itlGapsMs: number[];
  connectMs: number;
  promptTokens?: number;
  outputTokens: number;
  cachedTokens?: number;
  tokenSource: TokenSource;
}

export interface SentRequest {
  /** Actual send time - scheduled send time (ms). */
  lagMs: number;
  /** Send time, ms since the run's origin, and on the Unix clock. */
  sendRunMs: number;
  sendUnixMs: number;
}

export function recordRequest(sink: MetricSink, s: SentRequest, o: RecordedOutcome): void {
  sink.counter(COUNTERS.sent, 1);
  sink.trend(TRENDS.dispatchLag, s.lagMs);
  sink.histogram(HISTOGRAMS.dispatchLag, [s.lagMs]);
  sink.histogram(HISTOGRAMS.sendAt, [s.sendRunMs]);
  sink.histogram(HISTOGRAMS.endAt, [s.sendRunMs + o.e2eMs]);
  sink.histogram(HISTOGRAMS.sendUnix, [s.sendUnixMs]);
  sink.histogram(HISTOGRAMS.endUnix, [s.sendUnixMs + o.e2eMs]);
  if (!o.ok) {
    sink.counter(COUNTERS.requests, 1, { outcome: 'error' });
    sink.counter(COUNTERS.errors, 1, { reason: o.reason ?? 'unknown' });
    return;
  }
  sink.counter(COUNTERS.requests, 1, { outcome: 'ok' });
  sink.trend(TRENDS.e2e, o.e2eMs);
  sink.histogram(HISTOGRAMS.e2e, [o.e2eMs]);
  if (o.ttfbMs !== undefined) sink.trend(TRENDS.ttfb, o.ttfbMs);
  sink.trend(TRENDS.connect, o.connectMs);
  if (o.ttftMs !== undefined) {
    sink.trend(TRENDS.ttft, o.ttftMs);
    sink.histogram(HISTOGRAMS.ttft, [o.ttftMs]);
  }
  if (o.ttfoMs !== undefined) {
    sink.trend(TRENDS.ttfo, o.ttfoMs);
    sink.histogram(HISTOGRAMS.ttfo, [o.ttfoMs]);
  }
  if (o.tpotMs !== undefined) {
    sink.trend(TRENDS.tpot, o.tpotMs);
    sink.histogram(HISTOGRAMS.tpot, [o.tpotMs]);
  }
  const itl = gapStats(o.itlGapsMs);
  if (itl.mean !== undefined && itl.max !== undefined) {
    sink.trend(TRENDS.itlMean, itl.mean);
    sink.trend(TRENDS.itlMax, itl.max);
    sink.histogram(HISTOGRAMS.itl, o.itlGapsMs);
  }
  if (o.promptTokens !== undefined) sink.counter(COUNTERS.promptTokens, o.promptTokens);
  sink.counter(COUNTERS.outputTokens, o.outputTokens);
  if (o.cachedTokens !== undefined) sink.counter(COUNTERS.cachedTokens, o.cachedTokens);
  if (o.tokenSource === 'chunks') sink.counter(COUNTERS.chunkCounted, 1);
}
