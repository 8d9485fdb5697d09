// vLLM 0.34.0's stream bytes. Chunks are pydantic models dumped with
// `model_dump_json(exclude_unset=True, exclude_none=not chunk.choices)`
// (vllm/entrypoints/openai/chat_completion/serving.py:500-501; completions:
// vllm/entrypoints/openai/completion/serving.py:554, usage chunk 612-614): every field the
// server set explicitly appears, nulls included, in the models' declaration order
// (chat_completion/protocol.py:170-205, completion/protocol.py:725-765); the usage chunk has
// no choices, so its nulls are dropped.

import { Bodies, type Usage, TOOL_NAME, cachedDetails, str, tokenText } from '../sse.js';

/** vLLM's mid-stream error: ErrorResponse.model_dump_json() (serve/engine/protocol.py:79-87). */
export function vllmErrorJson(message: string, status: number, type: string, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code: status } });
}

export class VllmBodies extends Bodies {
  private readonly pre: string;
  get separateFinish(): boolean {
    return this.o.separateFinishChunk;
  }

  constructor(o: ConstructorParameters<typeof Bodies>[0]) {
    super(o);
    // The response id is the request id behind a prefix (chat serving.py:321-323, completion serving.py:192).
    const id = (this.chat ? 'chatcmpl-' : 'cmpl-') + o.id;
    const object = this.chat ? 'chat.completion.chunk' : 'text_completion';
    this.pre = `data: {"id":${str(id)},"object":"${object}","created":${o.created},"model":${str(o.model)},"choices":[`;
  }

  /** chat_completion/serving.py:601-624: role + empty content, prompt_token_ids / prompt_text set to null. */
  roleChunk(): string {
    return `${this.pre}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"prompt_token_ids":null,"prompt_text":null}\n\n`;
  }

  /** DeltaMessage (generate/base/protocol.py:356-368): only the field set; `reasoning`, never `reasoning_content`. */
  private delta(i: number, total: number, count: number): string {
    const t = str(this.groupText(i, count));
    if (this.isReasoning(i)) return `{"reasoning":${t}}`;
    if (this.o.toolCall) {
      // tool_parsers/hermes_tool_parser.py:242-266; DeltaToolCall field order id, type, index, function.
      const args = str(this.groupFragment(i, total, count));
      if (i === this.o.reasoningTokens)
        return `{"content":null,"tool_calls":[{"id":"${this.toolCallId}","type":"function","index":0,"function":{"name":"${TOOL_NAME}","arguments":${args}}}]}`;
      return `{"content":null,"tool_calls":[{"index":0,"function":{"arguments":${args}}}]}`;
    }
    return `{"content":${t}}`;
  }

  /**
   * chat_completion/serving.py:795-835: a token chunk sets finish_reason=None and token_ids;
   * the finishing one also stop_reason and weight_versions; the chunk sets kv_transfer_params.
   * Completions (completion/serving.py:506-535) set every choice field on every chunk.
   */
  tokenChunk(choice: number, i: number, total: number, last: boolean, count = 1, usage?: Usage): string {
    const fin = last && !this.separateFinish;
    // stream_options.continuous_usage_stats: the running usage on every chunk, after the choices.
    const after = usage ? `,"usage":${this.usageBody(usage)}` : '';
    if (this.chat) {
      const tail = fin ? '"finish_reason":"length","stop_reason":null,"token_ids":null,"weight_versions":null' : '"finish_reason":null,"token_ids":null';
      return `${this.pre}{"index":${choice},"delta":${this.delta(i, total, count)},"logprobs":null,${tail}}]${after},"kv_transfer_params":null}\n\n`;
    }
    return this.completionChunk(choice, str(this.groupText(i, count)), fin, after);
  }

  private completionChunk(choice: number, text: string, fin: boolean, after = ''): string {
    return `${this.pre}{"index":${choice},"text":${text},"logprobs":null,"finish_reason":${fin ? '"length"' : 'null'},"stop_reason":null,"prompt_token_ids":null,"token_ids":null,"weight_versions":null}]${after},"kv_transfer_params":null}\n\n`;
  }

  /** An empty DeltaMessage() carrying the finish (chat_completion/serving.py:759, 808-823). */
  finishChunk(choice: number): string {
    if (this.chat) return `${this.pre}{"index":${choice},"delta":{},"logprobs":null,"finish_reason":"length","stop_reason":null,"token_ids":null,"weight_versions":null}],"kv_transfer_params":null}\n\n`;
    return this.completionChunk(choice, '""', true);
  }

  /** chat_completion/serving.py:914-922: choices [], nulls dropped (no prompt_tokens_details unless enabled). */
  usageChunk(u: Usage): string {
    return `${this.pre}],"usage":${this.usageBody(u)}}\n\n`;
  }

  /** UsageInfo without its unset nulls (prompt_tokens_details only when enabled). */
  private usageBody(u: Usage): string {
    let usage = `{"prompt_tokens":${u.promptTokens},"total_tokens":${u.promptTokens + u.completionTokens},"completion_tokens":${u.completionTokens}`;
    if (this.o.promptTokensDetails) usage += `,"prompt_tokens_details":${JSON.stringify(cachedDetails(u))}`;
    return usage + '}';
  }

  errorEvent(message: string, status = 500): string {
    return `data: ${vllmErrorJson(message, status, 'InternalServerError')}\n\n`;
  }
}
