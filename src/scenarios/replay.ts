// Open-loop trace replay on the engine: request k of the trace is sent at origin + its offset,
// exactly once over all workers and instances (each sends the indices of its execution
// segment), whatever the responses do. Prompts are built in the open loop's look-ahead window.

import { buildPrompt, BlockTextCache, warmPromptPool, type Vocabulary } from '../prompt/hashblock';
import { buildBody, ENDPOINT_PATHS } from '../openai/request';
import { measureExchange, type RequestOutcome } from '../openai/outcome';
import { recordRequest } from '../metrics/record';
import type { MetricSink } from '../metrics/sink';
import type { ReplayConfig } from '../config/replay';
import type { TimedRequest } from '../trace/model';
import type { IndexShare } from '../engine/segments';
import { runOpenLoop, type OpenLoopItem, type OpenLoopResult } from '../engine/openloop';
import type { EngineRequest, Transport } from '../engine/transport';
import { nowMs, nowUnixMs } from '../engine/clock';
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

function gapStats(gaps: readonly number[]): { mean?: number; max?: number } {
  if (gaps.length === 0) return {};
  let sum = 0;
  let max = 0;
  for (const g of gaps) {
    sum += g;
    if (g > max) max = g;
  }
  return { mean: sum / gaps.length, max };
}

export async function runReplay(run: ReplayRun): Promise<OpenLoopResult> {
  const { cfg, transport, sink } = run;
  warmPromptPool(run.vocab);
  const blockCache = new BlockTextCache(256);
  const url = cfg.baseUrl + ENDPOINT_PATHS[cfg.endpoint];
  const baseHeaders: Record<string, string> = { 'content-type': 'application/json' };
  if (cfg.apiKey) baseHeaders.authorization = `Bearer ${cfg.apiKey}`;
  // The monotonic clock's origin for this thread: Unix origin mapped once.
  const originMs = nowMs() + (run.originUnixMs - nowUnixMs());

  const prepare = (item: OpenLoopItem): EngineRequest => {
    const r = (item as OpenLoopItem & { r: TimedRequest }).r;
    const requestId = `${cfg.runId}-${item.index}`;
    const prompt = buildPrompt(run.vocab, {
      blocks: r.blocks ?? [], blockSize: run.blockSize, tokens: r.inputTokens, overheadTokens: cfg.overheadTokens,
      salt: cfg.salt, uniqueKey: `${cfg.salt}:${cfg.runId}:${item.index}`,
    }, blockCache);
    const body = Buffer.from(JSON.stringify(buildBody({
      endpoint: cfg.endpoint, model: run.model, prompt, stream: cfg.stream, ignoreEos: cfg.ignoreEos,
      maxTokens: cfg.noMaxTokens ? undefined : r.outputTokens,
    })));
    return { url, body, headers: { ...baseHeaders, [cfg.requestIdHeader]: requestId }, signal: run.abortInFlight };
  };

  const send = async (item: OpenLoopItem, req: EngineRequest, scheduledMs: number): Promise<void> => {
    run.onSend?.();
    const x = await transport.send(req);
    const r = (item as OpenLoopItem & { r: TimedRequest }).r;
    const o = measureExchange(x);
    if (o.promptTokens === undefined && o.ok) o.promptTokens = r.inputTokens;
    const lagMs = x.startMs - scheduledMs;
    const sendRunMs = x.startUnixMs - run.originUnixMs;
    recordRequest(sink, { lagMs, sendRunMs, sendUnixMs: x.startUnixMs }, o);
    const itl = gapStats(o.itlGapsMs);
    run.onRequest?.({
      id: `${cfg.runId}-${item.index}`, index: item.index, line: r.line, scheduledUnixMs: run.originUnixMs + item.atMs, sendUnixMs: x.startUnixMs,
      lagMs, ok: o.ok, reason: o.reason, status: x.status, ttfbMs: o.ttfbMs, ttftMs: o.ttftMs, e2eMs: o.e2eMs, tpotMs: o.tpotMs,
      itlMeanMs: itl.mean, itlMaxMs: itl.max, connectMs: o.connectMs, promptTokens: o.promptTokens, outputTokens: o.outputTokens,
      cachedTokens: o.cachedTokens, tokenSource: o.tokenSource,
    }, o);
  };

  return runOpenLoop(ownedItems(run.requests, run.share), {
    originMs, lookAheadMs: run.lookAheadMs, maxPrepared: 512, maxConcurrency: run.maxConcurrency, prepare, send, signal: run.stopSending,
  });
}
