// A trace as the open-loop schedule's requests: every turn with an absolute arrival time,
// flattened out of its session, then put in schedule order (src/schedule/openloop.ts).

import type { Trace } from './model';
import { timeOrder, type SliceOptions, type TimedRequest } from '../schedule/openloop';

/**
 * The open-loop requests of a trace, sorted by time (stable: equal timestamps keep file
 * order), sliced, rebased to the window start and sped up. `index` is the position in the
 * result: the k6 iteration that sends it.
 */
export function selectRequests(trace: Trace, o: SliceOptions = {}): TimedRequest[] {
  const from = o.fromMs ?? 0;
  const to = o.toMs ?? Infinity;
  const rows: TimedRequest[] = [];
  for (const s of trace.sessions) {
    for (const t of s.turns) {
      const at = t.atMs ?? s.startMs;
      if (at < from || at >= to) continue;
      rows.push({ index: 0, atMs: at, inputTokens: t.inputTokens, outputTokens: t.outputTokens, blocks: t.blocks, line: t.line, ...(t.endpoint && { endpoint: t.endpoint }) });
    }
  }
  return timeOrder(rows, o);
}
