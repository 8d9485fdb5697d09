// Platform over stock k6/http: runs on any k6 build and on k6 Cloud. Responses are read
// whole (stream: false), so only E2E, TTFB and token counts are measured.

import http from 'k6/http';
import { sleep } from 'k6';
import type { Exchange } from '../openai/outcome';
import type { Platform } from './platform';

const NETWORK_ERRORS: Array<[RegExp, string]> = [
  [/timeout|deadline/i, 'timeout'],
  [/refused|no such host|dial/i, 'connect'],
  [/reset|broken pipe/i, 'reset'],
  [/EOF/, 'eof'],
  [/tls|x509|certificate/i, 'tls'],
];

function errorKind(message: string): string {
  for (const [re, kind] of NETWORK_ERRORS) if (re.test(message)) return kind;
  return 'other';
}

export const httpPlatform: Platform = {
  name: 'http',
  streaming: false,
  send(req) {
    const startUnixMs = Date.now();
    const res = http.post(req.url, req.body, {
      headers: req.headers,
      timeout: `${req.timeoutMs > 0 ? req.timeoutMs : 24 * 3600 * 1000}ms`,
      responseType: 'text',
    });
    const t = res.timings;
    const failed = res.status === 0;
    const message = failed ? String(res.error || 'request failed') : '';
    const exchange: Exchange = {
      status: res.status,
      startUnixMs,
      connectMs: t.connecting + t.tls_handshaking,
      headersMs: failed ? -1 : t.blocked + t.connecting + t.tls_handshaking + t.sending + t.waiting,
      times: [],
      data: [],
      invalid: [],
      tail: '',
      endMs: failed ? Date.now() - startUnixMs : t.blocked + t.connecting + t.tls_handshaking + t.duration,
      body: typeof res.body === 'string' ? res.body : '',
      error: message,
      errorKind: failed ? errorKind(message) : '',
      streamed: false,
    };
    return exchange;
  },
  nowUnixMs: () => Date.now(),
  sleepUntilUnixMs(t) {
    const wait = t - Date.now();
    if (wait > 0) sleep(wait / 1000);
    return true;
  },
  record: () => undefined,
  snapshot: () => null,
};
