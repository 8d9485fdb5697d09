// Closed-loop sessions as a script for a user's own stock k6 (>= 1.0) or Grafana Cloud k6: the
// core runner (src/sessions/runner.ts) over k6/http's asyncRequest (responses read whole, not
// streamed) and k6/timers. Every agent of a session is an async function on its VU's event
// loop, so one VU drives a whole session tree, sub-agents included.
//
// VU layout:
// - USERS=N: N VUs, one per user. Iteration k replays draw k of a seeded shuffle of the session
//   groups (exec.scenario.iterationInTest is unique across k6 instances, so execution segments
//   split the draws without running one twice). SESSIONS=M: shared-iterations with M
//   iterations; DURATION: constant-vus for that long, running sessions finishing within
//   GRACEFUL_STOP_S.
// - No USERS: every session starts at its recorded time. L VUs (lanes, default min(sessions,
//   64)) each run one iteration, and lane l starts sessions l, l+L, l+2L, ... at their times,
//   concurrently: a lane is not a user, so late sessions never queue behind earlier ones.

import exec from 'k6/execution';
import http from 'k6/http';
import { setTimeout } from 'k6/timers';
import { SharedArray } from 'k6/data';
import type { Options } from 'k6/options';
import { readSessionsConfig, SESSIONS_HELP, type SessionsConfig } from '../config/sessions';
import { BlockTextCache, buildPrompt } from '../prompt/hashblock';
import { SessionDraw } from '../sessions/draw';
import { plannedWork, traceTag, type SessionsMeta } from '../sessions/load';
import { runAtStart, runSession, type RunnerContext, type SessionIo } from '../sessions/runner';
import { SESSION_METRICS, sessionSubmetricThresholds } from '../sessions/record';
import { buildSessionsResult, renderSessions, sessionsInfo } from '../sessions/summary';
import { COUNTERS, SUMMARY_TREND_STATS, summarySubmetricThresholds } from '../metrics/names';
import type { K6SummaryData, RunInfo } from '../metrics/summary';
import { readScrapeConfig, SCRAPE_HELP } from '../observe/config';
import { loadSessionGroups } from './sessions-data';
import { loadVocabulary } from './trace-data';
import { exchangeFromResponse, k6Timeout } from './http-exchange';
import { K6MetricSink, REQUEST_METRICS } from './sink';
import { scrape, scrapeScenarios } from './scrape';
import { failureLogger, resolveModel, showHelp } from './server';
import { PLATFORM } from './replay';

export interface SetupData {
  model: string;
}

export const SCENARIO = 'sessions';
const DEFAULT_LANES = 64;

export const SESSIONS_EXPORT_HELP = `Stock k6 export: responses are read whole (STREAM is always false), so this measures
E2E, TTFB, tokens and cache hit rates; TTFT, TTFAT, decode TPS and the workload table need the
streaming engine (llm-replay sessions).

`;

interface RunPlan {
  runId: string;
  lanes: number;
  plannedSessions?: number;
  plannedRequests?: number;
  /** Waits that would end after this (ms from the scenario start) are cut: k6 stops the test then. */
  hardStopMs: number;
  options: Options;
}

function buildRunPlan(cfg: SessionsConfig, meta: SessionsMeta): RunPlan {
  const groups = meta.groupRequests.length;
  const stop = `${cfg.gracefulStopS}s`;
  const maxDuration = `${cfg.maxDurationS}s`;
  const work = plannedWork(cfg, meta.groupRequests);
  let scenario: Record<string, unknown>;
  let lanes = 0;
  if (cfg.users === undefined) {
    lanes = Math.min(groups, cfg.vus ?? DEFAULT_LANES);
    scenario = { executor: 'shared-iterations', vus: lanes, iterations: lanes, maxDuration, gracefulStop: stop };
  } else if (cfg.durationS !== undefined) {
    scenario = { executor: 'constant-vus', vus: cfg.users, duration: `${cfg.durationS}s`, gracefulStop: stop };
  } else {
    scenario = { executor: 'shared-iterations', vus: Math.min(cfg.users, work.sessions!), iterations: work.sessions, maxDuration, gracefulStop: stop };
  }
  // The engine's /metrics beside the sessions (src/k6/scrape.ts): it stops once no session VU
  // is busy after the load's start window, or at the run's limit.
  const activeUntilMs = cfg.durationS !== undefined ? cfg.durationS * 1000 : cfg.leadMs + 1000;
  const hardStopMs = ((cfg.durationS ?? cfg.maxDurationS) + cfg.gracefulStopS) * 1000;
  const options: Options = {
    scenarios: { [SCENARIO]: scenario as never, ...scrapeScenarios(readScrapeConfig(__ENV, cfg.baseUrl), { activeUntilMs, maxMs: hardStopMs }) },
    summaryTrendStats: SUMMARY_TREND_STATS,
    thresholds: { ...summarySubmetricThresholds(), ...sessionSubmetricThresholds() },
    tags: { run: cfg.runId, trace: traceTag(cfg.traces), endpoint: cfg.endpoint },
    setupTimeout: '60s',
    noConnectionReuse: !cfg.reuseConnections,
  };
  return { runId: cfg.runId, lanes, plannedSessions: work.sessions, plannedRequests: work.requests, hardStopMs, options };
}

/** The runner's runtime on stock k6: Date.now(), k6/timers, http.asyncRequest read whole. */
function k6Io(cfg: SessionsConfig, hardStopUnixMs: () => number): SessionIo {
  return {
    nowUnixMs: () => Date.now(),
    waitUntil: (t) => new Promise((resolve) => {
      if (t >= hardStopUnixMs()) return resolve(false);
      setTimeout(() => resolve(true), Math.max(0, t - Date.now()));
    }),
    send: async (req) => {
      const startUnixMs = Date.now();
      const res = await http.asyncRequest('POST', req.url, req.body, { headers: req.headers, timeout: k6Timeout(cfg.timeoutMs), responseType: 'text' });
      return exchangeFromResponse(res, startUnixMs, Date.now());
    },
  };
}

/** Builds the k6 entry points (options, setup, default, handleSummary, scrape). Call in init code. */
export function createSessions() {
  if (__ENV.HELP) showHelp(SESSIONS_EXPORT_HELP + SESSIONS_HELP + SCRAPE_HELP);
  const cfg = readSessionsConfig(__ENV);
  cfg.stream = false;
  const { groups, meta } = loadSessionGroups(cfg);
  // Computed once and shared, so every VU sees the same run id; a plain copy, because k6 writes
  // the consolidated options back into the exported object and SharedArray elements are read-only.
  const plan = JSON.parse(JSON.stringify(new SharedArray<RunPlan>('sessions-plan', () => [buildRunPlan(cfg, meta)])[0])) as RunPlan;
  cfg.runId = plan.runId;
  // Every metric the sessions record, declared in init code as k6 requires.
  const sink = new K6MetricSink({
    counters: [...REQUEST_METRICS.counters!, ...SESSION_METRICS.counters],
    timeTrends: [...REQUEST_METRICS.timeTrends!, ...SESSION_METRICS.timeTrends],
    trends: [...REQUEST_METRICS.trends!, ...SESSION_METRICS.trends],
  });
  const draw = cfg.users !== undefined ? new SessionDraw(groups.length, cfg.seed) : undefined;
  const logFailure = failureLogger(cfg.quiet);
  let ctx: RunnerContext | undefined;

  function setup(): SetupData {
    if (meta.skippedCount > 0) console.warn(`skipped ${meta.skippedCount} bad trace row(s) (SKIP_BAD); first: ${meta.skipped.join(' | ')}`);
    if (meta.truncated > 0) console.warn(`MAX_CONTEXT=${cfg.maxContext}: ${meta.truncated} request(s) over the limit (and the rest of their agents) are left out`);
    return { model: resolveModel(cfg.baseUrl, cfg.model, cfg.apiKey) };
  }

  function context(data: SetupData): RunnerContext {
    if (!ctx) {
      const originUnixMs = exec.scenario.startTime;
      ctx = {
        io: k6Io(cfg, () => originUnixMs + plan.hardStopMs), sink, cfg, vocab: loadVocabulary(cfg.vocab), model: data.model, originUnixMs,
        timing: { mode: cfg.timing, timeScale: cfg.timeScale, apiScale: cfg.apiScale, maxDelayMs: cfg.maxDelayMs },
        warmCache: new BlockTextCache(1024),
        onTurn: (t) => logFailure(t.requestId, t.line, t.o),
        debug: cfg.debugBodies ? (line) => console.log(line) : undefined,
        withRequestId: (id, record) => sink.withRequestId(id, record),
      };
      // The vocabulary's word pool is built on first use: not on a session's dispatch path.
      buildPrompt(ctx.vocab, { blocks: [0], blockSize: 1, tokens: 1 });
    }
    return ctx;
  }

  async function iteration(data: SetupData): Promise<void> {
    const k = exec.scenario.iterationInTest;
    // A tag, not a test-wide option: the model may only be known after setup() asked the server.
    exec.vu.metrics.tags.model = data.model;
    const c = context(data);
    if (!draw) {
      if (k >= plan.lanes) return;
      const runs: Array<Promise<unknown>> = [];
      for (let g = k; g < groups.length; g += plan.lanes) runs.push(runAtStart(c, groups[g], g, c.originUnixMs + cfg.leadMs + groups[g].startMs * cfg.timeScale));
      await Promise.all(runs);
      return;
    }
    if (plan.plannedSessions !== undefined && k >= plan.plannedSessions) return;
    // A user starts the session when its first prompt is ready (see runSession).
    await runSession(c, groups[draw.group(k)], k);
  }

  function handleSummary(data: K6SummaryData & { setup_data?: SetupData }): Record<string, string> {
    const run: RunInfo = {
      runId: cfg.runId, trace: cfg.traces, format: meta.formats.join(','), baseUrl: cfg.baseUrl, endpoint: cfg.endpoint,
      model: data.setup_data?.model ?? cfg.model ?? '', platform: PLATFORM, speedup: 1 / cfg.timeScale,
      plannedRequests: plan.plannedRequests ?? data.metrics[COUNTERS.sent]?.values.count ?? 0,
    };
    const info = sessionsInfo(cfg, plan.plannedSessions);
    // No process-wide histograms on stock k6 (src/k6/sink.ts): no workload table.
    const result = buildSessionsResult(data, run, info, () => null, {
      bucketMs: cfg.bucketMs, lastWindowMs: cfg.lastWindowMs, warmupFraction: cfg.warmupFraction, gpus: cfg.gpus,
    });
    const note = 'Stock k6 (k6/http, not streamed): TTFT, TTFAT, decode TPS and the workload table are not measured.\n';
    return { stdout: renderSessions(result) + note, [cfg.summaryJson]: JSON.stringify(result, null, 2) + '\n' };
  }

  return { options: plan.options, setup, iteration, handleSummary, scrape };
}
