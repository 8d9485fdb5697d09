// OpenAI Responses request bodies (POST /v1/responses), as vLLM 0.34.0 takes them
// (vllm/entrypoints/openai/responses/protocol.py:247-451): `input` is text or a list of items,
// `instructions` the system prompt, `max_output_tokens` the length, vLLM's `ignore_eos` makes it
// generate exactly that. Usage always arrives in the terminal event, no stream_options.

import type { BodyOptions } from '../request';

export function responsesBody(o: BodyOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { model: o.model, input: o.messages ?? (typeof o.prompt === 'string' ? o.prompt : o.prompt.join(' ')) };
  if (o.system !== undefined) body.instructions = o.system;
  if (o.tools) body.tools = o.tools;
  if (o.maxTokens !== undefined) {
    body.max_output_tokens = o.maxTokens;
    if (o.ignoreEos) body.ignore_eos = true;
  }
  body.stream = o.stream;
  return body;
}
