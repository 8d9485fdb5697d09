// The runtime behind a scenario's `ctx`: sending (measured and recorded as every engine
// request), the open loop (runOpenLoop: bodies prepared in a look-ahead window, precise sends),
// the closed loop (VUs looping an async function), sleeps that end at Ctrl-C, custom metrics.

import { runOpenLoop } from '../openloop';
import { nowMs, nowUnixMs } from '../clock';
import type { IndexShare } from '../../schedule/segments';
import type { MetricSink } from '../../metrics/sink';
import { CustomMetrics, type Metrics } from './metrics';
import { RequestClient } from './client';
import { arrivals, checkClosedSchedule, checkOpenSchedule, ownedVus, type Arrival, type ClosedSchedule, type OpenSchedule } from './schedule';
import type { ChatMessage, LlmRequest, LlmResult, PreparedRequest, Target } from './request';

/** Request fields besides the prompt, for ctx.chat and ctx.completion. */
export type RequestOptions = Omit<LlmRequest, 'prompt' | 'messages' | 'endpoint'>;

export interface OpenLoopOptions {
  /** Offset 0 is this long after the call, so the first bodies are ready in time (default 200 ms). */
  startDelayMs?: number;
  /** Build and serialise requests this long before they are due (default 500 ms). */
  lookAheadMs?: number;
  /** At most this many requests in flight; later ones wait (counted), none is dropped. */
  maxConcurrency?: number;
  /** Each finished request (custom metrics, checks). Keep it light: it runs on the event loop that reads responses. */
  onResult?: (arrival: Arrival, result: LlmResult) => void;
}

export interface OpenLoopReport {
  /** Requests sent by this process. */
  sent: number;
  /** Sent late because maxConcurrency was reached. */
  delayedByConcurrency: number;
  /** Never sent because the run was stopped. */
  notSent: number;
}

/** Who is iterating in a closed loop. */
export interface VuIteration {
  /** VU number, 0-based (the same in every process of a segmented run). */
  vu: number;
  /** This VU's iteration, 0-based. */
  iteration: number;
}

export interface ClosedLoopReport {
  iterations: number;
  /** Iterations that threw (each is logged, the VU goes on). */
  failedIterations: number;
}

/** What a scenario's `run` gets. */
export interface ScenarioContext {
  /** The server, model, default endpoint and streaming of this run. */
  readonly target: Target;
  /** This run's id (--run-id), also the prefix of request ids. */
  readonly runId: string;
  /** Aborted at Ctrl-C: loops stop starting work, sleeps end. */
  readonly signal: AbortSignal;
  /** Custom metrics: `ctx.metrics.trend('my_metric', true).add(12.5, { kind: 'short' })`. */
  readonly metrics: Metrics;
  /** Sends a request now; resolves when the response has ended (never rejects on HTTP or stream failures: see `ok`/`reason`). */
  send(request: LlmRequest): Promise<LlmResult>;
  /** A chat request: a user message or the whole conversation. */
  chat(prompt: string | ChatMessage[], options?: RequestOptions): Promise<LlmResult>;
  /** A completions request: text or token ids. */
  completion(prompt: string | number[], options?: RequestOptions): Promise<LlmResult>;
  /** An Anthropic Messages request (/v1/messages): a user message or the whole conversation. */
  messages(prompt: string | ChatMessage[], options?: RequestOptions): Promise<LlmResult>;
  /** An OpenAI Responses request (/v1/responses): input text or a list of input items. */
  responses(input: string | ChatMessage[], options?: RequestOptions): Promise<LlmResult>;
  /** An embeddings request (/v1/embeddings): one input or a batch. Measured: latency, prompt tokens, batch size. */
  embed(input: string | string[], options?: RequestOptions): Promise<LlmResult>;
  /** A rerank request (/v1/rerank): a query and the documents to score. */
  rerank(query: string, documents: string[], options?: RequestOptions): Promise<LlmResult>;
  /** Open loop: one request per arrival, sent at its time whatever the responses do. Resolves when all have ended. */
  openLoop(schedule: OpenSchedule, request: (arrival: Arrival) => LlmRequest, options?: OpenLoopOptions): Promise<OpenLoopReport>;
  /** Closed loop: `vus` users each running `iteration` again and again until the duration or iteration count is reached. */
  closedLoop(schedule: ClosedSchedule, iteration: (it: VuIteration) => Promise<void> | void): Promise<ClosedLoopReport>;
  /** Waits `ms`; ends early at Ctrl-C. */
  sleep(ms: number): Promise<void>;
  /** Waits until `offsetMs` after the scenario started; ends early at Ctrl-C. */
  waitUntil(offsetMs: number): Promise<void>;
  /** Milliseconds since the scenario started. */
  elapsedMs(): number;
  /** A line on stderr that does not break the progress line. */
  log(text: string): void;
}

/** Where a finished request sits in the run (for --out jsonl). */
export interface ResultPlace {
  index: number;
  scheduledUnixMs: number;
}

export interface ContextHooks {
  onSend?: () => void;
  onResult?: (result: LlmResult, place: ResultPlace) => void;
  log: (text: string) => void;
}

export interface ContextOptions {
  client: RequestClient;
  sink: MetricSink;
  runId: string;
  /** Stops sending (first Ctrl-C). */
  stopSending: AbortSignal;
  /** This process's execution segment: its share of arrivals and VUs. */
  share?: IndexShare;
  hooks: ContextHooks;
}

const MAX_ITERATION_ERRORS_LOGGED = 10;

export class Context implements ScenarioContext {
  readonly metrics: CustomMetrics;
  private readonly startMs = nowMs();
  private directIndex = 0;
  private iterationErrors = 0;
  /** Over every openLoop of the run: requests delayed by maxConcurrency and never sent (stopped). */
  readonly loopTotals = { delayedByConcurrency: 0, notSent: 0 };

  constructor(private readonly o: ContextOptions) {
    this.metrics = new CustomMetrics(o.sink);
  }

  get target(): Target {
    return this.o.client.target;
  }

  get runId(): string {
    return this.o.runId;
  }

  get signal(): AbortSignal {
    return this.o.stopSending;
  }

  elapsedMs(): number {
    return nowMs() - this.startMs;
  }

  log(text: string): void {
    this.o.hooks.log(text);
  }

  // Not async: an async frame would keep `request` (its prompt) until the response has ended.
  send(request: LlmRequest): Promise<LlmResult> {
    const index = this.directIndex++;
    let p: PreparedRequest;
    try {
      p = this.o.client.prepare(request);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.finish(p, nowMs(), index, nowUnixMs());
  }

  chat(prompt: string | ChatMessage[], options: RequestOptions = {}): Promise<LlmResult> {
    return this.send(typeof prompt === 'string' ? { ...options, endpoint: 'chat', prompt } : { ...options, endpoint: 'chat', messages: prompt });
  }

  completion(prompt: string | number[], options: RequestOptions = {}): Promise<LlmResult> {
    return this.send({ ...options, endpoint: 'completions', prompt });
  }

  messages(prompt: string | ChatMessage[], options: RequestOptions = {}): Promise<LlmResult> {
    return this.send(typeof prompt === 'string' ? { ...options, endpoint: 'messages', prompt } : { ...options, endpoint: 'messages', messages: prompt });
  }

  responses(input: string | ChatMessage[], options: RequestOptions = {}): Promise<LlmResult> {
    return this.send(typeof input === 'string' ? { ...options, endpoint: 'responses', prompt: input } : { ...options, endpoint: 'responses', messages: input });
  }

  embed(input: string | string[], options: RequestOptions = {}): Promise<LlmResult> {
    return this.send({ ...options, endpoint: 'embeddings', prompt: typeof input === 'string' ? input : '', body: { ...options.body, input } });
  }

  rerank(query: string, documents: string[], options: RequestOptions = {}): Promise<LlmResult> {
    return this.send({ ...options, endpoint: 'rerank', prompt: '', body: { ...options.body, query, documents } });
  }

  async openLoop(schedule: OpenSchedule, request: (arrival: Arrival) => LlmRequest, options: OpenLoopOptions = {}): Promise<OpenLoopReport> {
    checkOpenSchedule(schedule);
    const originMs = nowMs() + (options.startDelayMs ?? 200);
    const originUnixMs = nowUnixMs() + (originMs - nowMs());
    const loop = await runOpenLoop<PreparedRequest>(arrivals(schedule, this.o.share), {
      originMs, lookAheadMs: options.lookAheadMs ?? 500, maxPrepared: 512, maxConcurrency: options.maxConcurrency, signal: this.o.stopSending,
      warm: (n) => this.o.client.warm(n),
      prepare: (a) => {
        try {
          return this.o.client.prepare(request(a));
        } catch (e) {
          throw new Error(`openLoop: the request function failed at arrival ${a.index} (offset ${a.atMs} ms): ${(e as Error).message}`, { cause: e });
        }
      },
      send: async (a, p, scheduledMs) => {
        const r = await this.finish(p, scheduledMs, a.index, originUnixMs + a.atMs);
        options.onResult?.(a, r);
      },
    });
    this.loopTotals.delayedByConcurrency += loop.delayedByConcurrency;
    this.loopTotals.notSent += loop.notSent;
    return { sent: loop.sent, delayedByConcurrency: loop.delayedByConcurrency, notSent: loop.notSent };
  }

  async closedLoop(schedule: ClosedSchedule, iteration: (it: VuIteration) => Promise<void> | void): Promise<ClosedLoopReport> {
    checkClosedSchedule(schedule);
    const endMs = schedule.durationMs === undefined ? Infinity : nowMs() + schedule.durationMs;
    const limit = schedule.iterations ?? Infinity;
    const report: ClosedLoopReport = { iterations: 0, failedIterations: 0 };
    const stopped = this.o.stopSending;
    const sink = this.o.sink;
    const runVu = async (vu: number) => {
      for (let i = 0; i < limit && nowMs() < endMs && !stopped.aborted; i++) {
        const t0 = nowMs();
        try {
          await iteration({ vu, iteration: i });
        } catch (e) {
          report.failedIterations++;
          if (++this.iterationErrors <= MAX_ITERATION_ERRORS_LOGGED) {
            const last = this.iterationErrors === MAX_ITERATION_ERRORS_LOGGED ? ' (further iteration errors are counted, not logged)' : '';
            this.log(`closedLoop: VU ${vu} iteration ${i} threw: ${(e as Error)?.message ?? String(e)}${last}`);
          }
        }
        report.iterations++;
        sink.counter('iterations', 1);
        sink.trend('iteration_duration', nowMs() - t0);
      }
    };
    await Promise.all(ownedVus(schedule.vus, this.o.share).map(runVu));
    return report;
  }

  sleep(ms: number): Promise<void> {
    if (!(ms > 0) || this.o.stopSending.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.o.stopSending.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.o.stopSending.addEventListener('abort', done, { once: true });
    });
  }

  waitUntil(offsetMs: number): Promise<void> {
    return this.sleep(offsetMs - this.elapsedMs());
  }

  private async finish(p: PreparedRequest, scheduledMs: number, index: number, scheduledUnixMs: number): Promise<LlmResult> {
    this.o.hooks.onSend?.();
    const r = await this.o.client.sendPrepared(p, scheduledMs);
    this.o.hooks.onResult?.(r, { index, scheduledUnixMs });
    return r;
  }
}
