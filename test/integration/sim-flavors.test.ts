// The simulator speaking each server's bytes (--flavor): a streamed chat and completion compared
// byte for byte with golden files written from the upstream sources (test/fixtures/flavors/, each
// citing file and line), plus the per-flavor behaviour around them: context-length handling,
// min_tokens, request ids, /v1/models, the tokenize endpoint, error bodies and /metrics names.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMACPP_FINGERPRINT } from '../../src/sim/flavors/llamacpp-chunks.js';
import { type Flavor, FLAVORS } from '../../src/sim/flavors/flavor.js';
import { parseExposition } from '../../src/observe/exposition.js';
import { type SimProcess, spawnSim } from '../../src/sim/spawn.js';
import { goldenEvents, normaliseStream } from '../support/flavor-golden.js';

const sims = new Map<Flavor, SimProcess>();
const MAX_MODEL_LEN = 64;

beforeAll(async () => {
  await Promise.all(
    FLAVORS.map(async (f) => {
      sims.set(f, await spawnSim(['--flavor', f, '--preset', 'fast', '--max-model-len', String(MAX_MODEL_LEN), '--model', 'served', '--quiet']));
    }),
  );
});
afterAll(async () => {
  await Promise.all([...sims.values()].map((s) => s.stop()));
});

const SEVEN_WORDS = 'one two three four five six seven';

async function post(f: Flavor, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${sims.get(f)!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe.each(FLAVORS)('--flavor %s', (flavor) => {
  it('streams a chat completion byte for byte as the server does', async () => {
    const r = await post(
      flavor,
      '/v1/chat/completions',
      { model: 'm', messages: [{ role: 'user', content: SEVEN_WORDS }], max_tokens: 3, stream: true, stream_options: { include_usage: true } },
      { 'x-sim-reasoning': '1', 'x-request-id': 'req-1' },
    );
    expect(r.status).toBe(200);
    expect(normaliseStream(r.text)).toEqual(goldenEvents(`${flavor}-chat.sse`, { FINGERPRINT: LLAMACPP_FINGERPRINT }));
  });

  it('streams a completion byte for byte as the server does', async () => {
    const r = await post(flavor, '/v1/completions', { model: 'm', prompt: SEVEN_WORDS, max_tokens: 2, stream: true, stream_options: { include_usage: true } });
    expect(r.status).toBe(200);
    expect(normaliseStream(r.text)).toEqual(goldenEvents(`${flavor}-completions.sse`, { FINGERPRINT: LLAMACPP_FINGERPRINT }));
  });

  it('lists the context length where the server does', async () => {
    const models = JSON.parse(await (await fetch(`${sims.get(flavor)!.url}/v1/models`)).text()) as { data: Array<Record<string, unknown>> };
    const card = models.data[0];
    expect(card.id).toBe('served');
    if (flavor === 'llamacpp') expect((card.meta as { n_ctx: number }).n_ctx).toBe(MAX_MODEL_LEN);
    else expect(card).toMatchObject({ owned_by: flavor, max_model_len: MAX_MODEL_LEN });
  });

  it('counts tokens on its tokenize endpoint', async () => {
    const r = flavor === 'llamacpp' ? await post(flavor, '/tokenize', { content: SEVEN_WORDS }) : await post(flavor, '/tokenize', { model: 'served', prompt: SEVEN_WORDS });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text) as { tokens: number[]; count?: number; max_model_len?: number };
    expect(body.tokens).toHaveLength(7);
    if (flavor === 'llamacpp') expect(Object.keys(body)).toEqual(['tokens']);
    else expect(body).toMatchObject({ count: 7, max_model_len: MAX_MODEL_LEN });
  });
});

describe('prompt + max_tokens over the context', () => {
  const long = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
  const req = (extra: Record<string, unknown>) => ({ model: 'm', prompt: long, stream: false, ...extra });

  it('vllm lowers max_tokens to fit, and then rejects min_tokens above it (400)', async () => {
    const ok = await post('vllm', '/v1/completions', req({ max_tokens: 10 }));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).usage).toMatchObject({ prompt_tokens: 60, completion_tokens: 4 });
    const bad = await post('vllm', '/v1/completions', req({ max_tokens: 10, min_tokens: 10, ignore_eos: true }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({ error: { message: 'min_tokens must be less than or equal to max_tokens=4, got 10.', type: 'BadRequestError', param: null, code: 400 } });
  });

  it('sglang rejects it outright, in its own error shape', async () => {
    const bad = await post('sglang', '/v1/completions', req({ max_tokens: 10 }));
    expect(bad.status).toBe(400);
    const e = JSON.parse(bad.text) as Record<string, unknown>;
    expect(e).toMatchObject({ object: 'error', type: 'BadRequestError', code: 400 });
    expect(e.message).toMatch(/^Requested token count exceeds the model's maximum context length of 64 tokens\. You requested a total of 70 tokens/);
  });

  it('llamacpp stops at the context and ignores min_tokens', async () => {
    const ok = await post('llamacpp', '/v1/completions', req({ max_tokens: 10, min_tokens: 10 }));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).usage).toMatchObject({ prompt_tokens: 60, completion_tokens: 4 });
  });
});

describe('request ids where each server reads them', () => {
  const body = (extra: Record<string, unknown> = {}) => ({ model: 'm', prompt: 'a b', max_tokens: 1, stream: true, ...extra });
  const firstId = (text: string) => (JSON.parse(text.split('\n')[0].slice(6)) as { id: string }).id;

  it('vllm answers with X-Request-Id behind its prefix; sglang with the body rid; llama.cpp with its own', async () => {
    expect(firstId((await post('vllm', '/v1/completions', body(), { 'x-request-id': 'abc' })).text)).toBe('cmpl-abc');
    expect(firstId((await post('sglang', '/v1/completions', body({ rid: 'rid-7' }), { 'x-request-id': 'abc' })).text)).toBe('rid-7');
    expect(firstId((await post('llamacpp', '/v1/completions', body(), { 'x-request-id': 'abc' })).text)).toMatch(/^chatcmpl-[0-9A-Za-z]{32}$/);
  });
});

describe('/metrics names of each flavor', () => {
  const names = async (f: Flavor) => new Set(parseExposition(await (await fetch(`${sims.get(f)!.url}/metrics`)).text()).samples.map((s) => s.name));

  it('vllm exports the series vLLM 0.34 always exports', async () => {
    const n = await names('vllm');
    for (const s of [
      'vllm:request_time_per_output_token_seconds_count',
      'vllm:prompt_tokens_cached_total',
      'vllm:prompt_tokens_cached_by_source_total',
      'vllm:num_requests_waiting_by_reason',
      'vllm:iteration_tokens_total_count',
      'vllm:request_params_n_count',
      'vllm:request_params_max_tokens_count',
      'vllm:request_max_num_generation_tokens_count',
      'vllm:request_num_preemptions_count',
      'vllm:request_prefill_kv_computed_tokens_count',
      'vllm:external_prefix_cache_queries_total',
      'vllm:external_prefix_cache_hits_total',
    ])
      expect(n, s).toContain(s);
    expect([...n].some((x) => x.startsWith('sglang:') || x.startsWith('llamacpp:'))).toBe(false);
  });

  it('sglang exports sglang:* (and no vllm:*)', async () => {
    const n = await names('sglang');
    for (const s of ['sglang:num_running_reqs', 'sglang:num_queue_reqs', 'sglang:token_usage', 'sglang:num_retracted_requests_total', 'sglang:queue_time_seconds_count', 'sglang:prompt_tokens_total', 'sglang:cached_tokens_total', 'sglang:time_to_first_token_seconds_count', 'sglang:inter_token_latency_seconds_count', 'sglang:e2e_request_latency_seconds_count'])
      expect(n, s).toContain(s);
    expect([...n].some((x) => x.startsWith('vllm:'))).toBe(false);
  });

  it('llamacpp exports llamacpp:* without labels (and no vllm:*)', async () => {
    const text = await (await fetch(`${sims.get('llamacpp')!.url}/metrics`)).text();
    expect(text).toContain('# TYPE llamacpp:prompt_tokens_total counter\nllamacpp:prompt_tokens_total ');
    const n = new Set(parseExposition(text).samples.map((s) => s.name));
    for (const s of ['llamacpp:prompt_tokens_cached_total', 'llamacpp:tokens_predicted_total', 'llamacpp:requests_processing', 'llamacpp:requests_deferred', 'llamacpp:n_busy_slots_per_decode', 'llamacpp:n_decode_total'])
      expect(n, s).toContain(s);
    expect([...n].some((x) => x.startsWith('vllm:'))).toBe(false);
  });
});
