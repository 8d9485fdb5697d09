// Anthropic Messages responses in vLLM 0.34.0's shapes (vllm/entrypoints/anthropic/serving.py):
// `event: <type>\ndata: <json>\n\n` (serving.py:171-172), JSON as pydantic's model_dump_json with
// exclude_unset (compact, fields in protocol.py's order: type, message, delta, content_block,
// index, error, usage — protocol.py:423-438). A stream is message_start (serving.py:1110-1132),
// per block content_block_start, deltas (thinking_delta / text_delta / input_json_delta), a
// thinking block's signature_delta, content_block_stop (serving.py:1049-1088), then
// message_delta with stop_reason and usage (serving.py:1135-1160) and message_stop
// (serving.py:1302-1304); a failure sends an `error` event (serving.py:1306-1325), no [DONE].
// Usage: input_tokens = prompt - cache reads (serving.py:92-128).

import type { StreamBodies } from './stream-bodies.js';
import { tokenText, type BodyOptions, type Usage } from '../sse.js';
import { outputText } from './output-text.js';

const TOOL_NAME = 'sim_tool';

function event(type: string, data: string): string {
  return `event: ${type}\ndata: ${data}\n\n`;
}

export function messagesUsage(u: Usage, details: boolean): Record<string, number> {
  const out: Record<string, number> = { input_tokens: u.promptTokens - (details ? u.cachedTokens : 0), output_tokens: u.completionTokens };
  if (details) out.cache_read_input_tokens = u.cachedTokens;
  return out;
}

type BlockType = 'thinking' | 'text' | 'tool_use';

export class MessagesBodies implements StreamBodies {
  private readonly id: string;
  private readonly toolId: string;
  /** The open content block and its index (-1: none yet). */
  private block: BlockType | undefined;
  private index = -1;

  constructor(private readonly o: BodyOptions) {
    this.id = 'chatcmpl-' + o.id;
    this.toolId = 'chatcmpl-tool-' + (o.id.replace(/[^A-Za-z0-9]/g, '').slice(-24) || 'x');
  }

  isReasoning(i: number): boolean {
    return i < this.o.reasoningTokens;
  }

  opening(): string {
    const msg = { id: this.id, type: 'message', role: 'assistant', content: [], model: this.o.model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return event('message_start', JSON.stringify({ type: 'message_start', message: msg }));
  }

  private kindOf(i: number): BlockType {
    return this.isReasoning(i) ? 'thinking' : this.o.toolCall ? 'tool_use' : 'text';
  }

  /** Stops the open block (a thinking block first sends its signature). */
  private stopBlock(): string {
    if (this.block === undefined) return '';
    let out = '';
    if (this.block === 'thinking') out += event('content_block_delta', `{"type":"content_block_delta","delta":{"type":"signature_delta","signature":"sim${this.index}"},"index":${this.index}}`);
    out += event('content_block_stop', `{"type":"content_block_stop","index":${this.index}}`);
    this.block = undefined;
    return out;
  }

  private startBlock(kind: BlockType): string {
    const out = this.stopBlock();
    this.index++;
    this.block = kind;
    const cb = kind === 'thinking' ? '{"type":"thinking","thinking":""}' : kind === 'text' ? '{"type":"text","text":""}' : `{"type":"tool_use","id":"${this.toolId}","name":"${TOOL_NAME}","input":{}}`;
    return out + event('content_block_start', `{"type":"content_block_start","content_block":${cb},"index":${this.index}}`);
  }

  private piece(i: number, total: number, count: number, kind: BlockType): string {
    return outputText(i, count, total, kind === 'tool_use', this.o.reasoningTokens);
  }


  private delta(kind: BlockType, piece: string): string {
    const p = JSON.stringify(piece);
    const d = kind === 'thinking' ? `{"type":"thinking_delta","thinking":${p}}` : kind === 'text' ? `{"type":"text_delta","text":${p}}` : `{"type":"input_json_delta","partial_json":${p}}`;
    return `{"type":"content_block_delta","delta":${d},"index":${this.index}}`;
  }

  tokenChunk(_choice: number, i: number, total: number, _last: boolean, count = 1): string {
    const kind = this.kindOf(i);
    const start = this.block === kind ? '' : this.startBlock(kind);
    return start + event('content_block_delta', this.delta(kind, this.piece(i, total, count, kind)));
  }

  /** The API's own events end the stream: no separate finish chunk. */
  readonly separateFinish = false;

  finishChunk(): string {
    return '';
  }

  closing(u: Usage): string {
    const usage = JSON.stringify(messagesUsage(u, this.o.promptTokensDetails));
    return this.stopBlock() + event('message_delta', `{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":${usage}}`) + event('message_stop', '{"type":"message_stop"}');
  }

  malformedChunk(_choice: number, i: number): string {
    return event('content_block_delta', `{"type":"content_block_delta","delta":{"type":"text_delta","text":${JSON.stringify(tokenText(i))}`);
  }

  errorClose(message: string): string {
    return this.stopBlock() + event('error', JSON.stringify({ type: 'error', error: { type: 'api_error', message } }));
  }

  fullBody(tokens: number[], u: Usage): string {
    const n = tokens[0] ?? 0;
    const content: Record<string, unknown>[] = [];
    let thinking = '';
    let rest = '';
    for (let i = 0; i < n; i++) {
      if (this.isReasoning(i)) thinking += tokenText(i);
      else rest += this.piece(i, n, 1, this.kindOf(i));
    }
    if (thinking) content.push({ type: 'thinking', thinking, signature: 'sim' });
    if (rest) content.push(this.o.toolCall ? { type: 'tool_use', id: this.toolId, name: TOOL_NAME, input: safeJson(rest) } : { type: 'text', text: rest });
    return JSON.stringify({ id: this.id, type: 'message', role: 'assistant', content, model: this.o.model, stop_reason: 'max_tokens', stop_sequence: null, usage: messagesUsage(u, this.o.promptTokensDetails) });
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}
