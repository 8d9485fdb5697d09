// Precise waits that keep the event loop serving I/O: a coarse timer, then check-phase turns
// (setImmediate) until the instant. The open loop and the closed-loop sessions both wait this way.

import { monotonicOf, nowMs, nowUnixMs } from './clock';

/**
 * Waits until `due` (monotonic ms) in check-phase turns, so I/O is served between them: one
 * promise and one reused callback for the whole wait, because a promise per turn made the spin
 * the run's main allocation (~200 KB per send at 100 req/s) and its scavenges the lag's tail.
 */
export function preciseWait(due: number, stopped: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (stopped() || nowMs() >= due) resolve();
      else setImmediate(check);
    };
    setImmediate(check);
  });
}

/** Start the precise phase of a Unix-time wait this long before its time (timers fire up to ~1 ms late). */
const PRECISE_MS = 1.5;

/** Waits until a Unix time: a coarse timer, then preciseWait; false when `signal` aborts first. */
export function waitUntilUnix(t: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve(!signal.aborted);
    };
    const step = () => {
      const left = t - nowUnixMs();
      if (left <= 0) return done();
      if (left > PRECISE_MS) {
        timer = setTimeout(step, Math.min(left - PRECISE_MS, 1000));
        return;
      }
      void preciseWait(monotonicOf(t), () => signal.aborted).then(done);
    };
    step();
  });
}
