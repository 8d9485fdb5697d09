// Sends prepared requests and records them: transport -> measured outcome -> the standard
// llm_* metrics (recordRequest). One per thread of a run; `replay` and `run` both send
// through it, so a scripted request is measured exactly as a replayed one.

import { measureExchange } from '../../openai/outcome';
import { recordRequest } from '../../metrics/record';
import { recordEndpoint } from '../../metrics/endpoint-split';
import { recordPromptLength } from '../../metrics/prompt-length';
import { recordCapped } from '../../metrics/context-cap';
import type { MetricSink } from '../../metrics/sink';
import type { RequestTransport } from '../transport';
import { nowMs } from '../clock';
import { prepareRequest, takeForSend, type LlmRequest, type LlmResult, type PreparedRequest, type Target } from './request';

export interface ClientOptions {
  transport: RequestTransport;
  sink: MetricSink;
  target: Target;
  /** Unix ms of the run's origin (send times are recorded relative to it). */
  originUnixMs: number;
  /** Sent with every request (auth). Never logged. */
  headers?: Record<string, string>;
  /** Header carrying each request id (the simulator's ground truth and servers' logs read it). */
  requestIdHeader: string;
  /** Prefix of generated request ids: PREFIX-N. */
  idPrefix: string;
  /** Aborts requests in flight (Ctrl-C past the grace period). */
  abortInFlight?: AbortSignal;
}

export class RequestClient {
  private readonly baseHeaders: Record<string, string>;
  private nextId = 0;

  constructor(private readonly o: ClientOptions) {
    this.baseHeaders = { 'content-type': 'application/json', ...o.headers };
  }

  get target(): Target {
    return this.o.target;
  }

  /** A fresh request id: PREFIX-N. */
  newId(): string {
    return `${this.o.idPrefix}-${this.nextId++}`;
  }

  /** Serialises a request now (in a look-ahead window), so its send is cheap. */
  prepare(req: LlmRequest, id = req.id ?? this.newId()): PreparedRequest {
    const p = prepareRequest(req, this.o.target, id, this.baseHeaders, this.o.requestIdHeader);
    p.signal = this.o.abortInFlight;
    return p;
  }

  /** Sends a prepared request, measures it and records it; `scheduledMs` (monotonic) gives the dispatch lag. */
  async sendPrepared(p: PreparedRequest, scheduledMs?: number): Promise<LlmResult> {
    // The transport gets the body, `p` keeps the rest: nothing here holds the prompt in flight.
    const x = await this.o.transport.send(takeForSend(p), scheduledMs);
    const o = measureExchange(x, p.keepEvents === true, p.endpoint);
    // The server's own count, before the recorded length stands in for a missing usage.
    const serverPrompt = o.ok ? o.promptTokens : undefined;
    if (serverPrompt !== undefined && p.promptTokensHint !== undefined) recordPromptLength(this.o.sink, p.promptTokensHint, serverPrompt);
    if (o.promptTokens === undefined && o.ok && p.promptTokensHint !== undefined) o.promptTokens = p.promptTokensHint;
    if (p.maxTokensCappedFrom !== undefined) recordCapped(this.o.sink);
    const lagMs = scheduledMs === undefined ? 0 : x.startMs - scheduledMs;
    recordRequest(this.o.sink, { lagMs, sendRunMs: x.startUnixMs - this.o.originUnixMs, sendUnixMs: x.startUnixMs }, o);
    recordEndpoint(this.o.sink, p.endpoint, o);
    const result = o as LlmResult;
    result.id = p.id;
    result.status = x.status;
    result.sendUnixMs = x.startUnixMs;
    result.lagMs = lagMs;
    result.inputTokensRecorded = p.promptTokensHint;
    result.promptTokensServer = serverPrompt;
    if (p.runRequestId !== undefined) result.runRequestId = p.runRequestId;
    if (p.maxTokensCappedFrom !== undefined) result.maxTokensCappedFrom = p.maxTokensCappedFrom;
    if (o.stream?.text !== undefined) result.text = o.stream.text;
    return result;
  }

  /** Opens connections ahead until `n` are free, so a burst about to be due does not wait for connects. */
  warm(n: number): void {
    this.o.transport.reserve(this.o.target.baseUrl, n);
  }

  /** Prepares and sends at once (closed loops, one-off requests). */
  send(req: LlmRequest): Promise<LlmResult> {
    return this.sendPrepared(this.prepare(req), nowMs());
  }
}
