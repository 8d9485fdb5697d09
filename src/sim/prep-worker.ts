// Entry of a prep worker thread (dist/app/sim-prep-worker.js, or from the sources through src/runtime/worker-boot.mjs):
// prepares request bodies the server thread hands over and answers each with its outcome, so
// JSON parsing and tokenizing never hold up the thread that stamps arrivals and writes tokens.

import { parentPort, workerData } from 'node:worker_threads';
import { encodeReply, type PrepJob } from './prep-wire.js';
import { type PrepSettings, makePrepare } from './prepare.js';

const port = parentPort;
if (!port) throw new Error('prep-worker.ts runs only as a worker thread');
const prepare = makePrepare((workerData as { settings: PrepSettings }).settings);
const decoder = new TextDecoder();

port.on('message', (m: PrepJob) => {
  const { reply, transfer } = encodeReply(m.job, prepare(m.endpoint, decoder.decode(m.body)));
  port.postMessage(reply, transfer);
});
port.postMessage({ ready: true });
