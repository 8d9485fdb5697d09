// Parsing an OpenAI-compatible SSE stream (chat.completion.chunk / text_completion events)
// into what the metrics need: when each token-carrying chunk arrived, the usage, how it ended.
// Pure: events come in as (time, data) pairs from whatever transport read them.

import { CHUNK, NEEDS_JS_PARSE } from './chunk-kinds';
import type { Endpoint } from './request';
import { foldMessagesEvent, parseMessagesBody } from './messages/events';
import { foldResponsesEvent, parseResponsesBody } from './responses/events';
import { parsePoolingBody } from './pooling/body';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  /** Cached tokens by KV tier, when the server says (our simulator's `cached_tokens_by_tier`). */
  cachedTokensByTier?: Record<string, number>;
  reasoningTokens?: number;
}

export interface StreamSummary {
  /** Arrival time of every chunk carrying a generated token (content, reasoning or tool call). */
  tokenChunkMs: number[];
  /** Token-carrying chunks that were reasoning (reasoning_content / reasoning). */
  reasoningChunks: number;
  /** Arrival time of the first chunk carrying an output (non-reasoning) token: content, text or a tool call. */
  firstOutputMs?: number;
  /** Token-carrying chunks that carried tool-call fragments. */
  toolCallChunks: number;
  /** Events that were not JSON or not a chunk object. */
  malformed: number;
  /** The first malformed event, shortened, for the error message. */
  firstMalformed?: string;
  /** An error object sent inside the stream (e.g. vLLM's mid-stream error). */
  streamError?: string;
  usage?: Usage;
  finishReason?: string;
  /** The terminating `data: [DONE]` was seen. */
  done: boolean;
  /** Concatenated generated text (only when asked: debug, real-content sessions). */
  text?: string;
}

interface ChunkChoice {
  delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown; tool_calls?: unknown };
  text?: unknown;
  finish_reason?: unknown;
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/** Reads `usage` in the OpenAI shape, tolerating missing details. */
export function parseUsage(u: unknown): Usage | undefined {
  if (typeof u !== 'object' || u === null) return undefined;
  const o = u as Record<string, unknown>;
  if (typeof o.prompt_tokens !== 'number' || typeof o.completion_tokens !== 'number') return undefined;
  const usage: Usage = { promptTokens: o.prompt_tokens, completionTokens: o.completion_tokens };
  const pd = o.prompt_tokens_details as Record<string, unknown> | null | undefined;
  if (pd && typeof pd.cached_tokens === 'number') usage.cachedTokens = pd.cached_tokens;
  const byTier = pd?.cached_tokens_by_tier;
  if (typeof byTier === 'object' && byTier !== null && Object.values(byTier).every((v) => typeof v === 'number')) usage.cachedTokensByTier = byTier as Record<string, number>;
  const cd = o.completion_tokens_details as Record<string, unknown> | null | undefined;
  if (cd && typeof cd.reasoning_tokens === 'number') usage.reasoningTokens = cd.reasoning_tokens;
  return usage;
}

function errorMessage(e: unknown): string {
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return JSON.stringify(e);
}

const MALFORMED_PREVIEW = 120;

/** Folds one parsed-or-not event into the summary (the full JSON path). */
function foldEvent(s: StreamSummary, time: number, d: string, text: { value: string } | null, api: Endpoint): void {
  if (d === '[DONE]') {
    s.done = true;
    return;
  }
  let chunk: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(d);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    chunk = parsed as Record<string, unknown>;
  } catch {
    noteMalformed(s, d);
    return;
  }
  // Messages and Responses streams: each event names its type; an unknown one is malformed.
  if (api === 'messages' || api === 'responses') {
    const known = api === 'messages' ? foldMessagesEvent(s, time, chunk, text) : foldResponsesEvent(s, time, chunk, text);
    if (!known) noteMalformed(s, d);
    return;
  }
  if (chunk.error !== undefined && chunk.error !== null) {
    s.streamError = errorMessage(chunk.error);
    return;
  }
  const usage = parseUsage(chunk.usage);
  if (usage) s.usage = usage;
  const choices = chunk.choices;
  if (!Array.isArray(choices) || choices.length === 0) return;
  const c = choices[0] as ChunkChoice;
  let carries = false;
  /** Carries a token the user sees as the answer (not reasoning). */
  let output = false;
  const delta = c.delta;
  if (delta) {
    if (nonEmptyString(delta.content)) {
      carries = output = true;
      if (text) text.value += delta.content;
    }
    const reasoning = nonEmptyString(delta.reasoning_content) ? delta.reasoning_content : delta.reasoning;
    if (nonEmptyString(reasoning)) {
      carries = true;
      s.reasoningChunks++;
      if (text) text.value += reasoning;
    }
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
      carries = output = true;
      s.toolCallChunks++;
    }
  }
  if (nonEmptyString(c.text)) {
    carries = output = true;
    if (text) text.value += c.text;
  }
  if (carries) s.tokenChunkMs.push(time);
  if (output && s.firstOutputMs === undefined) s.firstOutputMs = time;
  if (typeof c.finish_reason === 'string') s.finishReason = c.finish_reason;
}

function noteMalformed(s: StreamSummary, d: string): void {
  s.malformed++;
  if (s.firstMalformed === undefined) s.firstMalformed = d.slice(0, MALFORMED_PREVIEW);
}

/**
 * Folds the stream's events into a summary. `times[i]` is when `data[i]` arrived.
 * `keepText` collects the generated text (costs memory; off for load runs). `kinds`, when the
 * transport classified the chunks (src/openai/chunk-kinds.ts), lets plain token chunks skip
 * JSON.parse; the result is the same as without.
 */
export function parseStream(times: readonly number[], data: readonly string[], keepText = false, kinds?: readonly number[], api: Endpoint = 'chat'): StreamSummary {
  const s: StreamSummary = { tokenChunkMs: [], reasoningChunks: 0, toolCallChunks: 0, malformed: 0, done: false };
  const text = keepText ? { value: '' } : null;
  // Kinds come from the classifier of the request's API (classify.ts, api-kinds.ts).
  const useKinds = !keepText && kinds !== undefined && kinds.length === data.length;
  for (let i = 0; i < data.length; i++) {
    const k = useKinds ? kinds[i] : -1;
    if (k < 0 || k & NEEDS_JS_PARSE) {
      foldEvent(s, times[i], data[i], text, api);
    } else if (k & CHUNK.done) {
      s.done = true;
    } else if (k & CHUNK.malformed) {
      noteMalformed(s, data[i]);
    } else if (k & CHUNK.token) {
      s.tokenChunkMs.push(times[i]);
      if (k & CHUNK.reasoning) s.reasoningChunks++;
      else if (s.firstOutputMs === undefined) s.firstOutputMs = times[i];
      if (k & CHUNK.toolCall) s.toolCallChunks++;
    }
  }
  if (text) s.text = text.value;
  return s;
}

export interface CompletionSummary {
  usage?: Usage;
  finishReason?: string;
  /** Generated text length in characters (for when no usage is reported). */
  textChars: number;
  error?: string;
  /** Embeddings and rerank: inputs the response answered. */
  batchSize?: number;
}

/** Parses a non-streamed body of any API (chat or text completion by default). */
export function parseCompletionBody(body: string, api: Endpoint = 'chat'): CompletionSummary {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { textChars: 0, error: `response is not JSON: ${body.slice(0, MALFORMED_PREVIEW)}` };
  }
  if (typeof o !== 'object' || o === null) return { textChars: 0, error: `response is not a JSON object: ${body.slice(0, MALFORMED_PREVIEW)}` };
  if (o.error !== undefined && o.error !== null) return { textChars: 0, error: errorMessage(o.error) };
  if (api === 'messages') return parseMessagesBody(o);
  if (api === 'responses') return parseResponsesBody(o);
  if (api === 'embeddings' || api === 'rerank') return { textChars: 0, ...parsePoolingBody(o) };
  const out: CompletionSummary = { usage: parseUsage(o.usage), textChars: 0 };
  const choices = o.choices;
  if (Array.isArray(choices) && choices.length > 0) {
    const c = choices[0] as { message?: { content?: unknown; reasoning_content?: unknown }; text?: unknown; finish_reason?: unknown };
    const content = c.message?.content ?? c.text;
    if (typeof content === 'string') out.textChars = content.length;
    if (typeof c.finish_reason === 'string') out.finishReason = c.finish_reason;
  }
  return out;
}

/** The error message inside an OpenAI-style error body, or a shortened body. */
export function errorBodyMessage(body: string): string {
  try {
    const o = JSON.parse(body) as { error?: unknown; message?: unknown; detail?: unknown };
    if (o.error !== undefined) return errorMessage(o.error);
    if (typeof o.message === 'string') return o.message;
    if (o.detail !== undefined) return errorMessage(o.detail);
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200);
}
