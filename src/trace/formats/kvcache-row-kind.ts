// What a kv-cache-tester row says about the API it went to, checked against what the format
// defines, so one of its traces never sends a row to the wrong endpoint silently.
//
// The format (callanjfox/agentic-coding-analysis docs/TRACE_FORMAT.md, "Request Schema" and
// "input_types Values"; /work/shared/reference/trace-formats.md §3.1) records Claude Code's
// Anthropic Messages traffic only (the neon builder even filters `endpoint='/v1/messages'`):
// - `type`: "s" streaming, "n" non-streaming (a generation request either way; the replay's
//   --stream decides how it is sent), "subagent" a nested agent (read by the caller);
// - `input_types`: what the client added, Anthropic content block types ("text",
//   "tool_result", and after a context reset whatever blocks the messages hold);
// - `output_types`: "text", "thinking", "tool_use".
// So every value the format defines maps to text generation on the run's --endpoint (chat,
// completions, messages or responses); none names embeddings or rerank. A row that says
// otherwise (an unknown `type`, a content type no Messages server takes) is an error naming
// the file, line and field, not a guess. The content block types accepted are those vLLM 0.34's
// Messages endpoint takes (vllm/entrypoints/anthropic/protocol.py:65-78) plus "document".
// A row's own `endpoint` field (src/trace/endpoint-field.ts) still routes it explicitly.

import { TraceError } from '../errors';

const ROW_TYPES = ['s', 'n'];
const CONTENT_TYPES = ['text', 'image', 'document', 'tool_use', 'tool_result', 'tool_reference', 'thinking', 'redacted_thinking', 'tool_addition', 'tool_removal'];
const OUTPUT_TYPES = ['text', 'thinking', 'tool_use'];

function checkList(r: Record<string, unknown>, key: string, allowed: readonly string[], path: string, w: { file: string; line: number }): void {
  const v = r[key];
  if (!Array.isArray(v)) return; // the reader reports a malformed list
  v.forEach((x, i) => {
    if (typeof x === 'string' && !allowed.includes(x)) {
      throw new TraceError(w.file, w.line, `${path}.${key}[${i}]`, `unknown value ${JSON.stringify(x)}: kv-cache-tester records ${allowed.join(', ')} (every one a text-generation request); set the row's "endpoint" to send it elsewhere`);
    }
  });
}

/** Checks a request row's `type`, `input_types` and `output_types` (generation on the run's endpoint). */
export function checkRowKind(r: Record<string, unknown>, path: string, w: { file: string; line: number }): void {
  const t = r.type;
  if (t !== undefined && t !== null && !(typeof t === 'string' && ROW_TYPES.includes(t))) {
    throw new TraceError(w.file, w.line, `${path}.type`, `unknown request type ${JSON.stringify(t)}: kv-cache-tester rows are "s" (streaming), "n" (non-streaming) or "subagent"`);
  }
  checkList(r, 'input_types', CONTENT_TYPES, path, w);
  checkList(r, 'output_types', OUTPUT_TYPES, path, w);
}
