// A minimal HTTP/1.1 client on `net` sockets, for the one exchange the engine makes: a POST whose
// response (content-length, chunked or read-until-close) is handed over piece by piece as its
// bytes are read. It exists for timing: the send stamp is taken right before the socket write,
// the request goes out in one writev, and connections can be opened ahead of a burst (undici
// opens them on demand and holds each idle-socket reuse back one event-loop turn).

import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { IncomingHttpHeaders } from 'node:http';
import { nowMs } from './clock';

/** What a request's caller hears, in order: start, head, data*, then end or error (once). */
export interface ResponseSink {
  /** Already ended (timed out or aborted while waiting for a connection): not sent. */
  readonly finished: boolean;
  /** Right before the request's bytes are written; `connect` is set when the socket was opened for it. */
  onStart(t: number, connect?: { startMs: number; connectMs: number }, abort?: (err: Error) => void): void;
  onHead(status: number, headers: IncomingHttpHeaders): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: Error): void;
}

export interface PoolOptions {
  connectTimeoutMs: number;
  /** Request written -> response head. */
  headersTimeoutMs: number;
  /** Longest gap between two reads of the response. */
  bodyTimeoutMs: number;
  /** Close idle connections after this long. */
  keepAliveMs: number;
  reuse: boolean;
}

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The head of the engine's POST (both transports write it alike). */
export function requestHead(hostHeader: string, path: string, headers: Record<string, string>, bodyBytes: number, reuse: boolean): string {
  let head = `POST ${path} HTTP/1.1\r\nhost: ${hostHeader}\r\n`;
  for (const k in headers) head += `${k}: ${headers[k]}\r\n`;
  head += `content-length: ${bodyBytes}\r\n`;
  if (!reuse) head += 'connection: close\r\n';
  return head + '\r\n';
}

const CRLF = 0x0a;
const EMPTY = Buffer.alloc(0);
const EMPTY_LINE = Buffer.from('\r\n');
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
const OPENS_PER_RESERVE = 8;
/** Connections opened ahead are opened at most this many at a time (a server accepts them one by one). */
const MAX_RESERVE_CONNECTING = 32;

/** Incremental response parser: head, then the body by content-length, chunks or until close. */
class ResponseParser {
  private head: Buffer | undefined;
  private mode: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'close' | 'done' = 'head';
  private left = 0;
  private line = '';
  status = 0;
  keepAlive = true;

  constructor(private readonly sink: ResponseSink) {}

  get done(): boolean {
    return this.mode === 'done';
  }

  get readsUntilClose(): boolean {
    return this.mode === 'close';
  }

  /** Feeds bytes as they are read; the sink hears the head and each piece of the body. */
  push(buf: Buffer): void {
    let at = 0;
    while (at < buf.length && this.mode !== 'done') {
      switch (this.mode) {
        case 'head': {
          const all = this.head ? Buffer.concat([this.head, buf.subarray(at)]) : buf.subarray(at);
          const end = all.indexOf('\r\n\r\n');
          if (end < 0) {
            if (all.length > 64 * 1024) throw codedError('HPE_HEADER_OVERFLOW', 'response head over 64 KiB');
            this.head = Buffer.from(all);
            return;
          }
          this.head = undefined;
          const rest = all.subarray(end + 4);
          this.parseHead(all.toString('latin1', 0, end));
          buf = rest;
          at = 0;
          break;
        }
        case 'length':
        case 'chunk-data': {
          // `left` bytes of body (the whole body, or the current chunk) still to come.
          const n = Math.min(this.left, buf.length - at);
          this.sink.onData(buf.subarray(at, at + n));
          at += n;
          this.left -= n;
          if (this.left === 0) this.mode = this.mode === 'length' ? 'done' : 'chunk-crlf';
          break;
        }
        case 'close':
          this.sink.onData(buf.subarray(at));
          return;
        default: {
          // Line-based states: chunk size, the CRLF after chunk data, trailers.
          const nl = buf.indexOf(CRLF, at);
          if (nl < 0) {
            this.line += buf.toString('latin1', at);
            if (this.line.length > 4096) throw codedError('HPE_INVALID_CHUNK_SIZE', 'chunk line over 4 KiB');
            return;
          }
          const line = (this.line + buf.toString('latin1', at, nl)).replace(/\r$/, '');
          this.line = '';
          at = nl + 1;
          this.onLine(line);
        }
      }
    }
  }

  private onLine(line: string): void {
    if (this.mode === 'chunk-crlf') {
      if (line !== '') throw codedError('HPE_INVALID_CHUNK_SIZE', 'chunk data not followed by CRLF');
      this.mode = 'chunk-size';
    } else if (this.mode === 'chunk-size') {
      const size = parseInt(line.split(';', 1)[0].trim(), 16);
      if (!Number.isFinite(size) || size < 0) throw codedError('HPE_INVALID_CHUNK_SIZE', `bad chunk size line "${line.slice(0, 40)}"`);
      if (size === 0) this.mode = 'trailers';
      else {
        this.left = size;
        this.mode = 'chunk-data';
      }
    } else if (this.mode === 'trailers' && line === '') {
      this.mode = 'done';
    }
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
    if (!m) throw codedError('HPE_INVALID_CONSTANT', `not an HTTP/1.x status line: "${lines[0].slice(0, 60)}"`);
    const status = Number(m[2]);
    const headers: IncomingHttpHeaders = {};
    for (let i = 1; i < lines.length; i++) {
      const c = lines[i].indexOf(':');
      if (c <= 0) continue;
      const name = lines[i].slice(0, c).trim().toLowerCase();
      const value = lines[i].slice(c + 1).trim();
      const prev = headers[name];
      headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : name === 'set-cookie' ? [prev, value] : `${prev}, ${value}`;
    }
    if (status < 200) {
      this.mode = 'head'; // 1xx: the real head follows
      return;
    }
    this.status = status;
    const conn = String(headers.connection ?? '').toLowerCase();
    this.keepAlive = m[1] === '1' ? !conn.includes('close') : conn.includes('keep-alive');
    this.sink.onHead(status, headers);
    const te = String(headers['transfer-encoding'] ?? '').toLowerCase();
    if (status === 204 || status === 304) this.mode = 'done';
    else if (te.includes('chunked')) this.mode = 'chunk-size';
    else if (headers['content-length'] !== undefined) {
      this.left = Number(headers['content-length']);
      if (!Number.isInteger(this.left) || this.left < 0) throw codedError('HPE_INVALID_CONTENT_LENGTH', 'bad content-length');
      this.mode = this.left === 0 ? 'done' : 'length';
    } else {
      this.mode = 'close';
      this.keepAlive = false;
    }
  }
}

/** One socket; at most one request at a time. */
class Connection {
  private parser: ResponseParser | undefined;
  private sink: ResponseSink | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  connected = false;
  closed = false;
  /** Set while the socket has been opened but not yet used: the first request counts its setup. */
  setup: { startMs: number; readyMs: number } | undefined;

  constructor(readonly socket: Socket, private readonly pool: OriginPool) {
    socket.setNoDelay(true);
    // TLS sockets emit 'data'; plain ones read through `onread` (see open()).
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.onClose());
    socket.on('end', () => this.onEnd());
  }

  get busy(): boolean {
    return this.sink !== undefined;
  }

  /**
   * Writes the request (one writev) and takes the response. `queuedAtMs` is set when the request
   * waited for this connection to be opened: then it counts the setup from the later of the two.
   */
  send(head: string, body: Buffer | string, sink: ResponseSink, queuedAtMs?: number): void {
    clearTimeout(this.idleTimer);
    this.sink = sink;
    this.parser = new ResponseParser(sink);
    const setup = this.setup;
    this.setup = undefined;
    let paid: { startMs: number; connectMs: number } | undefined;
    if (setup && queuedAtMs !== undefined) {
      const startMs = Math.max(setup.startMs, queuedAtMs);
      paid = { startMs, connectMs: Math.max(0, setup.readyMs - startMs) };
    }
    sink.onStart(nowMs(), paid, (err) => this.fail(err));
    if (this.sink !== sink) return; // aborted at its start
    this.socket.cork();
    this.socket.write(head);
    this.socket.write(body);
    this.socket.uncork();
    this.arm(this.pool.o.headersTimeoutMs, 'UND_ERR_HEADERS_TIMEOUT', 'no response head');
  }

  private arm(ms: number, code: string, what: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fail(codedError(code, `${what} within ${ms} ms`)), ms);
  }

  /** Bytes read; `b` may be a shared buffer that is reused after this call returns. */
  onData(b: Buffer): void {
    const p = this.parser;
    if (!p || !this.sink) {
      this.destroy(); // bytes nobody asked for: the connection is out of step
      return;
    }
    const hadHead = p.status !== 0;
    try {
      p.push(b);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (p.done) this.complete(p.keepAlive);
    else if (!hadHead && p.status !== 0) this.arm(this.pool.o.bodyTimeoutMs, 'UND_ERR_BODY_TIMEOUT', 'no body bytes');
    else this.timer?.refresh();
  }

  private complete(keepAlive: boolean): void {
    const sink = this.sink!;
    this.release();
    if (!keepAlive || !this.pool.o.reuse) this.destroy();
    else {
      this.idleTimer = setTimeout(() => this.destroy(), this.pool.o.keepAliveMs);
      this.idleTimer.unref();
      this.pool.idle(this);
    }
    sink.onEnd();
  }

  private release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sink = undefined;
    this.parser = undefined;
  }

  private onEnd(): void {
    // The server closed its side: a read-until-close body ends here, anything else is cut.
    if (this.parser?.readsUntilClose) this.complete(false);
    else if (this.sink) this.failCut();
    else this.destroy(); // an idle connection (Node leaves half-open sockets open)
  }

  /**
   * Fails a response the server's side ended: a reset (RST) or a close (FIN). libuv says EOF for
   * both when the RST came with the last bytes (one wake-up with EPOLLIN|EPOLLERR|EPOLLHUP, one
   * short read, then EOF without a second read), leaving the socket's ECONNRESET pending; a write
   * reports it. On a plain socket, write(fd, NULL, 0) fails with ECONNRESET after a reset and
   * returns 0 (nothing sent) after a close, synchronously when no write of ours is in progress.
   * TLS skips empty writes and drops the error of its close_notify, so it writes an empty line
   * (CRLF, which HTTP/1.1 servers ignore before a request, RFC 9112 2.2) and waits for its outcome,
   * as a plain socket does when the probe queues behind the request's own write.
   */
  private failCut(): void {
    const s = this.socket;
    const closed = codedError('UND_ERR_SOCKET', 'other side closed');
    if (s.writableEnded || s.destroyed) return this.fail(closed);
    if (!this.pool.tls && s.writableLength === 0) {
      s.write(EMPTY);
      return this.fail(s.errored ?? closed);
    }
    const sink = this.sink;
    s.write(this.pool.tls ? EMPTY_LINE : EMPTY, (err) => {
      if (this.sink === sink) this.fail(err ?? closed);
    });
  }

  private onClose(): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    if (this.sink) this.fail(codedError('UND_ERR_SOCKET', 'other side closed'));
    this.pool.gone(this);
  }

  private fail(err: Error): void {
    const sink = this.sink;
    this.release();
    this.destroy();
    sink?.onError(err);
  }

  destroy(): void {
    clearTimeout(this.idleTimer);
    if (!this.socket.destroyed) this.socket.destroy();
  }
}

/** Keep-alive connections to one origin, opened on demand or ahead (reserve). */
export class OriginPool {
  private readonly free: Connection[] = [];
  private readonly all = new Set<Connection>();
  private connecting = 0;
  /** Requests waiting for a connection that is being opened for them. */
  private readonly waiting: Array<(c: Connection | Error) => void> = [];
  private readonly host: string;
  private readonly port: number;
  readonly tls: boolean;
  private readonly hostHeader: string;

  constructor(origin: URL, readonly o: PoolOptions) {
    this.tls = origin.protocol === 'https:';
    this.host = origin.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(origin.port || (this.tls ? 443 : 80));
    this.hostHeader = origin.host;
  }

  /** Sends a request on a free connection, or one opened for it. */
  request(path: string, headers: Record<string, string>, body: Buffer | string, sink: ResponseSink): void {
    const head = requestHead(this.hostHeader, path, headers, typeof body === 'string' ? Buffer.byteLength(body) : body.length, this.o.reuse);
    const c = this.o.reuse ? this.take() : undefined;
    if (c) return c.send(head, body, sink);
    const queuedAtMs = nowMs();
    this.waiting.push((got) => {
      if (got instanceof Error) sink.onError(got);
      else if (sink.finished) this.idle(got);
      else got.send(head, body, sink, queuedAtMs);
    });
    this.open();
  }

  /**
   * Opens connections until `n` are free or being opened (ahead of a burst); a few per call, as
   * each open costs ~50 us of the thread and the caller asks again on every wait turn.
   */
  reserve(n: number): void {
    if (!this.o.reuse) return;
    for (let i = 0; i < OPENS_PER_RESERVE && this.connecting < MAX_RESERVE_CONNECTING && this.free.length + this.connecting - this.waiting.length < n && this.all.size < 4096; i++) this.open();
  }

  private take(): Connection | undefined {
    while (this.free.length) {
      const c = this.free.pop()!;
      if (!c.closed && !c.socket.destroyed) return c;
    }
    return undefined;
  }

  private open(): void {
    this.connecting++;
    const startMs = nowMs();
    // Half-open: Node does not end our side when the server ends its own, so a cut stream's
    // socket can still be probed for a reset (failCut); onEnd closes it.
    const opts = { host: this.host, port: this.port, noDelay: true, allowHalfOpen: true };
    let c: Connection | undefined;
    // Plain sockets read into one buffer shared by every connection of the thread, handed
    // straight to the parser: no Buffer and no stream events per read.
    const socket = this.tls
      ? tlsConnect({ ...opts, servername: this.host, ALPNProtocols: ['http/1.1'] })
      : connect({ ...opts, onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => {
        c?.onData(Buffer.from(buf.buffer, buf.byteOffset, n));
        return true;
      } } });
    c = new Connection(socket, this);
    this.all.add(c);
    const timer = setTimeout(() => socket.destroy(codedError('UND_ERR_CONNECT_TIMEOUT', `connection not set up within ${this.o.connectTimeoutMs} ms`)), this.o.connectTimeoutMs);
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.connecting--;
      if (err) {
        this.all.delete(c);
        const w = this.waiting.shift();
        if (w) w(err);
        return;
      }
      c.connected = true;
      c.setup = { startMs, readyMs: nowMs() };
      this.idle(c);
    };
    socket.once(this.tls ? 'secureConnect' : 'connect', () => settle());
    socket.once('error', (e) => settle(e));
    socket.once('close', () => settle(codedError('LLMR_CONNECT_CLOSED', 'connection closed while being set up')));
  }

  /** A connection is free: give it to a waiting request, or keep it. */
  idle(c: Connection): void {
    const w = this.waiting.shift();
    if (w) w(c);
    else this.free.push(c);
  }

  gone(c: Connection): void {
    this.all.delete(c);
    const i = this.free.indexOf(c);
    if (i >= 0) this.free.splice(i, 1);
  }

  /** Closes every connection (requests in flight fail). */
  destroy(): void {
    for (const c of [...this.all]) c.destroy();
    for (const w of this.waiting.splice(0)) w(codedError('UND_ERR_DESTROYED', 'transport closed'));
  }
}
