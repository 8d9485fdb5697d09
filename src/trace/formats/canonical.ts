// The project's own trace file: JSON Lines, a header line then one session per line, exactly
// the canonical model (src/trace/model.ts). `trace convert --to canonical` writes it; reading it
// back gives the same Trace, so a converted, sliced or hand-edited trace replays the same way.

import { optionalEndpoint } from '../endpoint-field';
import { TraceError } from '../errors';
import { requireArray, requireNonNegativeInt, requireNonNegativeNumber } from '../fields';
import type { Session, Turn } from '../model';
import type { ReadContext, SessionHead, TurnRecord } from '../records';
import type { TraceSource } from '../source';
import { jsonRows } from './jsonl';

export const CANONICAL_VERSION = 1;

export interface CanonicalHeader {
  canonical: number;
  /** The format the trace was converted from. */
  format: string;
  blockSize?: number;
  source?: string;
}

export function canonicalHeaderLine(h: Omit<CanonicalHeader, 'canonical'>): string {
  return JSON.stringify({ canonical: CANONICAL_VERSION, ...h });
}

/**
 * One session as a line (turn line numbers refer to the original file and are left out). A
 * session may continue on later lines: those say which turn they start at (`firstTurn`).
 */
export function canonicalSessionLine(head: SessionHead, turns: readonly Turn[], firstTurn = 0): string {
  return JSON.stringify({ ...head, ...(firstTurn > 0 ? { firstTurn } : {}), turns: turns.map(({ line: _line, ...t }) => t) });
}

export function* canonicalRecords(src: TraceSource, ctx: ReadContext): Generator<TurnRecord> {
  let sawHeader = false;
  for (const { row, line, raw } of jsonRows(src, ctx)) {
    if (!sawHeader) {
      if (row.canonical !== CANONICAL_VERSION) throw new TraceError(ctx.file, line, 'canonical', `expected a header line {"canonical": ${CANONICAL_VERSION}, ...}`);
      if (typeof row.blockSize === 'number') ctx.useBlockSize(row.blockSize, line, 'blockSize');
      ctx.header = raw;
      sawHeader = true;
      continue;
    }
    const session = ctx.row(line, () => parseSession(row, ctx.file, line));
    if (!session) continue;
    const { turns, firstTurn, ...head } = session as Session & { firstTurn?: number };
    const base = typeof firstTurn === 'number' ? firstTurn : 0;
    for (let i = 0; i < turns.length; i++) yield { session: head, turnIndex: base + i, turn: { ...turns[i], line }, raw: i === 0 ? ctx.raw(raw) : undefined };
  }
}

function parseSession(row: Record<string, unknown>, file: string, line: number): Session {
  const ctx = { file, line };
  if (typeof row.id !== 'string') throw new TraceError(file, line, 'id', 'must be a string');
  requireNonNegativeNumber(row, 'startMs', ctx);
  requireArray(row, 'turns', ctx).forEach((t, i) => {
    if (!t || typeof t !== 'object') throw new TraceError(file, line, `turns[${i}]`, 'must be an object');
    const turn = t as Record<string, unknown>;
    const tctx = { file, line };
    for (const f of ['inputTokens', 'outputTokens']) {
      try {
        requireNonNegativeInt(turn, f, tctx);
      } catch (e) {
        throw new TraceError(file, line, `turns[${i}].${f}`, (e as TraceError).reason);
      }
    }
    const endpoint = optionalEndpoint(turn, tctx, `turns[${i}].endpoint`);
    if (endpoint) turn.endpoint = endpoint;
  });
  return row as unknown as Session;
}
