// Response bodies: SSE chunks (`data: {json}\n\n`) for streamed requests and the complete JSON
// for the others, in the bytes of the server the simulator imitates (--flavor; the builders
// are in src/sim/flavors/*-chunks.ts). Pure string builders, precomputed per request so a token
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
  /** Output tokens that were reasoning (SGLang reports them in usage). */
  reasoningTokens?: number;
}

export interface BodyOptions {
  endpoint: Endpoint;
  /** Request id (vLLM: X-Request-Id; SGLang: the body's rid); the flavor derives the response id. */
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  /** Chat only: the first N tokens are reasoning (the flavor's reasoning field). */
  reasoningTokens: number;
  /** Chat only: the (non-reasoning) output arrives as tool-call argument fragments. */
  toolCall: boolean;
  /** Put finish_reason on a separate chunk (vLLM only; SGLang chat and llama.cpp always do). */
  separateFinishChunk: boolean;
  /** The client asked for a usage chunk (stream_options.include_usage). */
  includeUsage: boolean;
  /** Include usage.prompt_tokens_details.cached_tokens (vLLM --enable-prompt-tokens-details, SGLang --enable-cache-report). */
  promptTokensDetails: boolean;
}

export const DONE = 'data: [DONE]\n\n';
export const TOOL_NAME = 'sim_tool';

/** The text of output token i (a word with a leading space), as streamed. */
export function tokenText(i: number): string {
  return ' ' + outputWord(i);
}

/** JSON string literal (ASCII-safe words and ids: JSON.stringify is exact here). */
export const str = JSON.stringify;

export function usageJson(u: Usage, details: boolean): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    completion_tokens: u.completionTokens,
    prompt_tokens_details: !details ? null : cachedDetails(u),
  };
}

/** prompt_tokens_details when reported: cached_tokens (+ the simulator's by-tier split). */
export function cachedDetails(u: Usage): Record<string, unknown> {
  return u.cachedByTier ? { cached_tokens: u.cachedTokens, cached_tokens_by_tier: u.cachedByTier } : { cached_tokens: u.cachedTokens };
}

/** What a flavor's chat/completions stream writes; Exchange calls these in the order a server sends them. */
export abstract class Bodies implements StreamBodies {
  protected readonly chat: boolean;
  readonly toolCallId: string;
  /** Whether the finish reason goes on its own chunk after the last token chunk. */
  abstract readonly separateFinish: boolean;
  /** Whether `data: [DONE]` follows a mid-stream error event (llama-server ends the stream there). */
  readonly doneAfterError: boolean = true;

  constructor(readonly o: BodyOptions) {
    this.chat = o.endpoint === '/v1/chat/completions';
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

  /** The flavor's mid-stream error event, then [DONE] where the server sends one. */
  errorClose(message: string): string {
    return this.errorEvent(message) + (this.doneAfterError ? DONE : '');
  }

  /** Chat only: the role-only first chunk. */
  abstract roleChunk(): string;
  /**
   * The chunk carrying output tokens i .. i+count-1 of choice `choice` (count > 1 with
   * --tokens-per-chunk; a group never spans reasoning and output); `last` adds finish_reason
   * unless separate; `usage` = continuous usage stats, carried by the chunk as vLLM does.
   */
  abstract tokenChunk(choice: number, i: number, total: number, last: boolean, count?: number, usage?: Usage): string;
  /** The chunk that carries finish_reason on its own (when separateFinish); `u` = the usage so far. */
  abstract finishChunk(choice: number, u?: Usage): string;
  abstract usageChunk(u: Usage): string;
  /** A mid-stream error event (followed by [DONE] where the server sends one). */
  abstract errorEvent(message: string, status?: number): string;

  /** Whether output token i is a reasoning token. */
  isReasoning(i: number): boolean {
    return this.chat && i < this.o.reasoningTokens;
  }

  /** The text of output tokens i .. i+count-1, as one delta carries them. */
  groupText(i: number, count: number): string {
    let text = '';
    for (let x = i; x < i + count; x++) text += tokenText(x);
    return text;
  }

  /** The tool-call argument fragments of output tokens i .. i+count-1 (of `total`), joined. */
  groupFragment(i: number, total: number, count: number): string {
    let frag = '';
    for (let x = i; x < i + count; x++) frag += this.toolFragment(x, total);
    return frag;
  }

  /** The tool-call argument fragment carried by output token i (of `total`). */
  toolFragment(i: number, total: number): string {
    const first = this.o.reasoningTokens;
    let s = i === first ? '{"text":"' + outputWord(i) : tokenText(i);
    if (i === total - 1) s += '"}';
    return s;
  }

  /** An event whose JSON is cut short (the malformed fault): the first half of a token chunk. */
  malformedChunk(choice: number, i: number): string {
    const whole = this.tokenChunk(choice, i, i + 2, false);
    return whole.slice(0, whole.length >> 1) + '\n\n';
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
