// Turns one HTTP exchange (as any transport recorded it) into the request's measurements and
// its outcome: ok, or failed with one reason. Pure, so every branch is unit-tested.

import { e2eMs, itlGapsMs, tpotMs, ttfoMs, ttftMs } from '../metrics/formulas';
import { errorBodyMessage, parseCompletionBody, parseStream, type StreamSummary } from './stream';
import { httpReason } from '../metrics/names';
import type { RecordedOutcome, TokenSource } from '../metrics/record';
import type { Endpoint } from '../config/replay';

/** What a transport recorded; times in ms since the request was sent. */
export interface Exchange {
  /** HTTP status, 0 when no response arrived. */
  status: number;
  /** Send time on the Unix clock (ms, sub-ms resolution when the transport has it). */
  startUnixMs: number;
  /** Connection setup time inside this request; 0 when a pooled connection was reused. */
  connectMs: number;
  /** Response headers arrived (ms), -1 when they did not. */
  headersMs: number;
  /** SSE events: arrival times and data; empty for non-streamed responses. */
  times: readonly number[];
  data: readonly string[];
  /** Lines that were not SSE fields. */
  invalid: readonly string[];
  /** Unterminated event data at the end of the stream (a cut stream). */
  tail: string;
  /** The response ended (ms). */
  endMs: number;
  /** Body of a non-SSE response (JSON completion or error). */
  body: string;
  /** Transport failure ('' when none) and its kind: connect, timeout, reset, eof, aborted, tls, protocol, other. */
  error: string;
  errorKind: string;
  /** The response was an event stream. */
  streamed: boolean;
  /** Per event, chunk-kind flags when the transport classified them (src/openai/chunk-kinds.ts). */
  kinds?: readonly number[];
}

/** A measured exchange: what the metrics record (RecordedOutcome), and what only logs and records carry. */
export interface RequestOutcome extends RecordedOutcome {
  /** Human-readable detail for the log (never contains request headers). */
  detail?: string;
  cachedTokensByTier?: Record<string, number>;
  finishReason?: string;
  stream?: StreamSummary;
  /** Embeddings and rerank: inputs in the request's answer (its batch size). */
  batchSize?: number;
}

const TRANSPORT_REASONS: Record<string, string> = {
  connect: 'connect',
  timeout: 'timeout',
  reset: 'stream_reset',
  eof: 'stream_eof',
  aborted: 'aborted',
  tls: 'tls',
  protocol: 'protocol',
};

function transportReason(kind: string): string {
  return TRANSPORT_REASONS[kind] ?? 'transport';
}

/** Measures a streamed or non-streamed exchange of API `api`. `keepText` keeps the generated text. */
export function measureExchange(x: Exchange, keepText = false, api: Endpoint = 'chat'): RequestOutcome {
  const base = {
    e2eMs: x.endMs,
    ttfbMs: x.headersMs >= 0 ? x.headersMs : undefined,
    connectMs: x.connectMs,
    itlGapsMs: [] as number[],
    outputTokens: 0,
    tokenSource: 'chunks' as TokenSource,
  };
  if (x.status === 0) {
    return { ...base, ok: false, reason: transportReason(x.errorKind), detail: x.error };
  }
  if (x.status < 200 || x.status >= 300) {
    return { ...base, ok: false, reason: httpReason(x.status), detail: errorBodyMessage(x.body) };
  }
  if (!x.streamed) return measureNonStreamed(x, base, api);

  const s = parseStream(x.times, x.data, keepText, x.kinds, api);
  const times = { sendMs: 0, tokenChunkMs: s.tokenChunkMs, endMs: x.endMs };
  const ttft = ttftMs(times);
  const outputTokens = s.usage ? s.usage.completionTokens : s.tokenChunkMs.length;
  const out: RequestOutcome = {
    ...base,
    ok: true,
    e2eMs: e2eMs(times),
    ttftMs: ttft,
    ttfoMs: ttfoMs(0, s.firstOutputMs, s.reasoningChunks),
    tpotMs: tpotMs(e2eMs(times), ttft, outputTokens),
    itlGapsMs: itlGapsMs(s.tokenChunkMs),
    promptTokens: s.usage?.promptTokens,
    cachedTokens: s.usage?.cachedTokens,
    cachedTokensByTier: s.usage?.cachedTokensByTier,
    outputTokens,
    tokenSource: s.usage ? 'usage' : 'chunks',
    finishReason: s.finishReason,
    stream: s,
  };
  // Every OpenAI-compatible server ends a finished choice with a finish_reason (Messages: a
  // message_delta's stop_reason; Responses: the terminal event's status). A stream that
  // sends [DONE] without one was cut by the server: llama-cpp-python with --interrupt_requests
  // True stops a stream when the next request comes in, sends [DONE] (HTTP 200) and then closes
  // the connection without ending the chunked body. It is never a short success.
  const incomplete = s.done && s.finishReason === undefined;
  // One reason per failed request, the most fundamental first.
  if (x.error && !incomplete) return fail(out, transportReason(x.errorKind), x.error);
  if (s.streamError !== undefined) return fail(out, 'stream_error', s.streamError);
  if (s.malformed > 0 || x.invalid.length > 0) {
    return fail(out, 'malformed_chunk', `${s.malformed + x.invalid.length} malformed event(s), first: ${s.firstMalformed ?? x.invalid[0]}`);
  }
  if (!s.done) return fail(out, 'truncated', x.tail ? `stream cut inside an event: ${x.tail.slice(0, 80)}` : `stream ended without ${STREAM_END[api] ?? '[DONE]'}`);
  if (incomplete) {
    const after = x.error ? `; then the connection: ${x.error}` : '';
    return fail(out, 'stream_incomplete', `stream ended with [DONE] after ${s.tokenChunkMs.length} token chunk(s) but no chunk carried a finish_reason (the server cut it)${after}`);
  }
  if (s.tokenChunkMs.length === 0 && outputTokens > 0) return fail(out, 'empty', 'usage reports tokens but no chunk carried one');
  return out;
}

/** The event that ends a complete stream, per API (chat and completions: data: [DONE]). */
const STREAM_END: Partial<Record<Endpoint, string>> = { messages: 'message_stop', responses: 'response.completed' };

function fail(o: RequestOutcome, reason: string, detail: string): RequestOutcome {
  return { ...o, ok: false, reason, detail };
}

function measureNonStreamed(x: Exchange, base: Omit<RequestOutcome, 'ok'>, api: Endpoint): RequestOutcome {
  const c = parseCompletionBody(x.body, api);
  if (c.error !== undefined) return { ...base, ok: false, reason: 'stream_error', detail: c.error };
  if (x.error) return { ...base, ok: false, reason: transportReason(x.errorKind), detail: x.error };
  return {
    ...base,
    ok: true,
    promptTokens: c.usage?.promptTokens,
    cachedTokens: c.usage?.cachedTokens,
    cachedTokensByTier: c.usage?.cachedTokensByTier,
    outputTokens: c.usage?.completionTokens ?? 0,
    tokenSource: c.usage ? 'usage' : 'chunks',
    finishReason: c.finishReason,
    ...(c.batchSize !== undefined && { batchSize: c.batchSize }),
  };
}
