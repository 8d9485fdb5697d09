// Carrying one request to an OpenAI-compatible server and recording what came back, stamped
// the moment its bytes were read. undici's dispatcher API sits right on the socket: a handler
// gets the status, then each piece of the body as it is read, with no stream machinery in
// between, while HTTP parsing stays in a maintained library. One keep-alive pool per origin.

import { Agent, buildConnector, type Dispatcher } from 'undici';
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { nowMs, nowUnixMs } from './clock';
import { SseDecoder } from './sse';
import { classifyChunk } from '../openai/classify';
import { CHUNK, NEEDS_JS_PARSE } from '../openai/chunk-kinds';
import type { Exchange } from '../openai/outcome';

export interface Timeouts {
  /** TCP (and TLS) connection setup. */
  connectMs: number;
  /** Request sent -> response headers. */
  firstByteMs: number;
  /** Longest gap between two pieces of the body. */
  idleMs: number;
  /** Request sent -> response end. */
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, firstByteMs: 600_000, idleMs: 120_000, totalMs: 900_000 };

export interface TransportOptions {
  /** Keep connections open between requests (default); false opens one per request. */
  reuseConnections: boolean;
  timeouts: Timeouts;
}

export interface EngineRequest {
  /** Full URL (origin + path). */
  url: string;
  /** The body, serialised ahead of the send so the send itself is cheap. */
  body: Buffer | string;
  headers: Record<string, string>;
  /** Keep every event's data (real-content sessions need the reply text); plain token chunks are dropped otherwise. */
  keepEvents?: boolean;
  /** Aborts the request (Ctrl-C past the grace period). */
  signal?: AbortSignal;
}

/** An Exchange (src/openai/outcome.ts) plus the monotonic send time. */
export interface EngineExchange extends Exchange {
  /** performance.now() at the send. */
  startMs: number;
}

const MAX_BODY_CHARS = 64 * 1024;

class TimeoutError extends Error {
  readonly code = 'K6LR_TIMEOUT';
}

/** Maps undici and socket errors to the failure kinds of src/openai/outcome.ts. */
export function errorKind(e: Error, _responseStarted: boolean): string {
  const err = e as Error & { code?: string; cause?: { code?: string } };
  const code = err.code ?? '';
  const cause = err.cause?.code ?? '';
  if (code === 'K6LR_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect';
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR' || err.name === 'AbortError') return 'aborted';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code) || ['ECONNREFUSED'].includes(cause)) return 'connect';
  if (code === 'ECONNRESET' || cause === 'ECONNRESET' || /ECONNRESET/.test(err.message)) return 'reset';
  if (code === 'UND_ERR_SOCKET') return 'eof';
  if (code.startsWith('ERR_TLS') || code.startsWith('CERT_')) return 'tls';
  if (code === 'HPE_INVALID_CONSTANT' || code.startsWith('HPE_') || code === 'UND_ERR_INFO') return 'protocol';
  return 'other';
}

/** Records one exchange as undici hands over its parts. */
class ExchangeRecorder implements Dispatcher.DispatchHandler {
  readonly x: EngineExchange;
  private readonly decoder: SseDecoder;
  private readonly times: number[] = [];
  private readonly data: string[] = [];
  private readonly kinds: number[] = [];
  private readonly invalid: string[] = [];
  private body = '';
  private responded = false;
  private finished = false;
  private totalTimer?: NodeJS.Timeout;
  private controller?: Dispatcher.DispatchController;
  private abortListener?: () => void;

  constructor(private readonly req: EngineRequest, dispatchMs: number, private readonly totalMs: number, private readonly done: (x: EngineExchange) => void) {
    this.x = {
      status: 0, startUnixMs: toUnix(dispatchMs), startMs: dispatchMs, connectMs: 0, headersMs: -1,
      times: this.times, data: this.data, invalid: this.invalid, tail: '', endMs: 0, body: '', error: '', errorKind: '', streamed: false, kinds: this.kinds,
    };
    const keep = req.keepEvents === true;
    this.decoder = new SseDecoder({
      event: (t, d) => {
        const kind = classifyChunk(d);
        this.times.push(t - this.x.startMs);
        // Plain token chunks need only their time: drop their text unless asked to keep it.
        this.data.push(keep || (kind & (NEEDS_JS_PARSE | CHUNK.malformed)) !== 0 ? d : '');
        this.kinds.push(kind);
      },
      invalid: (line) => {
        if (this.invalid.length < 16) this.invalid.push(line.slice(0, 200));
      },
    });
  }

  arm(): void {
    this.totalTimer = setTimeout(() => this.abort(new TimeoutError(`no complete response within ${this.totalMs} ms`)), this.totalMs);
    this.totalTimer.unref?.();
    const signal = this.req.signal;
    if (signal) {
      if (signal.aborted) return this.abort(abortError());
      this.abortListener = () => this.abort(abortError());
      signal.addEventListener('abort', this.abortListener, { once: true });
    }
  }

  private abort(err: Error): void {
    if (this.finished) return;
    if (this.controller && !this.controller.aborted) this.controller.abort(err);
    else this.fail(err);
  }

  /**
   * undici is about to write the request on a socket (it holds each reuse of an idle socket back
   * one event-loop turn, so this is later than the dispatch): this is the send instant.
   */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    const t = nowMs();
    this.x.startMs = t;
    this.x.startUnixMs = toUnix(t);
    writing = this;
  }

  /** The socket it goes out on was opened for it: count from the connection's start, as vLLM's bench does. */
  openedConnection(connectStartMs: number, connectMs: number): void {
    this.x.connectMs = connectMs;
    this.x.startMs = connectStartMs;
    this.x.startUnixMs = toUnix(connectStartMs);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    const t = nowMs();
    if (statusCode < 200 && statusCode !== 101) return; // 1xx informational
    this.responded = true;
    this.x.status = statusCode;
    this.x.headersMs = t - this.x.startMs;
    const type = headers['content-type'];
    this.x.streamed = (Array.isArray(type) ? type.join(',') : type ?? '').includes('text/event-stream');
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    const t = nowMs();
    if (this.x.streamed && this.x.status >= 200 && this.x.status < 300) this.decoder.push(chunk, t);
    else if (this.body.length < MAX_BODY_CHARS) this.body += chunk.toString('utf8');
  }

  onResponseEnd(): void {
    this.finish(undefined);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }

  private fail(err: Error): void {
    this.finish(err);
  }

  private finish(err: Error | undefined): void {
    if (this.finished) return;
    this.finished = true;
    const t = nowMs();
    clearTimeout(this.totalTimer);
    if (this.abortListener) this.req.signal?.removeEventListener('abort', this.abortListener);
    this.x.endMs = t - this.x.startMs;
    this.x.body = this.body;
    if (this.x.streamed) this.x.tail = this.decoder.tail();
    if (err) {
      const kind = errorKind(err, this.responded);
      if (this.responded && this.x.status >= 200 && this.x.status < 300) {
        // The response had begun: keep its status, the stream's end says what went wrong.
        this.x.error = describe(err);
        this.x.errorKind = kind;
      } else {
        this.x.status = 0;
        this.x.error = describe(err);
        this.x.errorKind = kind;
      }
    }
    this.done(this.x);
  }
}

/** Unix ms of a monotonic time. */
function toUnix(monotonicMs: number): number {
  return nowUnixMs() - (nowMs() - monotonicMs);
}

// Which request undici is writing: onRequestStart and the sendHeaders channel run in one
// synchronous call, so the channel can tell the request on which socket it went out.
let writing: ExchangeRecorder | undefined;
interface SocketTiming {
  startMs: number;
  connectMs: number;
  used: boolean;
}
const socketTimings = new WeakMap<Socket, SocketTiming>();
diagnostics.channel('undici:client:sendHeaders').subscribe((msg) => {
  const rec = writing;
  writing = undefined;
  const timing = socketTimings.get((msg as { socket: Socket }).socket);
  if (!rec || !timing || timing.used) return;
  timing.used = true;
  rec.openedConnection(timing.startMs, timing.connectMs);
});

/** undici's connector, timing each new connection. */
function timedConnector(timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, noDelay: true });
  return (opts, callback) => {
    const startMs = nowMs();
    return connect(opts, (err, socket) => {
      if (socket) socketTimings.set(socket as Socket, { startMs, connectMs: nowMs() - startMs, used: false });
      callback(err as Error & null, socket as Socket & null);
    });
  };
}

function abortError(): Error {
  const e = new Error('request aborted: the run was interrupted');
  e.name = 'AbortError';
  return e;
}

function describe(err: Error & { code?: string }): string {
  const c = (err as { cause?: unknown }).cause;
  const cause = c instanceof Error ? `: ${c.message}` : '';
  return `${err.code ? `${err.code} ` : ''}${err.message}${cause}`;
}

/** Sends requests over keep-alive pools; one instance per run (or per worker). */
export class Transport {
  private readonly agent: Agent;
  private inFlight = 0;

  constructor(private readonly o: TransportOptions) {
    const t = o.timeouts;
    this.agent = new Agent({
      connect: timedConnector(t.connectMs),
      headersTimeout: t.firstByteMs,
      bodyTimeout: t.idleMs,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      // One request per connection at a time: streamed responses must not queue behind each other.
      pipelining: 1,
      connections: null,
    });
  }

  get active(): number {
    return this.inFlight;
  }

  /** Sends a request now; resolves when its response has ended or failed (never rejects). */
  send(req: EngineRequest): Promise<EngineExchange> {
    const dispatchMs = nowMs();
    this.inFlight++;
    return new Promise((resolve) => {
      const rec = new ExchangeRecorder(req, dispatchMs, this.o.timeouts.totalMs, (x) => {
        this.inFlight--;
        resolve(x);
      });
      rec.arm();
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        rec.onResponseError(undefined as unknown as Dispatcher.DispatchController, Object.assign(new Error(`not a URL: ${req.url}`), { code: 'ENOTFOUND' }));
        return;
      }
      const headers: Record<string, string> = { ...req.headers };
      if (!this.o.reuseConnections) headers.connection = 'close';
      this.agent.dispatch({
        origin: url.origin, path: url.pathname + url.search, method: 'POST', headers, body: req.body,
        reset: !this.o.reuseConnections,
      }, rec);
    });
  }

  /** A GET with the same pool (preflight, /v1/models): status and body text. */
  async get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: string; error?: string }> {
    const { request } = await import('undici');
    try {
      const res = await request(url, { dispatcher: this.agent, headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
      return { status: res.statusCode, body: await res.body.text() };
    } catch (e) {
      return { status: 0, body: '', error: describe(e as Error & { code?: string }) };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Closes at once, failing requests in flight. */
  async destroy(): Promise<void> {
    await this.agent.destroy();
  }
}
