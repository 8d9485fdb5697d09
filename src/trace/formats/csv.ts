// CSV input through papaparse (its browser build is what esbuild bundles into k6 scripts).
// Lines are parsed in batches, which keeps papaparse fast on million-row files while every row
// keeps its own line number; quoted fields spanning lines are not supported (no trace CSV has them).

import Papa from 'papaparse';
import { TraceError } from '../errors';
import type { ReadContext } from '../records';
import { linesOf, type TraceSource } from '../source';

export interface CsvRow {
  cells: Record<string, string>;
  line: number;
  raw: string;
}

const BATCH_LINES = 2000;

function parseLines(text: string): string[][] {
  return Papa.parse<string[]>(text, { header: false, skipEmptyLines: false }).data;
}

/** Rows of a CSV file with a header line naming at least the `required` columns, as header -> cell text. */
export function* csvRows(src: TraceSource, ctx: ReadContext, format: string, required: readonly string[]): Generator<CsvRow> {
  let header: string[] | undefined;
  let batch: Array<{ text: string; line: number }> = [];
  const flush = function* (): Generator<CsvRow> {
    if (!header || batch.length === 0) return;
    let rows = parseLines(batch.map((b) => b.text).join('\n'));
    // A quote that papaparse read across lines shifts rows: fall back to one line at a time.
    if (rows.length !== batch.length) rows = batch.map((b) => parseLines(b.text)[0] ?? []);
    for (let i = 0; i < batch.length; i++) {
      const { text, line } = batch[i];
      const cells = ctx.row(line, () => toCells(header!, rows[i], ctx.file, line));
      if (cells) yield { cells, line, raw: text };
    }
    batch = [];
  };
  for (const l of linesOf(src.chunks())) {
    if (l.text.trim() === '') continue;
    if (!header) {
      header = parseLines(l.text)[0].map((h) => h.trim());
      requireColumns(ctx, l.line, header, required, format);
      ctx.header = l.text;
      continue;
    }
    batch.push(l);
    if (batch.length >= BATCH_LINES) yield* flush();
  }
  yield* flush();
  if (!header) throw new TraceError(ctx.file, 1, undefined, 'the CSV file is empty (no header line)');
}

function toCells(header: string[], values: string[], file: string, line: number): Record<string, string> {
  if (values.length !== header.length) {
    throw new TraceError(file, line, undefined, `expected ${header.length} comma-separated values (${header.join(',')}), got ${values.length}`);
  }
  const cells: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) cells[header[i]] = values[i];
  return cells;
}

/** Fails early, on the header line, when required columns are missing. */
function requireColumns(ctx: ReadContext, line: number, header: readonly string[], wanted: readonly string[], format: string): void {
  const missing = wanted.filter((w) => !header.includes(w));
  if (missing.length > 0) {
    throw new TraceError(ctx.file, line, missing[0], `${format} CSV needs the columns ${wanted.join(', ')}; the header has ${header.join(', ')}`);
  }
}
