// LMCache agentic traces (HF sammshen/lmcache-agentic-traces, exported to JSONL): one row per
// LLM call, `session_id`, `model`, `input` = the FULL message list so far, `output_length`,
// `pre_gap` (seconds before the call; siblings use `session_timestamp`, seconds since the
// session's first call). Parquet gives every message all five keys with explicit nulls, which
// vLLM rejects, so nulls are stripped here, once, before anything is sent. Rows with an empty
// message list are dropped (counted), as InferenceX does.

import { TraceError } from '../errors';
import { optionalNonNegativeNumber, optionalString, requireArray, requireNonNegativeInt, optionalId } from '../fields';
import { messagesText, stripNulls } from '../messages';
import type { Turn } from '../model';
import type { ReadContext, SessionHead, TurnRecord } from '../records';
import type { TraceSource } from '../source';
import { jsonRows } from './jsonl';

export function* lmcacheRecords(src: TraceSource, ctx: ReadContext): Generator<TurnRecord> {
  const sessions = new Map<string, { head: SessionHead; turns: number }>();
  for (const { row, line, raw } of jsonRows(src, ctx)) {
    const rec = ctx.row(line, (): TurnRecord | undefined => {
      const rc = { file: ctx.file, line };
      const id = optionalId(row, 'session_id', rc);
      if (id === undefined) throw new TraceError(ctx.file, line, 'session_id', 'is missing');
      const input = requireArray(row, 'input', rc);
      const outputTokens = requireNonNegativeInt(row, 'output_length', rc);
      if (input.length === 0) {
        ctx.drop('empty message list');
        return undefined;
      }
      const messages = stripNulls(input);
      messages.forEach((m, i) => {
        if (!m || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
          throw new TraceError(ctx.file, line, 'input', `message ${i} needs a "role"`);
        }
      });
      const turn: Turn = { inputTokens: ctx.tokensOf(messagesText(messages)), outputTokens, messages, line };
      turn.estimatedTokens = !ctx.opts.countTokens;
      const model = optionalString(row, 'model', rc);
      if (model) turn.model = model;
      const gap = optionalNonNegativeNumber(row, 'pre_gap', rc);
      if (gap !== undefined) turn.delayMs = gap * 1000;
      const at = optionalNonNegativeNumber(row, 'session_timestamp', rc);
      if (at !== undefined) turn.atMs = at * 1000;
      let s = sessions.get(id);
      if (!s) sessions.set(id, (s = { head: { id, startMs: 0 }, turns: 0 }));
      return { session: s.head, turnIndex: s.turns++, turn, raw: ctx.raw(raw) };
    });
    if (rec) yield rec;
  }
}
