// Stand-in for `k6/http`: every call is recorded and answered by the test's responder; the
// response carries k6's fields (status, body, timings, error, error_code, json()).
import { host, type StandinResponse } from '../host';

type Params = { headers?: Record<string, string>; [k: string]: unknown };
type Body = string | null | undefined | Record<string, unknown>;

function bodyText(body: Body): string | null {
  if (body === null || body === undefined) return null;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function response(r: StandinResponse) {
  const t = { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0, ...(r.timings ?? {}) };
  if (r.timings?.duration === undefined) t.duration = t.sending + t.waiting + t.receiving;
  const body = r.body ?? '';
  return {
    status: r.status,
    body,
    headers: r.headers ?? {},
    timings: t,
    error: r.error ?? '',
    error_code: r.error_code ?? 0,
    json(selector?: string): unknown {
      if (selector) throw new Error('k6 stand-in: json(selector) is not supported');
      return JSON.parse(body);
    },
  };
}

export function request(method: string, url: string, body?: Body, params?: Params) {
  const h = host();
  if (h.vu.phase === 'init') throw new Error(`http.${method.toLowerCase()}() in init code: k6 only sends requests in VU code`);
  const call = {
    method: method.toUpperCase(), url, body: bodyText(body), headers: { ...(params?.headers ?? {}) }, params: { ...(params ?? {}) },
    iteration: h.vu.phase === 'iteration' ? h.vu.iterationInTest : -1, atMs: h.clock.nowMs, vu: h.vu.id,
  };
  h.calls.push(call);
  return response(h.respond(call));
}

export const get = (url: string, params?: Params) => request('GET', url, null, params);
export const post = (url: string, body?: Body, params?: Params) => request('POST', url, body, params);
export const put = (url: string, body?: Body, params?: Params) => request('PUT', url, body, params);
export const del = (url: string, body?: Body, params?: Params) => request('DELETE', url, body, params);
/** k6's non-blocking request: the same answer, as a promise. */
export const asyncRequest = (method: string, url: string, body?: Body, params?: Params) => Promise.resolve().then(() => request(method, url, body, params));

export default { request, get, post, put, del, asyncRequest };
