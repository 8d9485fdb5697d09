// Where request bodies are prepared: in a pool of worker threads (--prep-threads N > 0, the
// default), or in the server thread one request per event-loop turn (--prep-threads 0).
// Either way the server sees the same promise of a PrepOutcome.

import { PrepPool } from './prep-pool.js';
import { PrepQueue } from './prep-queue.js';
import { type PrepOutcome, type PrepSettings, makePrepare } from './prepare.js';
import type { Endpoint } from './validate.js';

export interface Preparer {
  prepare(endpoint: Endpoint, body: Buffer): Promise<PrepOutcome>;
  /** Stops the worker threads, if any. */
  close(): Promise<void>;
}

export async function startPreparer(threads: number, settings: PrepSettings): Promise<Preparer> {
  if (threads > 0) return PrepPool.start(threads, settings);
  const prepareHere = makePrepare(settings);
  const queue = new PrepQueue();
  return {
    prepare: (endpoint, body) => new Promise((resolve) => queue.push(() => resolve(prepareHere(endpoint, body.toString('utf8'))))),
    close: async () => {},
  };
}
