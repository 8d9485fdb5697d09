// The simulator's /metrics: vLLM V1's current names and bucket bounds (vllm/v1/metrics/
// loggers.py), labelled model_name and engine="0", plus a few sim:* series about the
// simulator itself (its scheduling error above all). Observations are made by the HTTP side
// at the same moments, on the same clock, as the ground truth, so the two agree.

import type { KvTiers } from './kv-tiers.js';
import { OffloadMetrics } from './offload-metrics.js';
import type { KvCache } from './prefix-cache.js';
import { Counter, Gauge, Histogram, Registry } from './prom-text.js';

export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
export const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
export const REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];
export const SCHED_ERROR_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

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
    this.generationTokens = r.add(new Counter('vllm:generation_tokens', 'Number of generation tokens processed.', names));
    this.requestSuccess = r.add(new Counter('vllm:request_success', 'Count of successfully processed requests.', [...names, 'finished_reason']));
    this.promptHist = r.add(new Histogram('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', names, buckets125(maxModelLen)));
    this.genHist = r.add(new Histogram('vllm:request_generation_tokens', 'Number of generation tokens processed.', names, buckets125(maxModelLen)));
    this.ttft = r.add(new Histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', names, TTFT_BUCKETS));
    this.itl = r.add(new Histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', names, ITL_BUCKETS));
    this.e2e = r.add(new Histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', names, REQUEST_LATENCY_BUCKETS));
    this.queue = r.add(new Histogram('vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', names, REQUEST_LATENCY_BUCKETS));
    this.inference = r.add(new Histogram('vllm:request_inference_time_seconds', 'Histogram of time spent in RUNNING phase for request.', names, REQUEST_LATENCY_BUCKETS));
    this.prefill = r.add(new Histogram('vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', names, REQUEST_LATENCY_BUCKETS));
    this.decode = r.add(new Histogram('vllm:request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', names, REQUEST_LATENCY_BUCKETS));
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
    for (const c of [this.prefixQueries, this.prefixHits, this.preemptions, this.promptTokens, this.generationTokens, this.steps, this.gtRecords]) c.inc(L, 0);
    for (const s of ['local_compute', 'local_cache_hit']) this.promptBySource.inc([...L, s], 0);
    for (const fr of FINISH_REASONS) this.requestSuccess.inc([...L, fr], 0);
    for (const h of [this.ttft, this.itl, this.e2e, this.queue, this.inference, this.prefill, this.decode, this.promptHist, this.genHist, this.schedError]) h.touch(L);
    this.schedErrorMax.set(L, 0);
    this.hot = { ttft: this.ttft.child(L), itl: this.itl.child(L), generationTokens: this.generationTokens.child(L), schedError: this.schedError.child(L) };
  }

  get labels(): string[] {
    return this.L;
  }

  /** Adds the KV tiers' series (and the external_kv_transfer source of prompt tokens). */
  enableOffload(tiers: KvTiers, gpu: KvCache): void {
    this.offload = new OffloadMetrics(this.registry, this.L, tiers, gpu, this.timeScale);
    this.promptBySource.inc([...this.L, 'external_kv_transfer'], 0);
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
    this.kvUsage.set(L, live.kvUsage);
    this.inflight.set(L, inflight);
    const s = this.steps.get(L);
    if (steps > s) this.steps.inc(L, steps - s);
    this.offload?.sync();
    return this.registry.render();
  }
}
