// TTFO (time to first output token) and chunks that carry several tokens: measured from the
// same events whether the transport classified them (fast path) or not (JSON path).
import { describe, expect, it } from 'vitest';
import { measureExchange, type Exchange } from '../../src/openai/outcome';
import { classifyChunk } from '../../src/openai/classify';
import { recordRequest } from '../../src/metrics/record';
import { HISTOGRAMS, TRENDS } from '../../src/metrics/names';
import type { MetricSink } from '../../src/metrics/sink';

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: null }], ...extra });
const role = chunk({ role: 'assistant', content: '' });
const think = (t: string) => chunk({ reasoning: t, reasoning_content: t });
const say = (t: string) => chunk({ content: t });
const fin = JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] });
const usage = (n: number) => ({ prompt_tokens: 10, total_tokens: 10 + n, completion_tokens: n });

function exchange(times: number[], data: string[], classify: boolean): Exchange {
  return {
    status: 200, startUnixMs: 0, connectMs: 0, headersMs: 1, times, data, invalid: [], tail: '', endMs: times[times.length - 1],
    body: '', error: '', errorKind: '', streamed: true, kinds: classify ? data.map(classifyChunk) : undefined,
  };
}

describe('time to first output token', () => {
  for (const classify of [false, true]) {
    const path = classify ? 'classified events' : 'JSON path';
    it(`is the first non-reasoning token after the reasoning, beside TTFT (${path})`, () => {
      const o = measureExchange(exchange([2, 5, 9, 14, 20, 21, 22], [role, think('a'), think('b'), say('c'), say('d'), fin, '[DONE]'], classify));
      expect(o.ok).toBe(true);
      expect(o.ttftMs).toBe(5);
      expect(o.ttfoMs).toBe(14);
    });

    it(`is absent when the stream carried no reasoning (it would equal TTFT) (${path})`, () => {
      const o = measureExchange(exchange([2, 5, 9, 10, 11], [role, say('a'), say('b'), fin, '[DONE]'], classify));
      expect(o.ttftMs).toBe(5);
      expect(o.ttfoMs).toBeUndefined();
    });
  }

  it('counts a tool call as output', () => {
    const tool = chunk({ tool_calls: [{ index: 0, function: { arguments: '{' } }] });
    const o = measureExchange(exchange([5, 8, 9, 10], [think('a'), tool, fin, '[DONE]'], true));
    expect(o.ttfoMs).toBe(8);
  });

  it('stays undefined when the stream ended inside the reasoning', () => {
    const o = measureExchange(exchange([5, 8, 9, 10], [think('a'), think('b'), fin, '[DONE]'], true));
    expect(o.ttftMs).toBe(5);
    expect(o.ttfoMs).toBeUndefined();
  });

  it('is recorded as the llm_ttfo trend and histogram', () => {
    const got: Record<string, number[]> = {};
    const sink: MetricSink = {
      counter: () => {},
      gauge: () => {},
      trend: (n, v) => void (got[`trend ${n}`] ??= []).push(v),
      histogram: (n, vs) => void (got[`hist ${n}`] ??= []).push(...vs),
    };
    const o = measureExchange(exchange([5, 8, 9, 10], [think('a'), say('b'), fin, '[DONE]'], true));
    recordRequest(sink, { lagMs: 0, sendRunMs: 0, sendUnixMs: 0 }, o);
    expect(got[`trend ${TRENDS.ttfo}`]).toEqual([8]);
    expect(got[`hist ${HISTOGRAMS.ttfo}`]).toEqual([8]);
  });
});

describe('chunks carrying several tokens (speculative decoding, continuous usage stats)', () => {
  // 10 tokens in chunks of 4, 4, 2, each with the running usage (vLLM continuous_usage_stats).
  const data = [
    role,
    chunk({ content: ' a b c d' }, { usage: usage(4) }),
    chunk({ content: ' e f g h' }, { usage: usage(8) }),
    chunk({ content: ' i j' }, { usage: usage(10) }).replace('"finish_reason":null', '"finish_reason":"length"'),
    JSON.stringify({ choices: [], usage: usage(10) }),
    '[DONE]',
  ];
  const times = [1, 10, 30, 50, 51, 52];

  for (const classify of [false, true]) {
    it(`records one ITL gap per chunk as vllm bench serve does, and TPOT per token from usage (${classify ? 'classified' : 'JSON path'})`, () => {
      const o = measureExchange(exchange(times, data, classify));
      expect(o.ok).toBe(true);
      expect(o.ttftMs).toBe(10);
      // vllm/benchmarks/lib/endpoint_request_func.py: itl.append(timestamp - most_recent_timestamp) per chunk.
      expect(o.itlGapsMs).toEqual([20, 20]);
      expect(o.outputTokens).toBe(10);
      expect(o.tokenSource).toBe('usage');
      expect(o.tpotMs).toBeCloseTo((52 - 10) / 9);
    });
  }

  it('takes the token count from the running usage even when the final usage chunk is missing', () => {
    const o = measureExchange(exchange([1, 10, 30, 50, 51], [data[0], data[1], data[2], data[3], '[DONE]'], true));
    expect(o.ok).toBe(true);
    expect(o.outputTokens).toBe(10);
    expect(o.tokenSource).toBe('usage');
  });
});
