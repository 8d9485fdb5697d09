// GuideLLM replay datasets (vllm-project/guidellm `trace_synthetic`): JSONL rows with
// `timestamp` (any monotonic number, read as SECONDS), `input_length`, `output_length`;
// column names can be changed (ReadOptions.columns). Arrivals are offsets from the earliest
// row, like GuideLLM, which sorts the rows by time.

import { requireNonNegativeInt, requireNonNegativeNumber } from '../fields';
import type { ReadContext, TurnRecord } from '../records';
import type { TraceSource } from '../source';
import { jsonRows } from './jsonl';

export function* guidellmRecords(src: TraceSource, ctx: ReadContext): Generator<TurnRecord> {
  const col = { timestamp: 'timestamp', input: 'input_length', output: 'output_length', ...ctx.opts.columns };
  ctx.relativeTimes = true;
  let originS: number | undefined;
  for (const { row, line, raw } of jsonRows(src, ctx)) {
    const rec = ctx.row(line, (): TurnRecord => {
      const rc = { file: ctx.file, line };
      const seconds = requireNonNegativeNumber(row, col.timestamp, rc);
      const inputTokens = requireNonNegativeInt(row, col.input, rc);
      const outputTokens = requireNonNegativeInt(row, col.output, rc);
      originS ??= seconds;
      const atMs = (seconds - originS) * 1000;
      return { session: { id: String(line), startMs: atMs }, turnIndex: 0, turn: { atMs, inputTokens, outputTokens, line }, raw: ctx.raw(raw) };
    });
    if (rec) yield rec;
  }
}
