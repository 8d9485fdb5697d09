// Open-loop trace replay on the engine: request k of the trace is sent at origin + its offset,
// exactly once over all workers and instances (each sends the indices of its execution
// segment), whatever the responses do. Prompts are built in the open loop's look-ahead window.

import { promptOverhead } from '../openai/pooling/request';
import { buildPrompt, BlockTextCache, warmPromptPool, type Vocabulary } from '../prompt/hashblock';
import type { RequestOutcome } from '../openai/outcome';
import type { MetricSink } from '../metrics/sink';
import type { ReplayConfig } from '../config/replay';
import type { TimedRequest } from '../trace/model';
import type { IndexShare } from '../engine/segments';
import { runOpenLoop, type OpenLoopItem, type OpenLoopResult } from '../engine/openloop';
import type { Transport } from '../engine/transport';
import { RequestClient } from '../engine/scripting/client';
import { requestRecord, type PreparedRequest } from '../engine/scripting/request';
import { monotonicOf } from '../engine/clock';
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
  transport: Transport;
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

function* ownedItems(requests: readonly TimedRequest[], share: IndexShare): Generator<OpenLoopItem & { r: TimedRequest }> {
  for (const i of share.indices(requests.length)) yield { index: i, atMs: requests[i].atMs, r: requests[i] };
}

export async function runReplay(run: ReplayRun): Promise<OpenLoopResult> {
  const { cfg, transport, sink } = run;
  warmPromptPool(run.vocab);
  const blockCache = new BlockTextCache(256);
  // Sent, measured and recorded as every request of the scripting API (src/engine/api.ts).
  const client = new RequestClient({
    transport, sink, target: { baseUrl: cfg.baseUrl, model: run.model, endpoint: cfg.endpoint, stream: cfg.stream }, originUnixMs: run.originUnixMs,
    headers: cfg.apiKey ? { authorization: `Bearer ${cfg.apiKey}` } : {}, requestIdHeader: cfg.requestIdHeader, idPrefix: cfg.runId, abortInFlight: run.abortInFlight,
  });
  // The monotonic clock's origin for this thread: Unix origin mapped once.
  const originMs = monotonicOf(run.originUnixMs);

  const prepare = (item: OpenLoopItem): PreparedRequest => {
    const r = (item as OpenLoopItem & { r: TimedRequest }).r;
    const prompt = buildPrompt(run.vocab, {
      blocks: r.blocks ?? [], blockSize: run.blockSize, tokens: r.inputTokens, overheadTokens: promptOverhead(r.endpoint ?? cfg.endpoint, cfg.overheadTokens),
      salt: cfg.salt, uniqueKey: `${cfg.salt}:${cfg.runId}:${item.index}`,
    }, blockCache);
    const p = client.prepare({ endpoint: r.endpoint, prompt, ignoreEos: cfg.ignoreEos, maxTokens: cfg.noMaxTokens ? undefined : r.outputTokens }, `${cfg.runId}-${item.index}`);
    p.promptTokensHint = r.inputTokens;
    return p;
  };

  const send = async (item: OpenLoopItem, req: PreparedRequest, scheduledMs: number): Promise<void> => {
    run.onSend?.();
    const result = await client.sendPrepared(req, scheduledMs);
    const r = (item as OpenLoopItem & { r: TimedRequest }).r;
    run.onRequest?.(requestRecord(result, { index: item.index, line: r.line, scheduledUnixMs: run.originUnixMs + item.atMs }), result);
  };

  return runOpenLoop(ownedItems(run.requests, run.share), {
    originMs, lookAheadMs: run.lookAheadMs, maxPrepared: 512, maxConcurrency: run.maxConcurrency, prepare, send, signal: run.stopSending,
    warm: (n) => client.warm(n),
  });
}
