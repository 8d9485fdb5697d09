import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/observe/exposition';
import { snapshot, type EngineName, type EngineSnapshot } from '../../src/observe/engines';
import { EngineTracker, type EngineSample } from '../../src/observe/tracker';

function snap(file: string, engine: EngineName, model?: string): EngineSnapshot {
  return snapshot(parseExposition(readFileSync(`test/fixtures/metrics/${file}`, 'utf8')), engine, model);
}

function byMetric(samples: EngineSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    expect(out[s.metric], `${s.metric} recorded twice`).toBeUndefined();
    out[s.metric] = s.value;
  }
  return out;
}

describe('EngineTracker on fixture pairs 5 s apart', () => {
  it('vLLM: the first scrape records levels only, the second increases, rates, hit rate and latencies', () => {
    const t = new EngineTracker();
    const first = byMetric(t.update(snap('vllm-0.11-dp2.t0.prom', 'vllm', 'Qwen/Qwen3-8B'), 10_000));
    expect(first).toEqual({ engine_requests_running: 21, engine_requests_waiting: 3, engine_kv_cache_usage: 0.4375 });

    const second = byMetric(t.update(snap('vllm-0.11-dp2.t1.prom', 'vllm', 'Qwen/Qwen3-8B'), 15_000));
    expect(second).toMatchObject({
      engine_requests_running: 23, engine_requests_waiting: 6, engine_kv_cache_usage: 0.5,
      engine_prefix_cache_queries: 98_304, engine_prefix_cache_hits: 65_536, engine_preemptions: 2,
      engine_prompt_tokens: 98_304, engine_generation_tokens: 9216, engine_requests_finished: 64,
    });
    expect(second.engine_prefix_cache_hit_rate).toBeCloseTo(2 / 3, 12);
    expect(second.engine_prompt_tokens_per_s).toBeCloseTo(19_660.8, 9);
    expect(second.engine_generation_tokens_per_s).toBeCloseTo(1843.2, 9);
    // 40 first tokens in (0.25, 0.5] s on engine 0 and 24 in (0.1, 0.25] s on engine 1
    expect(second.engine_ttft_mean).toBeCloseTo(325, 6);
    expect(second.engine_ttft_p99).toBeCloseTo(250 + 250 * (0.99 * 64 - 24) / 40, 6);
    expect(second.engine_itl_mean).toBeCloseTo(30, 6);
    expect(second.engine_itl_p99).toBeCloseTo(25 + 25 * 0.99, 6);
    expect(second.engine_e2e_mean).toBeCloseTo(11_625, 6);
    expect(second.engine_queue_time_mean).toBeCloseTo(77.5, 6);
    expect(Object.keys(second)).toHaveLength(18);
  });

  it('SGLang: hit rate from cached over prompt tokens', () => {
    const t = new EngineTracker();
    t.update(snap('sglang-0.5.t0.prom', 'sglang'), 0);
    const s = byMetric(t.update(snap('sglang-0.5.t1.prom', 'sglang'), 5000));
    expect(s.engine_prefix_cache_hit_rate).toBeCloseTo(28_672 / 40_960, 12);
    expect(s.engine_generation_tokens_per_s).toBeCloseTo(1228.8, 9);
    expect(s.engine_requests_running).toBe(40);
    expect(s.engine_ttft_mean).toBeCloseTo(200, 6);
    expect(s.engine_e2e_mean).toBeCloseTo(6000, 6);
    expect(s.engine_preemptions).toBeUndefined();
    expect(s.engine_queue_time_mean).toBeUndefined();
  });

  it('llama.cpp: token rates and queues, no hit rate or latency it does not expose', () => {
    const t = new EngineTracker();
    t.update(snap('llamacpp.t0.prom', 'llamacpp'), 0);
    const s = byMetric(t.update(snap('llamacpp.t1.prom', 'llamacpp'), 5000));
    expect(s).toEqual({
      engine_requests_running: 5, engine_requests_waiting: 1,
      engine_prompt_tokens: 3072, engine_generation_tokens: 256,
      engine_prompt_tokens_per_s: 614.4, engine_generation_tokens_per_s: 51.2,
    });
  });

  it('a server restart counts the new totals, not a negative increase', () => {
    const t = new EngineTracker();
    const base: EngineSnapshot = { engine: 'vllm', levels: {}, counters: { promptTokens: 1000, prefixQueries: 1000, prefixHits: 0 }, histograms: {}, missing: [] };
    t.update(base, 0);
    const s = byMetric(t.update({ ...base, counters: { promptTokens: 40, prefixQueries: 40, prefixHits: 10 } }, 1000));
    expect(s.engine_prompt_tokens).toBe(40);
    expect(s.engine_prefix_cache_hit_rate).toBe(0.25);
  });

  it('records no hit rate or latency for an idle interval (no NaN samples)', () => {
    const t = new EngineTracker();
    const idle: EngineSnapshot = {
      engine: 'vllm', levels: { running: 0 }, counters: { prefixQueries: 5, prefixHits: 5 },
      histograms: { ttft: { buckets: [[0.1, 1], [Infinity, 1]], sum: 0.05, count: 1 } }, missing: [],
    };
    t.update(idle, 0);
    const s = byMetric(t.update(idle, 1000));
    expect(s).toEqual({ engine_requests_running: 0, engine_prefix_cache_queries: 0, engine_prefix_cache_hits: 0 });
  });
});
