// Classifying a Messages or Responses stream event without JSON.parse, as classify.ts does for
// chat chunks: the plain token events (a text or thinking delta of Messages, a text or reasoning
// delta of Responses) are by far the most common and only their arrival time matters. They are
// recognised by their whole serialisation as vLLM writes it (vllm/entrypoints/anthropic/serving.py
// via model_dump_json(exclude_unset=True), serving.py:1066-1131; responses/api_router.py:34-45):
// a fixed head, a non-empty string, a fixed tail, byte for byte, checked by one anchored regex
// per shape (irregexp's native matcher is ~10x cheaper here than walking the bytes in JS:
// scripts/bench/api-parse.ts). Anything else (usage, stop, errors, other shapes, a cut event)
// goes to the JSON path, so the result is the same as parsing (test/unit/openai-api-kinds.test.ts,
// which also cuts vLLM's events at every byte).

import { CHUNK, NEEDS_JS_PARSE } from './chunk-kinds';
import { classifyChunk } from './classify';
import type { Endpoint } from '../config/replay';

/**
 * A non-empty JSON string's content: characters other than a quote or a backslash, or an escape.
 * In JSON text a quote inside a string is always escaped, so the string ends at the first
 * unescaped quote and the fixed text after it is all the event can hold.
 */
const STRING = String.raw`(?:[^"\\]|\\.)+`;

/** Whole-event patterns (anchored, so irregexp checks every byte in one native pass). */
function exact(head: string, tail: string): RegExp {
  return new RegExp(`^${head}"${STRING}"${tail}$`);
}

/**
 * Messages deltas as vLLM 0.34 writes them: AnthropicStreamEvent(type, delta, index) through
 * `model_dump_json(exclude_unset=True)` (anthropic/protocol.py:401-438, serving.py:1066-1131):
 *   {"type":"content_block_delta","delta":{"type":"text_delta","text":"<text>"},"index":1}
 */
const MESSAGES_TEXT = exact(String.raw`\{"type":"content_block_delta","delta":\{"type":"text_delta","text":`, String.raw`\},"index":\d+\}`);
const MESSAGES_THINKING = exact(String.raw`\{"type":"content_block_delta","delta":\{"type":"thinking_delta","thinking":`, String.raw`\},"index":\d+\}`);

/**
 * Responses deltas as vLLM 0.34 writes them: openai-python's ResponseTextDeltaEvent and
 * ResponseReasoningTextDeltaEvent (fields in declaration order) through
 * `model_dump_json(indent=None, by_alias=True)` (responses/api_router.py:34-45; built in
 * streaming_events.py:190-200, 238-245, 903-912):
 *   {"content_index":0,"delta":"<text>","item_id":"msg_…","logprobs":[],"output_index":0,"sequence_number":7,"type":"response.output_text.delta"}
 *   {"content_index":0,"delta":"<text>","item_id":"rs_…","output_index":0,"sequence_number":3,"type":"response.reasoning_text.delta"}
 * Other field orders (other servers, later openai-python fields) take the JSON path.
 */
const RESPONSES_TEXT = exact(String.raw`\{"content_index":\d+,"delta":`, String.raw`,"item_id":"[\w-]+","logprobs":\[\],"output_index":\d+,"sequence_number":\d+,"type":"response\.output_text\.delta"\}`);
const RESPONSES_REASONING = exact(String.raw`\{"content_index":\d+,"delta":`, String.raw`,"item_id":"[\w-]+","output_index":\d+,"sequence_number":\d+,"type":"response\.reasoning_text\.delta"\}`);

function messagesKind(d: string): number {
  if (MESSAGES_TEXT.test(d)) return CHUNK.token;
  return MESSAGES_THINKING.test(d) ? CHUNK.token | CHUNK.reasoning : CHUNK.parseInJs;
}

function responsesKind(d: string): number {
  if (RESPONSES_TEXT.test(d)) return CHUNK.token;
  return RESPONSES_REASONING.test(d) ? CHUNK.token | CHUNK.reasoning : CHUNK.parseInJs;
}

/** Kind flags of one event's data on `api`: plain token events of Messages/Responses, else the JSON path. */
export function classifyApiEvent(api: Endpoint, d: string): number {
  if (api === 'messages') return messagesKind(d);
  if (api === 'responses') return responsesKind(d);
  return CHUNK.parseInJs;
}

/** Whether `api` streams events of its own (not chat chunks): the native core classifies chat's only. */
export function hasOwnEvents(api: Endpoint | undefined): api is 'messages' | 'responses' {
  return api === 'messages' || api === 'responses';
}

/** The classifier of a request's stream events: its API's, chat's when it has none of its own. */
export function eventClassifier(api: Endpoint | undefined): (d: string) => number {
  return hasOwnEvents(api) ? (d) => classifyApiEvent(api, d) : classifyChunk;
}

/** Whether an event of this kind keeps its data for the JSON path (plain token events need only their time). */
export function keepsData(kind: number): boolean {
  return (kind & (NEEDS_JS_PARSE | CHUNK.malformed)) !== 0;
}
