import { describe, expect, it } from 'vitest';
import { measureExchange, type Exchange } from '../../src/openai/outcome';

const tok = (c: string) => JSON.stringify({ choices: [{ delta: { content: c }, finish_reason: null }] });
const fin = JSON.stringify({ choices: [{ delta: {}, finish_reason: 'length' }] });
const role = JSON.stringify({ choices: [{ delta: { role: 'assistant', content: '' } }] });
const usage = JSON.stringify({ choices: [], usage: { prompt_tokens: 100, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 64 } } });

function exchange(o: Partial<Exchange>): Exchange {
  return {
    status: 200, startUnixMs: 1000, connectMs: 0.5, headersMs: 2, times: [], data: [], invalid: [], tail: '',
    endMs: 50, body: '', error: '', errorKind: '', streamed: true, ...o,
  };
}

describe('measuring an exchange', () => {
  it('computes TTFT, ITL, TPOT and E2E from a complete stream', () => {
    const o = measureExchange(exchange({
      times: [3, 10, 20, 25, 40, 40, 41, 42], data: [role, tok('a'), tok('b'), tok('c'), tok('d'), fin, usage, '[DONE]'], endMs: 42,
    }));
    expect(o.ok).toBe(true);
    expect(o.ttftMs).toBe(10);
    expect(o.itlGapsMs).toEqual([10, 5, 15]);
    expect(o.e2eMs).toBe(42);
    expect(o.tpotMs).toBeCloseTo((42 - 10) / 3);
    expect(o.ttfbMs).toBe(2);
    expect(o.outputTokens).toBe(4);
    expect(o.promptTokens).toBe(100);
    expect(o.cachedTokens).toBe(64);
    expect(o.tokenSource).toBe('usage');
  });

  it('counts tokens by chunks when the server sends no usage', () => {
    const o = measureExchange(exchange({ times: [1, 2, 3, 4], data: [tok('a'), tok('b'), fin, '[DONE]'] }));
    expect(o.ok).toBe(true);
    expect(o.outputTokens).toBe(2);
    expect(o.tokenSource).toBe('chunks');
  });

  it('fails HTTP errors with the status as reason and the server message', () => {
    const o = measureExchange(exchange({ status: 429, streamed: false, body: '{"error":{"message":"slow down"}}' }));
    expect(o).toMatchObject({ ok: false, reason: 'http_429', detail: 'slow down' });
    expect(measureExchange(exchange({ status: 418, streamed: false })).reason).toBe('http_4xx');
  });

  it('fails connection problems by kind', () => {
    expect(measureExchange(exchange({ status: 0, errorKind: 'connect', error: 'refused' })).reason).toBe('connect');
    expect(measureExchange(exchange({ status: 0, errorKind: 'timeout', error: 't' })).reason).toBe('timeout');
  });

  it('keeps what a broken stream measured, and names the break', () => {
    const cut = measureExchange(exchange({ times: [5, 6], data: [tok('a'), tok('b')], error: 'unexpected EOF', errorKind: 'eof' }));
    expect(cut).toMatchObject({ ok: false, reason: 'stream_eof', ttftMs: 5 });
    expect(cut.itlGapsMs).toEqual([1]);
    const noDone = measureExchange(exchange({ times: [5], data: [tok('a')], tail: '{"choi' }));
    expect(noDone).toMatchObject({ ok: false, reason: 'truncated' });
    expect(noDone.detail).toMatch(/cut inside an event/);
  });

  it('fails a stream that ends with [DONE] but no finish_reason (cut by the server), never a short success', () => {
    // llama-cpp-python with --interrupt_requests True: role chunk, one token, then [DONE], HTTP 200.
    const cut = measureExchange(exchange({ times: [1, 2, 3], data: [role, tok('a'), '[DONE]'] }));
    expect(cut).toMatchObject({ ok: false, reason: 'stream_incomplete', ttftMs: 2, outputTokens: 1 });
    expect(cut.detail).toMatch(/no chunk carried a finish_reason/);
    // ... also when the server then closes the connection without ending the chunked body.
    const closed = measureExchange(exchange({ times: [1, 2, 3], data: [role, tok('a'), '[DONE]'], error: 'connection closed before the response ended', errorKind: 'eof' }));
    expect(closed).toMatchObject({ ok: false, reason: 'stream_incomplete' });
    expect(closed.detail).toMatch(/then the connection: connection closed/);
    // The same stream with its finish chunk is a success.
    expect(measureExchange(exchange({ times: [1, 2, 3, 4], data: [role, tok('a'), fin, '[DONE]'] })).ok).toBe(true);
  });

  it('fails malformed chunks and mid-stream errors', () => {
    expect(measureExchange(exchange({ times: [1, 2, 3], data: [tok('a'), '{bad', '[DONE]'] })).reason).toBe('malformed_chunk');
    expect(measureExchange(exchange({ times: [1, 2, 3], data: [tok('a'), '[DONE]'], invalid: ['garbage'] })).reason).toBe('malformed_chunk');
    const e = measureExchange(exchange({ times: [1, 2], data: [tok('a'), '{"error":{"message":"boom"}}'] }));
    expect(e).toMatchObject({ ok: false, reason: 'stream_error', detail: 'boom' });
  });

  it('reads non-streamed completions', () => {
    const body = JSON.stringify({ choices: [{ message: { content: 'hi' }, finish_reason: 'length' }], usage: { prompt_tokens: 7, completion_tokens: 3 } });
    const o = measureExchange(exchange({ streamed: false, body }));
    expect(o).toMatchObject({ ok: true, promptTokens: 7, outputTokens: 3, tokenSource: 'usage' });
    expect(o.ttftMs).toBeUndefined();
  });
});
