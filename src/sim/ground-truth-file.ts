// Writes ground-truth records to a JSONL file: lines are batched (up to 64 KiB or 100 ms) into
// one append each, so a busy run costs few syscalls and memory stays bounded.

import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { GroundTruthRecord, GroundTruthSink } from './ground-truth.js';

export class GroundTruthFile implements GroundTruthSink {
  private readonly out: WriteStream;
  private buf: string[] = [];
  private bufBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  written = 0;
  error: Error | undefined;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.out = createWriteStream(path, { flags: 'w' });
    this.out.on('error', (e) => {
      this.error = e;
      process.stderr.write(`sim: ground truth ${path}: ${e.message}\n`);
    });
  }

  /** Resolves once the file is open (so a bad path fails at startup, not at the first record). */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.error) return reject(this.error);
      this.out.once('ready', () => resolve());
      this.out.once('error', reject);
    });
  }

  write(r: GroundTruthRecord): void {
    if (this.closed) return;
    const line = JSON.stringify(r) + '\n';
    this.buf.push(line);
    this.bufBytes += line.length;
    this.written++;
    if (this.bufBytes >= 65536) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 100);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buf.length === 0) return;
    this.out.write(this.buf.join(''));
    this.buf = [];
    this.bufBytes = 0;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.flush();
    this.closed = true;
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}

/** Reads a whole ground-truth file (small files: tests and tools; use summarizeFile for big ones). */
export function readGroundTruthFile(path: string): GroundTruthRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as GroundTruthRecord;
      } catch (e) {
        throw new Error(`${path}:${i + 1}: ${(e as Error).message}`);
      }
    });
}
