import { describe, expect, it, vi } from 'vitest';
import { parseStream } from '../../src/openai/stream';
import { CHUNK } from '../../src/openai/chunk-kinds';

// Chunks with their exact kinds: parseStream must give the JS parser's answer whatever a
// transport's classifier marks (test/unit/engine/classify.test.ts checks the engine's own).
const CORPUS: Array<[string, number]> = [
  ['{"choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}]}', 0],
  ['{"choices":[{"index":0,"delta":{"content":" lorem"},"logprobs":null,"finish_reason":null}]}', CHUNK.token],
  ['{"choices":[{"delta":{"reasoning_content":"think"}}]}', CHUNK.token | CHUNK.reasoning],
  ['{"choices":[{"delta":{"content":null,"reasoning":"r"}}]}', CHUNK.token | CHUNK.reasoning],
  ['{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}}]}', CHUNK.token | CHUNK.toolCall],
  ['{"choices":[{"delta":{"tool_calls":[]}}]}', 0],
  ['{"choices":[{"text":" hi","finish_reason":null}]}', CHUNK.token],
  ['{"choices":[{"delta":{"content":"x"}}],"usage":null}', CHUNK.token],
  ['{"choices": [', CHUNK.malformed],
  ['42', CHUNK.malformed],
  ['{"choices":"nope"}', CHUNK.parseInJs],
  ['{"choices":[{"delta":{"content":"x"},"finish_reason":"stop"}]}', CHUNK.token | CHUNK.finish],
  ['{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1}}}', CHUNK.usage],
  ['{"error":{"message":"boom"}}', CHUNK.error],
  ['[DONE]', CHUNK.done],
];

describe('parseStream with chunk kinds from the transport', () => {
  const data = CORPUS.map(([d]) => d);
  const kinds = CORPUS.map(([, k]) => k);
  const times = data.map((_, i) => 10 + i);

  it('gives the same summary as parsing every chunk in JS', () => {
    const slow = parseStream(times, data);
    expect(parseStream(times, data, false, kinds)).toEqual(slow);
    expect(slow.tokenChunkMs.length).toBe(7);
    expect(slow).toMatchObject({ reasoningChunks: 2, toolCallChunks: 1, malformed: 2, done: true, finishReason: 'stop', streamError: 'boom' });
  });

  it('parses only the chunks that carry more than a token', () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      parseStream(times, data, false, kinds);
      // finish, usage, error and the unknown shape
      expect(parse).toHaveBeenCalledTimes(4);
    } finally {
      parse.mockRestore();
    }
  });

  it('ignores kinds that do not match the events, and when text is kept', () => {
    expect(parseStream(times, data, false, kinds.slice(1))).toEqual(parseStream(times, data));
    expect(parseStream(times, data, true, kinds).text).toBe(parseStream(times, data, true).text);
  });
});
