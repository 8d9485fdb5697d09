// Timing against the wire: the engine's per-request records (--out jsonl) and the simulator's
// ground truth joined by request id with the capture's packets. Durations (TTFT, E2E) are
// compared directly. Absolute stamps (the engine's send, the simulator's arrival and first
// token) are on each process's performance.timeOrigin + now() axis, which can sit a constant
// away from the kernel's CLOCK_REALTIME: that constant is estimated per run as the median
// difference to the wire, reported, and removed before the error distribution is taken.

import type { WireExchange } from './wire';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import { percentile } from '../../src/metrics/formulas';

export interface EngineRecord {
  id: string;
  index: number;
  scheduledUnixMs: number;
  sendUnixMs: number;
  lagMs: number;
  ttftMs?: number;
  e2eMs: number;
  connectMs: number;
  ok: boolean;
}

export interface Dist {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** p50/p99/max of |x|. */
export function absDist(xs: readonly number[]): Dist {
  const s = xs.map(Math.abs).sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN };
}

function median(xs: readonly number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

/** The constant removed from absolute stamps, and the errors left. */
export interface OffsetErrors {
  offsetMs: number;
  errors: number[];
}

function withoutOffset(diffs: number[]): OffsetErrors {
  const offsetMs = median(diffs);
  return { offsetMs, errors: diffs.map((d) => d - offsetMs) };
}

export interface AccuracyFigures {
  joined: number;
  newConnections: number;
  engineTtft: Dist;
  engineE2e: Dist;
  engineSend: OffsetErrors;
  simTtft: Dist;
  simE2e: Dist;
  simArrival: OffsetErrors;
  simFirstToken: Dist;
}

/**
 * The engine counts a request that opened its connection from the connection's start (as
 * vLLM's bench does), so its wire send is the SYN; otherwise the first request packet.
 */
function engineWireSend(r: EngineRecord, w: WireExchange): number {
  return r.connectMs > 0 && w.synMs !== undefined ? w.synMs : w.sendMs;
}

export function accuracy(records: readonly EngineRecord[], truth: ReadonlyMap<string, GroundTruthRecord>, wire: ReadonlyMap<string, WireExchange>): AccuracyFigures {
  const eTtft: number[] = [], eE2e: number[] = [], eSend: number[] = [];
  const sTtft: number[] = [], sE2e: number[] = [], sArr: number[] = [], sFt: number[] = [];
  let newConnections = 0;
  let joined = 0;
  for (const r of records) {
    const w = wire.get(r.id);
    if (!r.ok || !w || w.firstTokenMs === undefined || w.lastMs === undefined || r.ttftMs === undefined) continue;
    joined++;
    const send = engineWireSend(r, w);
    if (send !== w.sendMs) newConnections++;
    eTtft.push(r.ttftMs - (w.firstTokenMs - send));
    if (w.complete) eE2e.push(r.e2eMs - (w.lastMs - send));
    eSend.push(r.sendUnixMs - send);
    const g = truth.get(r.id);
    if (!g || g.firstTokenMs === null) continue;
    // The simulator sees the request from its first bytes, never the SYN.
    sTtft.push(g.firstTokenMs - g.arrivalMs - (w.firstTokenMs - w.sendMs));
    if (w.complete) sE2e.push(g.finishMs - g.arrivalMs - (w.lastMs - w.sendMs));
    sArr.push(g.arrivalMs - w.sendMs);
    sFt.push(g.firstTokenMs - w.firstTokenMs);
  }
  const simArrival = withoutOffset(sArr);
  return {
    joined, newConnections,
    engineTtft: absDist(eTtft), engineE2e: absDist(eE2e), engineSend: withoutOffset(eSend),
    simTtft: absDist(sTtft), simE2e: absDist(sE2e), simArrival,
    // The simulator's first-token stamps share its arrival stamps' clock offset.
    simFirstToken: absDist(sFt.map((d) => d - simArrival.offsetMs)),
  };
}

/**
 * How late each request's bytes reached the wire against its scheduled time, on the engine's
 * clock (`offsetMs`, the engine-to-wire clock offset of the whole run, added back), for the
 * records `pick` selects: what the first requests of a run pay while code is still cold.
 */
export function wireLateness(records: readonly EngineRecord[], wire: ReadonlyMap<string, WireExchange>, offsetMs: number, pick: (r: EngineRecord) => boolean): Dist {
  const late: number[] = [];
  for (const r of records) {
    const w = wire.get(r.id);
    if (!pick(r) || !w) continue;
    late.push(engineWireSend(r, w) + offsetMs - r.scheduledUnixMs);
  }
  return absDist(late);
}
