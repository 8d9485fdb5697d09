// `--out prometheus-rw[=URL]` (alias experimental-prometheus-rw): samples to a Prometheus
// remote-write endpoint with the names, labels and units k6's output writes, Trends as native
// histograms (prometheus-series.ts). State is cumulative, so each push carries the series that
// changed since the last one at their running totals; one push at a time, in time order, as
// Prometheus refuses older samples. Default URL as k6: http://localhost:9090/api/v1/write.
// Prometheus must run with --web.enable-remote-write-receiver --enable-feature=native-histograms.

import { PeriodicFlusher } from './flusher';
import { Delivery, type OutputStats } from './delivery';
import { endpointOf, HttpClient, networkReason, parseOutputUrl, type Endpoint } from './http';
import { SeriesStore } from './prometheus-series';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, STALE_NAN, type TimeSeries } from './remote-write-proto';
import type { Output, Sample } from './sample';

/** Samples held before they are folded into the series state outside the timer. */
const MAX_PENDING = 100_000;

export const DEFAULT_REMOTE_WRITE_URL = 'http://localhost:9090/api/v1/write';

export interface PrometheusRwOptions {
  /** Default 5000, as k6 (K6_PROMETHEUS_RW_PUSH_INTERVAL); the tests use 1000. */
  pushIntervalMs?: number;
  /** End every series with a staleness marker at stop (K6_PROMETHEUS_RW_STALE_MARKERS); default true. */
  staleMarkers?: boolean;
  /** Per HTTP request; default 10 s. */
  timeoutMs?: number;
  /** Series per request; default 2000. */
  batchSize?: number;
  /** Extra HTTP headers (K6_PROMETHEUS_RW_HEADERS_*), e.g. a tenant id. */
  headers?: Record<string, string>;
  warn?: (message: string) => void;
}

/** Parses the URL part of `prometheus-rw=URL`; throws a message naming the value. */
export function parseRemoteWriteUrl(spec: string, flag = 'prometheus-rw'): Endpoint {
  const { url, bad } = parseOutputUrl(spec, flag, DEFAULT_REMOTE_WRITE_URL);
  if (url.pathname === '/' || url.pathname === '') throw bad('give the write path too, /api/v1/write for Prometheus');
  return endpointOf(url);
}

export class PrometheusRwOutput implements Output {
  readonly description: string;
  private readonly http: HttpClient;
  private readonly flusher: PeriodicFlusher;
  private readonly store = new SeriesStore();
  private readonly options: Required<Omit<PrometheusRwOptions, 'headers' | 'warn'>>;
  private readonly headers: Record<string, string>;
  private readonly warn: (message: string) => void;
  private readonly delivery: Delivery;
  private pending: Sample[] = [];

  constructor(
    private readonly endpoint: Endpoint,
    options: PrometheusRwOptions = {},
  ) {
    this.description = `prometheus-rw=${endpoint.shown}`;
    this.options = {
      pushIntervalMs: options.pushIntervalMs ?? 5000,
      staleMarkers: options.staleMarkers ?? true,
      timeoutMs: options.timeoutMs ?? 10_000,
      batchSize: options.batchSize ?? 2000,
    };
    this.headers = { ...options.headers, ...endpoint.headers, ...REMOTE_WRITE_HEADERS };
    this.warn = options.warn ?? ((m) => console.warn(m));
    this.delivery = new Delivery(this.description, 'series updates', this.warn);
    this.http = new HttpClient(this.options.timeoutMs, 1);
    this.flusher = new PeriodicFlusher(this.options.pushIntervalMs, () => this.flush());
  }

  /** Checks the endpoint answers with an empty write (Prometheus accepts it with 204). */
  async start(): Promise<void> {
    let failure: string | undefined;
    try {
      const answer = await this.http.post(this.endpoint.shown, this.headers, await encodeWriteRequest([]));
      if (answer.status >= 300) failure = `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
    } catch (err) {
      failure = networkReason(err);
    }
    if (failure !== undefined) {
      await this.http.close();
      throw new Error(`${this.description}: the remote-write endpoint refused an empty write (${failure}); ` +
        'Prometheus needs --web.enable-remote-write-receiver --enable-feature=native-histograms');
    }
    this.flusher.start();
  }

  add(samples: readonly Sample[]): void {
    for (const s of samples) this.pending.push(s);
    // Bounded memory whatever the push does: fold a large backlog into the cumulative state now.
    if (this.pending.length >= MAX_PENDING) this.fold();
  }

  async stop(): Promise<void> {
    await this.flusher.stop();
    if (this.options.staleMarkers && this.store.size > 0) {
      await this.push(this.store.markAllStale(STALE_NAN, Date.now() + 1));
    }
    await this.http.close();
    this.delivery.report(' (counters and histograms are cumulative: a later successful push carries their totals)');
  }

  /** Series updates written / not written so far (final after stop()). */
  getStats(): Readonly<OutputStats> {
    return this.delivery.stats;
  }

  private fold(): void {
    const samples = this.pending;
    this.pending = [];
    this.store.add(samples);
  }

  private async flush(): Promise<void> {
    // Aggregation happens here, on the timer, so add() stays a push onto an array.
    this.fold();
    await this.push(this.store.takeChanged());
  }

  private async push(series: TimeSeries[]): Promise<void> {
    for (let i = 0; i < series.length; i += this.options.batchSize) {
      const batch = series.slice(i, i + this.options.batchSize);
      await this.delivery.send(this.http, this.endpoint.shown, this.headers, await encodeWriteRequest(batch), batch.length);
    }
  }
}
