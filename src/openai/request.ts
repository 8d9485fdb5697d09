// OpenAI-compatible request bodies for one replayed request.

import type { Endpoint } from '../config/replay';

export const ENDPOINT_PATHS: Record<Endpoint, string> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
};

export interface BodyOptions {
  endpoint: Endpoint;
  model: string;
  /** Prompt text (chat: the user message) or, for completions, token ids. */
  prompt: string | number[];
  /** Messages to send as they are (traces with real content); overrides `prompt` for chat. */
  messages?: unknown[];
  /** Recorded output length; omitted from the body when undefined (no-max-tokens mode). */
  maxTokens?: number;
  stream: boolean;
  /** Ask the server to generate exactly maxTokens (vLLM/SGLang `ignore_eos`, `min_tokens`). */
  ignoreEos: boolean;
  /** min_tokens with ignoreEos (default maxTokens; lower near the context limit, src/openai/context-fit.ts). */
  minTokens?: number;
  /** Fields merged last (trace `extra`, user overrides). */
  extra?: Record<string, unknown>;
}

/** Drops keys whose value is null or undefined (LMCache rows carry explicit nulls). */
export function withoutNulls<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (o[k] !== null && o[k] !== undefined) out[k] = o[k];
  return out as T;
}

export function buildBody(o: BodyOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { model: o.model };
  if (o.endpoint === 'chat') {
    body.messages = o.messages ?? [{ role: 'user', content: o.prompt }];
  } else {
    body.prompt = o.prompt;
  }
  if (o.maxTokens !== undefined) {
    body.max_tokens = o.maxTokens;
    if (o.ignoreEos) {
      body.ignore_eos = true;
      body.min_tokens = Math.min(o.minTokens ?? o.maxTokens, o.maxTokens);
    }
  }
  body.stream = o.stream;
  if (o.stream) body.stream_options = { include_usage: true };
  return o.extra ? withoutNulls({ ...body, ...o.extra }) : body;
}
