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
