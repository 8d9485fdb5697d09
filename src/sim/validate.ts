// Request validation: a JSON body in, a normalised request out, or an ApiError (400/404) whose
// message names the offending field, as vLLM's pydantic validation does. Pure.

import { ApiError } from './errors.js';
import { fitToContext } from './flavors/context-limit.js';
import type { Flavor } from './flavors/flavor.js';
import { type Tokenizer, chatTemplateIds } from './tokenizer.js';
import { validateOtherApi } from './endpoints/validate.js';

export type Endpoint = '/v1/chat/completions' | '/v1/completions' | '/v1/messages' | '/v1/responses' | '/v1/embeddings' | '/v1/rerank';

/** Embeddings and rerank: a forward pass over the prompts, no generated tokens. */
export function isPoolingPath(e: Endpoint): boolean {
  return e === '/v1/embeddings' || e === '/v1/rerank';
}

export interface ValidateContext {
  tokenizer: Tokenizer;
  servedModel: string;
  /** Reject requests naming another model (404) instead of serving them under their name. */
  strictModel: boolean;
  defaultMaxTokens: number;
  chatTemplateTokens: number;
  maxModelLen: number;
  /** How prompt + max_tokens over the context is treated (default vllm). */
  flavor?: Flavor;
}

export interface SimRequestSpec {
  endpoint: Endpoint;
  /** Model name echoed in responses (the requested one, or the served one when absent). */
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** stream_options.continuous_usage_stats with include_usage: usage on every chunk (as vLLM). */
  continuousUsage: boolean;
  /** The max_tokens generated up to (after the flavor's context limit). */
  maxTokens: number;
  /** max_tokens was lowered to fit the context (vLLM, llama.cpp). */
  clamped: boolean;
  /** SGLang's request id field (`rid`), when given as a string. */
  rid?: string;
  /** Token ids of each prompt (chat: exactly one; completions: one per prompt of a batch). */
  prompts: number[][];
  promptTokens: number;
}

export type Json = unknown;

export function isObj(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function bad(param: string, message: string): ApiError {
  return new ApiError(400, `${param}: ${message}`, param);
}

export function optInt(body: Record<string, Json>, key: string, min: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(key, `expected an integer, got ${JSON.stringify(v)}`);
  if (v < min) throw bad(key, `must be at least ${min}, got ${v}`);
  return v;
}

export function optBool(body: Record<string, Json>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(key, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** Parses the raw body text; a syntax error is a 400 naming the position. */
export function parseJsonBody(text: string): Record<string, Json> {
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `Invalid JSON body: ${(e as Error).message}`, 'body');
  }
  if (!isObj(body)) throw new ApiError(400, 'Invalid request body: expected a JSON object', 'body');
  return body;
}

function isTokenId(v: Json): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

export function completionPrompts(prompt: Json, tok: Tokenizer): number[][] {
  const param = 'prompt';
  if (prompt === undefined || prompt === null) throw bad(param, 'field required');
  if (typeof prompt === 'string') return [tok.encode(prompt)];
  if (!Array.isArray(prompt)) throw bad(param, 'expected a string, an array of strings, an array of token ids or an array of token-id arrays');
  if (prompt.length === 0) throw bad(param, 'must not be empty');
  if (prompt.every((p) => typeof p === 'number')) {
    prompt.forEach((p, i) => {
      if (!isTokenId(p)) throw bad(`prompt[${i}]`, `expected a token id (integer 0..4294967295), got ${JSON.stringify(p)}`);
    });
    return [prompt as number[]];
  }
  return prompt.map((p, i) => {
    if (typeof p === 'string') return tok.encode(p);
    if (Array.isArray(p)) {
      if (p.length === 0) throw bad(`prompt[${i}]`, 'must not be empty');
      p.forEach((t, j) => {
        if (!isTokenId(t)) throw bad(`prompt[${i}][${j}]`, `expected a token id (integer 0..4294967295), got ${JSON.stringify(t)}`);
      });
      return p as number[];
    }
    throw bad(`prompt[${i}]`, `expected a string or an array of token ids, got ${JSON.stringify(p)}`);
  });
}

export function chatPrompt(messages: Json, ctx: ValidateContext): number[] {
  if (messages === undefined || messages === null) throw bad('messages', 'field required');
  if (!Array.isArray(messages)) throw bad('messages', 'expected an array of messages');
  if (messages.length === 0) throw bad('messages', 'must not be empty');
  // Token ids of each text, concatenated once at the end (native concat: big prompts stay cheap).
  const parts: number[][] = [chatTemplateIds(ctx.chatTemplateTokens)];
  messages.forEach((m, i) => {
    const p = `messages[${i}]`;
    if (!isObj(m)) throw bad(p, 'expected an object');
    if (typeof m.role !== 'string' || m.role === '') throw bad(`${p}.role`, 'expected a non-empty string');
    const c = m.content;
    if (typeof c === 'string') {
      parts.push(ctx.tokenizer.encode(c));
    } else if (Array.isArray(c)) {
      c.forEach((part, j) => {
        const pp = `${p}.content[${j}]`;
        if (typeof part === 'string') {
          parts.push(ctx.tokenizer.encode(part));
          return;
        }
        if (!isObj(part)) throw bad(pp, 'expected a content part object');
        if (typeof part.type !== 'string') throw bad(`${pp}.type`, 'expected a string');
        if (part.type === 'text' || part.type === 'input_text') {
          if (typeof part.text !== 'string') throw bad(`${pp}.text`, 'expected a string');
          parts.push(ctx.tokenizer.encode(part.text));
        }
        // Other part types (images, audio, files) carry no text tokens in the simulator.
      });
    } else if (c !== null && c !== undefined) {
      throw bad(`${p}.content`, `expected a string, an array of content parts or null, got ${JSON.stringify(c)}`);
    } else if (c === undefined && m.role !== 'assistant') {
      throw bad(`${p}.content`, 'field required');
    }
  });
  return parts.length === 2 && parts[0].length === 0 ? parts[1] : ([] as number[]).concat(...parts);
}

/** The model a request names (or the served one); 404 for another one under --strict-model. */
export function requestModel(body: Record<string, Json>, ctx: ValidateContext): string {
  let model = ctx.servedModel;
  if (body.model !== undefined && body.model !== null) {
    if (typeof body.model !== 'string') throw bad('model', `expected a string, got ${JSON.stringify(body.model)}`);
    if (ctx.strictModel && body.model !== ctx.servedModel) throw new ApiError(404, `The model \`${body.model}\` does not exist.`, 'model');
    model = body.model;
  }
  return model;
}

/** Every prompt has tokens (400 naming `field` otherwise): the total and the longest. */
export function promptLengths(prompts: number[][], field: string): { promptTokens: number; longest: number } {
  let promptTokens = 0;
  let longest = 0;
  for (const ids of prompts) {
    if (ids.length === 0) throw bad(field, 'the prompt has no tokens');
    promptTokens += ids.length;
    longest = Math.max(longest, ids.length);
  }
  return { promptTokens, longest };
}

/** Validates a completion request body. Throws ApiError. */
export function validateRequest(endpoint: Endpoint, body: Record<string, Json>, ctx: ValidateContext): SimRequestSpec {
  if (endpoint !== '/v1/chat/completions' && endpoint !== '/v1/completions') return validateOtherApi(endpoint, body, ctx);
  const model = requestModel(body, ctx);

  const stream = optBool(body, 'stream') ?? false;
  let includeUsage = false;
  let continuousUsage = false;
  const so = body.stream_options;
  if (so !== undefined && so !== null) {
    if (!stream) throw bad('stream_options', 'Stream options can only be defined when `stream=True`.');
    if (!isObj(so)) throw bad('stream_options', 'expected an object');
    includeUsage = optBool(so, 'include_usage') ?? false;
    continuousUsage = includeUsage && (optBool(so, 'continuous_usage_stats') ?? false);
  }

  const n = optInt(body, 'n', 1);
  if (n !== undefined && n !== 1) throw bad('n', `only n=1 is supported by the simulator, got ${n}`);

  const maxCompletion = endpoint === '/v1/chat/completions' ? optInt(body, 'max_completion_tokens', 1) : undefined;
  const maxTokensField = optInt(body, 'max_tokens', 1);
  const askedMax = maxCompletion ?? maxTokensField ?? ctx.defaultMaxTokens;
  // vLLM checks min_tokens against max_tokens after lowering it to the context (fitToContext).
  const minTokens = optInt(body, 'min_tokens', 0);
  const flavor = ctx.flavor ?? 'vllm';
  optBool(body, 'ignore_eos');
  const rid = typeof body.rid === 'string' && body.rid !== '' ? body.rid : undefined;

  const prompts = endpoint === '/v1/chat/completions' ? [chatPrompt(body.messages, ctx)] : completionPrompts(body.prompt, ctx.tokenizer);
  const field = endpoint === '/v1/chat/completions' ? 'messages' : 'prompt';
  const { promptTokens, longest } = promptLengths(prompts, field);
  const maxField = maxCompletion !== undefined ? 'max_completion_tokens' : 'max_tokens';
  const maxTokens = fitToContext(flavor, { promptTokens: longest, maxTokens: askedMax, minTokens, maxModelLen: ctx.maxModelLen, promptField: field, maxField });
  return { endpoint, model, stream, includeUsage, continuousUsage, maxTokens, clamped: maxTokens < askedMax, rid, prompts, promptTokens };
}
