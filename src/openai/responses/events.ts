// Folding one OpenAI Responses stream event into the stream summary, pure and per event.
// Shapes as vLLM 0.34.0 sends them (vllm/entrypoints/openai/responses/serving.py:1386-1457,
// streaming_events.py:839-1210): response.created, response.in_progress, output_item.added,
// content_part.added, output_text.delta, reasoning_text.delta, function_call_arguments.delta,
// the *.done events, then response.completed, or response.incomplete when max_output_tokens
// was reached (serving.py:1441-1456); an `error` event on a generation error (serving.py:1418).

import type { StreamSummary, Usage } from '../stream';

/** Responses usage: input_tokens (cached inside), output_tokens, their details (protocol.py:113). */
export function parseResponsesUsage(u: unknown): Usage | undefined {
  if (typeof u !== 'object' || u === null) return undefined;
  const o = u as Record<string, unknown>;
  if (typeof o.input_tokens !== 'number' || typeof o.output_tokens !== 'number') return undefined;
  const usage: Usage = { promptTokens: o.input_tokens, completionTokens: o.output_tokens };
  const id = o.input_tokens_details as Record<string, unknown> | null | undefined;
  if (id && typeof id.cached_tokens === 'number') usage.cachedTokens = id.cached_tokens;
  const od = o.output_tokens_details as Record<string, unknown> | null | undefined;
  if (od && typeof od.reasoning_tokens === 'number') usage.reasoningTokens = od.reasoning_tokens;
  return usage;
}

/** The finish of a terminal response object: its incomplete reason (max_output_tokens) or its status. */
function finishOf(r: Record<string, unknown> | undefined): string {
  const inc = r?.incomplete_details as Record<string, unknown> | null | undefined;
  if (inc && typeof inc.reason === 'string') return inc.reason;
  return typeof r?.status === 'string' ? r.status : 'completed';
}

const TOKEN_EVENTS: Record<string, 'output' | 'reasoning' | 'tool'> = {
  'response.output_text.delta': 'output',
  'response.reasoning_text.delta': 'reasoning',
  'response.reasoning_summary_text.delta': 'reasoning',
  'response.function_call_arguments.delta': 'tool',
  'response.custom_tool_call_input.delta': 'tool',
};

/** Folds a parsed Responses event; returns false when the object is no Responses event. */
export function foldResponsesEvent(s: StreamSummary, time: number, ev: Record<string, unknown>, text: { value: string } | null): boolean {
  const type = ev.type;
  if (typeof type !== 'string') return false;
  const kind = TOKEN_EVENTS[type];
  if (kind !== undefined) {
    if (typeof ev.delta !== 'string' || ev.delta.length === 0) return true;
    s.tokenChunkMs.push(time);
    if (kind === 'reasoning') s.reasoningChunks++;
    else if (s.firstOutputMs === undefined) s.firstOutputMs = time;
    if (kind === 'tool') s.toolCallChunks++;
    if (text) text.value += ev.delta;
    return true;
  }
  if (type === 'response.completed' || type === 'response.incomplete') {
    const r = ev.response as Record<string, unknown> | undefined;
    const u = parseResponsesUsage(r?.usage);
    if (u) s.usage = u;
    s.finishReason = finishOf(r);
    s.done = true;
    return true;
  }
  if (type === 'response.failed') {
    const r = ev.response as Record<string, unknown> | undefined;
    const e = r?.error as { message?: unknown } | null | undefined;
    s.streamError = typeof e?.message === 'string' ? e.message : 'response.failed';
    return true;
  }
  if (type === 'error') {
    s.streamError = typeof ev.message === 'string' ? ev.message : JSON.stringify(ev);
    return true;
  }
  return type.startsWith('response.');
}

/** A non-streamed Responses body: usage, finish (status or incomplete reason), text length. */
export function parseResponsesBody(o: Record<string, unknown>): { usage?: Usage; finishReason?: string; textChars: number; error?: string } {
  if (o.status === 'failed') {
    const e = o.error as { message?: unknown } | null | undefined;
    return { textChars: 0, error: typeof e?.message === 'string' ? e.message : 'response failed' };
  }
  let textChars = 0;
  if (Array.isArray(o.output)) {
    for (const item of o.output as Record<string, unknown>[]) {
      if (!Array.isArray(item?.content)) continue;
      for (const p of item.content as Record<string, unknown>[]) if (p && p.type === 'output_text' && typeof p.text === 'string') textChars += p.text.length;
    }
  }
  return { usage: parseResponsesUsage(o.usage), finishReason: finishOf(o), textChars };
}

/** The id of the response a stream (its response.created event) or a body answered: what previous_response_id names. */
export function responseIdOf(events: readonly string[], body: string): string | undefined {
  const idOf = (d: string, inner: boolean): string | undefined => {
    try {
      const o = JSON.parse(d) as { id?: unknown; response?: { id?: unknown } };
      const id = inner ? o.response?.id : o.id;
      return typeof id === 'string' && id !== '' ? id : undefined;
    } catch {
      return undefined;
    }
  };
  for (const d of events) if (d.includes('"response.created"')) return idOf(d, true);
  return events.length === 0 && body ? idOf(body, false) : undefined;
}
