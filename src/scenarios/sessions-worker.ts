// Entry of a sessions worker thread: runs its job and reports back (src/engine/workers.ts).
// 'stop' and 'abort' messages from the main thread carry Ctrl-C over.

import { parentPort, workerData } from 'node:worker_threads';
import { setMaxListeners } from 'node:events';
import { sessionsThread, type SessionsJob } from './sessions-thread';
import type { WorkerMessage } from '../engine/workers';

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
const job = workerData as SessionsJob;

sessionsThread(job, {
  stopSending: stop.signal,
  abortInFlight: abort.signal,
  onReady: () => send({ type: 'ready' }),
  start: () => start,
  onSend: () => send({ type: 'send' }),
  onSamples: (samples) => send({ type: 'samples', samples }),
  onRecord: (record, t) => send({ type: 'record', record: job.wantRecords ? record : undefined, ok: t.o.ok, line: t.o.ok ? undefined : `${record.id}: ${t.o.reason}: ${t.o.detail ?? ''}` }),
}).then(
  (result) => {
    send({ type: 'done', result });
    port.close();
  },
  (e: Error) => {
    send({ type: 'error', message: e.message, usage: e.name === 'OptionError' || e.name === 'TraceLoadError' });
    port.close();
  },
);
