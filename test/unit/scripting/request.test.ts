import { describe, expect, it } from 'vitest';
import { prepareRequest, requestBody, requestRecord, takeForSend, type LlmResult, type Target } from '../../../src/engine/scripting/request';
import { gapStats } from '../../../src/metrics/formulas';

const target: Target = { baseUrl: 'http://127.0.0.1:8000', model: 'm1', endpoint: 'chat', stream: true };

describe('scripting requests', () => {
  it('hands the body to the transport once and drops it from the prepared request', () => {
    const p = prepareRequest({ prompt: 'hello', maxTokens: 2 }, target, 'r-1', { 'content-type': 'application/json' }, 'X-Request-Id');
    const body = p.body;
    const req = takeForSend(p);
    expect(req.body).toBe(body);
    expect(req).toMatchObject({ url: p.url, headers: p.headers, keepEvents: false });
    expect(p.body.length, 'the prepared request no longer holds the bytes').toBe(0);
    expect(p.id).toBe('r-1');
    expect(() => takeForSend(p)).toThrow(/request r-1 was already sent: prepare it again/);
  });

  it('builds a streamed chat body with the run defaults', () => {
    expect(requestBody({ prompt: 'hi', maxTokens: 8 }, target)).toEqual({
      model: 'm1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, stream: true, stream_options: { include_usage: true },
    });
  });

  it('takes messages, another endpoint, ignore_eos and extra fields from the request', () => {
    const messages = [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }];
    expect(requestBody({ messages, maxTokens: 4, ignoreEos: true, body: { temperature: 0 }, model: 'm2', stream: false }, target)).toEqual({
      model: 'm2', messages, max_tokens: 4, ignore_eos: true, min_tokens: 4, stream: false, temperature: 0,
    });
    expect(requestBody({ endpoint: 'completions', prompt: [1, 2, 3] }, target)).toMatchObject({ prompt: [1, 2, 3], model: 'm1' });
  });

  it('says what a request lacks', () => {
    expect(() => requestBody({}, target)).toThrow(/needs `prompt` or `messages`/);
    expect(() => requestBody({ endpoint: 'completions', messages: [] }, target)).toThrow(/completions request needs `prompt`/);
    expect(() => requestBody({ prompt: 'x', maxTokens: 2.5 }, target)).toThrow(/maxTokens must be a whole number >= 0, got 2.5/);
  });

  it('prepares URL, body bytes and headers with the request id', () => {
    const p = prepareRequest({ endpoint: 'completions', prompt: 'p', headers: { 'x-a': '1' }, keepText: true }, target, 'run-7', { authorization: 'Bearer k' }, 'X-Request-Id');
    expect(p.url).toBe('http://127.0.0.1:8000/v1/completions');
    expect(JSON.parse(p.body.toString()).prompt).toBe('p');
    expect(p.headers).toEqual({ authorization: 'Bearer k', 'x-a': '1', 'X-Request-Id': 'run-7' });
    expect(p.keepEvents).toBe(true);
    expect(p.id).toBe('run-7');
  });

  it('turns a result into the --out jsonl record', () => {
    const r: LlmResult = {
      id: 'r-1', ok: true, status: 200, sendUnixMs: 1000.5, lagMs: 0.2, e2eMs: 50, ttftMs: 10, ttfbMs: 5, tpotMs: 4, itlGapsMs: [2, 6, 4],
      connectMs: 0, outputTokens: 4, promptTokens: 12, tokenSource: 'usage',
    };
    expect(requestRecord(r, { index: 3, scheduledUnixMs: 1000.3 })).toMatchObject({
      id: 'r-1', index: 3, scheduledUnixMs: 1000.3, sendUnixMs: 1000.5, lagMs: 0.2, ok: true, status: 200, itlMeanMs: 4, itlMaxMs: 6, promptTokens: 12,
    });
    expect(gapStats([])).toEqual({});
  });
});
