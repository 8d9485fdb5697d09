// An S3 object as the synchronous chunk sequence the trace readers take (they are plain
// generators). A worker thread streams the GetObject body and hands text chunks over a message
// port; this thread blocks on a shared counter (Atomics.wait) until the next one is there. At
// most a few chunks are ahead of the reader, so the object is streamed, never held whole.

import { Worker, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { S3Error } from './s3';
import { workerStart } from '../runtime/paths';

/** Chunks the worker may post before the reader took them. */
export const CHUNKS_AHEAD = 4;
/** Longest wait for the next chunk before the read is given up. */
const STALL_MS = 120_000;


export type ChunkMessage = { text: string } | { end: true } | { error: string };

/** The text of `url` in chunks of about `chunkChars` (stop early: the worker and the GET end). */
export function* s3Chunks(url: string, chunkChars = 1 << 20): Generator<string> {
  // [0] chunks posted by the worker, [1] chunks taken here.
  const ctrl = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const start = workerStart('s3-chunks-worker', { url, chunkChars, ctrl, port: port2 });
  const worker = new Worker(start.file, { workerData: start.workerData, transferList: [port2] });
  try {
    let stalledSince = Date.now();
    for (;;) {
      const posted = Atomics.load(ctrl, 0);
      const got = receiveMessageOnPort(port1);
      if (!got) {
        if (Date.now() - stalledSince > STALL_MS) throw new S3Error(`cannot read ${url}: no data for ${STALL_MS / 1000} s`);
        Atomics.wait(ctrl, 0, posted, 1000);
        continue;
      }
      stalledSince = Date.now();
      Atomics.add(ctrl, 1, 1);
      Atomics.notify(ctrl, 1);
      const m = got.message as ChunkMessage;
      if ('error' in m) throw new S3Error(m.error);
      if ('end' in m) return;
      yield m.text;
    }
  } finally {
    port1.close();
    void worker.terminate();
  }
}
