// One request over stock k6/http, read whole (stream: false), turned into the Exchange the
// core measures (src/openai/outcome.ts): E2E, TTFB, connection setup and the body's usage.
// k6/http cannot hand out chunks as they arrive, so there is no TTFT or ITL here.

import http from 'k6/http';
import type { Exchange } from '../openai/outcome';

export interface HttpRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Whole-request limit; 0 = none. */
  timeoutMs: number;
}

/** The parts of a k6 response this module reads (http.post and http.asyncRequest give the same). */
export interface K6ResponseLike {
  status: number;
  body: unknown;
  error: string;
  error_code: number;
  timings: { blocked: number; connecting: number; tls_handshaking: number; sending: number; waiting: number; duration: number };
}

/** k6 error codes (k6 docs, "Error codes") by range, mapped to the core's error kinds. */
const ERROR_CODE_KINDS: Array<[number, number, string]> = [
  [1050, 1050, 'timeout'],
  [1100, 1199, 'connect'], // DNS
  [1210, 1213, 'connect'], // TCP dial
  [1201, 1201, 'reset'], // broken pipe
  [1220, 1220, 'reset'],
  [1300, 1399, 'tls'],
  [1400, 1699, 'protocol'], // HTTP/2
];

/** Message patterns for codes outside the table (e.g. a generic 1000 with an EOF). */
const MESSAGE_KINDS: Array<[RegExp, string]> = [
  [/timeout|deadline/i, 'timeout'],
  [/refused|no such host|dial/i, 'connect'],
  [/reset|broken pipe/i, 'reset'],
  [/EOF/, 'eof'],
  [/tls|x509|certificate/i, 'tls'],
];

export function errorKind(code: number, message: string): string {
  for (const [lo, hi, kind] of ERROR_CODE_KINDS) if (code >= lo && code <= hi) return kind;
  for (const [re, kind] of MESSAGE_KINDS) if (re.test(message)) return kind;
  return 'other';
}

/** The k6 `timeout` parameter: k6 has no "none", so 0 becomes a day. */
export function k6Timeout(timeoutMs: number): string {
  return `${timeoutMs > 0 ? timeoutMs : 24 * 3600 * 1000}ms`;
}

/** An Exchange from a k6 response; times from k6's own timings, relative to the send. */
export function exchangeFromResponse(res: K6ResponseLike, startUnixMs: number, nowUnixMs: number): Exchange {
  const t = res.timings;
  const failed = res.status === 0;
  const message = failed ? String(res.error || 'request failed') : '';
  const setupMs = t.blocked + t.connecting + t.tls_handshaking;
  return {
    status: res.status,
    startUnixMs,
    connectMs: t.connecting + t.tls_handshaking,
    headersMs: failed ? -1 : setupMs + t.sending + t.waiting,
    times: [],
    data: [],
    invalid: [],
    tail: '',
    endMs: failed ? nowUnixMs - startUnixMs : setupMs + t.duration,
    body: typeof res.body === 'string' ? res.body : '',
    error: message,
    errorKind: failed ? errorKind(res.error_code, message) : '',
    streamed: false,
  };
}

/** Sends a POST and blocks the VU until the whole response is in. */
export function postExchange(req: HttpRequest): Exchange {
  const startUnixMs = Date.now();
  const res = http.post(req.url, req.body, { headers: req.headers, timeout: k6Timeout(req.timeoutMs), responseType: 'text' });
  return exchangeFromResponse(res, startUnixMs, Date.now());
}
