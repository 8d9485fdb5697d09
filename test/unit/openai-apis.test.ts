// Measuring Anthropic Messages, OpenAI Responses, embeddings and rerank exchanges: tokens and
// times from each API's own events and fields, and the same failure kinds as chat.

import { describe, expect, it } from 'vitest';
import { measureExchange, type Exchange } from '../../src/openai/outcome';
import { buildBody } from '../../src/openai/request';

function stream(data: string[], extra: Partial<Exchange> = {}): Exchange {
  return { status: 200, startUnixMs: 0, connectMs: 0, headersMs: 1, times: data.map((_, i) => 10 * (i + 1)), data, invalid: [], tail: '', endMs: 10 * (data.length + 1), body: '', error: '', errorKind: '', streamed: true, ...extra };
}

const delta = (d: string, i = 0) => `{"type":"content_block_delta","delta":${d},"index":${i}}`;
const MESSAGES_OK = [
  '{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"model":"x","usage":{"input_tokens":9,"output_tokens":0}}}',
  '{"type":"content_block_start","content_block":{"type":"thinking","thinking":""},"index":0}',
  delta('{"type":"thinking_delta","thinking":" a"}'),
  delta('{"type":"signature_delta","signature":"s"}'),
  '{"type":"content_block_stop","index":0}',
  '{"type":"content_block_start","content_block":{"type":"text","text":""},"index":1}',
  delta('{"type":"text_delta","text":" b"}', 1),
  '{"type":"content_block_start","content_block":{"type":"tool_use","id":"t","name":"f","input":{}},"index":2}',
  delta('{"type":"input_json_delta","partial_json":"{}"}', 2),
  '{"type":"content_block_stop","index":2}',
  '{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":6,"output_tokens":3,"cache_read_input_tokens":4}}',
  '{"type":"message_stop"}',
];

describe('Messages streams', () => {
  it('reads TTFT, TTFO, ITL and the usage (prompt = input + cache reads)', () => {
    const o = measureExchange(stream(MESSAGES_OK), true, 'messages');
    expect(o).toMatchObject({ ok: true, ttftMs: 30, ttfoMs: 70, outputTokens: 3, promptTokens: 10, cachedTokens: 4, finishReason: 'tool_use', tokenSource: 'usage' });
    expect(o.itlGapsMs).toEqual([40, 20]);
    expect(o.stream?.text).toBe(' a b{}');
  });
  it('an error event is a stream_error; no message_stop is truncated; no stop_reason is stream_incomplete', () => {
    const err = '{"type":"error","error":{"type":"api_error","message":"boom"}}';
    expect(measureExchange(stream([...MESSAGES_OK.slice(0, 7), err]), false, 'messages')).toMatchObject({ ok: false, reason: 'stream_error', detail: 'api_error: boom' });
    expect(measureExchange(stream(MESSAGES_OK.slice(0, -1)), false, 'messages')).toMatchObject({ ok: false, reason: 'truncated', detail: 'stream ended without message_stop' });
    expect(measureExchange(stream([...MESSAGES_OK.slice(0, 10), '{"type":"message_stop"}']), false, 'messages')).toMatchObject({ ok: false, reason: 'stream_incomplete' });
    expect(measureExchange(stream([...MESSAGES_OK.slice(0, 7), '{"type":"content_block_delta"', ...MESSAGES_OK.slice(7)]), false, 'messages')).toMatchObject({ ok: false, reason: 'malformed_chunk' });
    expect(measureExchange(stream([...MESSAGES_OK.slice(0, 7), '{"choices":[]}', ...MESSAGES_OK.slice(7)]), false, 'messages')).toMatchObject({ ok: false, reason: 'malformed_chunk' });
  });
  it('a non-streamed message: usage and stop reason', () => {
    const body = '{"id":"m","type":"message","content":[{"type":"text","text":"hi"}],"stop_reason":"max_tokens","usage":{"input_tokens":3,"output_tokens":2,"cache_read_input_tokens":1}}';
    expect(measureExchange({ ...stream([]), streamed: false, body }, false, 'messages')).toMatchObject({ ok: true, promptTokens: 4, cachedTokens: 1, outputTokens: 2, finishReason: 'max_tokens' });
  });
});

const ev = (type: string, f: Record<string, unknown> = {}) => JSON.stringify({ ...f, sequence_number: 0, type });
const USAGE = { input_tokens: 12, input_tokens_details: { cached_tokens: 8 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 1 } };
const RESPONSES_OK = [
  ev('response.created', { response: { status: 'in_progress' } }),
  ev('response.in_progress', { response: { status: 'in_progress' } }),
  ev('response.output_item.added', { item: { type: 'reasoning' } }),
  ev('response.reasoning_text.delta', { delta: ' r' }),
  ev('response.output_text.delta', { delta: ' t' }),
  ev('response.function_call_arguments.delta', { delta: '{}' }),
  ev('response.incomplete', { response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: USAGE } }),
];

describe('Responses streams', () => {
  it('reads TTFT, TTFO and the usage from the terminal event', () => {
    const o = measureExchange(stream(RESPONSES_OK), false, 'responses');
    expect(o).toMatchObject({ ok: true, ttftMs: 40, ttfoMs: 50, outputTokens: 3, promptTokens: 12, cachedTokens: 8, finishReason: 'max_output_tokens' });
    expect(o.stream?.toolCallChunks).toBe(1);
    const done = [...RESPONSES_OK.slice(0, -1), ev('response.completed', { response: { status: 'completed', usage: USAGE } })];
    expect(measureExchange(stream(done), false, 'responses')).toMatchObject({ ok: true, finishReason: 'completed' });
  });
  it('error and response.failed are stream_error; no terminal event is truncated', () => {
    expect(measureExchange(stream([...RESPONSES_OK.slice(0, 4), ev('error', { code: 'x', message: 'bad' })]), false, 'responses')).toMatchObject({ ok: false, reason: 'stream_error', detail: 'bad' });
    expect(measureExchange(stream([...RESPONSES_OK.slice(0, 4), ev('response.failed', { response: { error: { message: 'oops' } } })]), false, 'responses')).toMatchObject({ ok: false, reason: 'stream_error', detail: 'oops' });
    expect(measureExchange(stream(RESPONSES_OK.slice(0, -1)), false, 'responses')).toMatchObject({ ok: false, reason: 'truncated', detail: 'stream ended without response.completed' });
  });
});

describe('embeddings and rerank', () => {
  it('prompt tokens and batch size from the body, no output', () => {
    const emb = '{"object":"list","data":[{"index":0,"embedding":[0.1]},{"index":1,"embedding":[0.2]}],"usage":{"prompt_tokens":7,"total_tokens":7,"completion_tokens":0}}';
    expect(measureExchange({ ...stream([]), streamed: false, body: emb }, false, 'embeddings')).toMatchObject({ ok: true, promptTokens: 7, outputTokens: 0, batchSize: 2 });
    const rr = '{"id":"r","model":"m","usage":{"prompt_tokens":9,"total_tokens":9},"results":[{"index":0,"relevance_score":1}]}';
    expect(measureExchange({ ...stream([]), streamed: false, body: rr }, false, 'rerank')).toMatchObject({ ok: true, promptTokens: 9, outputTokens: 0, batchSize: 1 });
  });
});

describe('request bodies', () => {
  const common = { model: 'm', prompt: 'a b', maxTokens: 5, stream: true, ignoreEos: true, system: 'sys', tools: [{ name: 'f' }] };
  it('each API in its own fields', () => {
    expect(buildBody({ ...common, endpoint: 'messages' })).toEqual({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'a b' }], system: 'sys', tools: [{ name: 'f' }], min_tokens: 5, stream: true });
    expect(buildBody({ ...common, endpoint: 'responses' })).toEqual({ model: 'm', input: 'a b', instructions: 'sys', tools: [{ name: 'f' }], max_output_tokens: 5, ignore_eos: true, stream: true });
    expect(buildBody({ ...common, endpoint: 'embeddings' })).toEqual({ model: 'm', input: 'a b' });
    expect(buildBody({ ...common, endpoint: 'rerank' })).toEqual({ model: 'm', query: 'query', documents: ['a b'] });
    expect(buildBody({ ...common, endpoint: 'chat' })).toMatchObject({ messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'a b' }], tools: [{ name: 'f' }] });
  });
});
