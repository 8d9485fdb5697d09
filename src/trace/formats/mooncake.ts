// Mooncake FAST'25 JSONL: {"timestamp": ms, "input_length", "output_length", "hash_ids": [...]}
// with 512-token prefix blocks; one open-loop request per line.

import { optionalEndpoint } from '../endpoint-field';
import { TraceError } from '../errors';
import { optionalIntArray, requireNonNegativeInt, requireNonNegativeNumber, type RowContext } from '../fields';
import type { Trace, Turn } from '../model';
import { collectTrace, ReadContext, type ReadOptions, type TurnRecord } from '../records';
import { textSource, type TraceSource } from '../source';
import { jsonRows } from './jsonl';

export const MOONCAKE_BLOCK_SIZE = 512;

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
  const endpoint = optionalEndpoint(row, ctx);
  return endpoint ? { atMs, inputTokens, outputTokens, blocks, line: ctx.line, endpoint } : { atMs, inputTokens, outputTokens, blocks, line: ctx.line };
}

/** Each row becomes a one-turn session named after its line. */
export function* mooncakeRecords(src: TraceSource, ctx: ReadContext): Generator<TurnRecord> {
  ctx.useBlockSize(MOONCAKE_BLOCK_SIZE, 1, 'hash_ids');
  const blockSize = ctx.blockSize ?? MOONCAKE_BLOCK_SIZE;
  for (const { row, line, raw } of jsonRows(src, ctx)) {
    const turn = ctx.row(line, () => parseMooncakeRow(row, { file: ctx.file, line }, blockSize));
    if (!turn) continue;
    yield { session: { id: String(line), startMs: turn.atMs ?? 0 }, turnIndex: 0, turn, raw: ctx.raw(raw) };
  }
}

/** Reads a whole Mooncake JSONL text. */
export function readMooncake(text: string, file: string, opts: ReadOptions = {}): Trace {
  const ctx = new ReadContext(file, opts);
  return collectTrace('mooncake', mooncakeRecords(textSource(text, file), ctx), ctx);
}
