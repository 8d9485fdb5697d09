// Growing context for sessions that record only what each turn appends (trie tool loops,
// AIPerf sessions): the prompt of turn i is the conversation so far — every earlier input and
// the replies the server actually sent — plus turn i's new input, as a real agent sends it. The
// server has the previous prompt and its own reply in its KV cache, so the eligible cache hit
// rate can reach 100%. Replies keep their content only: reasoning is not sent back, as clients
// of reasoning models do.

import { buildPrompt, type Vocabulary } from '../prompt/hashblock';
import type { Endpoint } from '../openai/request';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface AppendOptions {
  vocab: Vocabulary;
  blockSize: number;
  sessionSalt: string;
  warmSalt: string;
  /** Tokens at the very start of the conversation taken from the shared warm prefix. */
  warmTokens: number;
}

/** Tokens a turn appends: recorded, or what its prompt adds to the previous prompt and reply. */
export function appendedTokens(turn: { inputTokens: number; appendTokens?: number }, prev: { inputTokens: number; outputTokens: number } | undefined): number {
  if (turn.appendTokens !== undefined) return turn.appendTokens;
  if (!prev) return turn.inputTokens;
  return Math.max(0, turn.inputTokens - prev.inputTokens - prev.outputTokens);
}

/** The generated content (not reasoning) of a streamed or non-streamed response. */
/** The answer text (no reasoning, no tool arguments) of a Messages or Responses stream. */
function otherApiStreamReply(events: readonly string[], api: 'messages' | 'responses'): string {
  let text = '';
  for (const d of events) {
    if (d.indexOf(api === 'messages' ? '"text_delta"' : '"response.output_text.delta"') < 0) continue;
    try {
      const e = JSON.parse(d) as { delta?: unknown };
      const piece = api === 'messages' ? (e.delta as { text?: unknown } | undefined)?.text : e.delta;
      if (typeof piece === 'string') text += piece;
    } catch {
      // malformed events are counted by the stream parser
    }
  }
  return text;
}

/** The reply text of a non-streamed Messages or Responses body. */
function otherApiReply(body: string, api: 'messages' | 'responses'): string {
  try {
    const o = JSON.parse(body) as { content?: Array<{ text?: unknown }>; output?: Array<{ content?: Array<{ text?: unknown }> }> };
    const parts = api === 'messages' ? o.content ?? [] : (o.output ?? []).flatMap((i) => i.content ?? []);
    return parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
  } catch {
    return '';
  }
}

export function replyContent(events: readonly string[], body: string, api: Endpoint = 'chat'): string {
  // Messages and Responses events name their kind: their own parser collects the text.
  if (api === 'messages' || api === 'responses') return events.length ? otherApiStreamReply(events, api) : otherApiReply(body, api);
  let text = '';
  for (const d of events) {
    if (d === '[DONE]' || d.indexOf('"content"') < 0 && d.indexOf('"text"') < 0) continue;
    try {
      const c = (JSON.parse(d) as { choices?: Array<{ delta?: { content?: unknown }; text?: unknown }> }).choices?.[0];
      const piece = c?.delta?.content ?? c?.text;
      if (typeof piece === 'string') text += piece;
    } catch {
      // malformed events are counted by the stream parser; nothing to add here
    }
  }
  if (events.length === 0 && body) {
    try {
      const c = (JSON.parse(body) as { choices?: Array<{ message?: { content?: unknown }; text?: unknown }> }).choices?.[0];
      const piece = c?.message?.content ?? c?.text;
      if (typeof piece === 'string') text = piece;
    } catch {
      // not JSON: no reply
    }
  }
  return text;
}

export class Conversation {
  private readonly messages: ChatMessage[] = [];
  private turns = 0;

  constructor(private readonly o: AppendOptions) {}

  /** Text of `tokens` new tokens for turn `turn`: the warm prefix first (turn 0), then the turn's blocks or unique filler. */
  private inputText(tokens: number, blocks: readonly number[] | undefined, fillerKey: string): string {
    const { vocab, blockSize } = this.o;
    const parts: string[] = [];
    let rest = tokens;
    if (this.turns === 0 && this.o.warmTokens > 0) {
      const w = Math.min(rest, this.o.warmTokens);
      const ids = Array.from({ length: Math.ceil(w / blockSize) }, (_, i) => i);
      parts.push(buildPrompt(vocab, { blocks: ids, blockSize, tokens: w, salt: this.o.warmSalt }));
      rest -= w;
    }
    if (rest > 0) parts.push(buildPrompt(vocab, { blocks: blocks ?? [], blockSize, tokens: rest, salt: this.o.sessionSalt, uniqueKey: fillerKey }));
    return parts.join(' ');
  }

  /** Messages so far (asks and answers). */
  get length(): number {
    return this.messages.length;
  }

  /** Appends the turn's input as a user message; returns the messages to send. */
  ask(tokens: number, blocks: readonly number[] | undefined, fillerKey: string): ChatMessage[] {
    this.messages.push({ role: 'user', content: this.inputText(tokens, blocks, fillerKey) });
    this.turns++;
    return this.messages.slice();
  }

  /**
   * Records the reply the server sent (content only; '' when it was all reasoning). When no reply
   * arrived (a failed request), `fallbackTokens` of filler stand in for the recorded one.
   */
  answer(content: string | undefined, fallbackTokens: number, fillerKey: string): void {
    const text = content !== undefined ? content : fallbackTokens > 0
      ? buildPrompt(this.o.vocab, { blocks: [], blockSize: this.o.blockSize, tokens: fallbackTokens, salt: this.o.sessionSalt, uniqueKey: fillerKey })
      : '';
    this.messages.push({ role: 'assistant', content: text });
  }

  /** The conversation as one text (completions endpoint): messages joined by single spaces. */
  static asText(messages: readonly ChatMessage[]): string {
    return messages.map((m) => m.content).filter((c) => c !== '').join(' ');
  }
}
