// Streaming a JSONL result file line by line in bounded memory (1 MiB chunks): the report
// tools never hold a per-request file whole. A last line cut short (a point interrupted while
// writing) is skipped and counted; a bad line anywhere else is an error naming file and line.

import { fileChunks } from '../storage/file-source';
import { linesOf } from '../trace/source';
import { ReportInputError } from './inputs';

export interface JsonlStats { lines: number; truncatedLast: boolean }

export function* readJsonl<T>(file: string, stats: JsonlStats = { lines: 0, truncatedLast: false }): Generator<T> {
  let bad: { line: number; message: string } | undefined;
  for (const { text, line } of linesOf(fileChunks(file))) {
    if (bad) throw new ReportInputError(`${file}:${bad.line}: not a JSON record (${bad.message}); fix or delete that line`);
    if (text.trim() === '') continue;
    let value: T;
    try {
      value = JSON.parse(text) as T;
    } catch (e) {
      bad = { line, message: (e as Error).message };
      continue;
    }
    stats.lines++;
    yield value;
  }
  if (bad) stats.truncatedLast = true;
}
