// One thread's part of a sessions run: the job is plain data (it crosses to worker threads),
// the thread reads and plans the traces itself, runs its share of the draws (users mode: also
// its share of the users) or of the recorded starts from the common origin, and hands back its
// registry's state for the main thread to merge.

import { readSessionsConfig } from '../config/sessions';
import { Registry, type RegistryState } from '../engine/metrics';
import { Transport, DEFAULT_TIMEOUTS, type Timeouts } from '../engine/transport';
import { parseSegment, parseSequence, segmentIndices, workerIndices, type IndexShare } from '../engine/segments';
import type { EnvMap } from '../config/env';
import type { Sample } from '../outputs/sample';
import type { RequestRecord } from '../outputs/jsonl';
import type { TurnReport } from '../sessions/runner';
import type { SessionGroup } from '../sessions/plan';
import { isTimeMetric } from '../metrics/units';
import { loadVocabulary } from './replay-data';
import { loadSessionGroups } from './sessions-data';
import { runSessions, type SessionsRunResult } from './sessions';

export interface SessionsJob {
  options: EnvMap;
  /** The run id every thread names its requests with. */
  runId: string;
  model: string;
  originUnixMs: number;
  segment?: string;
  sequence?: string;
  workers: number;
  worker: number;
  timeouts: Timeouts;
  runTags: Record<string, string>;
  wantSamples: boolean;
  wantRecords: boolean;
}

export interface SessionsHooks {
  stopSending?: AbortSignal;
  abortInFlight?: AbortSignal;
  onSamples?: (s: Sample[]) => void;
  onRecord?: (r: RequestRecord, t: TurnReport) => void;
  onSend?: () => void;
  debug?: (line: string) => void;
  onReady?: () => void;
  /** Resolves with the common origin once every thread is ready; default job.originUnixMs. */
  start?: () => Promise<number>;
}

export interface SessionsThreadResult {
  state: RegistryState;
  run: SessionsRunResult;
}

/** The draws (or groups) and users of this thread; undefined = all. */
export function threadShare(job: Pick<SessionsJob, 'segment' | 'sequence' | 'workers' | 'worker'>): IndexShare | undefined {
  if (!job.segment && job.workers <= 1) return undefined;
  const processShare = segmentIndices(job.segment ? parseSegment(job.segment) : null, job.sequence ? parseSequence(job.sequence) : null);
  return job.workers > 1 ? workerIndices(processShare, job.workers)[job.worker] : processShare;
}

/** A request record for --out jsonl; `index` counts the thread's finished requests (the id names the session, agent and turn). */
export function requestRecord(t: TurnReport, index: number): RequestRecord {
  const { x, o } = t;
  let sum = 0;
  let max = 0;
  for (const g of o.itlGapsMs) {
    sum += g;
    if (g > max) max = g;
  }
  const n = o.itlGapsMs.length;
  return {
    id: t.requestId, index, line: t.line, scheduledUnixMs: t.scheduledUnixMs, sendUnixMs: x.startUnixMs, lagMs: t.lagMs, ok: o.ok, reason: o.reason,
    status: x.status, ttfbMs: o.ttfbMs, ttftMs: o.ttftMs, e2eMs: o.e2eMs, tpotMs: o.tpotMs, itlMeanMs: n ? sum / n : undefined, itlMaxMs: n ? max : undefined,
    connectMs: o.connectMs, promptTokens: o.promptTokens, outputTokens: o.outputTokens, cachedTokens: o.cachedTokens, tokenSource: o.tokenSource,
  };
}

/** Runs the thread's share; `planned` are the groups when the caller has already read the traces. */
export async function sessionsThread(job: SessionsJob, hooks: SessionsHooks, planned?: readonly SessionGroup[]): Promise<SessionsThreadResult> {
  const cfg = readSessionsConfig(job.options);
  cfg.runId = job.runId;
  const groups = planned ?? loadSessionGroups(cfg).groups;
  const vocab = loadVocabulary(cfg.vocab);
  const registry = new Registry(job.runTags, isTimeMetric);
  let batch: Sample[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  if (job.wantSamples && hooks.onSamples) {
    registry.onSample((s) => batch.push(s));
    flushTimer = setInterval(() => {
      if (batch.length) hooks.onSamples!(batch);
      batch = [];
    }, 250);
  }
  const transport = new Transport({ reuseConnections: cfg.reuseConnections, timeouts: { ...DEFAULT_TIMEOUTS, ...job.timeouts } });
  hooks.onReady?.();
  const originUnixMs = hooks.start ? await hooks.start() : job.originUnixMs;
  let records = 0;
  try {
    const run = await runSessions({
      cfg, groups, model: job.model, vocab, originUnixMs, transport, sink: registry, share: threadShare(job),
      stopSending: hooks.stopSending, abortInFlight: hooks.abortInFlight, onSend: hooks.onSend, debug: hooks.debug,
      onTurn: hooks.onRecord ? (t) => hooks.onRecord!(requestRecord(t, records++), t) : undefined,
    });
    return { state: registry.state(), run };
  } finally {
    clearInterval(flushTimer);
    if (batch.length) hooks.onSamples?.(batch);
    await transport.close();
  }
}
