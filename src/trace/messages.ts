// Chat messages found in traces: cleaned for strict servers and sized in tokens.

/**
 * Removes keys whose value is null, at every depth (LMCache rows carry `tool_calls: null`,
 * `tool_call_id: null`, `name: null` on every message, and vLLM rejects them with HTTP 400).
 * Array elements are kept (a null inside an array is data, not an absent field).
 */
export function stripNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => stripNulls(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== null) out[k] = stripNulls(v);
  }
  return out as T;
}

/** The text a server would tokenize from messages: contents (strings or text parts) and tool-call arguments. */
export function messagesText(messages: readonly unknown[]): string {
  const parts: string[] = [];
  for (const m of messages) {
    if (m === null || typeof m !== 'object') continue;
    const msg = m as Record<string, unknown>;
    const content = msg.content;
    if (typeof content === 'string') parts.push(content);
    else if (Array.isArray(content)) {
      for (const p of content) {
        if (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string') parts.push((p as { text: string }).text);
      }
    }
    if (Array.isArray(msg.tool_calls)) {
      for (const c of msg.tool_calls) {
        const fn = (c as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
        if (typeof fn?.name === 'string') parts.push(fn.name);
        if (typeof fn?.arguments === 'string') parts.push(fn.arguments);
      }
    }
  }
  return parts.join('\n');
}
