// What an output delivered, and its warnings: the first failed write is reported at once with
// its reason, later ones only counted, and stop() reports the totals, so a database that goes
// away costs two log lines, not one per second.

import { networkReason, type HttpClient } from './http';

export interface OutputStats {
  /** Points (InfluxDB) or series updates (remote write) written. */
  written: number;
  /** Not written: failed writes, a full buffer, values that cannot be stored (NaN). */
  dropped: number;
  failedRequests: number;
}

export class Delivery {
  readonly stats: OutputStats = { written: 0, dropped: 0, failedRequests: 0 };
  private warned = false;

  constructor(
    private readonly description: string,
    private readonly what: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** POSTs one write; records its outcome (never throws). */
  async send(http: HttpClient, url: string, headers: Record<string, string>, body: string | Uint8Array, items: number): Promise<void> {
    let failure: string | undefined;
    try {
      const answer = await http.post(url, headers, body);
      if (answer.status >= 300) failure = `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
    } catch (err) {
      failure = networkReason(err);
    }
    if (failure === undefined) {
      this.stats.written += items;
      return;
    }
    this.stats.dropped += items;
    this.stats.failedRequests++;
    if (!this.warned) {
      this.warned = true;
      this.warn(`${this.description}: a write of ${items} ${this.what} failed (${failure}); further failures are counted and reported at the end`);
    }
  }

  /** Items lost before any request (full buffer, NaN). */
  drop(items: number): void {
    this.stats.dropped += items;
  }

  /** The end-of-run line, when something was lost. */
  report(note = ''): void {
    if (this.stats.dropped === 0 && this.stats.failedRequests === 0) return;
    this.warn(`${this.description}: ${this.stats.dropped} ${this.what} not written, ${this.stats.written} written, ` +
      `${this.stats.failedRequests} write requests failed${note}`);
  }
}
