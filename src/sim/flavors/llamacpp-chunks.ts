// llama.cpp server's stream bytes, as vendored in llama-cpp-python 0.3.36
// (vendor/llama.cpp/tools/server). Chunks are nlohmann ordered_json objects (insertion order):
// chat chunks put `choices` first and end with `"object":"chat.completion.chunk"`
// (server-task.cpp:1111-1160); completion chunks end with the id (server-task.cpp:1073-1100).
// The id is `chatcmpl-` + 32 random characters for both endpoints (server-common.cpp:111-128,
// server-context.cpp:4247): llama-server ignores X-Request-Id.

import { Bodies, type Usage, TOOL_NAME, str, tokenText } from '../sse.js';

/** llama_build_info(): build number and commit. */
export const LLAMACPP_FINGERPRINT = 'b0-sim';

/** format_error_response (server-common.cpp:36-77) inside {"error": …} (server-common.cpp:445-450). */
export function llamacppErrorJson(message: string, status: number, extra: Record<string, unknown> = {}): string {
  const type = status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : status === 503 ? 'unavailable_error' : status === 401 ? 'authentication_error' : 'server_error';
  return JSON.stringify({ error: { code: status, message, type, ...extra } });
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** random_string(): 32 characters of [0-9A-Za-z], derived from the request id (deterministic). */
export function llamacppId(seed: string): string {
  let h = 2166136261;
  let out = '';
  for (let i = 0; i < 32; i++) {
    for (let j = 0; j < seed.length; j++) h = Math.imul(h ^ seed.charCodeAt(j), 16777619);
    h = Math.imul(h ^ i, 16777619);
    out += ALNUM[(h >>> 0) % 62];
  }
  return out;
}

export class LlamacppBodies extends Bodies {
  private readonly tail: string;
  private readonly responseId: string;
  readonly separateFinish = true;
  /** server-context.cpp:4470-4474: an error result terminates the stream without [DONE]. */
  override readonly doneAfterError = false;
  /** include_usage asked: the usage chunk is last and carries the timings, else the finish chunk does. */
  readonly includeUsage: boolean;

  constructor(o: ConstructorParameters<typeof Bodies>[0]) {
    super(o);
    this.includeUsage = o.includeUsage;
    this.responseId = 'chatcmpl-' + llamacppId(o.id);
    this.tail = this.chat
      ? `"created":${o.created},"id":${str(this.responseId)},"model":${str(o.model)},"system_fingerprint":"${LLAMACPP_FINGERPRINT}","object":"chat.completion.chunk"`
      : `"created":${o.created},"model":${str(o.model)},"system_fingerprint":"${LLAMACPP_FINGERPRINT}","object":"text_completion"`;
  }

  private chatChunk(choice: number, finish: string, delta: string, after = ''): string {
    return `data: {"choices":[{"finish_reason":${finish},"index":${choice},"delta":${delta}}],${this.tail}${after}}\n\n`;
  }

  private completionChunk(choice: number, text: string, finish: string, after = ''): string {
    return `data: {"choices":[{"text":${text},"index":${choice},"logprobs":null,"finish_reason":${finish}}],${this.tail}${after},"id":${str(this.responseId)}}\n\n`;
  }

  /** server-task.cpp:1131-1137: the first token's partial starts with role + null content. */
  roleChunk(): string {
    return this.chatChunk(0, 'null', '{"role":"assistant","content":null}');
  }

  /** server_chat_msg_diff_to_json_oaicompat (server-chat.cpp:621-649): reasoning_content, content, tool_calls. */
  private delta(i: number, total: number, count: number): string {
    const t = str(this.groupText(i, count));
    if (this.isReasoning(i)) return `{"reasoning_content":${t}}`;
    if (this.o.toolCall) {
      const args = str(this.groupFragment(i, total, count));
      if (i === this.o.reasoningTokens) return `{"tool_calls":[{"index":0,"id":"${this.toolCallId}","type":"function","function":{"name":"${TOOL_NAME}","arguments":${args}}}]}`;
      return `{"tool_calls":[{"index":0,"function":{"arguments":${args}}}]}`;
    }
    return `{"content":${t}}`;
  }

  /** llama-server has no continuous usage stats: `usage` is ignored. */
  tokenChunk(choice: number, i: number, total: number, _last = false, count = 1): string {
    if (this.chat) return this.chatChunk(choice, 'null', this.delta(i, total, count));
    return this.completionChunk(choice, str(this.groupText(i, count)), 'null');
  }

  /**
   * Chat: server-task.cpp:496-507, an empty delta with the finish; the last event carries the
   * timings (517). Completions: the final result (server-task.cpp:374-410) carries the finish,
   * the usage (always) and the timings.
   */
  finishChunk(choice: number, u?: Usage): string {
    if (this.chat) return this.chatChunk(choice, '"length"', '{}', this.includeUsage ? '' : `,"timings":${timings(u)}`);
    return this.completionChunk(choice, '""', '"length"', u ? `,"usage":${usage(u)}` : '').replace(/}\n\n$/, `,"timings":${timings(u)}}\n\n`);
  }

  /** Chat: server-task.cpp:502-515 (choices [] and usage, then the timings). Completions: sent with the finish. */
  usageChunk(u: Usage): string {
    if (!this.chat) return '';
    return `data: {"choices":[],${this.tail},"usage":${usage(u)},"timings":${timings(u)}}\n\n`;
  }

  /** server-context.cpp:4396-4404: format_oai_sse({"error": …}). */
  errorEvent(message: string, status = 500): string {
    return `data: ${llamacppErrorJson(message, status)}\n\n`;
  }
}

/** usage_json_oaicompat (server-task.cpp:365-372): prompt_tokens_details always present. */
function usage(u: Usage): string {
  return `{"completion_tokens":${u.completionTokens},"prompt_tokens":${u.promptTokens},"total_tokens":${u.promptTokens + u.completionTokens},"prompt_tokens_details":{"cached_tokens":${u.cachedTokens}}}`;
}

/** server_slot_stats::to_json (server-common.cpp:84-97); the simulator does not time slots: 0.0. */
function timings(u?: Usage): string {
  const cached = u?.cachedTokens ?? 0;
  const prompt = (u?.promptTokens ?? 0) - cached;
  const gen = u?.completionTokens ?? 0;
  return `{"cache_n":${cached},"prompt_n":${prompt},"prompt_ms":0.0,"prompt_per_token_ms":0.0,"prompt_per_second":0.0,"predicted_n":${gen},"predicted_ms":0.0,"predicted_per_token_ms":0.0,"predicted_per_second":0.0}`;
}
