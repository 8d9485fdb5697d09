// AIPerf `mooncake_trace` JSONL (ai-dynamo/aiperf): Mooncake rows extended with sessions.
// Rows sharing a `session_id` are the turns of one conversation in file order; the first turn
// may carry `timestamp` (ms, absolute schedule), later ones `delay` (ms after the previous
// turn). Each row has exactly one input: `input_length` (+ optional `hash_ids`), `text_input`,
// `messages` or `payload`.
//
// How sessions are modelled: AIPerf sessions accumulate history, so `input_length` on a later
// turn is the number of NEW tokens appended (the new user message), not the whole prompt. The
// turn keeps that as `appendTokens` (and `hash_ids` as `appendBlocks`), and `inputTokens` is
// what the server sees: previous inputTokens + previous outputTokens (the reply, now in the
// history) + appendTokens. `messages` rows in the default "history" mode already hold the whole
// conversation, so those sessions do not accumulate; `message_mode: "delta"` rows do.

import { optionalEndpoint } from '../endpoint-field';
import { TraceError } from '../errors';
import {
  optionalId, optionalIntArray, optionalNonNegativeInt, optionalNonNegativeNumber, optionalObject, optionalString,
  type RowContext,
} from '../fields';
import { messagesText, stripNulls } from '../messages';
import type { Turn } from '../model';
import type { ReadContext, SessionHead, TurnRecord } from '../records';
import type { TraceSource } from '../source';
import { jsonRows } from './jsonl';
import { MOONCAKE_BLOCK_SIZE } from './mooncake';

const INPUT_MODES = ['input_length', 'text_input', 'messages', 'payload'] as const;

interface SessionState {
  head: SessionHead;
  turns: number;
  lastInput: number;
  lastOutput: number;
}

function inputMode(row: Record<string, unknown>, ctx: RowContext): (typeof INPUT_MODES)[number] {
  const present = INPUT_MODES.filter((k) => row[k] !== undefined && row[k] !== null);
  if (present.length !== 1) {
    throw new TraceError(ctx.file, ctx.line, present[1] ?? 'input_length',
      present.length === 0 ? 'one of input_length, text_input, messages, payload is required' : `only one input allowed, got ${present.join(' and ')}`);
  }
  return present[0];
}

function messageList(row: Record<string, unknown>, field: string, ctx: RowContext): unknown[] {
  const v = row[field];
  if (!Array.isArray(v) || v.length === 0) throw new TraceError(ctx.file, ctx.line, field, 'must be a non-empty array of chat messages');
  v.forEach((m, i) => {
    if (!m || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
      throw new TraceError(ctx.file, ctx.line, field, `message ${i} needs a "role"`);
    }
  });
  return stripNulls(v);
}

/** The turn's own input, before the session's history is accounted for. */
function parseInput(row: Record<string, unknown>, ctx: RowContext, read: ReadContext): { turn: Turn; accumulates: boolean } {
  const mode = inputMode(row, ctx);
  const outputTokens = optionalNonNegativeInt(row, 'output_length', ctx) ?? 0;
  const hashIds = optionalIntArray(row, 'hash_ids', ctx);
  if (hashIds && mode !== 'input_length') throw new TraceError(ctx.file, ctx.line, 'hash_ids', 'is only allowed together with input_length');
  if (row.tools !== undefined && mode !== 'messages') throw new TraceError(ctx.file, ctx.line, 'tools', 'is only allowed together with messages');
  const turn: Turn = { inputTokens: 0, outputTokens, line: ctx.line };
  const extra = optionalObject(row, 'extra', ctx);
  if (extra) turn.extra = extra;
  // AIPerf's rows record no endpoint (MooncakeTrace in ai-dynamo/aiperf dataset/loader/models.py
  // has none; its --endpoint-type applies to the whole run): `endpoint` is this project's field.
  const endpoint = optionalEndpoint(row, ctx);
  if (endpoint) turn.endpoint = endpoint;
  if (mode === 'input_length') {
    turn.appendTokens = optionalNonNegativeInt(row, 'input_length', ctx) ?? 0;
    const blockSize = read.blockSize ?? MOONCAKE_BLOCK_SIZE;
    if (hashIds && hashIds.length * blockSize < turn.appendTokens) {
      throw new TraceError(ctx.file, ctx.line, 'hash_ids',
        `${hashIds.length} blocks of ${blockSize} tokens cannot cover input_length ${turn.appendTokens}; is the block size right?`);
    }
    if (hashIds) turn.appendBlocks = hashIds;
    return { turn, accumulates: true };
  }
  if (mode === 'text_input') {
    turn.text = optionalString(row, 'text_input', ctx) ?? '';
    turn.appendTokens = read.tokensOf(turn.text);
    turn.estimatedTokens = !read.opts.countTokens;
    return { turn, accumulates: true };
  }
  if (mode === 'messages') {
    turn.messages = messageList(row, 'messages', ctx);
    if (Array.isArray(row.tools)) turn.tools = stripNulls(row.tools);
    const delta = row.message_mode === 'delta';
    const tokens = read.tokensOf(messagesText(turn.messages));
    if (delta) turn.appendTokens = tokens;
    else turn.inputTokens = tokens;
    turn.estimatedTokens = !read.opts.countTokens;
    return { turn, accumulates: delta };
  }
  turn.payload = stripNulls(optionalObject(row, 'payload', ctx) ?? {});
  const msgs = turn.payload.messages;
  const prompt = turn.payload.prompt;
  turn.inputTokens = read.tokensOf(Array.isArray(msgs) ? messagesText(msgs) : typeof prompt === 'string' ? prompt : '');
  turn.estimatedTokens = !read.opts.countTokens;
  return { turn, accumulates: false };
}

export function* aiperfRecords(src: TraceSource, ctx: ReadContext): Generator<TurnRecord> {
  ctx.useBlockSize(MOONCAKE_BLOCK_SIZE, 1, 'hash_ids');
  const sessions = new Map<string, SessionState>();
  for (const { row, line, raw } of jsonRows(src, ctx)) {
    const rec = ctx.row(line, (): TurnRecord => {
      const rc = { file: ctx.file, line };
      const { turn, accumulates } = parseInput(row, rc, ctx);
      const timestamp = optionalNonNegativeNumber(row, 'timestamp', rc);
      const delay = optionalNonNegativeNumber(row, 'delay', rc);
      const id = optionalId(row, 'session_id', rc) ?? `line-${line}`;
      let s = sessions.get(id);
      if (!s) {
        s = { head: { id, startMs: timestamp ?? 0, accumulates }, turns: 0, lastInput: 0, lastOutput: 0 };
        sessions.set(id, s);
      } else if (s.head.accumulates !== accumulates) {
        throw new TraceError(ctx.file, line, 'messages', `session "${id}" mixes history rows (messages/payload) with rows that append to it`);
      }
      if (timestamp !== undefined) turn.atMs = timestamp;
      if (s.turns > 0) turn.delayMs = delay ?? 0;
      else if (delay !== undefined) turn.delayMs = delay;
      if (accumulates) {
        turn.inputTokens = (s.turns > 0 ? s.lastInput + s.lastOutput : 0) + (turn.appendTokens ?? 0);
        if (s.turns === 0 && turn.appendBlocks) turn.blocks = turn.appendBlocks;
      }
      s.lastInput = turn.inputTokens;
      s.lastOutput = turn.outputTokens;
      return { session: s.head, turnIndex: s.turns++, turn, raw: ctx.raw(raw) };
    });
    if (rec) yield rec;
  }
}
