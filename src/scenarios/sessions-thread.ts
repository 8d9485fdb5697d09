// One thread's part of a sessions run: the job is plain data (it crosses to worker threads),
// the thread reads and plans the traces itself, runs its share of the draws (users mode: also
// its share of the users) or of the recorded starts from the common origin, and hands back its
// registry's state for the main thread to merge.

import { readSessionsConfig } from '../config/sessions';
import { Registry } from '../engine/metrics';
import { batchSamples, failureLine, type ThreadHooks, type ThreadJob, type ThreadOutcome } from '../engine/threads';
import { requestRecord } from '../engine/scripting/request';
import { DEFAULT_TIMEOUTS, type Timeouts } from '../engine/transport';
import { createTransport } from '../engine/transport-choice';
import { parseSegment, parseSequence, segmentIndices, workerIndices, type IndexShare } from '../schedule/segments';
import type { EnvMap } from '../config/env';
import type { RequestRecord } from '../outputs/jsonl';
import type { TurnReport } from '../sessions/runner';
import type { SessionGroup } from '../sessions/plan';
import { isTimeMetric } from '../metrics/units';
import { loadVocabulary } from './replay-data';
import { loadSessionGroups } from './sessions-data';
import { runSessions, type SessionsRunResult } from './sessions';

export interface SessionsJob extends ThreadJob {
  /** The run id every thread names its requests with. */
  runId: string;
}

/** Hooks of a sessions thread: the common ones plus the debug-bodies writer. */
export interface SessionsHooks extends ThreadHooks {
  debug?: (line: string) => void;
}

export interface SessionsThreadResult extends ThreadOutcome {
  run: SessionsRunResult;
}

/** The draws (or groups) and users of this thread; undefined = all. */
export function threadShare(job: Pick<SessionsJob, 'segment' | 'sequence' | 'workers' | 'worker'>): IndexShare | undefined {
  if (!job.segment && job.workers <= 1) return undefined;
  const processShare = segmentIndices(job.segment ? parseSegment(job.segment) : null, job.sequence ? parseSequence(job.sequence) : null);
  return job.workers > 1 ? workerIndices(processShare, job.workers)[job.worker] : processShare;
}

/** A request record for --out jsonl; `index` counts the thread's finished requests (the id names the session, agent and turn). */
export function turnRecord(t: TurnReport, index: number): RequestRecord {
  return requestRecord({
    ...t.o, id: t.requestId, status: t.x.status, sendUnixMs: t.x.startUnixMs, lagMs: t.lagMs, inputTokensRecorded: t.inputTokensRecorded, promptTokensServer: t.promptTokensServer,
  }, { index, scheduledUnixMs: t.scheduledUnixMs, line: t.line });
}

/** Runs the thread's share; `planned` are the groups when the caller has already read the traces. */
export async function sessionsThread(job: SessionsJob, hooks: SessionsHooks, planned?: readonly SessionGroup[]): Promise<SessionsThreadResult> {
  const cfg = readSessionsConfig(job.options);
  cfg.runId = job.runId;
  const groups = planned ?? loadSessionGroups(cfg).groups;
  const vocab = loadVocabulary(cfg.vocab);
  const registry = new Registry(job.runTags, isTimeMetric);
  const flushSamples = batchSamples(registry, job.wantSamples ? hooks.onSamples : undefined);
  const transport = createTransport(job.transport, { reuseConnections: cfg.reuseConnections, timeouts: { ...DEFAULT_TIMEOUTS, ...job.timeouts } });
  hooks.onReady?.();
  const originUnixMs = hooks.start ? await hooks.start() : job.originUnixMs;
  let records = 0;
  try {
    const run = await runSessions({
      cfg, groups, model: job.model, vocab, originUnixMs, transport, sink: registry, share: threadShare(job),
      stopSending: hooks.stopSending, abortInFlight: hooks.abortInFlight, onSend: hooks.onSend, debug: hooks.debug,
      onTurn: hooks.onRecord
        ? (t) => hooks.onRecord!(job.wantRecords ? turnRecord(t, records++) : undefined, t.o.ok ? undefined : failureLine(t.requestId, t.line, t.o.reason, t.o.detail))
        : undefined,
    });
    return { state: registry.state(), run };
  } finally {
    flushSamples();
    await transport.close();
  }
}
