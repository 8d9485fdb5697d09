import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/observe/exposition';
import { detectEngine, snapshot } from '../../src/observe/engines';

const fixture = (name: string) => parseExposition(readFileSync(`test/fixtures/metrics/${name}`, 'utf8'));

describe('engine fixtures', () => {
  it('every fixture parses without a skipped line', () => {
    for (const f of ['vllm-0.11-dp2.t0.prom', 'vllm-0.8-v1-deprecated-names.prom', 'sglang-0.5.t0.prom', 'llamacpp.t0.prom', 'llamacpp-old-kv.prom', 'llamacpp-server-0.3.36.prom']) {
      const e = fixture(f);
      expect(e.skippedLines, f).toBe(0);
      expect(e.samples.length, f).toBeGreaterThan(10);
    }
  });

  it('vLLM, current names, two data-parallel engines: queues add up, KV usage is the worst rank', () => {
    const e = fixture('vllm-0.11-dp2.t0.prom');
    expect(detectEngine(e)).toBe('vllm');
    const s = snapshot(e, 'vllm', 'Qwen/Qwen3-8B');
    expect(s.levels).toEqual({ running: 21, waiting: 3, kvUsage: 0.4375 });
    expect(s.counters).toEqual({
      prefixQueries: 22_675_400, prefixHits: 17_320_960, preemptions: 5, promptTokens: 22_675_400,
      generationTokens: 3_645_440, requestsFinished: 7196,
    });
    expect(s.histograms.ttft?.count).toBe(7196);
    expect(s.histograms.ttft?.sum).toBeCloseTo(2363.6, 9);
    expect(s.histograms.ttft?.buckets.at(-1)).toEqual([Infinity, 7196]);
    expect(s.histograms.itl?.count).toBe(2_043_904 + 1_594_340);
    expect(s.missing).toEqual(['kvOffloadLoadBytes', 'kvOffloadStoreBytes']);
  });

  it('vLLM V0 names (gone since 0.11) are no longer read: only the names current vLLM shares with them', () => {
    const e = fixture('vllm-0.8-v1-deprecated-names.prom');
    expect(detectEngine(e)).toBe('vllm');
    const s = snapshot(e, 'vllm', 'meta-llama/Llama-3.1-8B-Instruct');
    expect(s.levels).toEqual({ running: 7, waiting: 2 });
    expect(s.counters.preemptions).toBe(12);
    expect(s.counters.requestsFinished).toBe(1024);
    expect(s.missing).toEqual(expect.arrayContaining(['kvUsage', 'prefixQueries', 'prefixHits', 'itl']));
  });

  it('vLLM hit rate counts every cache source: prompt_tokens_cached_by_source, else prefix + external hits, else prompt_tokens_cached', () => {
    const base = ['vllm:prefix_cache_queries_total{engine="0",model_name="m"} 1000', 'vllm:prefix_cache_hits_total{engine="0",model_name="m"} 300'];
    const external = 'vllm:external_prefix_cache_hits_total{engine="0",model_name="m"} 200';
    const bySource = ['device 300', 'host 150', 'disk 50', 'p2p 0', 'external_unspecified 0'].map((x) => `vllm:prompt_tokens_cached_by_source_total{engine="0",model_name="m",source="${x.split(' ')[0]}"} ${x.split(' ')[1]}`);
    const hits = (lines: string[]) => snapshot(parseExposition(lines.join('\n')), 'vllm', 'm').counters.prefixHits;
    expect(hits([...base, external, ...bySource])).toBe(500);
    expect(hits([...base, external])).toBe(500);
    expect(hits(base)).toBe(300);
    expect(hits(['vllm:prompt_tokens_cached_total{engine="0",model_name="m"} 420'])).toBe(420);
    const offload = snapshot(parseExposition('vllm:kv_offload_load_bytes_total{engine="0",model_name="m"} 4096\nvllm:kv_offload_store_bytes_total{engine="0",model_name="m"} 8192'), 'vllm', 'm');
    expect(offload.counters).toMatchObject({ kvOffloadLoadBytes: 4096, kvOffloadStoreBytes: 8192 });
  });

  it('SGLang: retractions are preemptions, queue_time_seconds the queue time', () => {
    const s = snapshot(parseExposition([
      'sglang:num_retracted_requests_total{model_name="m",engine_type="unified",tp_rank="0",pp_rank="0",moe_ep_rank="0"} 7',
      'sglang:queue_time_seconds_bucket{model_name="m",engine_type="unified",tp_rank="0",pp_rank="0",moe_ep_rank="0",le="0.1"} 3',
      'sglang:queue_time_seconds_bucket{model_name="m",engine_type="unified",tp_rank="0",pp_rank="0",moe_ep_rank="0",le="+Inf"} 4',
      'sglang:queue_time_seconds_sum{model_name="m",engine_type="unified",tp_rank="0",pp_rank="0",moe_ep_rank="0"} 0.9',
      'sglang:queue_time_seconds_count{model_name="m",engine_type="unified",tp_rank="0",pp_rank="0",moe_ep_rank="0"} 4',
    ].join('\n')), 'sglang', 'm');
    expect(s.counters.preemptions).toBe(7);
    expect(s.histograms.queueTime).toEqual({ buckets: [[0.1, 3], [Infinity, 4]], sum: 0.9, count: 4 });
  });

  it('takes the current name when a server in a deprecation window exposes both (no double counting)', () => {
    const e = parseExposition([
      'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25',
      'vllm:gpu_cache_usage_perc{engine="0",model_name="m"} 0.25',
      'vllm:prefix_cache_queries_total{engine="0",model_name="m"} 100',
      'vllm:gpu_prefix_cache_queries_total{engine="0",model_name="m"} 100',
    ].join('\n'));
    const s = snapshot(e, 'vllm', 'm');
    expect(s.levels.kvUsage).toBe(0.25);
    expect(s.counters.prefixQueries).toBe(100);
  });

  it('keeps only the model under test when the server serves several, and everything when it names none', () => {
    const e = parseExposition([
      'vllm:num_requests_running{engine="0",model_name="a"} 3',
      'vllm:num_requests_running{engine="0",model_name="b"} 5',
    ].join('\n'));
    expect(snapshot(e, 'vllm', 'a').levels.running).toBe(3);
    expect(snapshot(e, 'vllm', 'other').levels.running).toBe(8);
    expect(snapshot(e, 'vllm').levels.running).toBe(8);
  });

  it('SGLang: hits are cached tokens of every cache source, queries are prompt tokens', () => {
    const e = fixture('sglang-0.5.t0.prom');
    expect(detectEngine(e)).toBe('sglang');
    const s = snapshot(e, 'sglang', 'Qwen/Qwen3-8B');
    expect(s.levels).toEqual({ running: 36, waiting: 5, kvUsage: 0.28 });
    expect(s.counters).toEqual({
      prefixQueries: 8_128_902, prefixHits: 5_529_600, promptTokens: 8_128_902, generationTokens: 7_557_572, requestsFinished: 15_625,
    });
    expect(s.histograms.ttft).toMatchObject({ count: 15_625, sum: 3593.75 });
    expect(s.histograms.queueTime).toBeUndefined();
    expect(s.missing).toEqual(['preemptions', 'kvOffloadLoadBytes', 'kvOffloadStoreBytes', 'queueTime']);
  });

  it('llama.cpp as of llama-cpp-python 0.3.36: prompt tokens = computed + cached (as vLLM counts them), hits = cached; no KV usage', () => {
    const e = fixture('llamacpp-server-0.3.36.prom');
    expect(detectEngine(e)).toBe('llamacpp');
    const s = snapshot(e, 'llamacpp');
    expect(s.levels).toEqual({ running: 3, waiting: 1 });
    // prompt_tokens_total 1840 counts only what it computed; prompt_tokens_cached_total 2304 were reused.
    expect(s.counters).toEqual({ prefixQueries: 1840 + 2304, prefixHits: 2304, promptTokens: 1840 + 2304, generationTokens: 576 });
    expect(s.missing).toEqual(['kvUsage', 'preemptions', 'requestsFinished', 'kvOffloadLoadBytes', 'kvOffloadStoreBytes', 'ttft', 'itl', 'e2e', 'queueTime']);
  });

  it('llama.cpp builds without the cached counter: prompt tokens as computed, no hit rate; KV usage only on 2024 builds', () => {
    const now = snapshot(fixture('llamacpp.t0.prom'), 'llamacpp');
    expect(detectEngine(fixture('llamacpp.t0.prom'))).toBe('llamacpp');
    expect(now.levels).toEqual({ running: 4, waiting: 2 });
    expect(now.counters).toEqual({ promptTokens: 48_251, generationTokens: 9834 });
    expect(now.missing).toEqual(['kvUsage', 'prefixQueries', 'prefixHits', 'preemptions', 'requestsFinished', 'kvOffloadLoadBytes', 'kvOffloadStoreBytes', 'ttft', 'itl', 'e2e', 'queueTime']);
    expect(snapshot(fixture('llamacpp-old-kv.prom'), 'llamacpp').levels.kvUsage).toBe(0.29);
  });

  it('recognises no engine in other exporters’ metrics', () => {
    expect(detectEngine(parseExposition('# TYPE go_goroutines gauge\ngo_goroutines 12\nhttp_requests_total{code="200"} 4\n'))).toBeNull();
    expect(detectEngine(parseExposition('{"object":"list","data":[]}'))).toBeNull();
  });
});
