// A one-line progress bar on stderr for big files: bytes read of the total, rows, speed.
// Redrawn at most 10 times a second; silent unless enabled (a terminal, or --progress).

import type { FileSource } from '../../storage/file-source';

const WIDTH = 30;
const MIN_BYTES = 8 << 20; // files smaller than this finish before a bar helps

export class Progress {
  private last = 0;
  private readonly started = Date.now();
  private drawn = false;

  constructor(
    private readonly src: FileSource,
    private readonly enabled: boolean,
  ) {}

  /** Call once per record; cheap when nothing needs drawing. */
  tick(rows: number): void {
    if (!this.enabled || (rows & 1023) !== 0) return;
    const now = Date.now();
    if (now - this.last < 100 || (this.src.sizeBytes < MIN_BYTES && !this.drawn && now - this.started < 1000)) return;
    this.last = now;
    this.draw(rows, now);
  }

  private draw(rows: number, now: number): void {
    const done = this.src.bytesRead();
    const frac = this.src.sizeBytes > 0 ? Math.min(1, done / this.src.sizeBytes) : 1;
    const filled = Math.round(frac * WIDTH);
    const secs = (now - this.started) / 1000;
    const mbps = done / 1e6 / Math.max(secs, 1e-3);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(frac * 100).toFixed(1)}%  ${rows.toLocaleString('en-US')} requests  ${mbps.toFixed(0)} MB/s `);
    this.drawn = true;
  }

  done(rows: number): void {
    if (!this.enabled || !this.drawn) return;
    this.draw(rows, Date.now());
    process.stderr.write('\n');
  }
}
