// The engine_* part of the metric contract: k6 metrics recorded by the `scrape` scenario from
// the engine's own /metrics, tagged engine=vllm|sglang|llamacpp and model. Dashboards and tests
// read the names from here (the client-side llm_* names are in src/metrics/names.ts).

/** Levels sampled at each scrape: k6 Gauges. */
export const ENGINE_GAUGES = {
  running: 'engine_requests_running',
  waiting: 'engine_requests_waiting',
  /** KV-cache usage, 0..1 (max over data-parallel ranks). */
  kvUsage: 'engine_kv_cache_usage',
  /** Prefix-cache hits / queries (tokens) over the last scrape interval, 0..1. */
  prefixHitRate: 'engine_prefix_cache_hit_rate',
  /** Tokens per second over the last scrape interval. */
  promptTokensPerS: 'engine_prompt_tokens_per_s',
  generationTokensPerS: 'engine_generation_tokens_per_s',
} as const;

/** Latencies the engine measured itself, over the last scrape interval (ms): k6 time Gauges. */
export const ENGINE_LATENCY_GAUGES = {
  ttftMean: 'engine_ttft_mean',
  ttftP99: 'engine_ttft_p99',
  itlMean: 'engine_itl_mean',
  itlP99: 'engine_itl_p99',
  e2eMean: 'engine_e2e_mean',
  queueTimeMean: 'engine_queue_time_mean',
} as const;

/** Increases of the engine's counters between scrapes: k6 Counters (so sums and rates work). */
export const ENGINE_COUNTERS = {
  prefixQueries: 'engine_prefix_cache_queries',
  prefixHits: 'engine_prefix_cache_hits',
  preemptions: 'engine_preemptions',
  promptTokens: 'engine_prompt_tokens',
  generationTokens: 'engine_generation_tokens',
  requestsFinished: 'engine_requests_finished',
  /** Bytes of KV moved from offload storage to the GPU, and stored from the GPU (vLLM's KV offloading). */
  kvOffloadLoadBytes: 'engine_kv_offload_load_bytes',
  kvOffloadStoreBytes: 'engine_kv_offload_store_bytes',
} as const;

/** Scrape attempts, tagged outcome=ok|error. */
export const ENGINE_SCRAPES = 'engine_scrapes';

export type EngineGaugeKey = keyof typeof ENGINE_GAUGES;
export type EngineLatencyKey = keyof typeof ENGINE_LATENCY_GAUGES;
export type EngineCounterKey = keyof typeof ENGINE_COUNTERS;
