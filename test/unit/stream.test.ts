import { describe, expect, it } from 'vitest';
import { parseCompletionBody, parseStream, errorBodyMessage } from '../../src/openai/stream';

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
const usage = (p: number, c: number, cached?: number) =>
  JSON.stringify({ choices: [], usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c, prompt_tokens_details: cached === undefined ? null : { cached_tokens: cached } } });

describe('SSE chunk parsing', () => {
  it('times token-carrying chunks only: a role-only first chunk does not count', () => {
    const data = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'a' }), chunk({ content: 'b' }), chunk({}, 'length'), usage(10, 2, 4), '[DONE]'];
    const s = parseStream([5, 7, 9, 10, 11, 12], data);
    expect(s.tokenChunkMs).toEqual([7, 9]);
    expect(s.finishReason).toBe('length');
    expect(s.usage).toEqual({ promptTokens: 10, completionTokens: 2, cachedTokens: 4 });
    expect(s.done).toBe(true);
    expect(s.malformed).toBe(0);
  });

  it('counts reasoning and tool-call deltas as tokens', () => {
    const data = [
      chunk({ reasoning_content: 'think' }),
      chunk({ reasoning: 'more' }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] }),
      chunk({ content: 'x' }),
      '[DONE]',
    ];
    const s = parseStream([1, 2, 3, 4, 5], data, true);
    expect(s.tokenChunkMs).toEqual([1, 2, 3, 4]);
    expect(s.reasoningChunks).toBe(2);
    expect(s.toolCallChunks).toBe(1);
    expect(s.text).toBe('thinkmorex');
  });

  it('reads /v1/completions text chunks', () => {
    const data = [JSON.stringify({ choices: [{ text: ' hi', finish_reason: null }] }), JSON.stringify({ choices: [{ text: '', finish_reason: 'stop' }] }), '[DONE]'];
    const s = parseStream([3, 4, 5], data);
    expect(s.tokenChunkMs).toEqual([3]);
    expect(s.finishReason).toBe('stop');
  });

  it('counts malformed chunks and keeps going', () => {
    const s = parseStream([1, 2, 3, 4], [chunk({ content: 'a' }), '{"choices": [', '42', chunk({ content: 'b' })]);
    expect(s.malformed).toBe(2);
    expect(s.firstMalformed).toBe('{"choices": [');
    expect(s.tokenChunkMs).toEqual([1, 4]);
    expect(s.done).toBe(false);
  });

  it('captures an error object sent mid-stream', () => {
    const s = parseStream([1, 2], [chunk({ content: 'a' }), JSON.stringify({ error: { message: 'engine died', code: 500 } })]);
    expect(s.streamError).toBe('engine died');
    expect(s.tokenChunkMs).toEqual([1]);
  });

  it('parses non-streamed bodies and error bodies', () => {
    const body = JSON.stringify({ choices: [{ message: { content: 'hello' }, finish_reason: 'length' }], usage: { prompt_tokens: 3, completion_tokens: 2 } });
    expect(parseCompletionBody(body)).toEqual({ usage: { promptTokens: 3, completionTokens: 2 }, textChars: 5, finishReason: 'length' });
    expect(parseCompletionBody('<html>').error).toMatch(/not JSON/);
    expect(errorBodyMessage('{"error":{"message":"rate limited","type":"x"}}')).toBe('rate limited');
    expect(errorBodyMessage('{"detail":"Not Found"}')).toBe('Not Found');
    expect(errorBodyMessage('plain')).toBe('plain');
  });
});
