// Response bodies in vLLM's shapes: SSE chunks (`data: {json}\n\n`) for streamed requests and
// the complete JSON for the others. Pure string builders, precomputed per request so a token
// chunk costs one string concatenation.

import type { TokensByTier } from './kv-tiers.js';
import type { Endpoint } from './validate.js';
import { outputWord } from './scheduler.js';
import type { StreamBodies } from './endpoints/stream-bodies.js';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** With KV tiers: `cachedTokens` by tier (a simulator extension of prompt_tokens_details). */
  cachedByTier?: TokensByTier;
}

export interface BodyOptions {
  endpoint: Endpoint;
  /** Request id; the response id is `chatcmpl-<id>` or `cmpl-<id>`. */
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  /** Chat only: the first N tokens are reasoning (`reasoning` and `reasoning_content`). */
  reasoningTokens: number;
  /** Chat only: the (non-reasoning) output arrives as tool-call argument fragments. */
  toolCall: boolean;
  /** Put finish_reason on a separate empty chunk instead of the last token chunk. */
  separateFinishChunk: boolean;
  /** Include usage.prompt_tokens_details.cached_tokens (vLLM: --enable-prompt-tokens-details). */
  promptTokensDetails: boolean;
}

export const DONE = 'data: [DONE]\n\n';
export const TOOL_NAME = 'sim_tool';

/** The text of output token i (a word with a leading space), as streamed. */
export function tokenText(i: number): string {
  return ' ' + outputWord(i);
}

export function usageJson(u: Usage, details: boolean): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    completion_tokens: u.completionTokens,
    prompt_tokens_details: !details ? null : u.cachedByTier ? { cached_tokens: u.cachedTokens, cached_tokens_by_tier: u.cachedByTier } : { cached_tokens: u.cachedTokens },
  };
}

export class Bodies implements StreamBodies {
  private readonly pre: string;
  private readonly chat: boolean;
  readonly toolCallId: string;

  constructor(readonly o: BodyOptions) {
    this.chat = o.endpoint === '/v1/chat/completions';
    const id = (this.chat ? 'chatcmpl-' : 'cmpl-') + o.id;
    const object = this.chat ? 'chat.completion.chunk' : 'text_completion';
    this.pre = `data: {"id":${JSON.stringify(id)},"object":"${object}","created":${o.created},"model":${JSON.stringify(o.model)},"choices":[`;
    this.toolCallId = 'chatcmpl-tool-' + (o.id.replace(/[^A-Za-z0-9]/g, '').slice(-24) || 'x');
  }

  /** Chat: the role chunk before the first token; completions send none. */
  opening(): string {
    return this.chat ? this.roleChunk() : '';
  }

  /** The usage chunk when asked for, then [DONE]. */
  closing(u: Usage, includeUsage: boolean): string {
    return (includeUsage ? this.usageChunk(u) : '') + DONE;
  }

  /** vLLM's mid-stream error event, then [DONE]. */
  errorClose(message: string): string {
    return this.errorEvent(message) + DONE;
  }

  /** Chat only: the role-only first chunk. */
  roleChunk(): string {
    return `${this.pre}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** Whether output token i is a reasoning token. */
  isReasoning(i: number): boolean {
    return this.chat && i < this.o.reasoningTokens;
  }

  /** The tool-call argument fragment carried by output token i (of `total`). */
  toolFragment(i: number, total: number): string {
    const first = this.o.reasoningTokens;
    let s = i === first ? '{"text":"' + outputWord(i) : tokenText(i);
    if (i === total - 1) s += '"}';
    return s;
  }

  /** The delta of output tokens i .. i+count-1 (one kind: a group never spans reasoning and output). */
  private delta(i: number, total: number, count: number): string {
    let text = '';
    for (let x = i; x < i + count; x++) text += tokenText(x);
    const t = JSON.stringify(text);
    if (this.isReasoning(i)) return `{"reasoning":${t},"reasoning_content":${t}}`;
    if (this.o.toolCall) {
      let frag = '';
      for (let x = i; x < i + count; x++) frag += this.toolFragment(x, total);
      const args = JSON.stringify(frag);
      if (i === this.o.reasoningTokens)
        return `{"tool_calls":[{"index":0,"id":"${this.toolCallId}","type":"function","function":{"name":"${TOOL_NAME}","arguments":${args}}}]}`;
      return `{"tool_calls":[{"index":0,"function":{"arguments":${args}}}]}`;
    }
    return `{"content":${t}}`;
  }

  /**
   * The chunk carrying output tokens i .. i+count-1 of choice `choice` (count > 1 with
   * --tokens-per-chunk); `last` adds finish_reason unless separate; `usage` (continuous usage
   * stats) is appended as vLLM does, after the choices.
   */
  tokenChunk(choice: number, i: number, total: number, last: boolean, count = 1, usage?: Usage): string {
    const fin = last && !this.o.separateFinishChunk;
    const finish = fin ? '"length","stop_reason":null' : 'null';
    const end = usage ? `],"usage":${JSON.stringify(usageJson(usage, this.o.promptTokensDetails))}}\n\n` : ']}\n\n';
    if (this.chat) return `${this.pre}{"index":${choice},"delta":${this.delta(i, total, count)},"logprobs":null,"finish_reason":${finish}}${end}`;
    let text = '';
    for (let x = i; x < i + count; x++) text += tokenText(x);
    return `${this.pre}{"index":${choice},"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":${finish}${fin ? '' : ',"stop_reason":null'}}${end}`;
  }

  /** The separate empty chunk that carries finish_reason (when separateFinishChunk). */
  finishChunk(choice: number): string {
    if (this.chat) return `${this.pre}{"index":${choice},"delta":{"content":""},"logprobs":null,"finish_reason":"length","stop_reason":null}]}\n\n`;
    return `${this.pre}{"index":${choice},"text":"","logprobs":null,"finish_reason":"length","stop_reason":null}]}\n\n`;
  }

  usageChunk(u: Usage): string {
    return `${this.pre}],"usage":${JSON.stringify(usageJson(u, this.o.promptTokensDetails))}}\n\n`;
  }

  /** An event whose JSON is cut short (the malformed fault). */
  malformedChunk(choice: number, i: number): string {
    return `${this.pre}{"index":${choice},"delta":{"content":${JSON.stringify(tokenText(i))}\n\n`;
  }

  /** A mid-stream error event, as vLLM sends one (followed by [DONE]). */
  errorEvent(message: string, status = 500): string {
    return `data: ${JSON.stringify({ error: { message, type: 'InternalServerError', param: null, code: status } })}\n\n`;
  }

  /** The complete non-streamed response. `tokens[c]` = output tokens of choice c. */
  fullBody(tokens: number[], u: Usage, finishReason: string): string {
    const id = (this.chat ? 'chatcmpl-' : 'cmpl-') + this.o.id;
    const usage = usageJson(u, this.o.promptTokensDetails);
    if (this.chat) {
      const n = tokens[0] ?? 0;
      let content = '';
      let reasoning = '';
      let args = '';
      for (let i = 0; i < n; i++) {
        if (this.isReasoning(i)) reasoning += tokenText(i);
        else if (this.o.toolCall) args += this.toolFragment(i, n);
        else content += tokenText(i);
      }
      const message: Record<string, unknown> = {
        role: 'assistant',
        content: this.o.toolCall ? null : content,
        reasoning: reasoning || null,
        reasoning_content: reasoning || null,
        tool_calls: this.o.toolCall && args ? [{ id: this.toolCallId, type: 'function', function: { name: TOOL_NAME, arguments: args } }] : [],
      };
      return JSON.stringify({
        id,
        object: 'chat.completion',
        created: this.o.created,
        model: this.o.model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason, stop_reason: null }],
        usage,
      });
    }
    const choices = tokens.map((n, c) => {
      let text = '';
      for (let i = 0; i < n; i++) text += tokenText(i);
      return { index: c, text, logprobs: null, finish_reason: finishReason, stop_reason: null };
    });
    return JSON.stringify({ id, object: 'text_completion', created: this.o.created, model: this.o.model, choices, usage });
  }
}
