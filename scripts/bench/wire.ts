// Each request's times on the wire, from a loopback capture of one server port: per TCP
// connection, a client packet that begins with an HTTP method starts a request (its id from the
// request-id header, or, for clients that send none, from the same header in the server's
// response: the simulator names every request and echoes the name); server packets with payload
// until the next request belong to its response. One request at a time per connection (no
// pipelining), as the engine and the simulator run.

import { TCP_SYN, type TcpPacket } from './pcap';

export interface WireExchange {
  id: string;
  /** First packet carrying the request's bytes. */
  sendMs: number;
  /** The connection's SYN, when this was the connection's first request. */
  synMs?: number;
  /** First response packet carrying a token chunk (non-empty delta content or text). */
  firstTokenMs?: number;
  /** Last response packet with payload. */
  lastMs?: number;
  /**
   * The end of the response was captured ([DONE] or the chunked terminator): a capture stopped
   * while the last response was still streaming has no true last packet for it.
   */
  complete?: boolean;
  /** Each token event of the response: the capture time of the packet that ended it (its blank line). */
  tokenEventMs: number[];
}

const RESPONSE_END = /data: \[DONE\]|(^|\r\n)0\r\n\r\n$/;

const METHOD = /^(POST|GET|PUT|DELETE|PATCH|HEAD|OPTIONS) /;
// A token chunk: non-empty content (chat) or text (completions). The role chunk has "content":"".
const TOKEN = /"(content|text)":"[^"]/;

interface Flow {
  synMs?: number;
  requests: number;
  current?: WireExchange;
  /** Header bytes of the current request until its id is found. */
  head?: string;
  /** Header bytes of the current response, while the request sent no id. */
  responseHead?: string;
  /** Response bytes after the last complete SSE event. */
  eventCarry: string;
}

/** Wire exchanges keyed by request id; `idHeader` is matched case-insensitively. */
export function wireExchanges(packets: readonly TcpPacket[], serverPort: number, idHeader = 'x-request-id'): Map<string, WireExchange> {
  const flows = new Map<number, Flow>();
  const out = new Map<string, WireExchange>();
  const idLine = new RegExp(`\\r\\n${idHeader}: *([^\\r\\n]+)`, 'i');
  const flowOf = (port: number): Flow => {
    let f = flows.get(port);
    if (!f) flows.set(port, (f = { requests: 0, eventCarry: '' }));
    return f;
  };
  for (const p of packets) {
    if (p.dstPort === serverPort) {
      const f = flowOf(p.srcPort);
      if (p.flags & TCP_SYN) {
        flows.set(p.srcPort, { synMs: p.tsMs, requests: 0, eventCarry: '' }); // a reused port is a new connection
        continue;
      }
      if (p.payload.length === 0) continue;
      const text = p.payload.toString('latin1', 0, Math.min(p.payload.length, 8192));
      if (METHOD.test(text)) {
        f.current = { id: '', sendMs: p.tsMs, synMs: f.requests === 0 ? f.synMs : undefined, tokenEventMs: [] };
        f.eventCarry = '';
        f.requests++;
        f.head = text;
        f.responseHead = undefined;
      } else if (f.current && !f.current.id && f.head !== undefined) {
        f.head += text;
      }
      if (f.current && !f.current.id && f.head !== undefined) {
        const m = idLine.exec(f.head);
        if (m) {
          f.current.id = m[1].trim();
          out.set(f.current.id, f.current);
          f.head = undefined;
        } else if (f.head.includes('\r\n\r\n')) {
          f.head = undefined; // headers ended without an id: the response's header names it
          f.responseHead = '';
        }
      }
    } else if (p.srcPort === serverPort && p.payload.length > 0) {
      const f = flowOf(p.dstPort);
      const x = f.current;
      if (!x) continue;
      if (!x.id && f.responseHead !== undefined) {
        f.responseHead += p.payload.toString('latin1', 0, Math.min(p.payload.length, 8192));
        const m = idLine.exec(f.responseHead);
        if (m) {
          x.id = m[1].trim();
          out.set(x.id, x);
          f.responseHead = undefined;
        } else if (f.responseHead.includes('\r\n\r\n')) {
          f.responseHead = undefined; // neither side named the request
        }
      }
      x.lastMs = p.tsMs;
      const text = p.payload.toString('latin1');
      if (RESPONSE_END.test(text)) x.complete = true;
      if (x.firstTokenMs === undefined && TOKEN.test(text)) x.firstTokenMs = p.tsMs;
      // Every SSE event that ends in this packet is stamped with it (events end at a blank line).
      const events = (f.eventCarry + text).split('\n\n');
      f.eventCarry = events.pop()!;
      for (const e of events) if (TOKEN.test(e)) x.tokenEventMs.push(p.tsMs);
    }
  }
  return out;
}
