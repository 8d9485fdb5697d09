// OpenAI Responses answers in vLLM 0.34.0's shapes: `event: <type>\ndata: <json>\n\n`
// (vllm/entrypoints/openai/responses/api_router.py:34-45) with a sequence_number on every event
// (serving.py:1359-1369); response.created and response.in_progress first (serving.py:1380-1403);
// per output item output_item.added + content_part.added, the deltas
// (response.reasoning_text.delta / response.output_text.delta / response.function_call_arguments.delta),
// the *.done events (streaming_events.py:839-1210); then response.incomplete when generation
// stopped at max_output_tokens, else response.completed, each with the whole response and its
// usage (serving.py:1431-1456; usage fields serving.py:897-917); an `error` event on a
// generation error (serving.py:1418-1423).

import type { StreamBodies } from './stream-bodies.js';
import { tokenText, type BodyOptions, type Usage } from '../sse.js';
import { outputText } from './output-text.js';

const TOOL_NAME = 'sim_tool';

type ItemKind = 'reasoning' | 'message' | 'function_call';

export function responsesUsage(u: Usage, reasoning: number): Record<string, unknown> {
  return {
    input_tokens: u.promptTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens },
    output_tokens: u.completionTokens,
    output_tokens_details: { reasoning_tokens: Math.min(reasoning, u.completionTokens) },
    total_tokens: u.promptTokens + u.completionTokens,
  };
}

/** The response id of request `requestId` (what previous_response_id names). */
export function responsesId(requestId: string): string {
  return 'resp_' + requestId.replace(/[^A-Za-z0-9_-]/g, '');
}

export class ResponsesBodies implements StreamBodies {
  private readonly id: string;
  private seq = 0;
  private item: ItemKind | undefined;
  private outputIndex = -1;
  private itemId = '';
  private readonly callId: string;
  /** Text of the open item (its *.done events repeat it, as vLLM's do). */
  private text = '';
  private readonly output: Record<string, unknown>[] = [];

  constructor(private readonly o: BodyOptions) {
    this.id = responsesId(o.id);
    this.callId = 'call_' + (o.id.replace(/[^A-Za-z0-9]/g, '').slice(-24) || 'x');
  }

  private event(type: string, fields: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ ...fields, sequence_number: this.seq++, type })}\n\n`;
  }

  private response(status: string, usage: Record<string, unknown> | null): Record<string, unknown> {
    return {
      id: this.id, created_at: this.o.created, incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null, instructions: null,
      model: this.o.model, object: 'response', output: status === 'in_progress' ? [] : this.output, parallel_tool_calls: true, status, usage,
    };
  }

  isReasoning(i: number): boolean {
    return i < this.o.reasoningTokens;
  }

  opening(): string {
    const r = this.response('in_progress', null);
    return this.event('response.created', { response: r }) + this.event('response.in_progress', { response: r });
  }

  private kindOf(i: number): ItemKind {
    return this.isReasoning(i) ? 'reasoning' : this.o.toolCall ? 'function_call' : 'message';
  }

  private closeItem(): string {
    const kind = this.item;
    if (kind === undefined) return '';
    this.item = undefined;
    const at = { output_index: this.outputIndex, item_id: this.itemId };
    let out = '';
    let item: Record<string, unknown>;
    if (kind === 'function_call') {
      out += this.event('response.function_call_arguments.done', { ...at, arguments: this.text, name: TOOL_NAME });
      item = { type: 'function_call', id: this.itemId, call_id: this.callId, name: TOOL_NAME, arguments: this.text, status: 'completed' };
    } else {
      const part = kind === 'reasoning' ? { type: 'reasoning_text', text: this.text } : { type: 'output_text', text: this.text, annotations: [], logprobs: [] };
      out += this.event(kind === 'reasoning' ? 'response.reasoning_text.done' : 'response.output_text.done', { ...at, content_index: 0, text: this.text });
      out += this.event('response.content_part.done', { ...at, content_index: 0, part });
      item = kind === 'reasoning'
        ? { type: 'reasoning', id: this.itemId, summary: [], content: [part], status: 'completed' }
        : { type: 'message', id: this.itemId, role: 'assistant', content: [part], status: 'completed' };
    }
    this.output.push(item);
    return out + this.event('response.output_item.done', { output_index: this.outputIndex, item });
  }

  private openItem(kind: ItemKind): string {
    let out = this.closeItem();
    this.outputIndex++;
    this.item = kind;
    this.text = '';
    this.itemId = (kind === 'reasoning' ? 'rs_' : kind === 'message' ? 'msg_' : 'fc_') + this.id.slice(5) + '_' + this.outputIndex;
    const item = kind === 'function_call'
      ? { type: 'function_call', id: this.itemId, call_id: this.callId, name: TOOL_NAME, arguments: '', status: 'in_progress' }
      : kind === 'reasoning' ? { type: 'reasoning', id: this.itemId, summary: [], status: 'in_progress' } : { type: 'message', id: this.itemId, role: 'assistant', content: [], status: 'in_progress' };
    out += this.event('response.output_item.added', { output_index: this.outputIndex, item });
    if (kind !== 'function_call') {
      const part = kind === 'reasoning' ? { type: 'reasoning_text', text: '' } : { type: 'output_text', text: '', annotations: [], logprobs: [] };
      out += this.event('response.content_part.added', { output_index: this.outputIndex, item_id: this.itemId, content_index: 0, part });
    }
    return out;
  }

  private piece(i: number, total: number, count: number, kind: ItemKind): string {
    return outputText(i, count, total, kind === 'function_call', this.o.reasoningTokens);
  }


  tokenChunk(_choice: number, i: number, total: number, _last: boolean, count = 1): string {
    const kind = this.kindOf(i);
    const open = this.item === kind ? '' : this.openItem(kind);
    const delta = this.piece(i, total, count, kind);
    this.text += delta;
    // Fields in vLLM's order: openai-python's delta event models, declaration order (model_dump_json).
    const item_id = this.itemId;
    const output_index = this.outputIndex;
    if (kind === 'function_call') return open + this.event('response.function_call_arguments.delta', { delta, item_id, output_index });
    if (kind === 'message') return open + this.event('response.output_text.delta', { content_index: 0, delta, item_id, logprobs: [], output_index });
    return open + this.event('response.reasoning_text.delta', { content_index: 0, delta, item_id, output_index });
  }

  /** The API's own events end the stream: no separate finish chunk. */
  readonly separateFinish = false;

  finishChunk(): string {
    return '';
  }

  closing(u: Usage): string {
    const close = this.closeItem();
    // Every simulated request stops at its max tokens: vLLM calls that incomplete.
    return close + this.event('response.incomplete', { response: this.response('incomplete', responsesUsage(u, this.o.reasoningTokens)) });
  }

  malformedChunk(_choice: number, i: number): string {
    return `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":${JSON.stringify(tokenText(i))}\n\n`;
  }

  errorClose(message: string): string {
    return this.event('error', { code: 'InternalServerError', message, param: null });
  }

  fullBody(tokens: number[], u: Usage): string {
    const n = tokens[0] ?? 0;
    for (let i = 0; i < n; i++) {
      const kind = this.kindOf(i);
      if (this.item !== kind) this.openItem(kind);
      this.text += this.piece(i, n, 1, kind);
    }
    this.closeItem();
    return JSON.stringify(this.response('incomplete', responsesUsage(u, this.o.reasoningTokens)));
  }
}
