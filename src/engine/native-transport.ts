// The engine's transport on the native I/O core (native/): requests are handed to its epoll
// thread ahead of their due instant with their bytes already serialised; the thread writes
// each at its instant and stamps every read with the kernel's receive time (SO_TIMESTAMPNS),
// frames HTTP/1.1 and SSE and recognises plain token chunks itself, and hands finished requests
// back in batches. Here they become the same EngineExchange the JS transport records, so
// measuring, records and outputs do not know which transport ran. https targets use the
// core's TLS (rustls), trusting the system roots plus NODE_EXTRA_CA_CERTS as Node does.

import { nowMs, unixOf } from './clock';
import { requestHead } from './http1';
import { watchers, type Abortable, type EngineExchange, type EngineRequest, type RequestTransport, type TransportOptions } from './transport';
import type { NativeBatch, NativeIo, NativeModule } from './native-addon';
import { eventClassifier, hasOwnEvents, keepsData } from '../openai/api-kinds';

const KEEP_ALIVE_MS = 30_000;
const RESERVE_REPEAT_MS = 5;

interface Pending extends Abortable {
  resolve(x: EngineExchange): void;
  signal?: AbortSignal;
  /** Messages/Responses: the core's chat rules do not fit their events; they are classified here. */
  classify?: (d: string) => number;
  keepEvents: boolean;
}

/** performance.now() − the core's CLOCK_MONOTONIC ms, from the tightest of a few readings. */
function clockOffsetMs(mod: NativeModule): number {
  let best = { spread: Infinity, offset: 0 };
  for (let i = 0; i < 7; i++) {
    const a = nowMs();
    const m = mod.monotonicMs();
    const b = nowMs();
    if (b - a < best.spread) best = { spread: b - a, offset: (a + b) / 2 - m };
  }
  return best.offset;
}

/** An exchange that never reached the server. */
function unsent(error: string, errorKind: string, atMs: number): EngineExchange {
  return {
    status: 0, startUnixMs: unixOf(atMs), startMs: atMs, connectMs: 0, headersMs: -1, times: [], data: [], invalid: [], tail: '', endMs: 0,
    body: '', error, errorKind, streamed: false, kinds: [],
  };
}

export class NativeTransport implements RequestTransport {
  readonly kind = 'native';
  readonly schedulesSends = true;
  private readonly io: NativeIo;
  private readonly offsetMs: number;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** The last reserve told to the core, per URL. */
  private readonly reserved = new Map<string, { origin: string; n: number; atMs: number }>();
  /** Holds the process open while requests are in flight (the core's callback does not). */
  private hold: NodeJS.Timeout | undefined;

  constructor(mod: NativeModule, private readonly o: TransportOptions) {
    this.offsetMs = clockOffsetMs(mod);
    const t = o.timeouts;
    this.io = new mod.NativeIo(
      { connectMs: t.connectMs, firstByteMs: t.firstByteMs, idleMs: t.idleMs, totalMs: t.totalMs, keepAliveMs: KEEP_ALIVE_MS, reuse: o.reuseConnections,
        caFile: process.env.NODE_EXTRA_CA_CERTS },
      (batch) => this.finished(batch),
    );
  }

  send(req: EngineRequest, dueMs?: number): Promise<EngineExchange> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return Promise.resolve(unsent(`ENOTFOUND not a URL: ${req.url}`, 'connect', nowMs()));
    }
    if (req.signal?.aborted) return Promise.resolve(unsent('AbortError request aborted: the run was interrupted', 'aborted', nowMs()));
    const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
    const head = requestHead(url.host, url.pathname + url.search, req.headers, body.length, this.o.reuseConnections);
    const bytes = Buffer.concat([Buffer.from(head), body]);
    const id = this.nextId++;
    const keepEvents = req.keepEvents === true;
    // The core classifies chat chunks only: an API with events of its own crosses with every
    // event's data and is classified here by the same rules as the JS transport.
    const classify = hasOwnEvents(req.endpoint) ? eventClassifier(req.endpoint) : undefined;
    return new Promise((resolve) => {
      const p: Pending = { resolve, signal: req.signal, abort: () => this.io.abort(id), classify, keepEvents };
      if (req.signal) watchers(req.signal).add(p);
      if (this.pending.size === 0) this.hold = setInterval(() => {}, 1 << 30);
      this.pending.set(id, p);
      this.io.send(id, origin(url), bytes, (dueMs ?? nowMs()) - this.offsetMs, keepEvents || classify !== undefined);
    });
  }

  /**
   * The open loop asks on every turn of its wait; the core is told only when the number due
   * changes or RESERVE_REPEAT_MS passed (it opens a few connections per command), so a
   * steady stream of requests does not cost a command per turn.
   */
  reserve(url: string, n: number): void {
    const now = nowMs();
    const last = this.reserved.get(url);
    if (last && last.n === n && now - last.atMs < RESERVE_REPEAT_MS) return;
    let o = last?.origin;
    if (o === undefined) {
      try {
        o = origin(new URL(url));
      } catch {
        return; // a bad URL fails at send, with its message
      }
    }
    this.reserved.set(url, { origin: o, n, atMs: now });
    this.io.reserve(o, n);
  }

  async close(): Promise<void> {
    this.io.abortAll();
    this.io.close();
    // The core's last batch (requests failed by the close) is delivered on the next turns.
    while (this.pending.size > 0) await new Promise((r) => setTimeout(r, 1));
  }

  private finished(b: NativeBatch): void {
    let rare = 0;
    for (let i = 0; i < b.id.length; i++) {
      const r = b.rare[rare]?.index === i ? b.rare[rare++] : undefined;
      const p = this.pending.get(b.id[i]);
      if (!p) continue;
      this.pending.delete(b.id[i]);
      if (p.signal) watchers(p.signal).delete(p);
      p.resolve(this.exchange(b, i, r, p));
    }
    if (this.pending.size === 0 && this.hold) {
      clearInterval(this.hold);
      this.hold = undefined;
    }
  }

  /** Request `i` of the batch as the JS transport records it. */
  private exchange(b: NativeBatch, i: number, rare: NativeBatch['rare'][number] | undefined, p: Pending): EngineExchange {
    const from = i > 0 ? b.eventsEnd[i - 1] : 0;
    const to = b.eventsEnd[i];
    const times = Array.from(b.timesMs.subarray(from, to));
    const kinds = Array.from(b.kinds.subarray(from, to));
    // Plain token chunks crossed as a time only: their data is '' as the JS transport leaves it.
    const data = new Array<string>(to - from).fill('');
    for (let k = i > 0 ? b.keptEnd[i - 1] : 0; k < b.keptEnd[i]; k++) data[b.kept[k]] = b.data[k];
    if (p.classify) reclassify(data, kinds, p.classify, p.keepEvents);
    const startMs = b.startNs[i] / 1e6 + this.offsetMs;
    return {
      status: b.status[i], startUnixMs: unixOf(startMs), startMs, connectMs: b.connectMs[i], headersMs: b.headersMs[i], times, data,
      invalid: rare?.invalid ?? [], tail: rare?.tail ?? '', endMs: b.endMs[i], body: rare?.body ?? '', error: rare?.error ?? '', errorKind: rare?.errorKind ?? '',
      streamed: b.streamed[i] === 1, kinds,
    };
  }
}

/**
 * The kinds of an API's own events (every event's data crossed), and their data dropped where
 * the JS transport drops it: the exchange is then the one the JS transport records.
 */
function reclassify(data: string[], kinds: number[], classify: (d: string) => number, keepEvents: boolean): void {
  kinds.length = data.length;
  for (let i = 0; i < data.length; i++) {
    const kind = classify(data[i]);
    kinds[i] = kind;
    if (!keepEvents && !keepsData(kind)) data[i] = '';
  }
}

/** host:port as the core resolves it (IPv6 in brackets), with https:// for TLS. */
function origin(u: URL): string {
  return u.protocol === 'https:' ? `https://${u.hostname}:${u.port || '443'}` : `${u.hostname}:${u.port || '80'}`;
}
