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
    const R = '{"content_index":0,"delta":';
    const T = ',"item_id":"msg_1","logprobs":[],"output_index":0,"sequence_number":4,"type":"response.output_text.delta"}';
    for (const d of [`${R}""${T}`, `${R}"a","delta":"b"${T}`, `${R}"a","usage":{"x":1}${T}`, `${R}"a"`, `${R}"a"b"${T}`, `${R}"a\\"${T}`,
      // Other field orders (our old simulator's, a later field) take the JSON path.
      '{"output_index":0,"item_id":"msg_1","content_index":0,"delta":"a","logprobs":[],"sequence_number":4,"type":"response.output_text.delta"}',
      `${R}"a","item_id":"msg_1","logprobs":[],"obfuscation":"xy","output_index":0,"sequence_number":4,"type":"response.output_text.delta"}`]) {
      expect(classifyApiEvent('responses', d), d).toBe(CHUNK.parseInJs);
    }
    expect(classifyApiEvent('responses', `${R}"a"${T}`)).toBe(CHUNK.token);
    expect(classifyApiEvent('responses', '{"content_index":0,"delta":"a","item_id":"rs_1","output_index":0,"sequence_number":2,"type":"response.reasoning_text.delta"}')).toBe(CHUNK.token | CHUNK.reasoning);
    expect(classifyApiEvent('chat', '{}')).toBe(CHUNK.parseInJs);
  });
});

/** vLLM 0.34's events, byte for byte (field orders of its pydantic models; see src/openai/api-kinds.ts). */
const TRICKY = ['Hello', ' say "hi"', 'back\\slash\\', '","item_id":"x","logprobs":[]', '"},"index":0}', 'é 日本\n\t', '\\"'];
const VLLM_EVENTS: Record<'messages' | 'responses', string[]> = {
  messages: [
    '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"output_tokens":0}}}',
    '{"type":"content_block_start","content_block":{"type":"thinking","thinking":""},"index":0}',
    ...TRICKY.map((t) => `{"type":"content_block_delta","delta":{"type":"thinking_delta","thinking":${JSON.stringify(t)}},"index":0}`),
    '{"type":"content_block_delta","delta":{"type":"signature_delta","signature":"c2ln"},"index":0}',
    '{"type":"content_block_stop","index":0}',
    ...TRICKY.map((t) => `{"type":"content_block_delta","delta":{"type":"text_delta","text":${JSON.stringify(t)}},"index":1}`),
    '{"type":"content_block_delta","delta":{"type":"input_json_delta","partial_json":"{\\"a\\":"},"index":2}',
    '{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"input_tokens":5,"output_tokens":16,"cache_read_input_tokens":2}}',
    '{"type":"message_stop"}',
  ],
  responses: [
    '{"response":{"id":"resp_1","status":"in_progress","usage":null},"sequence_number":0,"type":"response.created"}',
    ...TRICKY.map((t, i) => `{"content_index":0,"delta":${JSON.stringify(t)},"item_id":"rs_1","output_index":0,"sequence_number":${i + 1},"type":"response.reasoning_text.delta"}`),
    ...TRICKY.map((t, i) => `{"content_index":0,"delta":${JSON.stringify(t)},"item_id":"msg_1","logprobs":[],"output_index":1,"sequence_number":${i + 20},"type":"response.output_text.delta"}`),
    '{"delta":"{\\"a\\":","item_id":"fc_1","output_index":2,"sequence_number":40,"type":"response.function_call_arguments.delta"}',
    '{"content_index":0,"item_id":"msg_1","logprobs":[],"output_index":1,"sequence_number":41,"text":"Hello","type":"response.output_text.done"}',
    '{"response":{"id":"resp_1","status":"completed","incomplete_details":null,"usage":{"input_tokens":7,"input_tokens_details":{"cached_tokens":2},"output_tokens":16,"output_tokens_details":{"reasoning_tokens":7}}},"sequence_number":42,"type":"response.completed"}',
  ],
};

describe.each(['messages', 'responses'] as const)('classifyApiEvent on vLLM 0.34 %s events', (api) => {
  const events = VLLM_EVENTS[api];

  it('takes every text and reasoning delta without JSON.parse, and nothing else', () => {
    for (const d of events) JSON.parse(d);
    const kinds = events.map((d) => classifyApiEvent(api, d));
    const plain = events.filter((_, i) => !(kinds[i] & CHUNK.parseInJs));
    expect(plain).toHaveLength(2 * TRICKY.length);
    for (const d of plain) expect(/"(text|thinking)_delta"|response\.(output|reasoning)_text\.delta/.test(d), d).toBe(true);
    expect(kinds.filter((k) => k === (CHUNK.token | CHUNK.reasoning))).toHaveLength(TRICKY.length);
    same(api, events);
  });

  it('gives the same summary as parsing, each event cut at every byte', () => {
    for (const d of events) {
      for (let n = 1; n < d.length; n++) {
        const part = d.slice(0, n);
        const k = classifyApiEvent(api, part);
        expect(parseStream([0], [k & CHUNK.parseInJs ? part : ''], false, [k], api), part).toEqual(parseStream([0], [part], false, undefined, api));
      }
    }
  });
});
