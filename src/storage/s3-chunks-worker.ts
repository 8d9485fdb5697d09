// The worker side of s3Chunks: streams one GetObject body, decodes it as UTF-8 and posts text
// chunks, waiting while CHUNKS_AHEAD of them are not taken yet.

import { workerData, type MessagePort } from 'node:worker_threads';
import { StringDecoder } from 'node:string_decoder';
import { explainS3Error, getObjectStream } from './s3';
import { CHUNKS_AHEAD, type ChunkMessage } from './s3-chunks';

const { url, chunkChars, ctrl, port } = workerData as { url: string; chunkChars: number; ctrl: Int32Array; port: MessagePort };
let posted = 0;

function post(m: ChunkMessage): void {
  for (let taken = Atomics.load(ctrl, 1); posted - taken >= CHUNKS_AHEAD; taken = Atomics.load(ctrl, 1)) Atomics.wait(ctrl, 1, taken, 1000);
  port.postMessage(m);
  posted++;
  Atomics.add(ctrl, 0, 1);
  Atomics.notify(ctrl, 0);
}

try {
  const decoder = new StringDecoder('utf8');
  let text = '';
  for await (const chunk of await getObjectStream(url)) {
    text += decoder.write(chunk as Buffer);
    if (text.length >= chunkChars) {
      post({ text });
      text = '';
    }
  }
  text += decoder.end();
  if (text !== '') post({ text });
  post({ end: true });
} catch (e) {
  post({ error: explainS3Error(e, 'read', url).message });
}
