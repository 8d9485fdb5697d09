// The plain-token fast path (src/openai/classify.ts) on the real chunks of vLLM 0.34, SGLang
// 0.5.23 and llama.cpp (the golden streams in test/fixtures/flavors/ and the simulator's
// builders for tool calls): every plain token chunk skips JSON.parse, every chunk carrying
// usage, a finish reason, tool calls or both kinds of text goes to the JSON path, and a chunk cut
// at any byte gives the same result as parsing it.

import { describe, expect, it } from 'vitest';
import { CHUNK } from '../../src/openai/chunk-kinds';
import { classifyChunk } from '../../src/openai/classify';
import { parseStream } from '../../src/openai/stream';
import { createBodies } from '../../src/sim/flavors/bodies';
import { FLAVORS } from '../../src/sim/flavors/flavor';
import type { Endpoint } from '../../src/sim/validate';
import { goldenEvents } from '../support/flavor-golden';

const dataOf = (event: string) => event.replace(/^data: /, '').replace(/\n\n$/, '');

/** Every event of every flavor: the golden streams plus tool-call streams from the builders. */
function flavorChunks(flavor: (typeof FLAVORS)[number]): string[] {
  const out: string[] = [];
  for (const f of [`${flavor}-chat.sse`, `${flavor}-completions.sse`]) out.push(...goldenEvents(f, { RESPONSE_ID: 'chatcmpl-x1', CREATED: '1700000000', FINGERPRINT: 'b1-abc' }).map(dataOf));
  for (const endpoint of ['/v1/chat/completions', '/v1/completions'] as Endpoint[]) {
    const b = createBodies(flavor, { endpoint, id: 'r1', model: 'm', created: 1, reasoningTokens: 1, toolCall: endpoint === '/v1/chat/completions', separateFinishChunk: false, includeUsage: true, promptTokensDetails: true });
    const total = 4;
    for (let i = 0; i < total; i++) out.push(dataOf(b.tokenChunk(0, i, total, i === total - 1)));
    out.push(dataOf(b.finishChunk(0, { promptTokens: 3, completionTokens: total, cachedTokens: 1 })));
    const u = b.usageChunk({ promptTokens: 3, completionTokens: total, cachedTokens: 1 });
    if (u) out.push(dataOf(u));
    out.push(dataOf(b.errorEvent('boom')));
  }
  return out.filter((d) => d !== '');
}

/** What the JSON path sees: a chunk that is nothing but one kind of generated text. */
function isPlainToken(data: string): boolean {
  let o: { choices?: Array<Record<string, unknown>>; usage?: unknown; error?: unknown };
  try {
    o = JSON.parse(data);
  } catch {
    return false;
  }
  if (o.error || o.usage || !o.choices || o.choices.length !== 1) return false;
  const c = o.choices[0];
  if (c.finish_reason !== null && c.finish_reason !== undefined) return false;
  const d = (c.delta ?? {}) as Record<string, unknown>;
  if (Array.isArray(d.tool_calls) && d.tool_calls.length > 0) return false;
  const text = [d.content, c.text].some((v) => typeof v === 'string' && v !== '');
  const reasoning = [d.reasoning, d.reasoning_content].some((v) => typeof v === 'string' && v !== '');
  return text !== reasoning;
}

describe.each(FLAVORS)('classifyChunk on %s chunks', (flavor) => {
  const chunks = flavorChunks(flavor);

  it('recognises every plain token chunk without JSON.parse, and only those', () => {
    const plain = chunks.filter(isPlainToken);
    expect(plain.length).toBeGreaterThanOrEqual(4);
    for (const d of chunks) {
      const k = classifyChunk(d);
      if (isPlainToken(d)) expect(k & (CHUNK.parseInJs | CHUNK.token), d).toBe(CHUNK.token);
      else expect(k & CHUNK.token && !(k & CHUNK.parseInJs), d).toBeFalsy();
    }
  });

  it('marks reasoning tokens as reasoning', () => {
    const reasoning = chunks.filter((d) => isPlainToken(d) && /"reasoning(_content)?":"/.test(d));
    expect(reasoning.length).toBeGreaterThanOrEqual(1);
    for (const d of reasoning) expect(classifyChunk(d)).toBe(CHUNK.token | CHUNK.reasoning);
  });

  it('gives the same summary as parsing every chunk, whole and cut at every byte', () => {
    const times = chunks.map((_, i) => i);
    expect(parseStream(times, chunks, false, chunks.map(classifyChunk))).toEqual(parseStream(times, chunks));
    for (const d of chunks) {
      for (let n = 1; n < d.length; n++) {
        const part = d.slice(0, n);
        expect(parseStream([0], [part], false, [classifyChunk(part)]), part).toEqual(parseStream([0], [part]));
      }
    }
  });
});

describe('classifyChunk edge cases', () => {
  it('sends a chunk with both output and reasoning text to the JSON path (it counts both)', () => {
    const both = '{"id":"x","choices":[{"index":0,"delta":{"content":" a","reasoning":" b"},"logprobs":null,"finish_reason":null,"token_ids":null}],"kv_transfer_params":null}';
    const reversed = '{"id":"x","choices":[{"index":0,"delta":{"reasoning_content":" b","content":" a"},"logprobs":null,"finish_reason":null,"matched_stop":null}]}';
    for (const d of [both, reversed]) {
      expect(classifyChunk(d) & CHUNK.parseInJs).toBe(CHUNK.parseInJs);
      expect(parseStream([0], [d], false, [classifyChunk(d)])).toEqual(parseStream([0], [d]));
    }
  });

  it('does not take a nested id or a non-null tail for a complete chunk', () => {
    expect(classifyChunk('{"choices":[{"delta":{"content":"hi"},"x":{"id":"a"}') & CHUNK.parseInJs).toBe(CHUNK.parseInJs);
    expect(classifyChunk('{"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}') & CHUNK.parseInJs).toBe(CHUNK.parseInJs);
    expect(classifyChunk('{"choices":[{"index":0,"delta":{"content":"hi"}}],"object":"chat.completion.chunk","id":"a\\"b"}') & CHUNK.parseInJs).toBe(CHUNK.parseInJs);
  });
});
