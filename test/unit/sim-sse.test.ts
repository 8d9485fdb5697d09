import { describe, expect, it } from 'vitest';
import { Bodies, DONE, type BodyOptions } from '../../src/sim/sse.js';

const opts = (o: Partial<BodyOptions> = {}): BodyOptions => ({
  endpoint: '/v1/chat/completions',
  id: 'r"1',
  model: 'm',
  created: 1700000000,
  reasoningTokens: 0,
  toolCall: false,
  separateFinishChunk: false,
  promptTokensDetails: true,
  ...o,
});
const parse = (chunk: string) => {
  expect(chunk.startsWith('data: ')).toBe(true);
  expect(chunk.endsWith('\n\n')).toBe(true);
  return JSON.parse(chunk.slice(6));
};

describe('SSE bodies', () => {
  it('chat chunks are valid JSON in vLLM shape, ids escaped', () => {
    const b = new Bodies(opts());
    const role = parse(b.roleChunk());
    expect(role).toEqual({ id: 'chatcmpl-r"1', object: 'chat.completion.chunk', created: 1700000000, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
    expect(parse(b.tokenChunk(0, 0, 3, false)).choices[0]).toEqual({ index: 0, delta: { content: ' lorem' }, logprobs: null, finish_reason: null });
    expect(parse(b.tokenChunk(0, 2, 3, true)).choices[0]).toMatchObject({ delta: { content: ' dolor' }, finish_reason: 'length', stop_reason: null });
    const u = parse(b.usageChunk({ promptTokens: 10, completionTokens: 3, cachedTokens: 8 }));
    expect(u.choices).toEqual([]);
    expect(u.usage).toEqual({ prompt_tokens: 10, total_tokens: 13, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 8 } });
    expect(DONE).toBe('data: [DONE]\n\n');
  });

  it('can put finish_reason on a separate chunk and omit prompt_tokens_details', () => {
    const b = new Bodies(opts({ separateFinishChunk: true, promptTokensDetails: false }));
    expect(parse(b.tokenChunk(0, 2, 3, true)).choices[0].finish_reason).toBeNull();
    expect(parse(b.finishChunk(0)).choices[0]).toMatchObject({ delta: { content: '' }, finish_reason: 'length' });
    expect(parse(b.usageChunk({ promptTokens: 1, completionTokens: 1, cachedTokens: 0 })).usage.prompt_tokens_details).toBeNull();
  });

  it('completion chunks carry text', () => {
    const b = new Bodies(opts({ endpoint: '/v1/completions' }));
    const c = parse(b.tokenChunk(1, 0, 2, false));
    expect(c).toMatchObject({ id: 'cmpl-r"1', object: 'text_completion', choices: [{ index: 1, text: ' lorem', finish_reason: null }] });
    expect(parse(b.tokenChunk(0, 1, 2, true)).choices[0].finish_reason).toBe('length');
  });

  it('reasoning tokens come first, then content', () => {
    const b = new Bodies(opts({ reasoningTokens: 2 }));
    expect(parse(b.tokenChunk(0, 0, 4, false)).choices[0].delta).toEqual({ reasoning: ' lorem', reasoning_content: ' lorem' });
    expect(parse(b.tokenChunk(0, 2, 4, false)).choices[0].delta).toEqual({ content: ' dolor' });
    const full = JSON.parse(b.fullBody([4], { promptTokens: 1, completionTokens: 4, cachedTokens: 0 }, 'length'));
    expect(full.choices[0].message).toMatchObject({ content: ' dolor sit', reasoning_content: ' lorem ipsum' });
  });

  it('tool-call fragments concatenate to valid JSON arguments', () => {
    for (const total of [1, 2, 7]) {
      const b = new Bodies(opts({ toolCall: true }));
      const deltas = Array.from({ length: total }, (_, i) => parse(b.tokenChunk(0, i, total, i === total - 1)).choices[0].delta);
      expect(deltas[0].tool_calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'sim_tool' } });
      for (const d of deltas.slice(1)) expect(d.tool_calls[0].id).toBeUndefined();
      const args = deltas.map((d) => d.tool_calls[0].function.arguments).join('');
      expect(JSON.parse(args).text.split(' ')).toHaveLength(total);
      const full = JSON.parse(b.fullBody([total], { promptTokens: 1, completionTokens: total, cachedTokens: 0 }, 'length'));
      expect(full.choices[0].message.tool_calls[0].function.arguments).toBe(args);
      expect(full.choices[0].message.content).toBeNull();
    }
  });

  it('the malformed chunk is not JSON; the error event is', () => {
    const b = new Bodies(opts());
    expect(() => JSON.parse(b.malformedChunk(0, 1).slice(6))).toThrow();
    expect(parse(b.errorEvent('boom')).error).toMatchObject({ message: 'boom', code: 500 });
  });
});
