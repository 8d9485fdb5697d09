// Anthropic Messages request bodies (POST /v1/messages), as vLLM 0.34.0 takes them
// (vllm/entrypoints/anthropic/protocol.py:269-345): max_tokens is required, `system` and `tools`
// are top-level, and vLLM's `min_tokens` extension makes it generate exactly max_tokens.

import type { BodyOptions } from '../request';

/** max_tokens when a replay sends none (--no-max-tokens): the field is required on this API. */
export const MESSAGES_DEFAULT_MAX_TOKENS = 4096;

export function messagesBody(o: BodyOptions): Record<string, unknown> {
  const text = typeof o.prompt === 'string' ? o.prompt : o.prompt.join(' ');
  const body: Record<string, unknown> = {
    model: o.model,
    max_tokens: o.maxTokens ?? MESSAGES_DEFAULT_MAX_TOKENS,
    messages: o.messages ?? [{ role: 'user', content: text }],
  };
  if (o.system !== undefined) body.system = o.system;
  if (o.tools) body.tools = o.tools;
  if (o.maxTokens !== undefined && o.ignoreEos) body.min_tokens = o.maxTokens;
  body.stream = o.stream;
  return body;
}
