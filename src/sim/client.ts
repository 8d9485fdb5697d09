// A small OpenAI streaming client for the simulator's tests and benchmark: posts a request,
// reads the SSE stream, and timestamps every event on the simulator's clock (epoch ms with
// sub-ms resolution). Not the harness's client (that one runs inside k6); this one checks
// the simulator.

import { nowMs } from './clock.js';

export interface SseEvent {
  /** When the network chunk carrying this event was read. */
  ms: number;
  data: string;
  /** Parsed JSON, or undefined when `data` is not JSON (malformed chunk, [DONE]). */
  json?: any;
}

export interface StreamResult {
  status: number;
  requestId: string | null;
  sendMs: number;
  headersMs: number;
  endMs: number;
  events: SseEvent[];
  /** Times of events that carry a generated token (content, reasoning or tool call). */
  tokenMs: number[];
  doneSeen: boolean;
  malformed: number;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } | null };
  /** Non-SSE body (errors, non-streamed responses). */
  body?: string;
  /** Set when the stream broke (connection cut) or the request failed. */
  error?: string;
}

/** Whether a parsed chunk carries a generated token. */
export function carriesToken(j: any): boolean {
  const c = j?.choices?.[0];
  if (!c) return false;
  if (typeof c.text === 'string' && c.text !== '') return true;
  const d = c.delta;
  if (!d) return false;
  return (
    (typeof d.content === 'string' && d.content !== '') ||
    (typeof d.reasoning === 'string' && d.reasoning !== '') ||
    (typeof d.reasoning_content === 'string' && d.reasoning_content !== '') ||
    (Array.isArray(d.tool_calls) && d.tool_calls.length > 0)
  );
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 60_000): Promise<StreamResult> {
  const sendMs = nowMs();
  const r: StreamResult = { status: 0, requestId: null, sendMs, headersMs: 0, endMs: 0, events: [], tokenMs: [], doneSeen: false, malformed: 0 };
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: ac.signal,
    });
    r.headersMs = nowMs();
    r.status = res.status;
    r.requestId = res.headers.get('x-request-id');
    if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      r.body = await res.text();
      r.endMs = nowMs();
      return r;
    }
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { done, value } = await reader.read();
      const t = nowMs();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const raw = buf.slice(0, i);
        buf = buf.slice(i + 2);
        for (const line of raw.split('\n')) {
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trim();
          const ev: SseEvent = { ms: t, data };
          if (data === '[DONE]') r.doneSeen = true;
          else {
            try {
              ev.json = JSON.parse(data);
            } catch {
              r.malformed++;
            }
          }
          if (ev.json?.usage) r.usage = ev.json.usage;
          if (carriesToken(ev.json)) r.tokenMs.push(t);
          r.events.push(ev);
        }
      }
    }
    r.endMs = nowMs();
  } catch (e) {
    r.endMs = nowMs();
    const err = e as Error & { cause?: Error };
    r.error = err.cause?.message ?? err.message;
  } finally {
    clearTimeout(timer);
  }
  return r;
}

/** A prompt of exactly `n` words: `tag` makes it distinct (w<tag>_<i>). */
export function wordsPrompt(n: number, tag: string | number): string {
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(`w${tag}_${i}`);
  return w.join(' ');
}

/** Fetches and returns /metrics text. */
export async function scrape(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  return res.text();
}
