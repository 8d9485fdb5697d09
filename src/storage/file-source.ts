// Reading trace files in Node in bounded memory: fixed-size chunks decoded as UTF-8 (a
// character split across chunks is completed by the decoder), with a byte counter for
// progress bars. Synchronous on purpose: the readers are plain generators.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { TraceSource } from '../trace/source';

const CHUNK_BYTES = 1 << 20;

export interface FileSource extends TraceSource {
  sizeBytes: number;
  /** Bytes read so far by the current pass. */
  bytesRead(): number;
}

export function* fileChunks(path: string, onBytes?: (n: number) => void, chunkBytes = CHUNK_BYTES): Generator<string> {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(chunkBytes);
  const decoder = new StringDecoder('utf8');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) break;
      onBytes?.(n);
      const text = decoder.write(buf.subarray(0, n));
      if (text !== '') yield text;
    }
    const tail = decoder.end();
    if (tail !== '') yield tail;
  } finally {
    closeSync(fd);
  }
}

export function fileSource(path: string): FileSource {
  let read = 0;
  return {
    file: path,
    sizeBytes: statSync(path).size,
    bytesRead: () => read,
    chunks: () => {
      read = 0;
      return fileChunks(path, (n) => (read += n));
    },
  };
}

/** The first bytes of a file as text, for format detection. */
export function firstText(path: string, bytes = 64 * 1024): string {
  for (const chunk of fileChunks(path, undefined, bytes)) return chunk;
  return '';
}
