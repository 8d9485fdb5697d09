// The Messages/Responses event classifier (src/openai/api-kinds.ts) gives the same stream
// summary as parsing every event, on the simulator's streams and on edge cases.

import { describe, expect, it } from 'vitest';
import { classifyApiEvent } from '../../src/openai/api-kinds';
import { CHUNK } from '../../src/openai/chunk-kinds';
import { parseStream } from '../../src/openai/stream';
import { bodiesFor } from '../../src/sim/endpoints/bodies';
import type { BodyOptions } from '../../src/sim/sse';

function simEvents(api: 'messages' | 'responses', reasoning: number, tool: boolean, n = 12): string[] {
  const o: BodyOptions = { endpoint: `/v1/${api}`, id: 'k"1\\', model: 'm', created: 1, reasoningTokens: reasoning, toolCall: tool, separateFinishChunk: false, includeUsage: true, promptTokensDetails: true };
  const b = bodiesFor('vllm', o);
  let text = b.opening();
  for (let i = 0; i < n; i++) {
    if (i === 5) text += b.malformedChunk(0, i);
    text += b.tokenChunk(0, i, n, i === n - 1, 1);
  }
  text += b.closing({ promptTokens: 7, completionTokens: n, cachedTokens: 2 }, true) + b.errorClose('x');
  return text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
}

function same(api: 'messages' | 'responses', data: string[]): void {
  const times = data.map((_, i) => i);
  const kinds = data.map((d) => classifyApiEvent(api, d));
  // As the transport keeps them: plain token events without their text.
  const kept = data.map((d, i) => (kinds[i] & CHUNK.parseInJs ? d : ''));
  expect(parseStream(times, kept, false, kinds, api)).toEqual(parseStream(times, data, false, undefined, api));
}

describe('classifyApiEvent', () => {
  for (const api of ['messages', 'responses'] as const) {
    it(`${api}: the fast path gives the same summary as parsing, and takes the token events`, () => {
      for (const [r, t] of [[0, false], [3, false], [3, true], [0, true]] as const) {
        const data = simEvents(api, r, t);
        same(api, data);
        if (!t) expect(data.filter((d) => classifyApiEvent(api, d) & CHUNK.token).length).toBe(12);
      }
    });
  }

  it('sends every doubtful event to the JSON path', () => {
    const M = '{"type":"content_block_delta","delta":{"type":"text_delta","text":';
    for (const d of [`${M}""},"index":0}`, `${M}"a"b"},"index":0}`, `${M}"a\\"},"index":0}`, `${M}"a"`, `${M}"a"},"index":0,"x":1}`, `${M}"a"},"usage":{},"index":0}`]) {
      expect(classifyApiEvent('messages', d), d).toBe(CHUNK.parseInJs);
    }
    expect(classifyApiEvent('messages', `${M}"a\\\\"},"index":0}`)).toBe(CHUNK.token);
    expect(classifyApiEvent('messages', `${M}"a \\" b"},"index":3}`)).toBe(CHUNK.token);
    const R = '{"output_index":0,"item_id":"msg_1","content_index":0,"delta":';
    for (const d of [`${R}"","sequence_number":1,"type":"response.output_text.delta"}`, `${R}"a","delta":"b","type":"response.output_text.delta"}`, `${R}"a","usage":{"x":1},"type":"response.output_text.delta"}`, `${R}"a"`]) {
      expect(classifyApiEvent('responses', d), d).toBe(CHUNK.parseInJs);
    }
    expect(classifyApiEvent('responses', `${R}"a","logprobs":[],"sequence_number":4,"type":"response.output_text.delta"}`)).toBe(CHUNK.token);
    expect(classifyApiEvent('responses', '{"content_index":0,"delta":"a","item_id":"rs_1","output_index":0,"sequence_number":2,"type":"response.reasoning_text.delta"}')).toBe(CHUNK.token | CHUNK.reasoning);
    expect(classifyApiEvent('chat', '{}')).toBe(CHUNK.parseInJs);
  });
});
