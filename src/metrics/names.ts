// The metric contract: names of every k6 metric the harness emits (DESIGN.md "Metrics").
// Dashboards, the summary and the tests read these names from here.

/** Trends in ms, one sample per request (bounded by the request count). */
export const TRENDS = {
  ttft: 'llm_ttft',
  /** Time to first output (non-reasoning) token, for requests whose stream carried reasoning. */
  ttfo: 'llm_ttfo',
  ttfb: 'llm_ttfb',
  tpot: 'llm_tpot',
  e2e: 'llm_e2e',
  /** Per-request mean and max of the gaps between token chunks (the full ITL distribution is a histogram). */
  itlMean: 'llm_itl_mean',
  itlMax: 'llm_itl_max',
  dispatchLag: 'llm_dispatch_lag',
  connect: 'llm_connect',
} as const;

/** Counters. */
export const COUNTERS = {
  /** Requests sent (dispatched), whatever their outcome. */
  sent: 'llm_requests_sent',
  /** Completed requests, tagged outcome=ok|error. */
  requests: 'llm_requests',
  /** Failed requests, tagged reason. */
  errors: 'llm_errors',
  promptTokens: 'llm_prompt_tokens',
  outputTokens: 'llm_output_tokens',
  cachedTokens: 'llm_cached_tokens',
  /** Requests whose token counts came from chunk counting (no usage from the server). */
  chunkCounted: 'llm_tokens_counted_by_chunks',
} as const;

/** Process-wide histograms kept by the extension (ms). */
export const HISTOGRAMS = {
  itl: 'llm_itl',
  ttft: 'llm_ttft',
  ttfo: 'llm_ttfo',
  tpot: 'llm_tpot',
  e2e: 'llm_e2e',
  dispatchLag: 'llm_dispatch_lag',
  /** Send and end times (ms since the test started): their min/max give the benchmark span. */
  sendAt: 'llm_send_at',
  endAt: 'llm_end_at',
  /** The same on the Unix clock: the span of several k6 instances merged (min send, max end). */
  sendUnix: 'llm_send_unix',
  endUnix: 'llm_end_unix',
} as const;

/** Sessions (llm-replay sessions, dist/k6/sessions.js): Trends with one sample per session or per turn. Times in ms, rates in %. */
export const SESSION_TRENDS = {
  /** TTFT of the session's first request. */
  ttft: 'llm_session_ttft',
  /** Session start -> first token of its final turn. */
  ttfat: 'llm_session_ttfat',
  /** Session start -> end of its last response. */
  latency: 'llm_session_latency',
  decodeTps: 'llm_session_decode_tps',
  cacheHitRate: 'llm_session_cache_hit_rate',
  eligibleHitRate: 'llm_session_eligible_hit_rate',
  turnDecodeTps: 'llm_turn_decode_tps',
  turnCacheHitRate: 'llm_turn_cache_hit_rate',
  turnEligibleHitRate: 'llm_turn_eligible_hit_rate',
} as const;

export const SESSION_COUNTERS = {
  started: 'llm_sessions_started',
  /** Finished sessions, tagged outcome=ok|error (a request failed)|aborted (the test ended first). */
  sessions: 'llm_sessions',
  /** Sum of eligible prompt tokens (prompt + completion of each agent's previous turn). */
  eligibleTokens: 'llm_eligible_tokens',
} as const;

/** Process-wide histogram summing one token kind of the requests that ended in one time bucket. */
export function workloadHistogram(kind: 'prompt' | 'cached' | 'completion', bucket: number): string {
  return `llm_workload_${kind}_${bucket}`;
}

/** Trend statistics k6 must keep for the summary table. */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(25)', 'p(50)', 'p(75)', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'count'];

/** Failure reasons that are not HTTP statuses (see src/openai/outcome.ts). */
export const TRANSPORT_ERROR_REASONS = [
  'connect', 'timeout', 'stream_reset', 'stream_eof', 'aborted', 'tls', 'protocol', 'transport',
  'stream_error', 'truncated', 'malformed_chunk', 'empty',
] as const;

/** HTTP statuses reported by their own reason; others fold into http_4xx / http_5xx. */
export const KNOWN_HTTP_STATUSES = [400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504];

export function httpReason(status: number): string {
  return KNOWN_HTTP_STATUSES.includes(status) ? `http_${status}` : `http_${Math.floor(status / 100)}xx`;
}

/** Every reason the harness can report: k6 only summarises tagged submetrics it is told about. */
export function allErrorReasons(): string[] {
  return [
    ...TRANSPORT_ERROR_REASONS,
    ...KNOWN_HTTP_STATUSES.map((s) => `http_${s}`),
    'http_1xx', 'http_3xx', 'http_4xx', 'http_5xx',
  ];
}

/**
 * Always-true thresholds that make k6 keep the tagged submetrics the summary reads
 * (k6 reports a submetric in handleSummary only when a threshold names it).
 */
export function summarySubmetricThresholds(): Record<string, string[]> {
  const t: Record<string, string[]> = {
    [`${COUNTERS.requests}{outcome:ok}`]: ['count>=0'],
    [`${COUNTERS.requests}{outcome:error}`]: ['count>=0'],
  };
  for (const r of allErrorReasons()) t[`${COUNTERS.errors}{reason:${r}}`] = ['count>=0'];
  return t;
}

/** Campaigns (llm-replay campaign run): a gauge per point, 1 while it runs and 0 at its end (Grafana annotations). */
export const CAMPAIGN_METRICS = {
  point: 'llm_campaign_point',
} as const;
