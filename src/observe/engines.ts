// Which series of each engine's /metrics mean what: vLLM, SGLang and llama.cpp, reduced to one
// engine-neutral snapshot per scrape. Names are from ../shared/reference/trace-formats.md
// section 8 and the current releases' sources (vLLM 0.34.0 vllm/v1/metrics/loggers.py, SGLang
// 0.5.23 srt/observability/metrics_collector.py); test/integration/observe-sim-flavors.test.ts
// checks each map against the simulator speaking that server (--flavor).
// Where a quantity has several names, the first one present wins: servers in a deprecation
// window expose both, and summing them would double it. An alternative that is a list of names
// adds them up (present when its first name is). vLLM's V0 names (gpu_cache_usage_perc,
// gpu_prefix_cache_*, time_per_output_token_seconds; gone since 0.11) and SGLang's
// time_per_output_token_seconds (never in 0.5) are not read: vLLM 0.10 and older show no KV
// usage, prefix-cache or ITL from /metrics here. Pure.

import type { Exposition, Sample } from './exposition';
import { ENGINE_COUNTERS, type EngineCounterKey } from './names';

export type EngineName = 'vllm' | 'sglang' | 'llamacpp';
export const ENGINE_NAMES: readonly EngineName[] = ['vllm', 'sglang', 'llamacpp'];

export type LevelKey = 'running' | 'waiting' | 'kvUsage';
export type HistogramKey = 'ttft' | 'itl' | 'e2e' | 'queueTime';
const HISTOGRAM_KEYS: readonly HistogramKey[] = ['ttft', 'itl', 'e2e', 'queueTime'];

/** How levels of several series (data-parallel ranks) combine: queues add up, usage is the worst rank. */
const LEVEL_AGGREGATION: Record<LevelKey, 'sum' | 'max'> = { running: 'sum', waiting: 'sum', kvUsage: 'max' };

/** A counter's sample name, or several names whose sum is the quantity. */
export type CounterSource = string | readonly string[];

export interface EngineSpec {
  engine: EngineName;
  /** Every series of this engine starts with it (used to recognise the engine). */
  prefix: string;
  levels: Partial<Record<LevelKey, string[]>>;
  /**
   * Sample names (with `_total`), summed over their series; the first source present wins. A list
   * of names adds them up and counts as present only when every name is.
   */
  counters: Partial<Record<EngineCounterKey, CounterSource[]>>;
  /** Histogram base names in seconds (`_bucket`, `_sum`, `_count` are appended). */
  histograms: Partial<Record<HistogramKey, string[]>>;
}

export const ENGINE_SPECS: readonly EngineSpec[] = [
  {
    engine: 'vllm',
    prefix: 'vllm:',
    levels: {
      running: ['vllm:num_requests_running'],
      waiting: ['vllm:num_requests_waiting'],
      kvUsage: ['vllm:kv_cache_usage_perc'],
    },
    counters: {
      prefixQueries: ['vllm:prefix_cache_queries_total'],
      // Hits from every source: the device's prefix cache and a KV connector's (CPU offload,
      // LMCache, another instance). prompt_tokens_cached_by_source sums to prefix_cache_hits +
      // external_prefix_cache_hits (loggers.py:781-792), both counted when a request is
      // scheduled, as the queries are; prompt_tokens_cached (per finished prefill) last.
      // Releases before the external series: the device's hits alone.
      prefixHits: [
        'vllm:prompt_tokens_cached_by_source_total',
        ['vllm:prefix_cache_hits_total', 'vllm:external_prefix_cache_hits_total'],
        'vllm:prefix_cache_hits_total',
        'vllm:prompt_tokens_cached_total',
      ],
      preemptions: ['vllm:num_preemptions_total'],
      promptTokens: ['vllm:prompt_tokens_total'],
      generationTokens: ['vllm:generation_tokens_total'],
      requestsFinished: ['vllm:request_success_total'],
      // The offloading connector's flat series (kv_connector/v1/offloading/metrics.py:39-47).
      kvOffloadLoadBytes: ['vllm:kv_offload_load_bytes_total'],
      kvOffloadStoreBytes: ['vllm:kv_offload_store_bytes_total'],
    },
    histograms: {
      ttft: ['vllm:time_to_first_token_seconds'],
      itl: ['vllm:inter_token_latency_seconds'],
      e2e: ['vllm:e2e_request_latency_seconds'],
      queueTime: ['vllm:request_queue_time_seconds'],
    },
  },
  {
    engine: 'sglang',
    prefix: 'sglang:',
    levels: {
      running: ['sglang:num_running_reqs'],
      waiting: ['sglang:num_queue_reqs'],
      kvUsage: ['sglang:token_usage'],
    },
    counters: {
      // SGLang's hit rate is cached / prompt tokens (its cache_hit_rate gauge only covers recent requests).
      prefixQueries: ['sglang:prompt_tokens_total'],
      prefixHits: ['sglang:cached_tokens_total'],
      // Retractions are SGLang's preemptions (metrics_collector.py:557-561).
      preemptions: ['sglang:num_retracted_requests_total'],
      promptTokens: ['sglang:prompt_tokens_total'],
      generationTokens: ['sglang:generation_tokens_total'],
      requestsFinished: ['sglang:num_requests_total'],
    },
    histograms: {
      ttft: ['sglang:time_to_first_token_seconds'],
      itl: ['sglang:inter_token_latency_seconds'],
      e2e: ['sglang:e2e_request_latency_seconds'],
      queueTime: ['sglang:queue_time_seconds'],
    },
  },
  {
    // llama-server (llama.cpp as vendored in llama-cpp-python 0.3.36, tools/server/server-task.cpp
    // to_metrics): no labels, no latency histograms, no preemption or finished-request counters.
    engine: 'llamacpp',
    prefix: 'llamacpp:',
    levels: {
      running: ['llamacpp:requests_processing'],
      waiting: ['llamacpp:requests_deferred'],
      // Only builds of 2024 exported a KV usage ratio; current ones export none, so the KV panel
      // has nothing for llama.cpp (its description says so).
      kvUsage: ['llamacpp:kv_cache_usage_ratio'],
    },
    counters: {
      // Its prompt_tokens_total counts only the tokens it computed ("excluding cached tokens"),
      // while vLLM's counts every prompt token: the cached ones are added back, and they are the
      // hits of its prompt cache. Builds without prompt_tokens_cached_total: computed ones only.
      prefixQueries: [['llamacpp:prompt_tokens_total', 'llamacpp:prompt_tokens_cached_total']],
      prefixHits: ['llamacpp:prompt_tokens_cached_total'],
      promptTokens: [['llamacpp:prompt_tokens_total', 'llamacpp:prompt_tokens_cached_total'], 'llamacpp:prompt_tokens_total'],
      generationTokens: ['llamacpp:tokens_predicted_total'],
    },
    histograms: {},
  },
];

export function engineSpec(engine: EngineName): EngineSpec {
  const spec = ENGINE_SPECS.find((s) => s.engine === engine);
  if (!spec) throw new Error(`unknown engine ${engine}`);
  return spec;
}

/** The engine whose prefix most series carry, or null when none does. */
export function detectEngine(expo: Exposition): EngineName | null {
  let best: EngineName | null = null;
  let bestCount = 0;
  for (const spec of ENGINE_SPECS) {
    let n = 0;
    for (const s of expo.samples) if (s.name.startsWith(spec.prefix)) n++;
    if (n > bestCount) {
      best = spec.engine;
      bestCount = n;
    }
  }
  return best;
}

/** Cumulative histogram: upper bounds ascending, with cumulative counts (+Inf last). */
export interface CumulativeHistogram {
  buckets: Array<[number, number]>;
  sum: number;
  count: number;
}

export interface EngineSnapshot {
  engine: EngineName;
  levels: Partial<Record<LevelKey, number>>;
  counters: Partial<Record<EngineCounterKey, number>>;
  histograms: Partial<Record<HistogramKey, CumulativeHistogram>>;
  /** Quantities without a value in this scrape (the engine has no such metric, or did not expose it). */
  missing: string[];
}

function byName(samples: Sample[]): Map<string, Sample[]> {
  const m = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = m.get(s.name);
    if (list) list.push(s);
    else m.set(s.name, [s]);
  }
  return m;
}

/**
 * Keeps the series of the model under test when the server labels its series by model
 * (vLLM and SGLang: model_name) and serves it; otherwise every series counts.
 */
function modelFilter(samples: Sample[], model: string | undefined): Sample[] {
  if (!model || !samples.some((s) => s.labels.model_name === model)) return samples;
  return samples.filter((s) => s.labels.model_name === undefined || s.labels.model_name === model);
}

function finite(list: Sample[] | undefined): number[] {
  return (list ?? []).map((s) => s.value).filter((v) => !Number.isNaN(v));
}

function firstPresent(index: Map<string, Sample[]>, names: string[]): number[] | undefined {
  for (const n of names) {
    const v = finite(index.get(n));
    if (v.length) return v;
  }
  return undefined;
}

/** The values of the first source whose every name is present (a sum's parts side by side). */
function firstPresentSum(index: Map<string, Sample[]>, sources: CounterSource[]): number[] | undefined {
  for (const source of sources) {
    const parts = (typeof source === 'string' ? [source] : source).map((n) => finite(index.get(n)));
    if (parts.every((p) => p.length)) return parts.flat();
  }
  return undefined;
}

function histogram(index: Map<string, Sample[]>, base: string): CumulativeHistogram | undefined {
  const bucketSamples = index.get(`${base}_bucket`);
  const count = finite(index.get(`${base}_count`));
  if (!bucketSamples || !count.length) return undefined;
  // Buckets of several series (ranks) add up per upper bound.
  const byLe = new Map<number, number>();
  for (const s of bucketSamples) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    if (Number.isNaN(le) || Number.isNaN(s.value)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const sum = finite(index.get(`${base}_sum`)).reduce((a, b) => a + b, 0);
  return {
    buckets: [...byLe.entries()].sort((a, b) => a[0] - b[0]),
    sum,
    count: count.reduce((a, b) => a + b, 0),
  };
}

/** Reduces one scrape to the engine-neutral quantities. */
export function snapshot(expo: Exposition, engine: EngineName, model?: string): EngineSnapshot {
  const spec = engineSpec(engine);
  const index = byName(modelFilter(expo.samples.filter((s) => s.name.startsWith(spec.prefix)), model));
  const out: EngineSnapshot = { engine, levels: {}, counters: {}, histograms: {}, missing: [] };
  for (const key of Object.keys(LEVEL_AGGREGATION) as LevelKey[]) {
    const values = firstPresent(index, spec.levels[key] ?? []);
    if (!values) out.missing.push(key);
    else out.levels[key] = LEVEL_AGGREGATION[key] === 'sum' ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
  }
  for (const key of Object.keys(ENGINE_COUNTERS) as EngineCounterKey[]) {
    const values = firstPresentSum(index, spec.counters[key] ?? []);
    if (!values) out.missing.push(key);
    else out.counters[key] = values.reduce((a, b) => a + b, 0);
  }
  for (const key of HISTOGRAM_KEYS) {
    let h: CumulativeHistogram | undefined;
    for (const n of spec.histograms[key] ?? []) if ((h = histogram(index, n))) break;
    if (!h) out.missing.push(key);
    else out.histograms[key] = h;
  }
  return out;
}
