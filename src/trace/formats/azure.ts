// Azure LLM inference traces (Azure/AzurePublicDataset): CSV `TIMESTAMP,ContextTokens,
// GeneratedTokens` (the 2025 multimodal file adds NumImages, ignored). 2023 timestamps look like
// `2023-11-16 18:15:46.6805900` (7 fractional digits, no zone); 2024 ones like
// `2024-05-10 00:00:00.009930+00:00`, some without a fraction. Arrivals are offsets from the
// first row, with sub-millisecond precision kept.

import { TraceError } from '../errors';
import { csvNonNegativeInt } from '../fields';
import type { ReadContext, TurnRecord } from '../records';
import type { TraceSource } from '../source';
import { csvRows } from './csv';

const STAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Whole milliseconds since the Unix epoch (UTC when the stamp has no zone) and the fraction
 * of a second, kept apart: added together, epoch-sized numbers would lose the microseconds.
 */
export function parseAzureTimestamp(text: string): { ms: number; fracMs: number } | undefined {
  const m = STAMP.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const fracMs = frac ? Number(`0.${frac}`) * 1000 : 0;
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return { ms, fracMs };
}

export function* azureRecords(src: TraceSource, ctx: ReadContext): Generator<TurnRecord> {
  ctx.relativeTimes = true;
  let origin: { ms: number; fracMs: number } | undefined;
  for (const { cells, line, raw } of csvRows(src, ctx, 'Azure', ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'])) {
    const rec = ctx.row(line, (): TurnRecord => {
      const rc = { file: ctx.file, line };
      const at = parseAzureTimestamp(cells.TIMESTAMP);
      if (at === undefined) throw new TraceError(ctx.file, line, 'TIMESTAMP', `expected a date like 2023-11-16 18:15:46.6805900, got ${JSON.stringify(cells.TIMESTAMP)}`);
      const inputTokens = csvNonNegativeInt(cells, 'ContextTokens', rc);
      const outputTokens = csvNonNegativeInt(cells, 'GeneratedTokens', rc);
      origin ??= at;
      const atMs = at.ms - origin.ms + (at.fracMs - origin.fracMs);
      return { session: { id: String(line), startMs: atMs }, turnIndex: 0, turn: { atMs, inputTokens, outputTokens, line }, raw: ctx.raw(raw) };
    });
    if (rec) yield rec;
  }
}
