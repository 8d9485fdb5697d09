// ShareGPT-style conversations: {"id", "conversations": [{"from": "human"|"gpt"|..., "value"}]},
// as one JSON array (ShareGPT_V3_unfiltered_cleaned_split.json) or one conversation per line.
// Each user message answered by an assistant message becomes a turn of an accumulating session:
// the turn carries the new user message (real content), the reply's length becomes the output
// length, and the replay threads the live replies into the history. Token counts are estimated
// from text unless a tokenizer is given. Conversations without a user/assistant pair are dropped.

import { TraceError } from '../errors';
import { optionalId } from '../fields';
import type { Turn } from '../model';
import type { ReadContext, TurnRecord } from '../records';
import type { TraceSource } from '../source';
import { jsonArrayElements } from './json-array';
import { jsonRows } from './jsonl';

const ROLES: Record<string, 'system' | 'user' | 'assistant'> = {
  system: 'system', human: 'user', user: 'user', gpt: 'assistant', chatgpt: 'assistant', bing: 'assistant',
  bard: 'assistant', assistant: 'assistant', model: 'assistant',
};

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The turns of one conversation (empty when it has no user message followed by a reply). */
export function sharegptTurns(conv: Record<string, unknown>, file: string, line: number, ctx: ReadContext): Turn[] {
  const list = conv.conversations;
  if (!Array.isArray(list)) throw new TraceError(file, line, 'conversations', 'must be an array of {from, value} messages');
  const turns: Turn[] = [];
  let pending: ChatMessage[] = [];
  let input = 0;
  list.forEach((m, i) => {
    const from = (m as { from?: unknown } | null)?.from;
    const value = (m as { value?: unknown } | null)?.value;
    const role = typeof from === 'string' ? ROLES[from.toLowerCase()] : undefined;
    if (!role) throw new TraceError(file, line, `conversations[${i}].from`, `unknown speaker ${JSON.stringify(from)}`);
    if (typeof value !== 'string') throw new TraceError(file, line, `conversations[${i}].value`, 'must be a string');
    if (role !== 'assistant') {
      pending.push({ role, content: value });
      return;
    }
    if (!pending.some((p) => p.role === 'user')) return; // a reply to nothing: skip it
    const appendTokens = pending.reduce((n, p) => n + ctx.tokensOf(p.content), 0);
    const prev = turns[turns.length - 1];
    input = (prev ? input + prev.outputTokens : 0) + appendTokens;
    turns.push({ inputTokens: input, outputTokens: ctx.tokensOf(value), appendTokens, messages: pending, estimatedTokens: !ctx.opts.countTokens, line });
    pending = [];
  });
  return turns;
}

function* conversations(src: TraceSource, ctx: ReadContext): Generator<{ conv: Record<string, unknown>; line: number; raw?: string }> {
  let first = '';
  for (const c of src.chunks()) {
    first = c.replace(/^[\s\ufeff]+/, '');
    if (first !== '') break;
  }
  if (!first.startsWith('[')) {
    for (const { row, line, raw } of jsonRows(src, ctx)) yield { conv: row, line, raw };
    return;
  }
  for (const el of jsonArrayElements(src.chunks(), ctx.file)) {
    const conv = ctx.row(el.line, () => {
      let v: unknown;
      try {
        v = JSON.parse(el.text);
      } catch (e) {
        throw new TraceError(ctx.file, el.line, undefined, `not valid JSON (${(e as Error).message})`);
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TraceError(ctx.file, el.line, undefined, 'expected a conversation object');
      return v as Record<string, unknown>;
    });
    if (conv) yield { conv, line: el.line };
  }
}

export function* sharegptRecords(src: TraceSource, ctx: ReadContext): Generator<TurnRecord> {
  const seen = new Set<string>();
  let n = 0;
  for (const { conv, line, raw } of conversations(src, ctx)) {
    n++;
    const turns = ctx.row(line, () => sharegptTurns(conv, ctx.file, line, ctx));
    if (!turns) continue;
    if (turns.length === 0) {
      ctx.drop('conversation without a user message and a reply');
      continue;
    }
    let id = ctx.row(line, () => optionalId(conv, 'id', { file: ctx.file, line })) ?? `conversation-${n}`;
    if (seen.has(id)) id = `${id}#${n}`;
    seen.add(id);
    const session = { id, startMs: 0, accumulates: true };
    for (let i = 0; i < turns.length; i++) yield { session, turnIndex: i, turn: turns[i], raw: i === 0 && raw !== undefined ? ctx.raw(raw) : undefined };
  }
}
