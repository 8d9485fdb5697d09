// trie agentic workloads (Applied-Compute/trie): one JSONL row = one tool-use loop of N turns
// making N+1 requests. Request i's prompt is input_prompt_length + sum over j<i of
// (assistant_response_length[j] + tool_call_output_length[j]); its output is
// assistant_response_length[i], or final_assistant_response_length for the last. After turn j
// the tool runs for tool_call_latency[j] seconds. No arrival times: sessions start at 0 and the
// replay's concurrency decides when.

import { TraceError } from '../errors';
import { requireArray, requireNonNegativeInt, type RowContext } from '../fields';
import type { Turn } from '../model';
import type { ReadContext, TurnRecord } from '../records';
import type { TraceSource } from '../source';
import { jsonRows } from './jsonl';

function numberList(row: Record<string, unknown>, field: string, n: number, ctx: RowContext, integers: boolean): number[] {
  const list = requireArray(row, field, ctx);
  if (list.length !== n) throw new TraceError(ctx.file, ctx.line, field, `must have num_turns = ${n} elements, got ${list.length}`);
  list.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integers && !Number.isInteger(v))) {
      throw new TraceError(ctx.file, ctx.line, field, `element ${i} must be a non-negative ${integers ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
    }
  });
  return list as number[];
}

/** The N+1 requests of one trie row. */
export function trieTurns(row: Record<string, unknown>, ctx: RowContext): Turn[] {
  const n = requireNonNegativeInt(row, 'num_turns', ctx);
  const first = requireNonNegativeInt(row, 'input_prompt_length', ctx);
  const replies = numberList(row, 'assistant_response_length', n, ctx, true);
  const tools = numberList(row, 'tool_call_output_length', n, ctx, true);
  const latencies = numberList(row, 'tool_call_latency', n, ctx, false);
  const final = requireNonNegativeInt(row, 'final_assistant_response_length', ctx);
  const turns: Turn[] = [];
  let input = first;
  for (let i = 0; i <= n; i++) {
    const turn: Turn = { inputTokens: input, outputTokens: i < n ? replies[i] : final, appendTokens: i === 0 ? first : tools[i - 1], line: ctx.line };
    turn.delayMs = i === 0 ? 0 : latencies[i - 1] * 1000;
    turns.push(turn);
    if (i < n) input += replies[i] + tools[i];
  }
  return turns;
}

export function* trieRecords(src: TraceSource, ctx: ReadContext): Generator<TurnRecord> {
  for (const { row, line, raw } of jsonRows(src, ctx)) {
    const turns = ctx.row(line, () => trieTurns(row, { file: ctx.file, line }));
    if (!turns) continue;
    const session = { id: `trie-${line}`, startMs: 0, accumulates: true };
    for (let i = 0; i < turns.length; i++) yield { session, turnIndex: i, turn: turns[i], raw: i === 0 ? ctx.raw(raw) : undefined };
  }
}
