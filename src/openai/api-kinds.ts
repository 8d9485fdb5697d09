// Classifying a Messages or Responses stream event without JSON.parse, as classify.ts does for
// chat chunks: the plain token events (a text or thinking delta of Messages, a text or reasoning
// delta of Responses) are by far the most common and only their arrival time matters. They are
// recognised by their whole serialisation as vLLM writes it (vllm/entrypoints/anthropic/serving.py
// via model_dump_json; responses/api_router.py:34-45): a fixed head, a non-empty string, a fixed
// tail. Anything else (usage, stop, errors, other shapes, a cut event) goes to the JSON path, so
// the result is the same as parsing (test/unit/openai-api-kinds.test.ts).

import { CHUNK, NEEDS_JS_PARSE } from './chunk-kinds';
import { classifyChunk } from './classify';
import type { Endpoint } from '../config/replay';

const MESSAGES_TEXT = '{"type":"content_block_delta","delta":{"type":"text_delta","text":"';
const MESSAGES_THINKING = '{"type":"content_block_delta","delta":{"type":"thinking_delta","thinking":"';
/** The end of a Messages delta event: the string closes, then the block index. */
const MESSAGES_TAIL = /"},"index":\d+}$/;

/** Responses deltas: `{"output_index":N,"item_id":"...","content_index":N,"delta":"...",...,"type":"<type>"}` (our simulator) or vLLM's field order; the type closes the object. */
const RESPONSES_TEXT_TAIL = '"type":"response.output_text.delta"}';
const RESPONSES_REASONING_TAIL = '"type":"response.reasoning_text.delta"}';
/** A non-empty delta string followed by plain fields only (no nested objects that could hold another "delta"). */
const RESPONSES_DELTA = /"delta":"(?!")(?:[^"\\]|\\.)*"(?:,"(?:logprobs|sequence_number|obfuscation|item_id|output_index|content_index)":(?:\[\]|\d+|"[A-Za-z0-9_-]*"))*,"type":"response\.(?:output_text|reasoning_text)\.delta"}$/;

function messagesKind(d: string): number {
  const thinking = d.startsWith(MESSAGES_THINKING);
  if (!thinking && !d.startsWith(MESSAGES_TEXT)) return CHUNK.parseInJs;
  const head = thinking ? MESSAGES_THINKING.length : MESSAGES_TEXT.length;
  // Non-empty text, whole event, and no further key hiding inside (a string has no unescaped quote).
  if (d.charCodeAt(head) === 34 /* " */ || !MESSAGES_TAIL.test(d)) return CHUNK.parseInJs;
  const body = d.slice(head, d.lastIndexOf('"},"index":'));
  // The string's content: no unescaped quote inside, and its closing quote not escaped.
  if (/(^|[^\\])(\\\\)*"/.test(body) || /(^|[^\\])\\(\\\\)*$/.test(body)) return CHUNK.parseInJs;
  return thinking ? CHUNK.token | CHUNK.reasoning : CHUNK.token;
}

function responsesKind(d: string): number {
  const text = d.endsWith(RESPONSES_TEXT_TAIL);
  if (!text && !d.endsWith(RESPONSES_REASONING_TAIL)) return CHUNK.parseInJs;
  if (d.charCodeAt(0) !== 123 || !RESPONSES_DELTA.test(d)) return CHUNK.parseInJs;
  // Exactly one "delta" key and one "type" key: nothing else could redefine them.
  if (d.indexOf('"delta":') !== d.lastIndexOf('"delta":') || d.indexOf('"type":') !== d.lastIndexOf('"type":')) return CHUNK.parseInJs;
  return text ? CHUNK.token : CHUNK.token | CHUNK.reasoning;
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
