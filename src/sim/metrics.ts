// The simulator's /metrics: vLLM V1's current names and bucket bounds (vLLM 0.34.0,
// vllm/v1/metrics/loggers.py and buckets.py), labelled model_name and engine="0", every series
// vLLM always exports, plus a few sim:* series about the simulator itself (its scheduling error
// above all). Observations are made by the HTTP side at the same moments, on the same clock, as
// the ground truth, so the two agree. The other flavors' /metrics (src/sim/flavors/*-metrics.ts)
// are built from these observations.

import type { KvTiers } from './kv-tiers.js';
import { OffloadMetrics } from './offload-metrics.js';
import type { KvCache } from './prefix-cache.js';
import { Counter, Gauge, Histogram, Registry } from './prom-text.js';

export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
export const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
export const REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];
export const SCHED_ERROR_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

/** vllm/v1/metrics/buckets.py:107-128. */
export const ITERATION_TOKENS_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];
export const REQUEST_PARAMS_N_BUCKETS = [1, 2, 5, 10, 20];
export const REQUEST_NUM_PREEMPTIONS_BUCKETS = [1, 2, 3, 4, 5, 10, 20];
/** Sources of prompt_tokens_cached_by_source (vllm/v1/metrics/cache_hit_source.py:18-24). */
export const CACHE_HIT_SOURCES = ['device', 'host', 'p2p', 'disk', 'external_unspecified'] as const;
/** Sources of prompt_tokens_by_source (vllm/v1/metrics/stats.py:441-445). */
export const PROMPT_SOURCES = ['local_compute', 'local_cache_hit', 'external_kv_transfer'] as const;

/** What the metrics learn of a request when it ends (after it reached the engine). */
export interface FinishedRequest {
  stream: boolean;
  finishReason: 'length' | 'abort';
  promptTokens: number;
  cachedTokens: number;
  /** Cached tokens by KV tier (with tiers). */
  cachedByTier?: { gpu: number; cpu: number; disk: number };
  completionTokens: number;
  maxTokens: number;
  preemptions: number;
  arrivalMs: number;
  firstTokenMs: number | null;
  finishMs: number;
}

/** A flavor's own /metrics, fed by the same observations (see SimMetrics.flavor). */
export interface FlavorMetrics {
  requestFinished(r: FinishedRequest): void;
  render(live: LiveState): string;
}

/** vLLM's 1-2-5 buckets up to max_model_len (build_1_2_5_buckets). */
export function buckets125(max: number): number[] {
  const out: number[] = [];
  for (let e = 1; ; e *= 10) for (const m of [1, 2, 5]) {
    if (m * e > max) return out;
    out.push(m * e);
  }
}

/** vLLM's finish reasons; the simulator maps cut / mid-error faults to abort. */
export const FINISH_REASONS = ['stop', 'length', 'abort'] as const;

export interface CacheConfigInfo {
  blockSize: number;
  numGpuBlocks: number;
  enablePrefixCaching: boolean;
  /** Blocks of the CPU KV tier, when there is one (vLLM's num_cpu_blocks). */
  numCpuBlocks?: number;
}

export interface LiveState {
  running: number;
  waiting: number;
  kvUsage: number;
}

export class SimMetrics {
  readonly registry = new Registry();
  private readonly L: string[];
  readonly running: Gauge;
  readonly waiting: Gauge;
  readonly kvUsage: Gauge;
  readonly prefixQueries: Counter;
  readonly prefixHits: Counter;
  readonly preemptions: Counter;
  readonly promptTokens: Counter;
  readonly promptBySource: Counter;
  readonly promptCached: Counter;
  readonly promptCachedBySource: Counter;
  readonly externalQueries: Counter;
  readonly externalHits: Counter;
  readonly waitingByReason: Gauge;
  readonly iterationTokens: Histogram;
  readonly maxGenHist: Histogram;
  readonly paramsN: Histogram;
  readonly paramsMaxTokens: Histogram;
  readonly tpot: Histogram;
  readonly requestPreemptions: Histogram;
  readonly prefillKvComputed: Histogram;
  /** Another flavor's /metrics (--flavor sglang | llamacpp), rendered instead of vLLM's. */
  flavor: FlavorMetrics | undefined;
  readonly generationTokens: Counter;
  readonly requestSuccess: Counter;
  readonly ttft: Histogram;
  readonly itl: Histogram;
  readonly e2e: Histogram;
  readonly queue: Histogram;
  readonly prefill: Histogram;
  readonly decode: Histogram;
  readonly inference: Histogram;
  readonly promptHist: Histogram;
  readonly genHist: Histogram;
  readonly schedError: Histogram;
  readonly schedErrorMax: Gauge;
  readonly steps: Counter;
  readonly faults: Counter;
  readonly gtRecords: Counter;
  readonly inflight: Gauge;
  readonly loopDelay: Gauge;
  /** The KV tiers' series, when tiers are on (see enableOffload). */
  offload: OffloadMetrics | undefined;
  private readonly timeScale: number;
  /** Bound handles for the per-token hot path (one label lookup at startup, none per token). */
  readonly hot: {
    ttft: { observe(v: number): void };
    itl: { observe(v: number): void };
    generationTokens: { inc(by?: number): void };
    schedError: { observe(v: number): void };
  };

  constructor(modelName: string, maxModelLen: number, cache: CacheConfigInfo, timeScale: number) {
    const r = this.registry;
    const names = ['model_name', 'engine'];
    const L = (this.L = [modelName, '0']);
    this.timeScale = timeScale;
    this.running = r.add(new Gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', names));
    this.waiting = r.add(new Gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', names));
    this.kvUsage = r.add(new Gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', names));
    this.prefixQueries = r.add(new Counter('vllm:prefix_cache_queries', 'Prefix cache queries, in terms of number of queried tokens.', names));
    this.prefixHits = r.add(new Counter('vllm:prefix_cache_hits', 'Prefix cache hits, in terms of number of cached tokens.', names));
    this.preemptions = r.add(new Counter('vllm:num_preemptions', 'Cumulative number of preemption from the engine.', names));
    this.promptTokens = r.add(new Counter('vllm:prompt_tokens', 'Number of prefill tokens processed.', names));
    this.promptBySource = r.add(new Counter('vllm:prompt_tokens_by_source', 'Number of prompt tokens by source.', [...names, 'source']));
    this.promptCached = r.add(new Counter('vllm:prompt_tokens_cached', 'Number of cached prompt tokens (local + external).', names));
    this.promptCachedBySource = r.add(
      new Counter(
        'vllm:prompt_tokens_cached_by_source',
        'Prefix-cache hit tokens by the cache tier that supplied them: device (local HBM), host (offloaded to DRAM), disk, p2p (transferred from another vLLM instance) or external_unspecified. Counted at admission; sums to vllm:prefix_cache_hits + vllm:external_prefix_cache_hits.',
        [...names, 'source'],
      ),
    );
    this.externalQueries = r.add(new Counter('vllm:external_prefix_cache_queries', 'External prefix cache queries from KV connector cross-instance cache sharing, in terms of number of queried tokens.', names));
    this.externalHits = r.add(new Counter('vllm:external_prefix_cache_hits', 'External prefix cache hits from KV connector cross-instance cache sharing, in terms of number of cached tokens.', names));
    this.waitingByReason = r.add(
      new Gauge(
        'vllm:num_requests_waiting_by_reason',
        "Number of waiting requests by reason. Reason labels: 'capacity' = waiting for scheduling capacity; 'deferred' = deferred by transient constraints (LoRA budget, KV transfer, blocked status). Sum of all reasons equals vllm:num_requests_waiting.",
        [...names, 'reason'],
      ),
    );
    this.generationTokens = r.add(new Counter('vllm:generation_tokens', 'Number of generation tokens processed.', names));
    this.requestSuccess = r.add(new Counter('vllm:request_success', 'Count of successfully processed requests.', [...names, 'finished_reason']));
    this.promptHist = r.add(new Histogram('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', names, buckets125(maxModelLen)));
    this.genHist = r.add(new Histogram('vllm:request_generation_tokens', 'Number of generation tokens processed.', names, buckets125(maxModelLen)));
    this.iterationTokens = r.add(new Histogram('vllm:iteration_tokens_total', 'Histogram of number of tokens per engine_step.', names, ITERATION_TOKENS_BUCKETS));
    this.maxGenHist = r.add(new Histogram('vllm:request_max_num_generation_tokens', 'Histogram of maximum number of requested generation tokens.', names, buckets125(maxModelLen)));
    this.paramsN = r.add(new Histogram('vllm:request_params_n', 'Histogram of the n request parameter.', names, REQUEST_PARAMS_N_BUCKETS));
    this.paramsMaxTokens = r.add(new Histogram('vllm:request_params_max_tokens', 'Histogram of the max_tokens request parameter.', names, buckets125(maxModelLen)));
    this.ttft = r.add(new Histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', names, TTFT_BUCKETS));
    this.itl = r.add(new Histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', names, ITL_BUCKETS));
    this.tpot = r.add(new Histogram('vllm:request_time_per_output_token_seconds', 'Histogram of time_per_output_token_seconds per request.', names, ITL_BUCKETS));
    this.e2e = r.add(new Histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', names, REQUEST_LATENCY_BUCKETS));
    this.queue = r.add(new Histogram('vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', names, REQUEST_LATENCY_BUCKETS));
    this.inference = r.add(new Histogram('vllm:request_inference_time_seconds', 'Histogram of time spent in RUNNING phase for request.', names, REQUEST_LATENCY_BUCKETS));
    this.prefill = r.add(new Histogram('vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', names, REQUEST_LATENCY_BUCKETS));
    this.decode = r.add(new Histogram('vllm:request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', names, REQUEST_LATENCY_BUCKETS));
    this.requestPreemptions = r.add(new Histogram('vllm:request_num_preemptions', 'Histogram of the number of times a request was preempted.', names, REQUEST_NUM_PREEMPTIONS_BUCKETS));
    this.prefillKvComputed = r.add(
      new Histogram('vllm:request_prefill_kv_computed_tokens', 'Histogram of new KV tokens computed during prefill (excluding cached tokens).', names, buckets125(maxModelLen)),
    );
    const info = r.add(
      new Gauge('vllm:cache_config_info', 'Information of the LLMEngine CacheConfig', [
        'block_size',
        'cache_dtype',
        'enable_prefix_caching',
        'gpu_memory_utilization',
        'num_cpu_blocks',
        'num_gpu_blocks',
        'engine',
      ]),
    );
    info.set([String(cache.blockSize), 'auto', cache.enablePrefixCaching ? 'True' : 'False', '0.9', cache.numCpuBlocks === undefined ? 'None' : String(cache.numCpuBlocks), String(cache.numGpuBlocks), '0'], 1);
    this.schedError = r.add(
      new Histogram('sim:scheduling_error_seconds', 'Simulator: how late each token chunk was written versus its scheduled time.', names, SCHED_ERROR_BUCKETS),
    );
    this.schedErrorMax = r.add(new Gauge('sim:scheduling_error_max_seconds', 'Simulator: the largest scheduling error seen.', names));
    this.steps = r.add(new Counter('sim:engine_steps', 'Simulator: engine steps run.', names));
    this.faults = r.add(new Counter('sim:faults', 'Simulator: requests given a fault, by kind.', [...names, 'kind']));
    this.gtRecords = r.add(new Counter('sim:ground_truth_records', 'Simulator: ground-truth records written.', names));
    this.inflight = r.add(new Gauge('sim:requests_in_flight', 'Simulator: HTTP requests being answered.', names));
    this.loopDelay = r.add(
      new Gauge('sim:event_loop_delay_seconds', 'Simulator: event-loop delay since start (blocks arrivals and token writes alike), by quantile.', [...names, 'quantile']),
    );
    r.add(new Gauge('sim:time_scale', 'Simulator: model time multiplier (--time-scale).', names)).set(L, timeScale);

    // Expose every series from the start, as vLLM does.
    for (const c of [this.prefixQueries, this.prefixHits, this.preemptions, this.promptTokens, this.promptCached, this.externalQueries, this.externalHits, this.generationTokens, this.steps, this.gtRecords]) c.inc(L, 0);
    for (const s of PROMPT_SOURCES) this.promptBySource.inc([...L, s], 0);
    for (const s of CACHE_HIT_SOURCES) this.promptCachedBySource.inc([...L, s], 0);
    for (const reason of ['capacity', 'deferred']) this.waitingByReason.set([...L, reason], 0);
    for (const fr of FINISH_REASONS) this.requestSuccess.inc([...L, fr], 0);
    for (const h of [this.ttft, this.itl, this.e2e, this.queue, this.inference, this.prefill, this.decode, this.promptHist, this.genHist, this.schedError, this.iterationTokens, this.maxGenHist, this.paramsN, this.paramsMaxTokens, this.tpot, this.requestPreemptions, this.prefillKvComputed])
      h.touch(L);
    this.schedErrorMax.set(L, 0);
    this.hot = { ttft: this.ttft.child(L), itl: this.itl.child(L), generationTokens: this.generationTokens.child(L), schedError: this.schedError.child(L) };
  }

  get labels(): string[] {
    return this.L;
  }

  /** Adds the KV tiers' series. */
  enableOffload(tiers: KvTiers, gpu: KvCache): void {
    this.offload = new OffloadMetrics(this.registry, this.L, tiers, gpu, this.timeScale, { queries: this.externalQueries, hits: this.externalHits });
  }

  /** A sequence's first admission: prefix-cache queries and hits by source (vLLM counts them here). */
  admitted(promptTokens: number, cachedTokens: number, byTier: { gpu: number; cpu: number; disk: number } | undefined): void {
    const L = this.L;
    this.prefixQueries.inc(L, promptTokens);
    // vLLM's prefix_cache_hits are the device's; KV-tier hits count as external.
    this.prefixHits.inc(L, byTier ? byTier.gpu : cachedTokens);
    this.promptCachedBySource.inc([...L, 'device'], byTier ? byTier.gpu : cachedTokens);
    if (byTier) {
      this.promptCachedBySource.inc([...L, 'host'], byTier.cpu);
      this.promptCachedBySource.inc([...L, 'disk'], byTier.disk);
    }
  }

  /** One engine step: vllm:iteration_tokens_total. */
  step(tokens: number): void {
    if (tokens > 0) this.iterationTokens.observe(this.L, tokens);
  }

  /** The per-request histograms vLLM observes when a request finishes (loggers.py:1290-1340). */
  requestFinished(r: FinishedRequest): void {
    const L = this.L;
    this.paramsN.observe(L, 1);
    this.paramsMaxTokens.observe(L, r.maxTokens);
    this.maxGenHist.observe(L, r.maxTokens);
    this.requestPreemptions.observe(L, r.preemptions);
    this.prefillKvComputed.observe(L, Math.max(0, r.promptTokens - r.cachedTokens));
    if (r.firstTokenMs !== null && r.completionTokens > 1) this.tpot.observe(L, (r.finishMs - r.firstTokenMs) / 1000 / (r.completionTokens - 1));
    this.flavor?.requestFinished(r);
  }

  private lateMax = 0;

  lateness(seconds: number): void {
    this.hot.schedError.observe(seconds);
    if (seconds > this.lateMax) {
      this.lateMax = seconds;
      this.schedErrorMax.set(this.L, seconds);
    }
  }

  render(live: LiveState, inflight: number, steps: number, loopDelayS?: { p50: number; p99: number; max: number }): string {
    const L = this.L;
    if (loopDelayS) {
      this.loopDelay.set([...L, '0.5'], loopDelayS.p50);
      this.loopDelay.set([...L, '0.99'], loopDelayS.p99);
      this.loopDelay.set([...L, '1'], loopDelayS.max);
    }
    this.running.set(L, live.running);
    this.waiting.set(L, live.waiting);
    this.waitingByReason.set([...L, 'capacity'], live.waiting);
    this.kvUsage.set(L, live.kvUsage);
    this.inflight.set(L, inflight);
    const s = this.steps.get(L);
    if (steps > s) this.steps.inc(L, steps - s);
    this.offload?.sync();
    if (this.flavor) return this.flavor.render(live) + this.registry.render((name) => name.startsWith('sim:'));
    return this.registry.render();
  }
}
