// Mooncake FAST'25 JSONL: {"timestamp": ms, "input_length", "output_length", "hash_ids": [...]}
// with 512-token prefix blocks; one open-loop request per line.

import { TraceError } from './errors';
import { optionalIntArray, parseJsonObjectLine, requireNonNegativeInt, requireNonNegativeNumber, type RowContext } from './fields';
import type { SkippedRow, Trace, Turn } from './model';

export const MOONCAKE_BLOCK_SIZE = 512;

export interface ReadOptions {
  /** Skip (and count) bad rows instead of failing on the first one. */
  skipBad?: boolean;
  /** Tokens per hash id (512 for Mooncake). */
  blockSize?: number;
}

/** Parses one Mooncake row into a turn with an absolute arrival time. */
export function parseMooncakeRow(row: Record<string, unknown>, ctx: RowContext, blockSize: number): Turn {
  const atMs = requireNonNegativeNumber(row, 'timestamp', ctx);
  const inputTokens = requireNonNegativeInt(row, 'input_length', ctx);
  const outputTokens = requireNonNegativeInt(row, 'output_length', ctx);
  const blocks = optionalIntArray(row, 'hash_ids', ctx);
  if (blocks && blocks.length * blockSize < inputTokens) {
    throw new TraceError(ctx.file, ctx.line, 'hash_ids',
      `${blocks.length} blocks of ${blockSize} tokens cannot cover input_length ${inputTokens}; is the block size right?`);
  }
  return { atMs, inputTokens, outputTokens, blocks, line: ctx.line };
}

/** Reads a whole Mooncake JSONL text. Each row becomes a one-turn session. */
export function readMooncake(text: string, file: string, opts: ReadOptions = {}): Trace {
  const blockSize = opts.blockSize ?? MOONCAKE_BLOCK_SIZE;
  const trace: Trace = { format: 'mooncake', source: file, blockSize, sessions: [] };
  const skipped: SkippedRow[] = [];
  let skippedCount = 0;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    const ctx = { file, line: lineNo };
    try {
      const turn = parseMooncakeRow(parseJsonObjectLine(line, ctx), ctx, blockSize);
      trace.sessions.push({ id: String(lineNo), startMs: turn.atMs ?? 0, turns: [turn] });
    } catch (e) {
      if (!opts.skipBad || !(e instanceof TraceError)) throw e;
      skippedCount++;
      if (skipped.length < 100) skipped.push({ line: lineNo, message: e.message });
    }
  }
  if (skippedCount > 0) {
    trace.skipped = skipped;
    trace.skippedCount = skippedCount;
  }
  return trace;
}
