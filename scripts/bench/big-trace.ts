// A large Mooncake trace for memory and speed checks: the shipped sample repeated back to back
// with timestamps shifted, until the file reaches the wanted size. Block ids stay as they are,
// so the prefix-cache model's distinct blocks (the one thing that grows with content) stay fixed
// and what is measured is the streaming itself.

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SAMPLE = join(fileURLToPath(new URL('.', import.meta.url)), '../../traces/mooncake-sample.jsonl');

/** Writes about `bytes` bytes of Mooncake JSONL to `path`; returns the number of rows. */
export function writeBigMooncake(path: string, bytes: number): number {
  const rows = readFileSync(SAMPLE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { timestamp: number });
  const span = rows[rows.length - 1].timestamp + 1000;
  const fd = openSync(path, 'w');
  let written = 0;
  let n = 0;
  try {
    for (let copy = 0; written < bytes; copy++) {
      const text = rows.map((r) => JSON.stringify({ ...r, timestamp: r.timestamp + copy * span })).join('\n') + '\n';
      written += writeSync(fd, text);
      n += rows.length;
    }
  } finally {
    closeSync(fd);
  }
  return n;
}
