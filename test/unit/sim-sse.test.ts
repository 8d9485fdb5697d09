import { describe, expect, it } from 'vitest';
import { createBodies } from '../../src/sim/flavors/bodies.js';
import { FLAVORS } from '../../src/sim/flavors/flavor.js';
import { VllmBodies } from '../../src/sim/flavors/vllm-chunks.js';
import { DONE, type BodyOptions } from '../../src/sim/sse.js';
import { goldenEvents } from '../support/flavor-golden.js';

const opts = (o: Partial<BodyOptions> = {}): BodyOptions => ({
  endpoint: '/v1/chat/completions',
  id: 'r"1',
  model: 'm',
  created: 1700000000,
  reasoningTokens: 0,
  toolCall: false,
  separateFinishChunk: false,
  includeUsage: true,
  promptTokensDetails: true,
  ...o,
});
const parse = (chunk: string) => {
  expect(chunk.startsWith('data: ')).toBe(true);
  expect(chunk.endsWith('\n\n')).toBe(true);
  return JSON.parse(chunk.slice(6));
};

describe('SSE bodies (vllm flavor)', () => {
  it('chat chunks are valid JSON in vLLM 0.34 shape, ids escaped', () => {
    const b = new VllmBodies(opts());
    const role = parse(b.roleChunk());
    expect(role).toEqual({ id: 'chatcmpl-r"1', object: 'chat.completion.chunk', created: 1700000000, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], prompt_token_ids: null, prompt_text: null });
    expect(parse(b.tokenChunk(0, 0, 3, false)).choices[0]).toEqual({ index: 0, delta: { content: ' lorem' }, logprobs: null, finish_reason: null, token_ids: null });
    expect(parse(b.tokenChunk(0, 2, 3, true)).choices[0]).toMatchObject({ delta: { content: ' dolor' }, finish_reason: 'length', stop_reason: null });
    const u = parse(b.usageChunk({ promptTokens: 10, completionTokens: 3, cachedTokens: 8 }));
    expect(u.choices).toEqual([]);
    expect(u.usage).toEqual({ prompt_tokens: 10, total_tokens: 13, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 8 } });
    expect(DONE).toBe('data: [DONE]\n\n');
  });

  it('can put finish_reason on a separate chunk and omits prompt_tokens_details when off', () => {
    const b = new VllmBodies(opts({ separateFinishChunk: true, promptTokensDetails: false }));
    expect(b.separateFinish).toBe(true);
    expect(parse(b.tokenChunk(0, 2, 3, true)).choices[0].finish_reason).toBeNull();
    expect(parse(b.finishChunk(0)).choices[0]).toMatchObject({ delta: {}, finish_reason: 'length' });
    expect(parse(b.usageChunk({ promptTokens: 1, completionTokens: 1, cachedTokens: 0 })).usage.prompt_tokens_details).toBeUndefined();
  });

  it('completion chunks carry text', () => {
    const b = new VllmBodies(opts({ endpoint: '/v1/completions' }));
    const c = parse(b.tokenChunk(1, 0, 2, false));
    expect(c).toMatchObject({ id: 'cmpl-r"1', object: 'text_completion', choices: [{ index: 1, text: ' lorem', finish_reason: null }] });
    expect(parse(b.tokenChunk(0, 1, 2, true)).choices[0].finish_reason).toBe('length');
  });

  it('reasoning tokens come first (as `reasoning`), then content', () => {
    const b = new VllmBodies(opts({ reasoningTokens: 2 }));
    expect(parse(b.tokenChunk(0, 0, 4, false)).choices[0].delta).toEqual({ reasoning: ' lorem' });
    expect(parse(b.tokenChunk(0, 2, 4, false)).choices[0].delta).toEqual({ content: ' dolor' });
    const full = JSON.parse(b.fullBody([4], { promptTokens: 1, completionTokens: 4, cachedTokens: 0 }, 'length'));
    expect(full.choices[0].message).toMatchObject({ content: ' dolor sit', reasoning_content: ' lorem ipsum' });
  });
});

describe.each(FLAVORS)('SSE bodies (%s flavor)', (flavor) => {
  it('tool-call fragments concatenate to valid JSON arguments', () => {
    for (const total of [1, 2, 7]) {
      const b = createBodies(flavor, opts({ toolCall: true }));
      const deltas = Array.from({ length: total }, (_, i) => parse(b.tokenChunk(0, i, total, i === total - 1)).choices[0].delta);
      expect(deltas[0].tool_calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'sim_tool' } });
      for (const d of deltas.slice(1)) expect(d.tool_calls[0].id).toBeFalsy();
      const args = deltas.map((d) => d.tool_calls[0].function.arguments).join('');
      expect(JSON.parse(args).text.split(' ')).toHaveLength(total);
      const full = JSON.parse(b.fullBody([total], { promptTokens: 1, completionTokens: total, cachedTokens: 0 }, 'length'));
      expect(full.choices[0].message.tool_calls[0].function.arguments).toBe(args);
      expect(full.choices[0].message.content).toBeNull();
    }
  });

  it('the malformed chunk is not JSON', () => {
    const b = createBodies(flavor, opts());
    expect(() => JSON.parse(b.malformedChunk(0, 1).slice(6))).toThrow();
  });

  it("the error event is the server's own bytes (test/fixtures/flavors/errors.sse)", () => {
    const golden = goldenEvents('errors.sse')[FLAVORS.indexOf(flavor)];
    expect(createBodies(flavor, opts()).errorEvent('boom').trim()).toBe(golden);
  });
});
