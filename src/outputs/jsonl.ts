// `--out jsonl=FILE`: one record per request, streamed to disk as requests end (never held in
// memory), so a run of any length can be joined with server logs and re-analysed afterwards.

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface RequestRecord {
  id: string;
  /** Position in the schedule, and the trace line it came from. */
  index: number;
  line?: number;
  scheduledUnixMs: number;
  sendUnixMs: number;
  lagMs: number;
  ok: boolean;
  reason?: string;
  status: number;
  ttfbMs?: number;
  ttftMs?: number;
  e2eMs: number;
  tpotMs?: number;
  itlMeanMs?: number;
  itlMaxMs?: number;
  connectMs: number;
  promptTokens?: number;
  outputTokens: number;
  cachedTokens?: number;
  tokenSource: string;
  /** Delayed by --max-concurrency. */
  delayed?: boolean;
}

export class JsonlWriter {
  private readonly out: WriteStream;
  private failed: Error | undefined;
  count = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.out = createWriteStream(path, { flags: 'w' });
    this.out.on('error', (e) => (this.failed = e));
  }

  write(r: RequestRecord): void {
    if (this.failed) return;
    this.out.write(JSON.stringify(r) + '\n');
    this.count++;
  }

  /** Flushes and closes; rejects with the first write error (named by file). */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.end(() => (this.failed ? reject(new Error(`${this.path}: ${this.failed.message}`)) : resolve()));
    });
  }
}
