// Request bodies for one replayed request, on every API the harness speaks: OpenAI chat and
// text completions, Anthropic Messages, OpenAI Responses, embeddings and rerank.

import { ENDPOINTS, takesMessages, type Endpoint } from '../config/replay';
import { messagesBody } from './messages/body';
import { responsesBody } from './responses/body';
import { embeddingsBody, rerankBody } from './pooling/request';

// The API names live with the run's options (src/config/replay.ts); bodies and paths here.
export { ENDPOINTS, takesMessages, type Endpoint };

export const ENDPOINT_PATHS: Record<Endpoint, string> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
  messages: '/v1/messages',
  responses: '/v1/responses',
  embeddings: '/v1/embeddings',
  rerank: '/v1/rerank',
};

/** Embeddings and rerank: one forward pass, no generated tokens, never streamed. */
export function isPooling(e: Endpoint): e is 'embeddings' | 'rerank' {
  return e === 'embeddings' || e === 'rerank';
}

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
  /** System prompt a trace recorded (Messages `system`, Responses `instructions`, chat: a system message). */
  system?: string;
  /** Tool definitions a trace recorded, sent in each API's own shape. */
  tools?: unknown[];
}

/** Drops keys whose value is null or undefined (LMCache rows carry explicit nulls). */
export function withoutNulls<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (o[k] !== null && o[k] !== undefined) out[k] = o[k];
  return out as T;
}

export function buildBody(o: BodyOptions): Record<string, unknown> {
  const other = otherApiBody(o);
  if (other) return o.extra ? withoutNulls({ ...other, ...o.extra }) : other;
  const body: Record<string, unknown> = { model: o.model };
  if (o.endpoint === 'chat') {
    const user: unknown[] = [{ role: 'user', content: o.prompt }];
    body.messages = o.messages ?? (o.system !== undefined ? [{ role: 'system', content: o.system }, ...user] : user);
    if (o.tools) body.tools = o.tools;
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

function otherApiBody(o: BodyOptions): Record<string, unknown> | undefined {
  switch (o.endpoint) {
    case 'messages':
      return messagesBody(o);
    case 'responses':
      return responsesBody(o);
    case 'embeddings':
      return embeddingsBody(o);
    case 'rerank':
      return rerankBody(o);
    default:
      return undefined;
  }
}
