// SGLang 0.5.23's /metrics names, labels and buckets (srt/observability/metrics_collector.py),
// fed by the simulator's observations: the scheduler's series (labels model_name, engine_type,
// tp_rank, pp_rank, moe_ep_rank; metrics_collector.py:1382-1388) and the tokenizer manager's
// per-request series (labels model_name, engine_type [+ is_streaming | cache_source];
// metrics_collector.py:1804-1815), observed when a request finishes as SGLang does.

import { type FinishedRequest, type FlavorMetrics, type LiveState, type SimMetrics, buckets125 } from '../metrics.js';
import { Counter, Gauge, Histogram, Registry } from '../prom-text.js';

/** metrics_collector.py:2010-2056 (defaults of bucket_time_to_first_token, _e2e_request_latency, _inter_token_latency). */
export const SGLANG_TTFT_BUCKETS = [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400];
export const SGLANG_E2E_BUCKETS = [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600, 1200, 1800, 2400];
export const SGLANG_ITL_BUCKETS = [0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8];
/** metrics_collector.py:838-884. */
export const SGLANG_QUEUE_BUCKETS = [0, 0.001, 0.005, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 3, 4, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1200, 1400, 1600, 1800, 2000, 2500, 3000];

export interface SglangConfig {
  model: string;
  contextLen: number;
  /** KV pool size in tokens (max_total_num_tokens). */
  maxTotalTokens: number;
  pageSize: number;
}

export class SglangMetrics implements FlavorMetrics {
  private readonly r = new Registry();
  private readonly S: string[];
  private readonly T: string[];
  private readonly running: Gauge;
  private readonly queued: Gauge;
  private readonly tokenUsage: Gauge;
  private readonly usedTokens: Gauge;
  private readonly hitRate: Gauge;
  private readonly retracted: Counter;
  private readonly promptTokens: Counter;
  private readonly generationTokens: Counter;
  private readonly cachedTokens: Counter;
  private readonly requests: Counter;
  private readonly aborted: Counter;
  private readonly ttft: Histogram;
  private readonly e2e: Histogram;
  private readonly tpot: Histogram;
  private readonly promptHist: Histogram;
  private readonly genHist: Histogram;

  constructor(
    private readonly c: SglangConfig,
    private readonly sim: SimMetrics,
  ) {
    const r = this.r;
    const sched = ['model_name', 'engine_type', 'tp_rank', 'pp_rank', 'moe_ep_rank'];
    const tok = ['model_name', 'engine_type'];
    const S = (this.S = [c.model, 'unified', '0', '0', '0']);
    const T = (this.T = [c.model, 'unified']);
    const streaming = [...tok, 'is_streaming'];
    this.running = r.add(new Gauge('sglang:num_running_reqs', 'The number of running requests.', sched));
    this.queued = r.add(new Gauge('sglang:num_queue_reqs', 'The number of requests in the waiting queue.', sched));
    this.tokenUsage = r.add(new Gauge('sglang:token_usage', 'The token usage.', sched));
    this.usedTokens = r.add(new Gauge('sglang:num_used_tokens', 'The number of used tokens.', sched));
    this.hitRate = r.add(new Gauge('sglang:cache_hit_rate', 'The prefix cache hit rate.', sched));
    r.add(new Gauge('sglang:max_total_num_tokens', 'Maximum total number of tokens in the KV cache pool.', sched)).set(S, c.maxTotalTokens);
    r.add(new Gauge('sglang:context_len', 'The context length of the model.', sched)).set(S, c.contextLen);
    r.add(new Gauge('sglang:page_size', 'The page size of the KV cache.', sched)).set(S, c.pageSize);
    r.add(new Gauge('sglang:num_retracted_reqs', 'The number of retracted requests.', sched)).set(S, 0);
    // metrics_collector.py:557-561: a Counter named ..._total (prometheus_client keeps one _total).
    this.retracted = r.add(new Counter('sglang:num_retracted_requests', 'Total number of retracted requests.', sched));
    const queue = r.add(new Histogram('sglang:queue_time_seconds', 'Histogram of queueing time in seconds.', sched, SGLANG_QUEUE_BUCKETS));

    this.promptTokens = r.add(new Counter('sglang:prompt_tokens', 'Number of prefill tokens processed.', streaming));
    this.generationTokens = r.add(new Counter('sglang:generation_tokens', 'Number of generation tokens processed.', streaming));
    this.cachedTokens = r.add(new Counter('sglang:cached_tokens', 'Number of cached prompt tokens by source (device/host/storage).', [...tok, 'cache_source']));
    this.requests = r.add(new Counter('sglang:num_requests', 'Number of requests processed.', streaming));
    this.aborted = r.add(new Counter('sglang:num_aborted_requests', 'Number of requests aborted.', tok));
    this.promptHist = r.add(new Histogram('sglang:prompt_tokens_histogram', 'Histogram of prompt token length.', tok, buckets125(c.contextLen)));
    this.genHist = r.add(new Histogram('sglang:generation_tokens_histogram', 'Histogram of generation token length.', tok, buckets125(c.contextLen)));
    this.ttft = r.add(new Histogram('sglang:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', streaming, SGLANG_TTFT_BUCKETS));
    const itl = r.add(new Histogram('sglang:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', tok, SGLANG_ITL_BUCKETS));
    this.tpot = r.add(new Histogram('sglang:request_time_per_output_token_seconds', 'Per-request TPOT in seconds: (finished_time - first_token_time) / (completion_tokens - 1).', streaming, SGLANG_ITL_BUCKETS));
    this.e2e = r.add(new Histogram('sglang:e2e_request_latency_seconds', 'Histogram of End-to-end request latency in seconds', streaming, SGLANG_E2E_BUCKETS));

    // Exposed from the start with zeros, as the labelled children SGLang creates at startup.
    this.retracted.inc(S, 0);
    queue.touch(S);
    this.aborted.inc(T, 0);
    for (const src of ['device', 'host']) this.cachedTokens.inc([...T, src], 0);
    for (const s of ['true', 'false']) for (const c of [this.promptTokens, this.generationTokens, this.requests]) c.inc([...T, s], 0);
    itl.touch(T);
    // The inter-token latency and queue time are observed where the simulator observes them.
    const itlChild = itl.child(T);
    sim.itl.onObserve = (v) => itlChild.observe(v);
    const queueChild = queue.child(S);
    sim.queue.onObserve = (v) => queueChild.observe(v);
  }

  requestFinished(f: FinishedRequest): void {
    const T = this.T;
    const L = [...T, f.stream ? 'true' : 'false'];
    this.promptTokens.inc(L, f.promptTokens);
    this.generationTokens.inc(L, f.completionTokens);
    const host = f.cachedByTier ? f.cachedByTier.cpu + f.cachedByTier.disk : 0;
    this.cachedTokens.inc([...T, 'device'], f.cachedTokens - host);
    if (host > 0) this.cachedTokens.inc([...T, 'host'], host);
    this.requests.inc(L);
    if (f.finishReason === 'abort') this.aborted.inc(T);
    this.promptHist.observe(T, f.promptTokens);
    this.genHist.observe(T, f.completionTokens);
    if (f.firstTokenMs !== null) this.ttft.observe(L, (f.firstTokenMs - f.arrivalMs) / 1000);
    if (f.firstTokenMs !== null && f.completionTokens > 1) this.tpot.observe(L, (f.finishMs - f.firstTokenMs) / 1000 / (f.completionTokens - 1));
    this.e2e.observe(L, (f.finishMs - f.arrivalMs) / 1000);
  }

  render(live: LiveState): string {
    const S = this.S;
    const sim = this.sim;
    this.running.set(S, live.running);
    this.queued.set(S, live.waiting);
    this.tokenUsage.set(S, live.kvUsage);
    this.usedTokens.set(S, Math.round(live.kvUsage * this.c.maxTotalTokens));
    const queries = sim.prefixQueries.get(sim.labels);
    this.hitRate.set(S, queries > 0 ? (sim.prefixHits.get(sim.labels) + sim.externalHits.get(sim.labels)) / queries : 0);
    const seen = this.retracted.get(S);
    const preemptions = sim.preemptions.get(sim.labels);
    if (preemptions > seen) this.retracted.inc(S, preemptions - seen);
    return this.r.render();
  }
}
