// The engine's clock: monotonic, sub-millisecond, on the Unix time axis. performance.now() never
// jumps with NTP corrections; anchoring it once to timeOrigin gives Unix times that outputs and
// other instances can compare.

import { performance } from 'node:perf_hooks';

/** Unix time in ms with a sub-ms fraction, from the monotonic clock. */
export function nowUnixMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Monotonic ms (for durations). */
export function nowMs(): number {
  return performance.now();
}

/** The Unix time of a monotonic instant (performance.now() ms). */
export function unixOf(monotonicMs: number): number {
  return nowUnixMs() - (nowMs() - monotonicMs);
}

/** The monotonic instant (performance.now() ms) of a Unix time, in this thread. */
export function monotonicOf(unixMs: number): number {
  return nowMs() + (unixMs - nowUnixMs());
}
