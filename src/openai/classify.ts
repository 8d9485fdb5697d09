// Classifying an OpenAI-compatible stream chunk without JSON.parse (the kinds of
// src/openai/chunk-kinds.ts). A plain token chunk is by far the most common event and only its
// arrival time matters, so it is recognised by its keys in the raw text: in JSON text an
// unescaped quote only occurs at string boundaries, so `"key":` matches real keys only. Anything
// that does not look like a plain chunk is marked for the full JSON path, so the result is
// always the same as parsing (test/unit/engine/classify.test.ts checks this on many shapes).

import { CHUNK } from './chunk-kinds';

/** The first key carrying generated text with a non-empty string value. */
const TOKEN_KEY = /"(content|reasoning_content|reasoning|text)":"(?!")/;

/**
 * Endings of a complete token chunk as servers serialise them (vLLM and SGLang end with the
 * choice's null finish_reason, optionally a null usage; llama.cpp with the object type). A
 * stream cut inside an event cannot end with one of these unless the object is whole, so a
 * truncated chunk always goes to the JSON path and is reported as malformed there.
 */
const COMPLETE_TAILS = ['"finish_reason":null}]}', '"finish_reason":null}],"usage":null}', '"object":"chat.completion.chunk"}', '"object":"text_completion"}'];

function endsComplete(data: string): boolean {
  for (const t of COMPLETE_TAILS) if (data.endsWith(t)) return true;
  return false;
}

/** Keys that make a chunk more than a plain token: errors, usage, tool calls, finish, other choices. */
const NOT_PLAIN = /"error":|"usage":(?!null)|"tool_calls":(?!null|\[\])|"finish_reason":(?!null)|"index":[1-9]/;

/** Kind flags of one SSE event's data. */
export function classifyChunk(data: string): number {
  if (data === '[DONE]') return CHUNK.done;
  const n = data.length;
  if (n < 2 || data.charCodeAt(0) !== 123 /* { */) return data.trimStart().startsWith('{') ? CHUNK.parseInJs : CHUNK.malformed;
  if (!endsComplete(data) || NOT_PLAIN.test(data)) return CHUNK.parseInJs;
  const m = TOKEN_KEY.exec(data);
  if (m === null) return 0;
  return m[1] === 'content' || m[1] === 'text' ? CHUNK.token : CHUNK.token | CHUNK.reasoning;
}
