// When each request of a trace would be sent and finish, as a record stream goes by: recorded
// arrivals where the trace has them, and for closed-loop turns the previous turn's estimated
// end plus the recorded wait. Latency is the recorded server time when known, else the same
// simple model the replay uses to size its VUs (src/schedule/openloop.ts LatencyModel).

import type { LatencyModel } from '../../schedule/openloop';
import { BoundedMap } from '../bounded-map';
import type { TurnRecord } from '../records';

export const DEFAULT_LATENCY: LatencyModel = { ttftMs: 1000, prefillMsPerToken: 0.05, tpotMs: 30 };

export interface TurnTimes {
  startMs: number;
  endMs: number;
  /** True when the start was derived (closed loop), not recorded. */
  estimatedStart: boolean;
}

/** Sessions whose last end is remembered: bounded, the oldest forgotten first (interleaving is local). */
const REMEMBERED_SESSIONS = 1 << 16;

export class Timeline {
  private readonly lastEnd = new BoundedMap<string, number>(REMEMBERED_SESSIONS);

  constructor(private readonly latency: LatencyModel = DEFAULT_LATENCY) {}

  latencyMs(r: TurnRecord): number {
    const t = r.turn;
    return t.apiTimeMs ?? this.latency.ttftMs + t.inputTokens * this.latency.prefillMsPerToken + t.outputTokens * this.latency.tpotMs;
  }

  next(r: TurnRecord): TurnTimes {
    const { turn, session } = r;
    let startMs: number;
    let estimatedStart = false;
    if (turn.atMs !== undefined) startMs = turn.atMs;
    else {
      estimatedStart = true;
      const prev = r.turnIndex === 0 ? undefined : this.lastEnd.get(session.id);
      startMs = (prev ?? session.startMs) + (turn.delayMs ?? 0);
    }
    const endMs = startMs + this.latencyMs(r);
    this.lastEnd.set(session.id, endMs);
    return { startMs, endMs, estimatedStart };
  }
}
