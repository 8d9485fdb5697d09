// Open-loop trace replay on the engine: request k of the trace is sent at origin + its offset,
// exactly once over all workers and instances (each sends the indices of its execution
// segment), whatever the responses do. Prompts are built in the open loop's look-ahead window.

import { promptOverhead } from '../openai/pooling/request';
import { buildPrompt, BlockTextCache, warmPromptPool, type Vocabulary } from '../prompt/hashblock';
import type { RequestOutcome } from '../openai/outcome';
import type { MetricSink } from '../metrics/sink';
import type { ReplayConfig } from '../config/replay';
import type { TimedRequest } from '../schedule/openloop';
import type { IndexShare } from '../schedule/segments';
import { runOpenLoop, type OpenLoopItem, type OpenLoopResult } from '../engine/openloop';
import { HAND_OVER_AHEAD_MS, type RequestTransport, type TransportKind, type TransportOptions } from '../engine/transport';
import { createTransport } from '../engine/transport-choice';
import { RequestClient } from '../engine/scripting/client';
import { requestRecord, type PreparedRequest } from '../engine/scripting/request';
import { monotonicOf, nowUnixMs } from '../engine/clock';
import { RequestIds, runRequestId } from '../engine/request-ids';
import { fitOutputToContext } from '../openai/context-fit';
import { warmHotPaths, type WarmupResult } from '../engine/warmup';
import { Registry } from '../engine/metrics';
import { isTimeMetric } from '../metrics/units';
import type { RequestRecord } from '../outputs/jsonl';

export interface ReplayRun {
  cfg: ReplayConfig;
  model: string;
  requests: readonly TimedRequest[];
  blockSize: number;
  vocab: Vocabulary;
  /** The requests this thread sends. */
  share: IndexShare;
  /** Unix ms of offset 0 (common to every worker and instance). */
  originUnixMs: number;
  transport: RequestTransport;
  sink: MetricSink;
  lookAheadMs: number;
  maxConcurrency?: number;
  /** Stop sending (first Ctrl-C). */
  stopSending?: AbortSignal;
  /** Abort requests in flight (grace period over). */
  abortInFlight?: AbortSignal;
  /** Each finished request, for --out jsonl, progress and the failure log. */
  onRequest?: (r: RequestRecord, o: RequestOutcome) => void;
  /** Each request as it is sent (progress). */
  onSend?: () => void;
}

function* ownedItems(requests: readonly TimedRequest[], share: IndexShare): Generator<Item> {
  for (const i of share.indices(requests.length)) yield { index: i, atMs: requests[i].atMs, r: requests[i] };
}

type Item = OpenLoopItem & { r: TimedRequest };
type Shape = Pick<ReplayRun, 'cfg' | 'model' | 'vocab' | 'blockSize'>;

/** The run's client: requests are sent, measured and recorded as every request of the scripting API (src/engine/api.ts). */
function replayClient(run: Shape & Pick<ReplayRun, 'transport' | 'sink' | 'originUnixMs' | 'abortInFlight'>, baseUrl = run.cfg.baseUrl, idPrefix = run.cfg.runId): RequestClient {
  const { cfg } = run;
  return new RequestClient({
    transport: run.transport, sink: run.sink, target: { baseUrl, model: run.model, endpoint: cfg.endpoint, stream: cfg.stream }, originUnixMs: run.originUnixMs,
    headers: cfg.apiKey ? { authorization: `Bearer ${cfg.apiKey}` } : {}, requestIdHeader: cfg.requestIdHeader, idPrefix, abortInFlight: run.abortInFlight,
  });
}

/** Request `item`'s body: its prompt from the trace's hash blocks, serialised by the client. */
function preparer(run: Shape, client: RequestClient, idPrefix = run.cfg.runId): (item: OpenLoopItem) => PreparedRequest {
  const { cfg } = run;
  warmPromptPool(run.vocab);
  const blockCache = new BlockTextCache(256);
  const ids = new RequestIds(idPrefix, cfg.requestIdFormat);
  const idField = cfg.requestIdField === 'none' ? undefined : cfg.requestIdField;
  return (item) => {
    const r = (item as Item).r;
    const prompt = buildPrompt(run.vocab, {
      blocks: r.blocks ?? [], blockSize: run.blockSize, tokens: r.inputTokens, overheadTokens: promptOverhead(r.endpoint ?? cfg.endpoint, cfg.overheadTokens),
      salt: cfg.salt, uniqueKey: `${cfg.salt}:${cfg.runId}:${item.index}`,
    }, blockCache);
    const id = ids.wire(item.index);
    const fit = cfg.noMaxTokens ? undefined : fitOutputToContext(r.outputTokens, r.inputTokens, cfg.maxModelLen);
    const p = client.prepare({ endpoint: r.endpoint, prompt, ignoreEos: cfg.ignoreEos, maxTokens: fit?.maxTokens, minTokens: fit?.minTokens, body: idField ? { [idField]: id } : undefined }, id);
    p.promptTokensHint = r.inputTokens;
    if (cfg.requestIdFormat !== 'run') p.runRequestId = runRequestId(idPrefix, item.index);
    if (fit?.cappedFrom !== undefined) p.maxTokensCappedFrom = fit.cappedFrom;
    return p;
  };
}

/** What the warm-up needs of a replay thread: its run's shape, its share and its transport's options. */
export interface ReplayWarmup extends Shape {
  requests: readonly TimedRequest[];
  share: IndexShare;
  transport: TransportOptions;
  /** The run's kind of transport: its send and read paths are the ones to warm. */
  transportKind?: TransportKind;
  /** Stop starting warm-up requests at this monotonic time. */
  deadlineMs?: number;
}

/** Requests of the share the warm-up builds (cycled): their own prompt sizes and shapes. */
const WARMUP_ITEMS = 16;

/**
 * Warms this thread's hot paths before offset 0 (src/engine/warmup.ts): the first requests of
 * its share are built, sent over a throwaway transport to a loopback server, measured into a
 * throwaway registry and serialised as their records would be; the run sees none of it.
 */
export async function warmReplay(w: ReplayWarmup): Promise<WarmupResult> {
  const items = [...take(ownedItems(w.requests, w.share), WARMUP_ITEMS)];
  if (items.length === 0) return { sent: 0, ms: 0 };
  const transport = createTransport(w.transportKind, w.transport);
  const sink = new Registry({}, isTimeMetric);
  let client: RequestClient | undefined;
  let prepare: ((item: OpenLoopItem) => PreparedRequest) | undefined;
  try {
    return await warmHotPaths({
      deadlineMs: w.deadlineMs,
      exchange: async (baseUrl, i) => {
        client ??= replayClient({ ...w, transport, sink, originUnixMs: nowUnixMs() }, baseUrl, 'warmup');
        prepare ??= preparer(w, client, 'warmup');
        const item = items[i % items.length];
        const result = await client.sendPrepared(prepare(item), undefined);
        JSON.stringify(requestRecord(result, { index: item.index, line: item.r.line, scheduledUnixMs: result.sendUnixMs }));
      },
    });
  } finally {
    await transport.close();
  }
}

function* take<T>(it: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  for (const x of it) {
    yield x;
    if (--n === 0) return;
  }
}

export async function runReplay(run: ReplayRun): Promise<OpenLoopResult> {
  const client = replayClient(run);
  const prepare = preparer(run, client);
  // The monotonic clock's origin for this thread: Unix origin mapped once.
  const originMs = monotonicOf(run.originUnixMs);

  const send = async (item: OpenLoopItem, req: PreparedRequest, scheduledMs: number): Promise<void> => {
    run.onSend?.();
    const result = await client.sendPrepared(req, scheduledMs);
    const r = (item as Item).r;
    run.onRequest?.(requestRecord(result, { index: item.index, line: r.line, scheduledUnixMs: run.originUnixMs + item.atMs }), result);
  };

  // A transport that writes at the due instant gets each request ahead of it (not under
  // --max-concurrency, whose wait for a free slot decides the send).
  const handOverAheadMs = run.transport.schedulesSends && run.maxConcurrency === undefined ? HAND_OVER_AHEAD_MS : 0;
  return runOpenLoop(ownedItems(run.requests, run.share), {
    originMs, lookAheadMs: run.lookAheadMs, maxPrepared: 512, maxConcurrency: run.maxConcurrency, prepare, send, signal: run.stopSending, handOverAheadMs,
    warm: (n) => client.warm(n),
  });
}
