// Carrying one request to an OpenAI-compatible server and recording what came back, stamped
// the moment its bytes were read. Requests go over our own HTTP/1.1 client (http1.ts): the send
// is stamped right before the socket write and connections can be opened ahead of a burst; on
// undici's Agent the bursts of the Mooncake sample measured p99 7.7 ms TTFT error against a
// loopback capture, mostly requests waiting for connections opened on demand
// (docs/benchmarks.md). One keep-alive pool per origin.

import type { IncomingHttpHeaders } from 'node:http';
import { nowMs, unixOf } from './clock';
import { OriginPool, type ResponseSink } from './http1';
import { SseDecoder } from './sse';
import { eventClassifier, keepsData } from '../openai/api-kinds';
import type { Endpoint } from '../config/replay';
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

/**
 * One request for a transport. A transport keeps no reference to `body` once its bytes are
 * written (a request waiting on a saturated server costs its record, not its prompt), and its
 * callers hand over a request object they do not keep (RequestClient.sendPrepared,
 * src/sessions/runner.ts): so a sent prompt is garbage as soon as it is on the wire.
 */
export interface EngineRequest {
  /** Full URL (origin + path). */
  url: string;
  /** The body, serialised ahead of the send so the send itself is cheap. Dropped after the write. */
  body: Buffer | string;
  headers: Record<string, string>;
  /** The API spoken: picks the classifier of its stream events (chat's when absent). */
  endpoint?: Endpoint;
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
export function errorKind(e: Error): string {
  const err = e as Error & { code?: string; cause?: { code?: string } };
  const code = err.code ?? '';
  const cause = err.cause?.code ?? '';
  if (code === 'K6LR_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect';
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR' || err.name === 'AbortError') return 'aborted';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code) || ['ECONNREFUSED'].includes(cause)) return 'connect';
  if (code === 'ECONNRESET' || cause === 'ECONNRESET' || /ECONNRESET/.test(err.message)) return 'reset';
  if (code === 'LLMR_CONNECT_CLOSED') return 'connect';
  if (code === 'UND_ERR_SOCKET') return 'eof';
  // Node's TLS codes and OpenSSL's verify codes (DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...).
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|UNABLE_TO_(GET|VERIFY)/.test(code)) return 'tls';
  if (code === 'HPE_INVALID_CONSTANT' || code.startsWith('HPE_') || code === 'UND_ERR_INFO') return 'protocol';
  return 'other';
}

/** Records one exchange as the client hands over its parts. */
class ExchangeRecorder implements ResponseSink {
  readonly x: EngineExchange;
  private readonly decoder: SseDecoder;
  private readonly times: number[] = [];
  private readonly data: string[] = [];
  private readonly kinds: number[] = [];
  private readonly invalid: string[] = [];
  private body = '';
  private responded = false;
  finished = false;
  private totalTimer?: NodeJS.Timeout;
  private abortRequest?: (err: Error) => void;
  /** The request's abort signal; the request itself is not kept (that would keep its body). */
  private readonly signal?: AbortSignal;
  private watched = false;

  constructor(req: EngineRequest, dispatchMs: number, private readonly totalMs: number, private readonly done: (x: EngineExchange) => void) {
    this.signal = req.signal;
    this.x = {
      status: 0, startUnixMs: unixOf(dispatchMs), startMs: dispatchMs, connectMs: 0, headersMs: -1,
      times: this.times, data: this.data, invalid: this.invalid, tail: '', endMs: 0, body: '', error: '', errorKind: '', streamed: false, kinds: this.kinds,
    };
    const keep = req.keepEvents === true;
    const classify = eventClassifier(req.endpoint);
    this.decoder = new SseDecoder({
      event: (t, d) => {
        const kind = classify(d);
        this.times.push(t - this.x.startMs);
        // Plain token chunks need only their time: drop their text unless asked to keep it.
        this.data.push(keep || keepsData(kind) ? d : '');
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
    const signal = this.signal;
    if (signal) {
      if (signal.aborted) return this.abort(abortError());
      watchers(signal).add(this);
      this.watched = true;
    }
  }

  abort(err: Error): void {
    if (this.finished) return;
    if (this.abortRequest) this.abortRequest(err);
    else this.finish(err);
  }

  /**
   * Right before the request's bytes are written: the send instant. When the connection was
   * opened for this request, count from the connection's start, as vLLM's bench does.
   */
  onStart(t: number, connect: { startMs: number; connectMs: number } | undefined, abort: (err: Error) => void): void {
    this.abortRequest = abort;
    const start = connect ? connect.startMs : t;
    this.x.startMs = start;
    this.x.startUnixMs = unixOf(start);
    if (connect) this.x.connectMs = connect.connectMs;
  }

  onHead(statusCode: number, headers: IncomingHttpHeaders): void {
    const t = nowMs();
    this.responded = true;
    this.x.status = statusCode;
    this.x.headersMs = t - this.x.startMs;
    const type = headers['content-type'];
    this.x.streamed = (Array.isArray(type) ? type.join(',') : type ?? '').includes('text/event-stream');
  }

  onData(chunk: Buffer): void {
    const t = nowMs();
    if (this.x.streamed && this.x.status >= 200 && this.x.status < 300) this.decoder.push(chunk, t);
    else if (this.body.length < MAX_BODY_CHARS) this.body += chunk.toString('utf8');
  }

  onEnd(): void {
    this.finish(undefined);
  }

  onError(err: Error): void {
    this.finish(err);
  }

  private finish(err: Error | undefined): void {
    if (this.finished) return;
    this.finished = true;
    const t = nowMs();
    clearTimeout(this.totalTimer);
    if (this.watched) watchers(this.signal!).delete(this);
    this.x.endMs = t - this.x.startMs;
    this.x.body = this.body;
    if (this.x.streamed) this.x.tail = this.decoder.tail();
    if (err) {
      this.x.error = describe(err);
      this.x.errorKind = errorKind(err);
      // A successful response that had begun keeps its status (the stream's end says what went wrong).
      if (!(this.responded && this.x.status >= 200 && this.x.status < 300)) this.x.status = 0;
    }
    this.done(this.x);
  }
}

/** A request in flight that an abort signal can end. */
export interface Abortable {
  abort(err: Error): void;
}

// The requests in flight per abort signal: one listener per signal, not one per request
// (EventTarget listeners cost ~30 us each to add and remove: 15% of a 1,000 req/s run).
const inFlightBySignal = new WeakMap<AbortSignal, Set<Abortable>>();
export function watchers(signal: AbortSignal): Set<Abortable> {
  let set = inFlightBySignal.get(signal);
  if (!set) {
    const recs = (set = new Set());
    inFlightBySignal.set(signal, recs);
    signal.addEventListener('abort', () => {
      for (const r of [...recs]) r.abort(abortError());
    }, { once: true });
  }
  return set;
}

export function abortError(): Error {
  const e = new Error('request aborted: the run was interrupted');
  e.name = 'AbortError';
  return e;
}

function describe(err: Error & { code?: string }): string {
  const c = (err as { cause?: unknown }).cause;
  const cause = c instanceof Error ? `: ${c.message}` : '';
  return `${err.code ? `${err.code} ` : ''}${err.message}${cause}`;
}

export type TransportKind = 'native' | 'js';

/** What the engine sends through: the JS transport below or the native core (native-transport.ts). */
export interface RequestTransport {
  readonly kind: TransportKind;
  /**
   * Sends at the due instant itself (requests may be handed over ahead of it); false: it sends
   * when `send` is called.
   */
  readonly schedulesSends: boolean;
  /** Sends a request (at `dueMs`, performance.now() ms, when the transport schedules sends); never rejects. */
  send(req: EngineRequest, dueMs?: number): Promise<EngineExchange>;
  /** Opens connections to `url`'s origin until `n` are free or opening (before a burst is due). */
  reserve(url: string, n: number): void;
  /** Closes every connection (call once the requests have ended: any still in flight fail). */
  close(): Promise<void>;
}

/**
 * How long before its instant a request is handed to a transport that schedules sends: enough
 * that a JS pause (a collection, a burst of prompt building) does not make the hand-over late.
 */
export const HAND_OVER_AHEAD_MS = 20;

/** Sends requests over keep-alive pools; one instance per run (or per worker). */
export class Transport implements RequestTransport {
  readonly kind = 'js';
  readonly schedulesSends = false;
  private readonly pools = new Map<string, OriginPool>();
  constructor(private readonly o: TransportOptions) {}

  private pool(origin: URL): OriginPool {
    let p = this.pools.get(origin.origin);
    if (!p) {
      const t = this.o.timeouts;
      p = new OriginPool(origin, {
        connectTimeoutMs: t.connectMs, headersTimeoutMs: t.firstByteMs, bodyTimeoutMs: t.idleMs, keepAliveMs: 30_000, reuse: this.o.reuseConnections,
      });
      this.pools.set(origin.origin, p);
    }
    return p;
  }

  /** Opens connections to `url`'s origin until `n` are free or opening (before a burst is due). */
  reserve(url: string, n: number): void {
    try {
      this.pool(new URL(url)).reserve(n);
    } catch {
      // a bad URL fails at send, with its message
    }
  }

  /** Sends a request now; resolves when its response has ended or failed (never rejects). */
  send(req: EngineRequest): Promise<EngineExchange> {
    const dispatchMs = nowMs();
    return new Promise((resolve) => {
      const rec = new ExchangeRecorder(req, dispatchMs, this.o.timeouts.totalMs, resolve);
      rec.arm();
      if (rec.finished) return;
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        rec.onError(Object.assign(new Error(`not a URL: ${req.url}`), { code: 'ENOTFOUND' }));
        return;
      }
      this.pool(url).request(url.pathname + url.search, req.headers, req.body, rec);
    });
  }

  /** Closes every connection (call once the requests have ended: any still in flight fail). */
  async close(): Promise<void> {
    for (const p of this.pools.values()) p.destroy();
  }
}
