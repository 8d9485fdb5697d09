import { describe, expect, it } from 'vitest';
import { classifyChunk } from '../../../src/openai/classify';
import { parseStream } from '../../../src/openai/stream';
import { CHUNK } from '../../../src/openai/chunk-kinds';

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta, logprobs: null, finish_reason: null }], ...extra });

// Shapes seen from vLLM, SGLang, llama.cpp and the simulator, plus the awkward ones.
const SAMPLES: string[] = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Hello' }),
  chunk({ content: ' wor\\"ld "quoted"' }),
  chunk({ content: 'a "error": inside text' }),
  chunk({ reasoning_content: 'think' }),
  chunk({ reasoning: 'think' }),
  chunk({ content: 'x', tool_calls: [] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }),
  chunk({ content: null }),
  chunk({ content: 'tok' }, { usage: null }),
  chunk({}, { usage: { prompt_tokens: 5, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 3 } } }),
  JSON.stringify({ choices: [{ index: 0, delta: { content: 'end' }, finish_reason: 'stop' }] }),
  JSON.stringify({ choices: [{ index: 0, text: 'completion token', finish_reason: null }] }),
  JSON.stringify({ choices: [{ index: 0, text: '', finish_reason: 'length' }] }),
  JSON.stringify({ choices: [] , usage: { prompt_tokens: 1, completion_tokens: 1 } }),
  JSON.stringify({ error: { message: 'boom', code: 500 } }),
  JSON.stringify({ choices: [{ index: 1, delta: { content: 'second choice' } }, { index: 0, delta: { content: '' } }] }),
  '[DONE]',
  'not json',
  '{"choices":[{"delta":{"content":"cut',
  '{"choices": [garbage}',
];

describe('classifyChunk', () => {
  it('gives the same stream summary as parsing every chunk', () => {
    const times = SAMPLES.map((_, i) => i);
    const full = parseStream(times, SAMPLES);
    const fast = parseStream(times, SAMPLES, false, SAMPLES.map(classifyChunk));
    expect(fast).toEqual(full);
  });

  it('recognises plain token chunks without the JSON path', () => {
    expect(classifyChunk(chunk({ content: 'Hello' }))).toBe(CHUNK.token);
    expect(classifyChunk(chunk({ reasoning_content: 'r' }))).toBe(CHUNK.token | CHUNK.reasoning);
    expect(classifyChunk(chunk({ content: 'tok' }, { usage: null }))).toBe(CHUNK.token);
    expect(classifyChunk(chunk({ role: 'assistant', content: '' }))).toBe(0);
  });

  it('sends usage, finish, errors and odd shapes to the JSON path', () => {
    for (const s of [SAMPLES[10], SAMPLES[11], SAMPLES[15], SAMPLES[16], SAMPLES[7]]) expect(classifyChunk(s) & CHUNK.parseInJs).toBe(CHUNK.parseInJs);
    expect(classifyChunk('[DONE]')).toBe(CHUNK.done);
    expect(classifyChunk('not json')).toBe(CHUNK.malformed);
  });

  it('is consistent on every prefix of a chunk (a cut stream)', () => {
    const s = chunk({ content: 'Hello there' });
    for (let n = 1; n < s.length; n++) {
      const part = s.slice(0, n);
      expect(parseStream([0], [part], false, [classifyChunk(part)])).toEqual(parseStream([0], [part]));
    }
  });
});
