// SGLang 0.5.23's stream bytes (python/sglang/srt/entrypoints/openai/ in the wheel).
// Chat content chunks are msgspec structs (sse_utils.py:13-99): the delta always starts with
// `reasoning_content` (required, so null is written) and drops other None fields; the choice
// always ends with `matched_stop`; the chunk has no usage key. Tool-call chunks, the usage
// chunk and completion chunks are pydantic `model_dump_json()` (all fields, nulls included).
// The response id is the request's rid (serving_chat.py:2584 `content["meta_info"]["id"]`).

import { Bodies, type Usage, TOOL_NAME, cachedDetails, str, tokenText } from '../sse.js';

/**
 * SGLang's error body (protocol.py:106-111, serving_base.py:205-221): not wrapped in "error"
 * for a non-streamed answer; the streamed one is `json.dumps({"error": ...})` with Python's
 * default separators (serving_base.py:223-237).
 */
export function sglangErrorJson(message: string, status: number, type: string, param: string | null = null): string {
  return JSON.stringify({ object: 'error', message, type, param, code: status });
}

function pythonJsonDumps(o: Record<string, unknown>): string {
  // json.dumps: ", " between items and ": " after keys; values here are flat scalars.
  const item = (v: unknown): string => (typeof v === 'object' && v !== null ? pythonJsonDumps(v as Record<string, unknown>) : JSON.stringify(v));
  return '{' + Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}: ${item(v)}`).join(', ') + '}';
}

export class SglangBodies extends Bodies {
  private readonly pre: string;
  private readonly post: string;

  /** Chat sends the finish on its own chunk (serving_chat.py:2641-2662); completions on the last token. */
  get separateFinish(): boolean {
    return this.chat;
  }

  constructor(o: ConstructorParameters<typeof Bodies>[0]) {
    super(o);
    const object = this.chat ? 'chat.completion.chunk' : 'text_completion';
    this.pre = `data: {"id":${str(o.id)},"object":"${object}","created":${o.created},"model":${str(o.model)},"choices":[`;
    // pydantic chunks (completions, tool calls) end with the unset usage; msgspec ones omit it.
    this.post = this.chat ? ']}\n\n' : '],"usage":null}\n\n';
  }

  /** serving_chat.py:2582-2597 via build_sse_content: role + empty content. */
  roleChunk(): string {
    return `${this.pre}{"index":0,"delta":{"reasoning_content":null,"role":"assistant","content":""},"logprobs":null,"finish_reason":null,"matched_stop":null}]}\n\n`;
  }

  /** SGLang has no continuous usage stats: `usage` is ignored. */
  tokenChunk(choice: number, i: number, total: number, last: boolean, count = 1): string {
    const t = str(this.groupText(i, count));
    if (!this.chat) {
      // serving_completions.py:374-403 (CompletionResponseStreamChoice, protocol.py:546-565).
      return `${this.pre}{"index":${choice},"text":${t},"logprobs":null,"finish_reason":${last ? '"length"' : 'null'},"matched_stop":null}${this.post}`;
    }
    if (this.isReasoning(i)) return `${this.pre}{"index":${choice},"delta":{"reasoning_content":${t}},"logprobs":null,"finish_reason":null,"matched_stop":null}]}\n\n`;
    if (this.o.toolCall) {
      // serving_chat.py:3734-3756: a pydantic ChatCompletionStreamResponse; DeltaMessage
      // (protocol.py:1354-1366) role, content, reasoning_content, tool_calls; ToolCall
      // (protocol.py:739-745) id, index, type, function{name, arguments}.
      const args = str(this.groupFragment(i, total, count));
      const first = i === this.o.reasoningTokens;
      const call = first
        ? `{"id":"${this.toolCallId}","index":0,"type":"function","function":{"name":"${TOOL_NAME}","arguments":${args}}}`
        : `{"id":null,"index":0,"type":"function","function":{"name":null,"arguments":${args}}}`;
      return `${this.pre}{"index":${choice},"delta":{"role":null,"content":null,"reasoning_content":null,"tool_calls":[${call}]},"logprobs":null,"finish_reason":null,"matched_stop":null}],"usage":null}\n\n`;
    }
    return `${this.pre}{"index":${choice},"delta":{"reasoning_content":null,"content":${t}},"logprobs":null,"finish_reason":null,"matched_stop":null}]}\n\n`;
  }

  /** serving_chat.py:2641-2662: build_sse_content with only the finish reason. */
  finishChunk(choice: number): string {
    if (this.chat) return `${this.pre}{"index":${choice},"delta":{"reasoning_content":null},"logprobs":null,"finish_reason":"length","matched_stop":null}]}\n\n`;
    return `${this.pre}{"index":${choice},"text":"","logprobs":null,"finish_reason":"length","matched_stop":null}${this.post}`;
  }

  /**
   * Chat: serving_chat.py:2790-2797 model_dump_json() of UsageInfo (protocol.py:221-229), nulls
   * kept; prompt_tokens_details only with --enable-cache-report (usage_processor.py:75-83).
   * Completions: serving_completions.py:488-495, exclude_none.
   */
  usageChunk(u: Usage): string {
    const r = u.reasoningTokens ?? 0;
    const details = this.o.promptTokensDetails ? JSON.stringify(cachedDetails(u)) : null;
    let usage = `{"prompt_tokens":${u.promptTokens},"total_tokens":${u.promptTokens + u.completionTokens},"completion_tokens":${u.completionTokens}`;
    if (this.chat) usage += `,"prompt_tokens_details":${details ?? 'null'},"reasoning_tokens":${r},"completion_tokens_details":${r ? `{"reasoning_tokens":${r}}` : 'null'}}`;
    else usage += `${details ? `,"prompt_tokens_details":${details}` : ''},"reasoning_tokens":${r}${r ? `,"completion_tokens_details":{"reasoning_tokens":${r}}` : ''}}`;
    return `${this.pre}],"usage":${usage}}\n\n`;
  }

  /** serving_base.py:223-237: json.dumps({"error": ErrorResponse.model_dump()}). */
  errorEvent(message: string, status = 500): string {
    const err = { object: 'error', message, type: status >= 500 ? 'InternalServerError' : 'BadRequestError', param: null, code: status };
    return `data: ${pythonJsonDumps({ error: err })}\n\n`;
  }
}
