// Platform over k6/x/llmstream (our xk6 extension): streamed, Go-side timestamps.

import llm from 'k6/x/llmstream';
import type { Exchange } from '../openai/outcome';
import type { HttpRequest, Platform } from './platform';

type StreamResult = ReturnType<typeof llm.post>;

/**
 * The extension times from the moment the connection is in hand and reports connection setup
 * apart (connectMs). Like `vllm bench serve`, we count a request from when it is sent, setup
 * included: shift every time by connectMs (0 on a reused connection).
 */
function toExchange(r: StreamResult): Exchange {
  const c = r.connectMs;
  const times = c === 0 ? r.times : r.times.map((t) => t + c);
  return {
    status: r.status,
    startUnixMs: r.startUnixMs - c,
    connectMs: c,
    headersMs: r.headersMs >= 0 ? r.headersMs + c : -1,
    times,
    data: r.data,
    invalid: r.invalid,
    tail: r.tail,
    endMs: r.endMs + c,
    body: r.body,
    error: r.error,
    errorKind: r.errorKind,
    streamed: r.contentType.indexOf('text/event-stream') >= 0,
    kinds: r.kinds,
  };
}

function params(req: HttpRequest) {
  // Chunks are classified in Go: JSON.parse per token in k6's interpreter is the harness's main CPU cost.
  return { headers: req.headers, timeoutMs: req.timeoutMs, reuseConnections: req.reuseConnections, classify: 'openai' as const };
}

export const llmstreamPlatform: Platform = {
  name: 'llmstream',
  streaming: true,
  send: (req) => toExchange(llm.post(req.url, req.body, params(req))),
  sendAsync: (req) => llm.postAsync(req.url, req.body, params(req)).then(toExchange),
  nowUnixMs: () => llm.nowUnixMs(),
  sleepUntilUnixMs: (t) => llm.sleepUntil(t),
  waitUntilUnixMs: (t) => llm.waitUntil(t),
  record: (name, values) => llm.record(name, values),
  snapshot: (name) => llm.snapshot(name),
};
