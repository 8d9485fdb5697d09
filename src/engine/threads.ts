// What every load thread shares, whether it runs in the main thread or in a worker: the hooks
// through which it reports (sends, finished requests, metric samples) and receives the common
// origin and Ctrl-C, the batching of its samples for the outputs, and the worker-side message
// loop (serveWorker) that carries those hooks over a worker port.

import { parentPort, workerData } from 'node:worker_threads';
import { setMaxListeners } from 'node:events';
import type { Registry, RegistryState } from './metrics';
import type { Sample } from '../outputs/sample';
import type { RequestRecord } from '../outputs/jsonl';
import type { WorkerMessage } from './workers';
import type { Timeouts, TransportKind } from './transport';
import type { EnvMap } from '../config/env';

export interface ThreadHooks {
  stopSending?: AbortSignal;
  abortInFlight?: AbortSignal;
  onSamples?: (s: Sample[]) => void;
  /** A finished request: its record (when --out jsonl wants it) and, when it failed, a log line. */
  onRecord?: (r: RequestRecord | undefined, failure: string | undefined) => void;
  onSend?: () => void;
  /** Called once the thread has read its input and is ready to send. */
  onReady?: () => void;
  /** Resolves with the common origin (Unix ms) once every thread is ready; absent: the job's own. */
  start?: () => Promise<number>;
}

/** What every load thread's job carries (plain data: it crosses to worker threads). */
export interface ThreadJob {
  options: EnvMap;
  model: string;
  originUnixMs: number;
  /** The common start of a run over several instances (Unix ms): offset 0, fixed in advance. */
  commonStartUnixMs?: number;
  segment?: string;
  sequence?: string;
  workers: number;
  worker: number;
  timeouts: Timeouts;
  /** The transport every thread uses (chosen once in the main thread). */
  transport: TransportKind;
  runTags: Record<string, string>;
  /** Forward samples (outputs on) and request records (--out jsonl). */
  wantSamples: boolean;
  wantRecords: boolean;
}

/** What a thread hands back for the main thread to merge. */
export interface ThreadOutcome {
  state: RegistryState;
}

/** The log line of a failed request; `line` is its trace line, undefined when it has none (scenarios). */
/** The log line of a failed request: the run's own name for it first, then the id the server saw (UUID by default) to grep its logs. */
export function failureLine(id: string, line: number | undefined, reason: string | undefined, detail: string | undefined, runRequestId?: string): string {
  const name = runRequestId === undefined || runRequestId === id ? id : `${runRequestId} (request id ${id})`;
  return `${name}${line === undefined ? '' : ` (trace line ${line})`} failed: ${reason}: ${detail ?? ''}`;
}

/** Forwards the registry's samples in batches every 250 ms (off the send path); returns the final flush. */
export function batchSamples(registry: Registry, onSamples: ((s: Sample[]) => void) | undefined): () => void {
  if (!onSamples) return () => {};
  let batch: Sample[] = [];
  registry.onSample((s) => batch.push(s));
  const flush = () => {
    if (batch.length) onSamples(batch);
    batch = [];
  };
  const timer = setInterval(flush, 250);
  return () => {
    clearInterval(timer);
    flush();
  };
}

/**
 * Runs `thread` in this worker with hooks over the worker port: 'start' carries the origin,
 * 'stop' and 'abort' carry Ctrl-C; sends, records, samples and the result go back as messages.
 */
export function serveWorker<J extends { wantRecords: boolean; wantSamples: boolean }>(thread: (job: J, hooks: ThreadHooks) => Promise<ThreadOutcome>): void {
  const port = parentPort!;
  const stop = new AbortController();
  const abort = new AbortController();
  setMaxListeners(0, stop.signal, abort.signal);
  let started: (originUnixMs: number) => void = () => {};
  const start = new Promise<number>((resolve) => (started = resolve));
  port.on('message', (m: { type: string; originUnixMs?: number }) => {
    if (m.type === 'start') started(m.originUnixMs!);
    if (m.type === 'stop') stop.abort();
    if (m.type === 'abort') abort.abort();
  });
  const send = (m: WorkerMessage) => port.postMessage(m);
  const job = workerData as J;
  thread(job, {
    stopSending: stop.signal,
    abortInFlight: abort.signal,
    onReady: () => send({ type: 'ready' }),
    start: () => start,
    onSend: () => send({ type: 'send' }),
    onSamples: job.wantSamples ? (samples) => send({ type: 'samples', samples }) : undefined,
    onRecord: (record, failure) => send({ type: 'record', record: job.wantRecords ? record : undefined, line: failure }),
  }).then(
    (result) => {
      send({ type: 'done', result });
      port.close();
    },
    (e: Error) => {
      send({ type: 'error', message: e.message, usage: e.name === 'OptionError' || e.name === 'UsageError' });
      port.close();
    },
  );
}
