// Ctrl-C during a run: the first one stops sending and gives the requests in flight a grace
// period to finish; when it is over (or at a second Ctrl-C) they are aborted. Either way the
// run goes on to write its summary and results, marked interrupted.

import { setMaxListeners } from 'node:events';

export interface Interruption {
  /** Aborted at the first Ctrl-C: stop sending. */
  readonly stopSending: AbortSignal;
  /** Aborted when the grace period is over: abort requests in flight. */
  readonly abortInFlight: AbortSignal;
  readonly interrupted: boolean;
  /** Stops listening for signals. */
  dispose(): void;
  /** Stops sending as a Ctrl-C would (e.g. an abortOnFail threshold). */
  stop(reason: string): void;
}

export function onInterrupt(graceMs: number, notify: (text: string) => void): Interruption {
  const stop = new AbortController();
  const abort = new AbortController();
  // Every request in flight listens on these.
  setMaxListeners(0, stop.signal, abort.signal);
  let timer: NodeJS.Timeout | undefined;
  const begin = (reason: string) => {
    if (stop.signal.aborted) {
      notify('second interrupt: aborting the requests in flight');
      abort.abort();
      return;
    }
    notify(reason);
    stop.abort();
    timer = setTimeout(() => abort.abort(), graceMs);
    timer.unref();
  };
  const handler = () => begin(`interrupted: no more requests are sent; requests in flight get up to ${Math.round(graceMs / 1000)} s to finish (Ctrl-C again to abort them)`);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stopSending: stop.signal,
    abortInFlight: abort.signal,
    get interrupted() {
      return stop.signal.aborted;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      clearTimeout(timer);
    },
    stop: begin,
  };
}
