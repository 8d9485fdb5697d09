import { describe, expect, it } from 'vitest';
import { readReplayConfig } from '../../src/config/replay';
import { buildBody } from '../../src/openai/request';

describe('replay options', () => {
  it('has sensible defaults', () => {
    const c = readReplayConfig({ TRACE: 't.jsonl' }, new Date('2026-01-02T03:04:05.678Z'));
    expect(c).toMatchObject({ baseUrl: 'http://127.0.0.1:8000', endpoint: 'chat', stream: true, speedup: 1, bucketMs: 1000, ignoreEos: true });
    expect(c.runId).toBe('2026-01-02T03-04-05-678Z');
    expect(c.apiKey).toBeUndefined();
  });

  it('reads every option and the API key from the environment', () => {
    const c = readReplayConfig({ TRACE: 't', BASE_URL: 'https://h:1/', SPEEDUP: '2.5', MAX_REQUESTS: '7', ENDPOINT: 'completions', OPENAI_API_KEY: 'sk-x', CONN_REUSE: 'false' });
    expect(c).toMatchObject({ baseUrl: 'https://h:1', speedup: 2.5, maxRequests: 7, endpoint: 'completions', apiKey: 'sk-x', reuseConnections: false });
  });

  it('takes the chat template overhead of a model family, or a number', () => {
    expect(readReplayConfig({ TRACE: 't', TEMPLATE: 'llama3' }).overheadTokens).toBe(10);
    expect(readReplayConfig({ TRACE: 't', TEMPLATE: 'llama3', ENDPOINT: 'completions' }).overheadTokens).toBe(1);
    expect(readReplayConfig({ TRACE: 't', TEMPLATE_TOKENS: '7' }).overheadTokens).toBe(7);
    expect(readReplayConfig({ TRACE: 't' }).overheadTokens).toBe(0);
    expect(() => readReplayConfig({ TRACE: 't', TEMPLATE: 'gpt9' })).toThrow(/unknown family; known: llama3/);
  });

  it('says which option is wrong and what it takes', () => {
    expect(() => readReplayConfig({})).toThrow(/-e TRACE=/);
    expect(() => readReplayConfig({ TRACE: 't', SPEEDUP: '0' })).toThrow(/-e SPEEDUP=0: must be a positive number/);
    expect(() => readReplayConfig({ TRACE: 't', ENDPOINT: 'x' })).toThrow(/one of chat, completions/);
    expect(() => readReplayConfig({ TRACE: 't', STREAM: 'maybe' })).toThrow(/true or false/);
    expect(() => readReplayConfig({ TRACE: 't', FROM_MS: '10', TO_MS: '5' })).toThrow(/greater than -e FROM_MS=10/);
    expect(() => readReplayConfig({ TRACE: 't', BASE_URL: 'localhost:8000' })).toThrow(/http:\/\//);
  });
});

describe('request bodies', () => {
  it('builds streamed chat bodies with usage and exact lengths', () => {
    expect(buildBody({ endpoint: 'chat', model: 'm', prompt: 'a b', maxTokens: 5, stream: true, ignoreEos: true })).toEqual({
      model: 'm', messages: [{ role: 'user', content: 'a b' }], max_tokens: 5, ignore_eos: true, min_tokens: 5, stream: true, stream_options: { include_usage: true },
    });
  });

  it('builds completions bodies, omits max_tokens when asked, strips nulls from extras', () => {
    const b = buildBody({ endpoint: 'completions', model: 'm', prompt: [1, 2], stream: false, ignoreEos: true, extra: { temperature: 0, top_p: null } });
    expect(b).toEqual({ model: 'm', prompt: [1, 2], stream: false, temperature: 0 });
  });
});
