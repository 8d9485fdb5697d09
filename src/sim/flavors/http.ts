// The non-streamed answers that differ by flavor: error bodies, /v1/models and the tokenize
// endpoint (path, request field, answer). Pure.

import { errorType } from '../errors.js';
import type { Tokenizer } from '../tokenizer.js';
import type { Flavor } from './flavor.js';
import { llamacppErrorJson } from './llamacpp-chunks.js';
import { sglangErrorJson } from './sglang-chunks.js';
import { vllmErrorJson } from './vllm-chunks.js';

/** The error body each server answers with (status `status`). */
export function errorJson(flavor: Flavor, status: number, message: string, param: string | null = null): string {
  switch (flavor) {
    case 'sglang':
      return sglangErrorJson(message, status, errorType(status), param);
    case 'llamacpp':
      return llamacppErrorJson(message, status);
    default:
      return vllmErrorJson(message, status, errorType(status), param);
  }
}

/**
 * GET /v1/models. vLLM: ModelCard (vllm/entrypoints/serve/engine/protocol.py:105-114) with
 * max_model_len; SGLang: ModelCard (srt/entrypoints/openai/protocol.py:87-96) with
 * max_model_len; llama.cpp: server-context.cpp:4524-4560, the context in data[].meta.n_ctx.
 */
export function modelsJson(flavor: Flavor, model: string, created: number, maxModelLen: number): string {
  switch (flavor) {
    case 'sglang':
      return JSON.stringify({ object: 'list', data: [{ id: model, object: 'model', created, owned_by: 'sglang', root: model, parent: null, max_model_len: maxModelLen }] });
    case 'llamacpp':
      return JSON.stringify({
        models: [{ name: model, model, modified_at: '', size: '', digest: '', type: 'model', description: '', tags: [''], capabilities: ['completion'], parameters: '', details: { parent_model: '', format: 'gguf', family: '', families: [''], parameter_size: '', quantization_level: '' } }],
        object: 'list',
        data: [{ id: model, aliases: [], tags: [], object: 'model', created, owned_by: 'llamacpp', meta: { vocab_type: 2, n_vocab: 49152, n_ctx: maxModelLen, n_ctx_train: maxModelLen, n_embd: 576, n_params: 134515008, size: 0, ftype: 0 } }],
      });
    default:
      return JSON.stringify({ object: 'list', data: [{ id: model, object: 'model', created, owned_by: 'vllm', root: model, parent: null, max_model_len: maxModelLen, permission: [] }] });
  }
}

/** Paths of the flavor's tokenize endpoint (POST). */
export function tokenizePaths(flavor: Flavor): string[] {
  return flavor === 'sglang' ? ['/tokenize', '/v1/tokenize'] : ['/tokenize'];
}

function promptText(body: Record<string, unknown>, key: string): string[] | undefined {
  const v = body[key];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

/** The text of chat messages (string contents and text parts), for vLLM/SGLang's messages form. */
function messagesText(body: Record<string, unknown>): string | undefined {
  if (!Array.isArray(body.messages)) return undefined;
  const parts: string[] = [];
  for (const m of body.messages as Array<Record<string, unknown>>) {
    const c = m?.content;
    if (typeof c === 'string') parts.push(c);
    else if (Array.isArray(c)) for (const p of c as Array<Record<string, unknown>>) if (typeof p?.text === 'string') parts.push(p.text);
  }
  return parts.join(' ');
}

/**
 * The tokenize answer, or an error message (400). vLLM: TokenizeResponse
 * (vllm/entrypoints/serve/tokenize/protocol.py:186-190) {count, max_model_len, tokens,
 * token_strs}; SGLang: TokenizeResponse (protocol.py:1796-1801) {tokens, count, max_model_len};
 * llama.cpp: {"tokens": [...]} for {"content": text} (server-context.cpp:5068-5102).
 */
export function tokenizeJson(flavor: Flavor, body: Record<string, unknown>, tok: Tokenizer, maxModelLen: number): { ok: string } | { error: string } {
  if (flavor === 'llamacpp') {
    const text = typeof body.content === 'string' ? body.content : '';
    return { ok: JSON.stringify({ tokens: text === '' ? [] : tok.encode(text) }) };
  }
  const prompts = promptText(body, 'prompt') ?? (messagesText(body) !== undefined ? [messagesText(body)!] : undefined);
  if (!prompts) return { error: 'prompt: field required (a string), or messages' };
  const ids = prompts.map((p) => (p === '' ? [] : tok.encode(p)));
  if (flavor === 'sglang') {
    const single = typeof body.prompt === 'string' || body.prompt === undefined;
    return { ok: JSON.stringify(single ? { tokens: ids[0], count: ids[0].length, max_model_len: maxModelLen } : { tokens: ids, count: ids.map((x) => x.length), max_model_len: maxModelLen }) };
  }
  return { ok: JSON.stringify({ count: ids[0].length, max_model_len: maxModelLen, tokens: ids[0], token_strs: null }) };
}
