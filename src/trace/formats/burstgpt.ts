// BurstGPT (HPMLL/BurstGPT) CSV: `Timestamp` (seconds since 00:00 of the first day), `Model`,
// `Request tokens`, `Response tokens` (0 = a failed request, kept as recorded), `Total tokens`,
// `Log Type`; BurstGPT_3 adds `Session ID` and `Elapsed time` (s, whole response). Rows of one
// Session ID form a session whose turns keep their own arrival times. Arrivals are offsets from
// the first row, as MLPerf's replay sends the first row at once.

import { csvNonNegativeInt, csvNonNegativeNumber } from '../fields';
import type { Turn } from '../model';
import type { ReadContext, SessionHead, TurnRecord } from '../records';
import type { TraceSource } from '../source';
import { csvRows } from './csv';

export function* burstgptRecords(src: TraceSource, ctx: ReadContext): Generator<TurnRecord> {
  ctx.relativeTimes = true;
  let origin: number | undefined;
  const sessions = new Map<string, { head: SessionHead; turns: number }>();
  for (const { cells, line, raw } of csvRows(src, ctx, 'BurstGPT', ['Timestamp', 'Request tokens', 'Response tokens'])) {
    const rec = ctx.row(line, (): TurnRecord => {
      const rc = { file: ctx.file, line };
      const seconds = csvNonNegativeNumber(cells, 'Timestamp', rc);
      const turn: Turn = { atMs: 0, inputTokens: csvNonNegativeInt(cells, 'Request tokens', rc), outputTokens: csvNonNegativeInt(cells, 'Response tokens', rc), line };
      origin ??= seconds;
      turn.atMs = (seconds - origin) * 1000;
      if (cells.Model) turn.model = cells.Model;
      if ((cells['Elapsed time'] ?? '').trim() !== '') turn.apiTimeMs = csvNonNegativeNumber(cells, 'Elapsed time', rc) * 1000;
      const sid = (cells['Session ID'] ?? '').trim();
      if (sid === '') return { session: { id: String(line), startMs: turn.atMs }, turnIndex: 0, turn, raw: ctx.raw(raw) };
      let s = sessions.get(sid);
      if (!s) sessions.set(sid, (s = { head: { id: sid, startMs: turn.atMs }, turns: 0 }));
      return { session: s.head, turnIndex: s.turns++, turn, raw: ctx.raw(raw) };
    });
    if (rec) yield rec;
  }
}
