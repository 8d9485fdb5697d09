// Validation of Anthropic Messages, OpenAI Responses, embeddings and rerank bodies into the same
// normalised request as chat and completions (../validate.ts): the conversation becomes chat
// messages (system prompt and tool definitions included, so they count as prompt tokens) and
// goes through the same chat template; pooling inputs become one prompt each. Pure.

import { fitToContext } from '../flavors/context-limit.js';
import { bad, chatPrompt, promptLengths, completionPrompts, isObj, optBool, optInt, requestModel, type Endpoint, type Json, type SimRequestSpec, type ValidateContext } from '../validate.js';

interface ChatLike {
  role: string;
  content: string | { type: 'text'; text: string }[];
}

/** Text of an Anthropic content block that the model reads (tool inputs and results as JSON/text). */
function blockText(b: Json, at: string): string {
  if (typeof b === 'string') return b;
  if (!isObj(b)) throw bad(at, 'expected a content block object');
  switch (b.type) {
    case 'text':
      if (typeof b.text !== 'string') throw bad(`${at}.text`, 'expected a string');
      return b.text;
    case 'thinking':
      return typeof b.thinking === 'string' ? b.thinking : '';
    case 'tool_use':
      return JSON.stringify(b.input ?? {});
    case 'tool_result':
      if (typeof b.content === 'string') return b.content;
      if (Array.isArray(b.content)) return b.content.map((c, i) => blockText(c, `${at}.content[${i}]`)).join(' ');
      return '';
    default:
      return ''; // images, documents: no text tokens in the simulator
  }
}

function textParts(content: Json, at: string, toText: (b: Json, at: string) => string): ChatLike['content'] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw bad(at, 'expected a string or an array of content blocks');
  return content.map((b, i) => ({ type: 'text' as const, text: toText(b, `${at}[${i}]`) })).filter((p) => p.text !== '');
}

function toolsMessage(tools: Json): ChatLike[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw bad('tools', 'expected an array of tool definitions');
  return tools.length ? [{ role: 'system', content: JSON.stringify(tools) }] : [];
}

/** Ids of the blocks of `type` in a message's content (tool_use: `id`, tool_result: `tool_use_id`). */
function blockIds(m: Json, type: 'tool_use' | 'tool_result'): string[] {
  if (!isObj(m) || !Array.isArray(m.content)) return [];
  const key = type === 'tool_use' ? 'id' : 'tool_use_id';
  return m.content.filter((b): b is Record<string, Json> => isObj(b) && b.type === type).map((b) => String(b[key]));
}

/**
 * Tool calls and their results must pair up as Anthropic's API requires: every tool_result
 * answers a tool_use of the assistant message just before it, and every tool_use is answered by
 * the next message (a trailing assistant message may end in tool calls). vLLM 0.34 does not
 * check (vllm/entrypoints/anthropic/serving.py:646-690 turns each tool_result into a `tool`
 * message with `tool_call_id: block.tool_use_id or ""`, matched or not); the simulator answers
 * 400 as Anthropic does, so a client that breaks the pairing fails here, not on a hosted API.
 */
function checkToolPairing(messages: Json[]): void {
  messages.forEach((m, i) => {
    const asked = i > 0 ? blockIds(messages[i - 1], 'tool_use') : [];
    const stray = blockIds(m, 'tool_result').find((id) => !asked.includes(id));
    if (stray !== undefined) {
      throw bad(`messages[${i}].content`, `unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
    }
  });
  messages.forEach((m, i) => {
    if (i + 1 === messages.length) return;
    const answered = blockIds(messages[i + 1], 'tool_result');
    const open = blockIds(m, 'tool_use').find((id) => !answered.includes(id));
    if (open !== undefined) {
      throw bad(`messages[${i + 1}].content`, `\`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${open}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`);
    }
  });
}

function messagesConversation(body: Record<string, Json>): ChatLike[] {
  const out: ChatLike[] = [];
  if (body.system !== undefined && body.system !== null) out.push({ role: 'system', content: textParts(body.system, 'system', blockText) });
  out.push(...toolsMessage(body.tools));
  if (!Array.isArray(body.messages)) throw bad('messages', body.messages === undefined ? 'field required' : 'expected an array of messages');
  if (body.messages.length === 0) throw bad('messages', 'must not be empty');
  body.messages.forEach((m, i) => {
    if (!isObj(m) || (m.role !== 'user' && m.role !== 'assistant')) throw bad(`messages[${i}].role`, 'expected "user" or "assistant"');
    out.push({ role: m.role, content: textParts(m.content, `messages[${i}].content`, blockText) });
  });
  checkToolPairing(body.messages);
  return out;
}

/** Text of a Responses content part. */
function partText(p: Json, at: string): string {
  if (typeof p === 'string') return p;
  if (!isObj(p)) throw bad(at, 'expected a content part object');
  return typeof p.text === 'string' ? p.text : '';
}

function responsesConversation(body: Record<string, Json>): ChatLike[] {
  // The server resolves previous_response_id before validation (response-store.ts).
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) {
    throw bad('previous_response_id', 'not a stored response: store it with `store: true`, or send the whole conversation in `input`');
  }
  const out: ChatLike[] = [];
  if (typeof body.instructions === 'string') out.push({ role: 'system', content: body.instructions });
  out.push(...toolsMessage(body.tools));
  const input = body.input;
  if (typeof input === 'string') {
    out.push({ role: 'user', content: input });
    return out;
  }
  if (!Array.isArray(input)) throw bad('input', input === undefined ? 'field required' : 'expected a string or an array of input items');
  if (input.length === 0) throw bad('input', 'must not be empty');
  // A function_call_output answers a function_call earlier in the input (previous response
  // included), as vLLM 0.34 checks it (vllm/entrypoints/openai/responses/harmony.py:184-197,
  // "No call message found for {call_id}", a 400 naming `input`).
  const calls = new Set<string>();
  input.forEach((item, i) => {
    const at = `input[${i}]`;
    if (!isObj(item)) throw bad(at, 'expected an input item object');
    if (item.type === 'function_call') calls.add(String(item.call_id));
    if (item.type === 'function_call_output' && !calls.has(String(item.call_id))) throw bad('input', `No call message found for ${String(item.call_id)}`);
    if (item.type === 'function_call') out.push({ role: 'assistant', content: typeof item.arguments === 'string' ? item.arguments : '' });
    else if (item.type === 'function_call_output') out.push({ role: 'tool', content: typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? '') });
    else if (item.type === 'reasoning') return;
    else if (typeof item.role === 'string') out.push({ role: item.role, content: textParts(item.content, `${at}.content`, partText) });
    else throw bad(at, 'expected a message (role, content), function_call, function_call_output or reasoning item');
  });
  return out;
}

function streamOf(body: Record<string, Json>): boolean {
  return optBool(body, 'stream') ?? false;
}

function rerankPrompts(body: Record<string, Json>, ctx: ValidateContext): number[][] {
  if (typeof body.query !== 'string') throw bad('query', body.query === undefined ? 'field required' : 'expected a string');
  const docs = body.documents;
  if (!Array.isArray(docs) || docs.length === 0) throw bad('documents', 'expected a non-empty array of strings');
  const query = ctx.tokenizer.encode(body.query);
  return docs.map((d, i) => {
    const text = typeof d === 'string' ? d : isObj(d) && typeof d.text === 'string' ? d.text : undefined;
    if (text === undefined) throw bad(`documents[${i}]`, 'expected a string or {text}');
    return query.concat(ctx.tokenizer.encode(text));
  });
}

/** Validates a Messages, Responses, embeddings or rerank body. Throws ApiError. */
export function validateOtherApi(endpoint: Endpoint, body: Record<string, Json>, ctx: ValidateContext): SimRequestSpec {
  const model = requestModel(body, ctx);
  if (endpoint === '/v1/embeddings' || endpoint === '/v1/rerank') {
    const prompts = endpoint === '/v1/embeddings' ? completionPrompts(body.input, ctx.tokenizer) : rerankPrompts(body, ctx);
    // One forward step per input: the engine "generates" one token that is never sent.
    const field = endpoint === '/v1/embeddings' ? 'input' : 'documents';
    const { promptTokens, longest } = promptLengths(prompts, field);
    if (longest > ctx.maxModelLen)
      throw bad(field, `This model's maximum context length is ${ctx.maxModelLen} tokens. However, your request has ${longest} input tokens. Please reduce the length of the input.`);
    return { endpoint, model, stream: false, includeUsage: false, continuousUsage: false, maxTokens: 1, clamped: false, prompts, promptTokens };
  }
  const messages = endpoint === '/v1/messages';
  const maxParam = messages ? 'max_tokens' : 'max_output_tokens';
  const max = optInt(body, maxParam, 1);
  if (messages && max === undefined) throw bad('max_tokens', 'field required');
  const askedMax = max ?? ctx.defaultMaxTokens;
  const minTokens = optInt(body, 'min_tokens', 0);
  optBool(body, 'ignore_eos');
  const conversation = messages ? messagesConversation(body) : responsesConversation(body);
  const prompts = [chatPrompt(conversation, ctx)];
  const promptField = messages ? 'messages' : 'input';
  const { promptTokens, longest } = promptLengths(prompts, promptField);
  // The flavor's context limit, as on chat (src/sim/flavors/context-limit.ts).
  const maxTokens = fitToContext(ctx.flavor ?? 'vllm', { promptTokens: longest, maxTokens: askedMax, minTokens, maxModelLen: ctx.maxModelLen, promptField, maxField: maxParam });
  // Both APIs always report usage: vLLM turns it on for Messages (anthropic/serving.py:780-793), Responses ends with it.
  return { endpoint, model, stream: streamOf(body), includeUsage: true, continuousUsage: false, maxTokens, clamped: maxTokens < askedMax, prompts, promptTokens };
}
