// Closed-loop timing: when a session's next request goes, given what it waits for (its
// dependencies: the previous turn, joined sub-agents, the spawning parent turn) and what the
// recording says about the gap. A request is never sent before every dependency has ended; the
// mode decides the extra wait after its anchor (the dependency that ended last in the recording).
// See docs/sessions.md "Timing modes" for the definitions in prose.

import type { TurnWait } from './plan';
import type { TimingMode } from '../config/sessions';


export interface TimingOptions {
  mode: TimingMode;
  /** Multiplies every recorded wait (0.1 = ten times faster). */
  timeScale: number;
  /** api-scaled: factor on the anchor's recorded server time. */
  apiScale: number;
  /** Cap on one recorded wait before scaling (ms); undefined = none. */
  maxDelayMs?: number;
}

/** When the anchor request was sent and when its response ended, in this replay (Unix ms). */
export interface AnchorTimes {
  sendMs: number;
  endMs: number;
}

/** The recorded wait the mode applies after the anchor (before capping and time scaling). */
export function waitAfterAnchor(w: TurnWait, o: Pick<TimingOptions, 'mode' | 'apiScale'>): { from: 'send' | 'end'; ms: number } {
  switch (o.mode) {
    case 'no-wait':
      return { from: 'end', ms: 0 };
    case 'think-only':
      return { from: 'end', ms: w.idleMs };
    case 'api-scaled':
      return { from: 'end', ms: w.anchorApiMs * o.apiScale + w.idleMs };
    case 'original':
      // Send-to-send spacing as recorded; traces without send times fall back to think-only.
      return w.sinceSendMs === undefined ? { from: 'end', ms: w.idleMs } : { from: 'send', ms: w.sinceSendMs };
  }
}

/**
 * Unix ms at which the turn may be sent. `readyMs` is when its last dependency ended (the
 * anchor's end included): the result is never earlier.
 */
export function sendAtMs(w: TurnWait, anchor: AnchorTimes, readyMs: number, o: TimingOptions): number {
  const r = waitAfterAnchor(w, o);
  const ms = o.maxDelayMs === undefined ? r.ms : Math.min(r.ms, o.maxDelayMs);
  return Math.max(readyMs, (r.from === 'send' ? anchor.sendMs : anchor.endMs) + ms * o.timeScale);
}
