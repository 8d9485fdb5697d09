// Classifying an OpenAI-compatible stream chunk without JSON.parse (the kinds of
// src/openai/chunk-kinds.ts). A plain token chunk is by far the most common event and only its
// arrival time matters, so it is recognised by its keys in the raw text: in JSON text an
// unescaped quote only occurs at string boundaries, so `"key":` matches real keys only. Anything
// that does not look like a plain chunk is marked for the full JSON path, so the result is
// always the same as parsing (test/unit/classify.test.ts checks this on many shapes).

import { CHUNK } from './chunk-kinds';

const KEY_OPEN = /"(content|reasoning_content|reasoning|text)":"([^"\\]|\\.)/g;

function valueAfter(data: string, key: string): string | undefined {
  const at = data.indexOf(key);
  if (at < 0) return undefined;
  return data.slice(at + key.length, at + key.length + 4);
}

/** Kind flags of one SSE event's data. */
export function classifyChunk(data: string): number {
  if (data === '[DONE]') return CHUNK.done;
  const n = data.length;
  if (n < 2 || data.charCodeAt(0) !== 123 /* { */ || data.charCodeAt(n - 1) !== 125 /* } */) {
    return data.trimStart().startsWith('{') ? CHUNK.parseInJs : CHUNK.malformed;
  }
  // Anything but a lone choice with a null finish_reason and no usage/error goes the full path.
  if (data.indexOf('"error":') >= 0) return CHUNK.parseInJs;
  const usage = valueAfter(data, '"usage":');
  if (usage !== undefined && usage !== 'null') return CHUNK.parseInJs;
  const finish = valueAfter(data, '"finish_reason":');
  if (finish !== undefined && finish !== 'null') return CHUNK.parseInJs;
  if (data.indexOf('"index":1') >= 0) return CHUNK.parseInJs;
  const tools = valueAfter(data, '"tool_calls":');
  if (tools !== undefined && tools !== 'null' && !tools.startsWith('[]')) return CHUNK.parseInJs;
  let kind = 0;
  KEY_OPEN.lastIndex = 0;
  for (let m = KEY_OPEN.exec(data); m !== null; m = KEY_OPEN.exec(data)) {
    kind |= CHUNK.token;
    if (m[1] === 'reasoning_content' || m[1] === 'reasoning') kind |= CHUNK.reasoning;
  }
  return kind;
}
