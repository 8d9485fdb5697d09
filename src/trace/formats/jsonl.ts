// JSON Lines input shared by the line-per-row readers.

import { parseJsonObjectLine } from '../fields';
import type { ReadContext } from '../records';
import { linesOf, type TraceSource } from '../source';

export interface JsonRow {
  row: Record<string, unknown>;
  line: number;
  raw: string;
}

/** Non-blank lines parsed as JSON objects; a bad line is a TraceError (or skipped with skipBad). */
export function* jsonRows(src: TraceSource, ctx: ReadContext): Generator<JsonRow> {
  for (const { text, line } of linesOf(src.chunks())) {
    if (text.trim() === '') continue;
    const row = ctx.row(line, () => parseJsonObjectLine(text, { file: ctx.file, line }));
    if (row) yield { row, line, raw: text };
  }
}
