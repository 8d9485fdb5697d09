// Folding one Anthropic Messages stream event (`event: <type>` / `data: {"type": ...}`) into the
// stream summary, pure and per event so any transport can feed it with each event's time.
// Shapes as vLLM 0.34.0 sends them (vllm/entrypoints/anthropic/serving.py:996-1325):
// message_start, content_block_start/delta/stop (text_delta, thinking_delta, signature_delta,
// input_json_delta), message_delta (stop_reason, usage), message_stop, error.

import type { StreamSummary, Usage } from '../stream';

/** Anthropic usage: input_tokens excludes the cache reads and writes (serving.py:92-128), so the prompt is their sum. */
export function parseMessagesUsage(u: unknown): Usage | undefined {
  if (typeof u !== 'object' || u === null) return undefined;
  const o = u as Record<string, unknown>;
  if (typeof o.input_tokens !== 'number' || typeof o.output_tokens !== 'number') return undefined;
  const read = typeof o.cache_read_input_tokens === 'number' ? o.cache_read_input_tokens : undefined;
  const created = typeof o.cache_creation_input_tokens === 'number' ? o.cache_creation_input_tokens : 0;
  const usage: Usage = { promptTokens: o.input_tokens + (read ?? 0) + created, completionTokens: o.output_tokens };
  if (read !== undefined) usage.cachedTokens = read;
  return usage;
}

function errorText(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const o = e as { type?: unknown; message?: unknown };
    if (typeof o.message === 'string') return typeof o.type === 'string' ? `${o.type}: ${o.message}` : o.message;
  }
  return JSON.stringify(e);
}

/** Folds a parsed Messages event; returns false when the object is no Messages event. */
export function foldMessagesEvent(s: StreamSummary, time: number, ev: Record<string, unknown>, text: { value: string } | null): boolean {
  switch (ev.type) {
    case 'content_block_delta': {
      const d = ev.delta as Record<string, unknown> | undefined;
      if (!d) return true;
      let piece: unknown;
      let output = true;
      if (d.type === 'text_delta') piece = d.text;
      else if (d.type === 'thinking_delta') {
        piece = d.thinking;
        output = false;
      } else if (d.type === 'input_json_delta') {
        piece = d.partial_json;
        if (typeof piece === 'string' && piece.length > 0) s.toolCallChunks++;
      } else return true; // signature_delta carries no token
      if (typeof piece !== 'string' || piece.length === 0) return true;
      s.tokenChunkMs.push(time);
      if (!output) s.reasoningChunks++;
      else if (s.firstOutputMs === undefined) s.firstOutputMs = time;
      if (text) text.value += piece;
      return true;
    }
    case 'message_start': {
      const m = ev.message as Record<string, unknown> | undefined;
      const u = parseMessagesUsage(m?.usage);
      if (u) s.usage = u;
      return true;
    }
    case 'message_delta': {
      const u = parseMessagesUsage(ev.usage);
      if (u) s.usage = u;
      const d = ev.delta as Record<string, unknown> | undefined;
      if (d && typeof d.stop_reason === 'string') s.finishReason = d.stop_reason;
      return true;
    }
    case 'message_stop':
      s.done = true;
      return true;
    case 'error':
      s.streamError = errorText(ev.error);
      return true;
    case 'content_block_start':
    case 'content_block_stop':
    case 'ping':
      return true;
    default:
      return false;
  }
}

/** A non-streamed Messages response: usage, stop reason, text length. */
export function parseMessagesBody(o: Record<string, unknown>): { usage?: Usage; finishReason?: string; textChars: number } {
  let textChars = 0;
  if (Array.isArray(o.content)) {
    for (const b of o.content as Record<string, unknown>[]) if (b && typeof b.text === 'string') textChars += b.text.length;
  }
  return { usage: parseMessagesUsage(o.usage), finishReason: typeof o.stop_reason === 'string' ? o.stop_reason : undefined, textChars };
}
