// Speed-up and replay cycles, as MLPerf Storage's BurstGPT replay does them
// (`--trace-speedup`, `--replay-cycles`): every gap is divided by the speed-up (0 = no waits at
// all), and the trace is replayed `cycles` times back to back, each cycle starting right when
// the previous one's last arrival happened (MLPerf resets its clock between cycles, so the
// first row of a cycle follows the last row of the previous one with no gap). Sessions of
// cycle k > 0 get the suffix "~k" so they stay distinct. MLPerf's "0 cycles = forever" needs a
// bound here: pass maxRequests.

import { BoundedMap } from './bounded-map';
import type { TurnRecord } from './records';

export interface CycleOptions {
  /** Divide all times and waits by this; 0 sends everything at once. Default 1. */
  speedup?: number;
  /** Times to replay the trace; 0 = until maxRequests. Default 1. */
  cycles?: number;
  maxRequests?: number;
}

export function* replayCycles(read: () => Iterable<TurnRecord>, o: CycleOptions = {}): Generator<TurnRecord> {
  const speedup = o.speedup ?? 1;
  const cycles = o.cycles ?? 1;
  if (!(speedup >= 0) || !Number.isFinite(speedup)) throw new Error(`speed-up must be a number >= 0, got ${speedup}`);
  if (!Number.isInteger(cycles) || cycles < 0) throw new Error(`cycles must be a whole number >= 0, got ${cycles}`);
  if (cycles === 0 && o.maxRequests === undefined) throw new Error('cycles 0 (replay forever) needs a request limit');
  const scale = (ms: number) => (speedup === 0 ? 0 : ms / speedup);
  let sent = 0;
  let offset = 0;
  for (let k = 0; cycles === 0 || k < cycles; k++) {
    let first = Infinity;
    let last = -Infinity;
    // Turns of a session keep sharing one head (forgetting the oldest: interleaving is local).
    const heads = new BoundedMap<object, TurnRecord['session']>(1 << 16);
    let any = false;
    for (const r of read()) {
      if (o.maxRequests !== undefined && sent >= o.maxRequests) return;
      any = true;
      const at = r.turn.atMs ?? (r.turnIndex === 0 ? r.session.startMs : undefined);
      if (at !== undefined) {
        first = Math.min(first, at);
        last = Math.max(last, at);
      }
      let head = heads.get(r.session);
      if (!head) {
        head = { ...r.session, startMs: offset + scale(r.session.startMs) };
        if (k > 0) {
          head.id = `${r.session.id}~${k}`;
          if (head.parentId !== undefined) head.parentId = `${head.parentId}~${k}`;
        }
        heads.set(r.session, head);
      }
      const turn = { ...r.turn };
      if (turn.atMs !== undefined) turn.atMs = offset + scale(turn.atMs);
      if (turn.delayMs !== undefined) turn.delayMs = scale(turn.delayMs);
      sent++;
      yield { ...r, session: head, turn };
    }
    if (!any) return;
    offset += first <= last ? scale(last - first) : 0;
  }
}
