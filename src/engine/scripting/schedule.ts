// Schedules of the scripting API, pure: the arrivals of an open loop (a list of offsets, or a
// constant rate for a duration) and the VUs of a closed loop, each cut to this process's
// execution segment so that several processes (--segment) together run the schedule once.

import type { IndexShare } from '../../schedule/segments';

/** Open loop: requests at these offsets (ms from the loop's start), or `rate` per second for `durationMs`. */
export type OpenSchedule =
  | { offsetsMs: readonly number[] }
  | { rate: number; durationMs: number };

/** One arrival of an open loop. */
export interface Arrival {
  /** Position in the whole schedule (the same in every process of a segmented run). */
  index: number;
  /** Offset from the loop's start (ms). */
  atMs: number;
}

/** Closed loop: `vus` virtual users, each running the iteration function again and again. */
export interface ClosedSchedule {
  vus: number;
  /** Stop starting iterations after this long (ms). */
  durationMs?: number;
  /** Iterations per VU. At least one of durationMs and iterations is needed. */
  iterations?: number;
}

export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

/** Checks an open schedule and says what is wrong with it. */
export function checkOpenSchedule(s: OpenSchedule): void {
  if ('offsetsMs' in s) {
    let last = -Infinity;
    s.offsetsMs.forEach((t, i) => {
      if (!Number.isFinite(t) || t < 0) throw new ScheduleError(`openLoop offsetsMs[${i}] = ${t}: offsets are times in ms >= 0`);
      if (t < last) throw new ScheduleError(`openLoop offsetsMs[${i}] = ${t} comes before offsetsMs[${i - 1}] = ${last}: sort the offsets`);
      last = t;
    });
    return;
  }
  if (!(Number.isFinite(s.rate) && s.rate > 0)) throw new ScheduleError(`openLoop rate = ${s.rate}: requests per second must be > 0`);
  if (!(Number.isFinite(s.durationMs) && s.durationMs >= 0)) throw new ScheduleError(`openLoop durationMs = ${s.durationMs}: a time in ms >= 0`);
}

/** How many arrivals the schedule has in all (every process). */
export function arrivalCount(s: OpenSchedule): number {
  return 'offsetsMs' in s ? s.offsetsMs.length : Math.max(0, Math.ceil((s.durationMs * s.rate) / 1000 - 1e-9));
}

/** Offset of arrival i: the listed one, or i / rate (constant rate: the first at 0). */
export function arrivalAt(s: OpenSchedule, i: number): number {
  return 'offsetsMs' in s ? s.offsetsMs[i] : (i * 1000) / s.rate;
}

/** The arrivals this process owns, in time order. */
export function* arrivals(s: OpenSchedule, share?: IndexShare): Generator<Arrival> {
  const n = arrivalCount(s);
  if (!share) {
    for (let i = 0; i < n; i++) yield { index: i, atMs: arrivalAt(s, i) };
    return;
  }
  for (const i of share.indices(n)) yield { index: i, atMs: arrivalAt(s, i) };
}

/** Checks a closed schedule and says what is wrong with it. */
export function checkClosedSchedule(s: ClosedSchedule): void {
  if (!(Number.isInteger(s.vus) && s.vus >= 1)) throw new ScheduleError(`closedLoop vus = ${s.vus}: a whole number >= 1`);
  if (s.durationMs === undefined && s.iterations === undefined) throw new ScheduleError('closedLoop needs durationMs or iterations (or both), so that it ends');
  if (s.durationMs !== undefined && !(Number.isFinite(s.durationMs) && s.durationMs >= 0)) throw new ScheduleError(`closedLoop durationMs = ${s.durationMs}: a time in ms >= 0`);
  if (s.iterations !== undefined && !(Number.isInteger(s.iterations) && s.iterations >= 0)) throw new ScheduleError(`closedLoop iterations = ${s.iterations}: a whole number >= 0`);
}

/** The VU numbers (0-based) this process runs: k6 stripes VUs over segments like any index. */
export function ownedVus(vus: number, share?: IndexShare): number[] {
  if (!share) return Array.from({ length: vus }, (_, v) => v);
  return [...share.indices(vus)];
}
