// Requests of the scripting API: what a scenario asks for (LlmRequest), the body and headers
// serialised ahead of the send (PreparedRequest), and what came back (LlmResult: the measured
// outcome plus the send's identity and timing). Pure, so bodies and records are unit-tested.

import { buildBody, ENDPOINT_PATHS, takesMessages } from '../../openai/request';
import type { Endpoint } from '../../config/replay';
import type { RequestOutcome } from '../../openai/outcome';
import { gapStats } from '../../metrics/formulas';
import type { RequestRecord } from '../../outputs/jsonl';
import type { EngineRequest } from '../transport';

export type { Endpoint };

/** One chat message, as the OpenAI chat API takes it (extra fields pass through). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  content: string;
  [field: string]: unknown;
}

/** The server a run talks to (from --base-url, --model or the preflight, --endpoint, --stream). */
export interface Target {
  /** Server root without a trailing slash, e.g. http://127.0.0.1:8000. */
  baseUrl: string;
  /** The model every request names unless it says otherwise. */
  model: string;
  /** Default endpoint (src/openai/request.ts ENDPOINT_PATHS). */
  endpoint: Endpoint;
  /** Default for streaming (TTFT and ITL need it). */
  stream: boolean;
}

/** A chat or completion request. Everything but the prompt has a default from the run's flags. */
export interface LlmRequest {
  /** The API (chat, completions, messages, responses, embeddings, rerank); default: the run's --endpoint. */
  endpoint?: Endpoint;
  /** The user message (chat) or the prompt (completions: text or token ids). */
  prompt?: string | number[];
  /** The whole conversation (chat); takes the place of `prompt`. */
  messages?: ChatMessage[];
  /** max_tokens; omitted from the body when not given. */
  maxTokens?: number;
  /** Ask the server to generate exactly maxTokens (ignore_eos + min_tokens, vLLM/SGLang). Default false. */
  ignoreEos?: boolean;
  /** min_tokens sent with ignoreEos; default maxTokens (never above it). */
  minTokens?: number;
  /** Stream the response; default: the run's --stream (true). */
  stream?: boolean;
  /** Model for this request; default: the run's model. */
  model?: string;
  /** Extra body fields, merged last (temperature, seed, ...). */
  body?: Record<string, unknown>;
  /** Extra HTTP headers. */
  headers?: Record<string, string>;
  /** Request id (sent in the run's request-id header); default: RUNID-N. */
  id?: string;
  /** Keep the generated text in the result (`text`); off by default, it costs memory. */
  keepText?: boolean;
}

/** A request serialised ahead of its send: the send itself is then nearly free. */
export interface PreparedRequest extends EngineRequest {
  id: string;
  /** The run's own name of the request (RUNID-N) when the id on the wire is another (a UUID). */
  runRequestId?: string;
  /** The recorded output length, when max_tokens was lowered to fit the context. */
  maxTokensCappedFrom?: number;
  /** The API it speaks: how its response is read. */
  endpoint: Endpoint;
  /** Prompt length to record when the server reports no usage (a replayed trace knows it). */
  promptTokensHint?: number;
}

/** A measured request: the outcome (src/openai/outcome.ts) plus who it was and when it went. */
export interface LlmResult extends RequestOutcome {
  id: string;
  /** HTTP status; 0 when no response arrived. */
  status: number;
  /** Unix ms of the send (sub-ms). */
  sendUnixMs: number;
  /** Actual minus scheduled send time (ms); 0 for a request sent as soon as asked. */
  lagMs: number;
  /** The generated text, when the request asked for it (keepText). */
  text?: string;
  /** Input length the trace recorded (promptTokensHint), and the prompt tokens the server's usage counted. */
  inputTokensRecorded?: number;
  promptTokensServer?: number;
  runRequestId?: string;
  maxTokensCappedFrom?: number;
}

/** The JSON body of a request (pure). */
export function requestBody(req: LlmRequest, target: Target): Record<string, unknown> {
  const endpoint = req.endpoint ?? target.endpoint;
  if (req.prompt === undefined && (!takesMessages(endpoint) || req.messages === undefined)) {
    throw new TypeError(takesMessages(endpoint) ? `a ${endpoint} request needs \`prompt\` or \`messages\`` : `a ${endpoint} request needs \`prompt\` (text or token ids)`);
  }
  if (req.maxTokens !== undefined && !(Number.isInteger(req.maxTokens) && req.maxTokens >= 0)) {
    throw new TypeError(`maxTokens must be a whole number >= 0, got ${req.maxTokens}`);
  }
  return buildBody({
    endpoint, model: req.model ?? target.model, prompt: req.prompt ?? '', messages: req.messages, maxTokens: req.maxTokens,
    stream: req.stream ?? target.stream, ignoreEos: req.ignoreEos === true, minTokens: req.minTokens, extra: req.body,
  });
}

/** Serialises a request: URL, body bytes, headers (`baseHeaders` carry content type and auth). */
export function prepareRequest(req: LlmRequest, target: Target, id: string, baseHeaders: Record<string, string>, idHeader: string): PreparedRequest {
  const endpoint = req.endpoint ?? target.endpoint;
  const url = target.baseUrl + ENDPOINT_PATHS[endpoint];
  const body = Buffer.from(JSON.stringify(requestBody(req, target)));
  const headers = req.headers ? { ...baseHeaders, ...req.headers, [idHeader]: id } : { ...baseHeaders, [idHeader]: id };
  return { url, body, headers, id, endpoint, keepEvents: req.keepText === true };
}

/** A prepared request's body once the transport has it: a prepared request is sent once. */
const SENT = Buffer.alloc(0);

/**
 * The transport's request for `p`, taking `p`'s body: whoever still holds `p` while the response
 * comes (the open loop, a scenario's await) keeps its id and hints, not its prompt.
 */
export function takeForSend(p: PreparedRequest): EngineRequest {
  if (p.body === SENT) throw new Error(`request ${p.id} was already sent: prepare it again to send it again`);
  const req: EngineRequest = { url: p.url, body: p.body, headers: p.headers, endpoint: p.endpoint, keepEvents: p.keepEvents, signal: p.signal };
  p.body = SENT;
  return req;
}

/** The record's prompt length fields: recorded, counted by the server, and the error when both are known. */
export function promptLengthFields(recorded: number | undefined, server: number | undefined): Pick<RequestRecord, 'inputTokensRecorded' | 'promptTokensServer' | 'promptLengthError'> {
  if (recorded === undefined) return {};
  return server === undefined ? { inputTokensRecorded: recorded } : { inputTokensRecorded: recorded, promptTokensServer: server, promptLengthError: server - recorded };
}

/** The --out jsonl record of a result. */
export function requestRecord(r: LlmResult, at: { index: number; scheduledUnixMs: number; line?: number }): RequestRecord {
  const itl = gapStats(r.itlGapsMs);
  return {
    id: r.id, index: at.index, line: at.line, scheduledUnixMs: at.scheduledUnixMs, sendUnixMs: r.sendUnixMs,
    lagMs: r.lagMs, ok: r.ok, reason: r.reason, status: r.status, ttfbMs: r.ttfbMs, ttftMs: r.ttftMs, ttfoMs: r.ttfoMs, e2eMs: r.e2eMs, tpotMs: r.tpotMs,
    itlMeanMs: itl.mean, itlMaxMs: itl.max, connectMs: r.connectMs, promptTokens: r.promptTokens, outputTokens: r.outputTokens,
    cachedTokens: r.cachedTokens, cachedTokensByTier: r.cachedTokensByTier, tokenSource: r.tokenSource, batchSize: r.batchSize, ...promptLengthFields(r.inputTokensRecorded, r.promptTokensServer),
    ...(r.runRequestId !== undefined && { runRequestId: r.runRequestId }), ...(r.maxTokensCappedFrom !== undefined && { maxTokensCappedFrom: r.maxTokensCappedFrom }),
  };
}
