// `--out influxdb=URL`: samples to InfluxDB 1.x in k6's layout (see line-protocol.ts), batched
// and written every push interval (1 s, as k6) off the send path. URL forms as k6 takes them:
// http(s)://[user:pass@]host:port[/prefix]/db, the database defaulting to "k6"; the database is
// created when missing (CREATE DATABASE is idempotent; a refusal, e.g. without admin rights, is
// only a warning, as in k6).

import { PeriodicFlusher } from './flusher';
import { Delivery, type OutputStats } from './delivery';
import { endpointOf, HttpClient, networkReason, parseOutputUrl, type Endpoint } from './http';
import { encodePoint, K6_DEFAULT_TAGS_AS_FIELDS, parseTagsAsFields, type TagsAsFields } from './line-protocol';
import type { Output, Sample } from './sample';

export interface InfluxDbTarget {
  /** Server base URL (with any path prefix), no credentials. */
  base: Endpoint;
  db: string;
}

export interface InfluxDbOptions {
  /** Default 1000 (k6's K6_INFLUXDB_PUSH_INTERVAL). */
  pushIntervalMs?: number;
  /** Default k6's "vu:int,iter:int,url". */
  tagsAsFields?: TagsAsFields;
  /** Per HTTP request; default 10 s. */
  timeoutMs?: number;
  /** Points per write request; default 5000. */
  batchSize?: number;
  /** Samples held between flushes before new ones are dropped (and counted); default 1,000,000. */
  maxBuffered?: number;
  /** Where warnings go; default console.warn. */
  warn?: (message: string) => void;
}

/** Parses the URL part of `influxdb=URL`; throws a message naming the value. */
export function parseInfluxDbUrl(spec: string): InfluxDbTarget {
  const { url, bad } = parseOutputUrl(spec, 'influxdb', 'http://127.0.0.1:8086/k6');
  if (url.search || url.hash) throw bad('options go in environment variables (K6_INFLUXDB_*), not in the URL');
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const db = segments.pop() ?? 'k6';
  url.pathname = segments.map(encodeURIComponent).join('/');
  return { base: endpointOf(url), db };
}

export class InfluxDbOutput implements Output {
  readonly description: string;
  private readonly http: HttpClient;
  private readonly flusher: PeriodicFlusher;
  private readonly tagsAsFields: TagsAsFields;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly warn: (message: string) => void;
  private readonly delivery: Delivery;
  private buffer: Sample[] = [];

  constructor(
    private readonly target: InfluxDbTarget,
    options: InfluxDbOptions = {},
  ) {
    this.description = `influxdb=${target.base.shown}/${target.db}`;
    this.http = new HttpClient(options.timeoutMs ?? 10_000);
    this.flusher = new PeriodicFlusher(options.pushIntervalMs ?? 1000, () => this.flush());
    this.tagsAsFields = options.tagsAsFields ?? parseTagsAsFields(K6_DEFAULT_TAGS_AS_FIELDS);
    this.batchSize = options.batchSize ?? 5000;
    this.maxBuffered = options.maxBuffered ?? 1_000_000;
    this.warn = options.warn ?? ((m) => console.warn(m));
    this.delivery = new Delivery(this.description, 'points', this.warn);
  }

  async start(): Promise<void> {
    const q = `CREATE DATABASE "${this.target.db.replace(/["\\]/g, '\\$&')}"`;
    let answer;
    try {
      answer = await this.http.post(`${this.target.base.shown}/query?q=${encodeURIComponent(q)}`, this.target.base.headers, '');
    } catch (err) {
      await this.http.close();
      throw new Error(`${this.description}: cannot reach InfluxDB (${networkReason(err)}); is it running at that address?`);
    }
    if (answer.status === 401 || answer.status === 403) {
      this.warn(`${this.description}: could not create database ${this.target.db} (HTTP ${answer.status}); writing to it anyway`);
    } else if (answer.status >= 300) {
      await this.http.close();
      throw new Error(`${this.description}: InfluxDB answered HTTP ${answer.status} to CREATE DATABASE: ${answer.body.slice(0, 300)}`);
    }
    this.flusher.start();
  }

  add(samples: readonly Sample[]): void {
    const room = this.maxBuffered - this.buffer.length;
    if (samples.length <= room) {
      for (const s of samples) this.buffer.push(s);
      return;
    }
    for (let i = 0; i < room; i++) this.buffer.push(samples[i]);
    this.delivery.drop(samples.length - Math.max(0, room));
  }

  async stop(): Promise<void> {
    await this.flusher.stop();
    await this.http.close();
    this.delivery.report();
  }

  /** Counts so far (final after stop()). */
  getStats(): Readonly<OutputStats> {
    return this.delivery.stats;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const samples = this.buffer;
    this.buffer = [];
    const batches: Array<{ body: string; points: number }> = [];
    let lines: string[] = [];
    for (const s of samples) {
      const line = encodePoint(s, this.tagsAsFields);
      if (line === undefined) {
        this.delivery.drop(1);
        continue;
      }
      lines.push(line);
      if (lines.length >= this.batchSize) {
        batches.push({ body: lines.join('\n'), points: lines.length });
        lines = [];
      }
    }
    if (lines.length) batches.push({ body: lines.join('\n'), points: lines.length });
    const url = `${this.target.base.shown}/write?db=${encodeURIComponent(this.target.db)}`;
    const headers = { ...this.target.base.headers, 'content-type': 'text/plain; charset=utf-8' };
    await Promise.all(batches.map((b) => this.delivery.send(this.http, url, headers, b.body, b.points)));
  }
}
