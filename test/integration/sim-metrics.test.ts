// /metrics parses with a strict Prometheus text parser, uses vLLM's names and buckets, and its
// counters and histogram counts agree with the ground truth of the same run.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, scrape, wordsPrompt } from '../../src/sim/client.js';
import { type GroundTruthRecord, scheduledTokenTimes } from '../../src/sim/ground-truth.js';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file.js';
import { ITL_BUCKETS, REQUEST_LATENCY_BUCKETS, TTFT_BUCKETS } from '../../src/sim/metrics.js';
import { type Family, parsePrometheusText, sampleValue } from '../../src/sim/prom-parse.js';
import { type SimProcess, spawnSim } from '../../src/sim/spawn.js';
import { summarizeFile } from '../../src/sim/summary.js';

const dir = mkdtempSync(join(tmpdir(), 'sim-metrics-'));
const gtPath = join(dir, 'gt.jsonl');
let sim: SimProcess;
let fams: Map<string, Family>;
let recs: GroundTruthRecord[];
const L = { model_name: 'sim-model', engine: '0' };

beforeAll(async () => {
  // Tight KV (96 blocks of 16) so concurrent requests get preempted.
  sim = await spawnSim(['--preset', 'fast', '--kv-blocks', '96', '--ground-truth', gtPath, '--quiet']);
  const u = `${sim.url}/v1/chat/completions`;
  const msg = (text: string, max: number, stream = true) => ({ messages: [{ role: 'user', content: text }], max_tokens: max, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) });
  const shared = wordsPrompt(300, 'shared');
  await post(u, msg(shared, 10));
  await post(u, msg(shared, 10)); // prefix hit
  await post(u, msg(shared, 5, false)); // non-streamed hit
  await post(`${sim.url}/v1/completions`, { prompt: [[1, 2, 3, 4], [5, 6, 7]], max_tokens: 3, stream: true }); // two sequences
  // Concurrency beyond KV: preemptions.
  await Promise.all(Array.from({ length: 6 }, (_, i) => post(u, msg(wordsPrompt(200, `p${i}`), 150))));
  // Faults and failures.
  await post(u, msg('x', 5), { 'x-sim-fault': 'status=503' });
  await post(u, msg('y', 8), { 'x-sim-fault': 'cut=3' });
  await post(u, msg('z', 8), { 'x-sim-fault': 'mid-error=4' });
  await post(u, msg('s', 6), { 'x-sim-fault': 'stall=50@2' });
  await post(u, '{bad json');
  // A client that leaves.
  const ac = new AbortController();
  const res = await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(msg('leave me', 1200)), signal: ac.signal });
  const rd = res.body!.getReader();
  await rd.read();
  await rd.read();
  ac.abort();
  for (let i = 0; i < 250; i++) {
    const f = parsePrometheusText(await scrape(sim.url));
    if (sampleValue(f, 'vllm:request_success_total', { finished_reason: 'abort' }) === 3) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  fams = parsePrometheusText(await scrape(sim.url));
  await sim.stop();
  recs = readGroundTruthFile(gtPath);
}, 120_000);
afterAll(async () => {
  await sim?.stop();
});

const v = (name: string, labels: Record<string, string> = {}): number => {
  const x = sampleValue(fams, name, { ...L, ...labels });
  if (x === undefined) throw new Error(`no series ${name} ${JSON.stringify(labels)}`);
  return x;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('/metrics', () => {
  it('exposes the current vLLM names with the right types', () => {
    const types: Record<string, string> = {
      'vllm:num_requests_running': 'gauge',
      'vllm:num_requests_waiting': 'gauge',
      'vllm:kv_cache_usage_perc': 'gauge',
      'vllm:prefix_cache_queries': 'counter',
      'vllm:prefix_cache_hits': 'counter',
      'vllm:num_preemptions': 'counter',
      'vllm:prompt_tokens': 'counter',
      'vllm:generation_tokens': 'counter',
      'vllm:request_success': 'counter',
      'vllm:time_to_first_token_seconds': 'histogram',
      'vllm:inter_token_latency_seconds': 'histogram',
      'vllm:e2e_request_latency_seconds': 'histogram',
      'vllm:request_queue_time_seconds': 'histogram',
      'vllm:cache_config_info': 'gauge',
      'sim:scheduling_error_seconds': 'histogram',
    };
    for (const [name, type] of Object.entries(types)) expect(fams.get(name)?.type, name).toBe(type);
    const les = (name: string) =>
      fams
        .get(name)!
        .samples.filter((s) => s.name.endsWith('_bucket'))
        .map((s) => Number(s.labels.le))
        .filter(Number.isFinite);
    expect(les('vllm:time_to_first_token_seconds')).toEqual(TTFT_BUCKETS);
    expect(les('vllm:inter_token_latency_seconds')).toEqual(ITL_BUCKETS);
    expect(les('vllm:e2e_request_latency_seconds')).toEqual(REQUEST_LATENCY_BUCKETS);
    expect(les('vllm:request_queue_time_seconds')).toEqual(REQUEST_LATENCY_BUCKETS);
    const info = fams.get('vllm:cache_config_info')!.samples[0].labels;
    expect(info).toMatchObject({ block_size: '16', num_gpu_blocks: '96', enable_prefix_caching: 'True' });
  });

  it('counters agree with the ground truth', () => {
    const engine = recs.filter((r) => r.queueExitMs !== null);
    expect(v('vllm:prefix_cache_queries_total')).toBe(sum(engine.map((r) => r.promptTokens)));
    expect(v('vllm:prefix_cache_hits_total')).toBe(sum(engine.map((r) => r.cachedTokens)));
    expect(v('vllm:prefix_cache_hits_total')).toBeGreaterThan(0);
    expect(v('vllm:prompt_tokens_total')).toBe(sum(recs.filter((r) => r.completionTokens > 0).map((r) => r.promptTokens)));
    expect(v('vllm:generation_tokens_total')).toBe(sum(recs.map((r) => r.completionTokens)));
    expect(v('vllm:num_preemptions_total')).toBe(sum(recs.map((r) => r.preemptions)));
    expect(v('vllm:num_preemptions_total')).toBeGreaterThan(0);
    expect(v('vllm:request_success_total', { finished_reason: 'length' })).toBe(recs.filter((r) => r.finishReason === 'length').length);
    expect(v('vllm:request_success_total', { finished_reason: 'abort' })).toBe(recs.filter((r) => ['abort', 'cut', 'error'].includes(r.finishReason ?? '')).length);
    expect(v('vllm:request_success_total', { finished_reason: 'abort' })).toBe(3);
    expect(v('sim:ground_truth_records_total')).toBe(recs.length);
    expect(v('vllm:num_requests_running')).toBe(0);
    expect(v('vllm:num_requests_waiting')).toBe(0);
    expect(v('vllm:kv_cache_usage_perc')).toBe(0);
  });

  it('histogram counts and sums agree with the ground truth', () => {
    const withFirst = recs.filter((r) => r.firstTokenMs !== null);
    expect(v('vllm:time_to_first_token_seconds_count')).toBe(withFirst.length);
    // Sums: the ground truth rounds to the microsecond, so allow 1 us per observation.
    expect(Math.abs(v('vllm:time_to_first_token_seconds_sum') - sum(withFirst.map((r) => (r.firstTokenMs! - r.arrivalMs) / 1000)))).toBeLessThan(2e-6 * withFirst.length);
    const gaps = recs.flatMap((r) => r.tokenMs);
    expect(v('vllm:inter_token_latency_seconds_count')).toBe(gaps.length);
    expect(Math.abs(v('vllm:inter_token_latency_seconds_sum') - sum(gaps) / 1e6)).toBeLessThan(2e-6 * gaps.length + 1e-6);
    const engine = recs.filter((r) => r.queueExitMs !== null);
    expect(v('vllm:request_queue_time_seconds_count')).toBe(engine.length);
    const reached = recs.filter((r) => r.finishReason !== null);
    expect(v('vllm:e2e_request_latency_seconds_count')).toBe(reached.length);
    expect(Math.abs(v('vllm:e2e_request_latency_seconds_sum') - sum(reached.map((r) => (r.finishMs - r.arrivalMs) / 1000)))).toBeLessThan(2e-6 * reached.length);
    expect(v('sim:scheduling_error_seconds_count')).toBe(sum(recs.map((r) => r.lateUs.length)));
    // The stalled request's modelled gap is the pause plus a step.
    const stalled = recs.find((r) => r.fault === 'stall=50@2')!;
    const t = scheduledTokenTimes(stalled);
    expect(t[2] - t[1]).toBeGreaterThanOrEqual(50);
  });

  it('the summary command computes from the same records', async () => {
    const s = await summarizeFile(gtPath);
    expect(s.records).toBe(recs.length);
    expect(s.totalCachedTokens).toBe(sum(recs.map((r) => r.cachedTokens)));
    expect(s.byStatus['503']).toBe(1);
    expect(s.byStatus['400']).toBe(1);
    expect(s.byFault['cut=3']).toBe(1);
    expect(s.completed).toBe(recs.filter((r) => r.status === 200 && r.finishReason === 'length').length);
    expect(s.schedulingErrorMs.count).toBe(v('sim:scheduling_error_seconds_count'));
    expect(s.cacheHitRate).toBeCloseTo(v('vllm:prefix_cache_hits_total') / v('vllm:prefix_cache_queries_total'), 12);
  });
});
