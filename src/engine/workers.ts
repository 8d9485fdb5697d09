// Worker threads for --workers N: each runs one job (its share of the requests) in a thread of
// its own, with its own event loop, so bursts of sends and streams spread over the cores. They
// report through messages; the main thread merges their registries into one summary.

import { Worker } from 'node:worker_threads';
import type { WorkerEntry } from '../runtime/entries';
import { workerStart } from '../runtime/paths';

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'send' }
  | { type: 'samples'; samples: unknown[] }
  /** A finished request; `line` (the failure's log line) only when it failed. */
  | { type: 'record'; record: unknown; line?: string }
  | { type: 'done'; result: unknown }
  | { type: 'error'; message: string; usage: boolean };

export interface WorkerRun {
  /** Resolves with the worker's 'done' result; rejects with its error. */
  result: Promise<unknown>;
  post(message: unknown): void;
}

/** Starts the worker entry `entry` with `data`; `onMessage` sees every message but 'done'/'error'. */
export function startWorker(entry: WorkerEntry, data: object, onMessage: (m: WorkerMessage) => void): WorkerRun {
  const start = workerStart(entry, data);
  const worker = new Worker(start.file, { workerData: start.workerData });
  const result = new Promise<unknown>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'done') {
        settled = true;
        resolve(m.result);
      } else if (m.type === 'error') {
        settled = true;
        reject(Object.assign(new Error(m.message), { usage: m.usage }));
      } else {
        onMessage(m);
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`worker thread exited with code ${code} before it finished`));
    });
  });
  return { result, post: (m) => worker.postMessage(m) };
}

/** `--workers auto|N` -> a count: auto = one per core, at least 1. */
export function workerCount(text: string | undefined, cores: number): number {
  if (text === undefined || text === '' || text === '1') return 1;
  if (text === 'auto') return Math.max(1, cores);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`--workers ${text}: must be auto or a whole number from 1 to 256`);
  return n;
}
