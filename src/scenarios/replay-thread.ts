// One thread's part of a replay: the job is plain data (it crosses to worker threads), the
// thread reads the trace itself, sends the indices of its share from the common origin and
// hands back its registry's state. The main thread merges the states of all threads.

import { readReplayConfig } from '../config/replay';
import { Registry } from '../engine/metrics';
import { batchSamples, failureLine, type ThreadHooks, type ThreadJob, type ThreadOutcome } from '../engine/threads';
import { DEFAULT_TIMEOUTS, type Timeouts } from '../engine/transport';
import { createTransport } from '../engine/transport-choice';
import { parseSegment, parseSequence, segmentIndices, workerIndices } from '../schedule/segments';
import type { OpenLoopResult } from '../engine/openloop';
import type { EnvMap } from '../config/env';
import { loadReplayTrace, loadVocabulary, type LoadedTrace } from './replay-data';
import { runReplay, warmReplay } from './replay';
import { monotonicOf } from '../engine/clock';

/** A warm-up bounded by a fixed origin ends this long before it. */
const WARMUP_MARGIN_MS = 50;
import { isTimeMetric } from '../metrics/units';

export interface ReplayJob extends ThreadJob {
  lookAheadMs: number;
  maxConcurrency?: number;
}

export interface ThreadResult extends ThreadOutcome {
  loop: OpenLoopResult;
  planned: number;
}

/** `loaded`: the trace the main thread already read (a thread of its own reads it itself). */
export async function replayThread(job: ReplayJob, hooks: ThreadHooks, loaded?: LoadedTrace): Promise<ThreadResult> {
  const cfg = readReplayConfig(job.options);
  const trace = loaded ?? loadReplayTrace(cfg);
  const processShare = segmentIndices(job.segment ? parseSegment(job.segment) : null, job.sequence ? parseSequence(job.sequence) : null);
  const share = job.workers > 1 ? workerIndices(processShare, job.workers)[job.worker] : processShare;
  const registry = new Registry(job.runTags, isTimeMetric);
  const flushSamples = batchSamples(registry, job.wantSamples ? hooks.onSamples : undefined);
  const transportOptions = { reuseConnections: cfg.reuseConnections, timeouts: { ...DEFAULT_TIMEOUTS, ...job.timeouts } };
  const transport = createTransport(job.transport, transportOptions);
  const vocab = loadVocabulary(cfg.vocab);
  // Before this thread reports ready (the origin is set once all are); a common start bounds it.
  if (cfg.engineWarmup) {
    const w = await warmReplay({
      cfg, model: job.model, vocab, blockSize: trace.blockSize, requests: trace.requests, share, transport: transportOptions, transportKind: job.transport,
      deadlineMs: job.commonStartUnixMs === undefined ? undefined : monotonicOf(job.commonStartUnixMs) - WARMUP_MARGIN_MS,
    });
    if (process.env.LLM_REPLAY_DEBUG) process.stderr.write(`thread ${job.worker}: warm-up ${w.sent} requests in ${w.ms.toFixed(1)} ms\n`);
  }
  hooks.onReady?.();
  const originUnixMs = hooks.start ? await hooks.start() : job.originUnixMs;
  try {
    const loop = await runReplay({
      cfg, model: job.model, requests: trace.requests, blockSize: trace.blockSize, vocab, share,
      originUnixMs, transport, sink: registry, lookAheadMs: job.lookAheadMs, maxConcurrency: job.maxConcurrency,
      stopSending: hooks.stopSending, abortInFlight: hooks.abortInFlight,
      onRequest: hooks.onRecord ? (r, o) => hooks.onRecord!(job.wantRecords ? r : undefined, o.ok ? undefined : failureLine(r.id, r.line, o.reason, o.detail, r.runRequestId)) : undefined,
      onSend: hooks.onSend,
    });
    return { state: registry.state(), loop, planned: share.countBelow(trace.requests.length) };
  } finally {
    flushSamples();
    await transport.close();
  }
}
