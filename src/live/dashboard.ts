// `--web-dashboard[=HOST:PORT]`: a local page with live charts of the run, as k6's web dashboard.
// It is an output of the run: it takes every metric sample the engine's registries hand to the
// outputs (worker threads forward theirs), folds them into a LiveFeed, and once a second sends
// the figures and the charts — built by the report's chart builders (src/report/charts.ts) —
// to every open page as a server-sent event. Loopback by default; ECharts served from the
// package; nothing fetched from the internet.

import { createServer, type Server, type ServerResponse } from 'node:http';
import { echartsSource } from '../report/html';
import { liveCharts, type ChartSpec } from '../report/charts';
import type { PointDigest } from '../report/digest';
import type { RunSummary } from '../report/inputs';
import type { Output, Sample } from '../outputs/sample';
import { LiveFeed, LIVE_METRICS, type LiveSeries, type LiveTotals } from './feed';
import { livePage } from './page';

/** k6's web dashboard address. */
export const DEFAULT_DASHBOARD_ADDRESS = '127.0.0.1:5665';
const PERIOD_MS = 1000;

export class DashboardAddressError extends Error {}

/** 'true' (the bare flag) -> the default; HOST:PORT, :PORT or PORT otherwise. */
export function parseDashboardAddress(v: string): { host: string; port: number } {
  const text = v === 'true' || v === '' ? DEFAULT_DASHBOARD_ADDRESS : v;
  const m = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new DashboardAddressError(`--web-dashboard=${v}: write HOST:PORT (e.g. 127.0.0.1:5665, or :0 for any free port)`);
  return { host: m[1] || '127.0.0.1', port };
}

export interface LivePayload {
  runId: string;
  done: boolean;
  report?: string;
  totals: LiveTotals;
  charts: ChartSpec[];
}

const LABELS: Record<(typeof LIVE_METRICS)[number], string> = { ttft: 'TTFT', itl: 'ITL (request mean)', e2e: 'E2E latency' };

/** The feed's series in the shape the report's chart builders take (one point: this run). */
export function liveDigest(runId: string, s: LiveSeries, t: LiveTotals): PointDigest {
  const nan = s.binS.map(() => NaN);
  return {
    ref: { id: runId, labels: {}, status: 'running' },
    summary: { errors: t.errors } as unknown as RunSummary,
    dists: { ttft: null, tpot: null, itl: null, e2e: null },
    itlSource: 'none',
    series: {
      binS: s.binS, widthS: s.widthS, requestsPerS: s.requestsPerS, inFlight: s.inFlight,
      ttftP50: s.percentiles.ttft.p50, ttftP99: s.percentiles.ttft.p99, outputTokensPerS: s.outputTokensPerS, errorsPerS: s.errorsPerS,
    },
    engine: s.engine
      ? { engine: 'vllm', scrapes: 0, running: s.engine.running, waiting: s.engine.waiting, kvUsage: s.engine.kvUsage ?? nan, generationTokensPerS: s.engine.generationTokensPerS, prefixHitRate: s.engine.prefixHitRate }
      : undefined,
    records: { lines: 0, truncatedLast: false, warmup: 0 },
  };
}

export class LiveDashboard implements Output {
  readonly description: string;
  private readonly feed: LiveFeed;
  private readonly clients = new Set<ServerResponse>();
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last: string | undefined;
  private echarts: string | undefined;
  private counts?: () => { sent: number; inFlight: number };
  private watcher: NodeJS.Timeout | undefined;
  url = '';

  constructor(private readonly address: { host: string; port: number }, private readonly runId: string, private readonly title: string, private readonly log: (t: string) => void) {
    this.description = `web-dashboard=${address.host}:${address.port}`;
    this.feed = new LiveFeed(Date.now());
  }

  async start(): Promise<void> {
    this.echarts = echartsSource();
    const server = createServer((req, res) => this.route(req.url ?? '/', res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new Error(e.code === 'EADDRINUSE' ? `${this.address.host}:${this.address.port} is in use: give another, e.g. --web-dashboard=127.0.0.1:0 (any free port)` : e.message)));
      server.listen(this.address.port, this.address.host, () => resolve());
    });
    this.server = server;
    // The run keeps the process alive, not the dashboard: a run that fails before finish() must
    // still exit, whatever pages are open.
    server.unref();
    server.on('connection', (socket) => socket.unref());
    const a = server.address() as { port: number };
    const host = this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host;
    this.url = `http://${host}:${a.port}/`;
    this.log(`live dashboard: ${this.url} (updated every second)`);
    this.timer = setInterval(() => this.broadcast(false), PERIOD_MS);
    this.timer.unref();
  }

  add(samples: readonly Sample[]): void {
    this.feed.add(samples);
  }

  /** Reads the run's live counts (sent, in flight) four times a second into the feed. */
  watch(counts: () => { sent: number; inFlight: number }): void {
    this.counts = counts;
    this.watcher = setInterval(() => this.observe(), 250);
    this.watcher.unref();
  }

  private observe(): void {
    if (!this.counts) return;
    const c = this.counts();
    this.feed.observe(c.sent, c.inFlight);
  }

  /** The state as the page gets it. */
  payload(done: boolean, report?: string): LivePayload {
    this.observe();
    const totals = this.feed.totalsNow();
    const s = this.feed.series();
    const d = liveDigest(this.runId, s, totals);
    const pct = LIVE_METRICS.map((m) => ({ metric: LABELS[m], ...s.percentiles[m] }));
    return { runId: this.runId, done, report, totals, charts: liveCharts(d, pct, s.errorsByReason) };
  }

  private broadcast(done: boolean, report?: string): void {
    // No page open: nothing to build (a page that connects gets the state built then).
    if (!done && this.clients.size === 0) {
      this.last = undefined;
      return;
    }
    this.last = JSON.stringify(this.payload(done, report));
    for (const c of this.clients) c.write(`data: ${this.last}\n\n`);
  }

  private route(url: string, res: ServerResponse): void {
    const path = url.split('?')[0];
    if (path === '/') return this.send(res, 'text/html; charset=utf-8', livePage(`llm-replay live: ${this.title}`));
    if (path === '/echarts.js') return this.send(res, 'text/javascript; charset=utf-8', this.echarts ?? '');
    if (path === '/state.json') return this.send(res, 'application/json', this.last ?? JSON.stringify(this.payload(false)));
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(`retry: 1000\n\ndata: ${this.last ?? JSON.stringify(this.payload(false))}\n\n`);
      this.clients.add(res);
      res.on('close', () => this.clients.delete(res));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: the live dashboard serves / (the page), /events (server-sent events) and /state.json\n');
  }

  private send(res: ServerResponse, type: string, body: string): void {
    res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache' });
    res.end(body);
  }

  /** Samples stop here; the page keeps the last state (see finish). */
  async stop(): Promise<void> {
    this.observe();
    if (this.timer) clearInterval(this.timer);
    if (this.watcher) clearInterval(this.watcher);
    this.timer = undefined;
    this.watcher = undefined;
  }

  /** The final state (with the report's path) to every page, then the server closes. */
  async finish(report?: string): Promise<void> {
    await this.stop();
    this.broadcast(true, report);
    // Let the last event reach the pages before the connections close.
    await new Promise((r) => setTimeout(r, 200));
    for (const c of this.clients) c.end();
    this.clients.clear();
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }
}
