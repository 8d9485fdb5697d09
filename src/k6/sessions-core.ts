// Closed-loop session replay, assembled from the pure modules in src/sessions and a platform
// with non-blocking sends (the k6/x/llmstream extension).
//
// VU layout (the runner's comment says why one VU drives a whole session tree):
// - USERS=N: N VUs, one per user. A VU's iteration replays one session with all its sub-agents
//   concurrently, then the user picks the next: iteration k replays draw k of a seeded shuffle of
//   the session groups (exec.scenario.iterationInTest is unique across k6 instances, so
//   execution segments split the draws without running one twice). SESSIONS=M: shared-iterations
//   with M iterations; DURATION: constant-vus for that long, running sessions finishing within
//   GRACEFUL_STOP_S.
// - No USERS: every session starts at its recorded time. L VUs (lanes, default min(sessions,
//   64)) each run one iteration, and lane l starts sessions l, l+L, l+2L, ... at their times,
//   concurrently: a lane is not a user, so late sessions never queue behind earlier ones.

import exec from 'k6/execution';
import { SharedArray } from 'k6/data';
import type { Options } from 'k6/options';
import { readSessionsConfig, SESSIONS_HELP, type SessionsConfig } from '../config/sessions';
import { BlockTextCache, buildPrompt } from '../prompt/hashblock';
import { SessionDraw } from '../sessions/draw';
import { buildSessionsResult, renderSessions, type SessionsInfo } from '../sessions/summary';
import { SUMMARY_TREND_STATS, summarySubmetricThresholds } from '../metrics/names';
import type { K6SummaryData, RunInfo } from '../metrics/summary';
import { loadSessionGroups, type SessionsMeta } from './sessions-data';
import { loadVocabulary } from './trace-data';
import { runSession, type RunnerContext } from './sessions-runner';
import { sessionSubmetricThresholds } from './sessions-metrics';
import type { Platform } from './platform';
import { readScrapeConfig, SCRAPE_HELP } from '../observe/config';
import { scrape, scrapeScenarios } from './scrape';
import { failureLogger, resolveModel, showHelp } from './server';

export interface SetupData {
  model: string;
}

const SCENARIO = 'sessions';
const DEFAULT_LANES = 64;
/** Recorded-start mode: begin a session (copy its group, build its first prompt) this long before its start. */
const PREPARE_MS = 200;

export const NEEDS_XK6 = 'dist/sessions.js needs the xk6 build of k6 (build/k6, `make k6`): sessions run many streams per VU ' +
  'through k6/x/llmstream postAsync/waitUntil, which stock k6 and k6 Cloud lack (stock k6 stops before this, with ' +
  '"unknown modules [\\"k6/x/llmstream\\"]"). dist/replay-http.js runs on stock k6.';

interface RunPlan {
  runId: string;
  lanes: number;
  plannedSessions?: number;
  plannedRequests?: number;
  options: Options;
}

function buildRunPlan(cfg: SessionsConfig, meta: SessionsMeta): RunPlan {
  const groups = meta.groupRequests.length;
  const stop = `${cfg.gracefulStopS}s`;
  const maxDuration = `${cfg.maxDurationS}s`;
  let scenario: Record<string, unknown>;
  let lanes = 0;
  let plannedSessions: number | undefined;
  let plannedRequests: number | undefined;
  if (cfg.users === undefined) {
    lanes = Math.min(groups, cfg.vus ?? DEFAULT_LANES);
    scenario = { executor: 'shared-iterations', vus: lanes, iterations: lanes, maxDuration, gracefulStop: stop };
    plannedSessions = groups;
    plannedRequests = meta.groupRequests.reduce((a, b) => a + b, 0);
  } else if (cfg.durationS !== undefined) {
    scenario = { executor: 'constant-vus', vus: cfg.users, duration: `${cfg.durationS}s`, gracefulStop: stop };
  } else {
    plannedSessions = cfg.sessions ?? groups;
    const draw = new SessionDraw(groups, cfg.seed);
    plannedRequests = 0;
    for (let k = 0; k < plannedSessions; k++) plannedRequests += meta.groupRequests[draw.group(k)];
    scenario = { executor: 'shared-iterations', vus: Math.min(cfg.users, plannedSessions), iterations: plannedSessions, maxDuration, gracefulStop: stop };
  }
  // The engine's /metrics beside the sessions (src/k6/scrape.ts): it stops once no session VU
  // is busy after the load's start window, or at the run's limit.
  const activeUntilMs = cfg.durationS !== undefined ? cfg.durationS * 1000 : cfg.leadMs + 1000;
  const maxMs = (cfg.durationS ?? cfg.maxDurationS) * 1000 + cfg.gracefulStopS * 1000;
  const options: Options = {
    scenarios: { [SCENARIO]: scenario as never, ...scrapeScenarios(readScrapeConfig(__ENV, cfg.baseUrl), { activeUntilMs, maxMs }) },
    summaryTrendStats: SUMMARY_TREND_STATS,
    thresholds: { ...summarySubmetricThresholds(), ...sessionSubmetricThresholds() },
    tags: { run: cfg.runId, trace: traceTag(cfg.traces), endpoint: cfg.endpoint },
    setupTimeout: '60s',
  };
  return { runId: cfg.runId, lanes, plannedSessions, plannedRequests, options };
}

/** The `trace` tag: the file or directory name. */
function traceTag(traces: string): string {
  const parts = traces.replace(/[\\/]+$/, '').split(/[\\/]/);
  return parts[parts.length - 1];
}

/** Builds the k6 entry points (options, setup, default, handleSummary) over a platform. */
export function createSessions(platform: Platform) {
  if (__ENV.HELP) showHelp(SESSIONS_HELP + SCRAPE_HELP);
  if (!platform.sendAsync || !platform.waitUntilUnixMs) throw new Error(NEEDS_XK6);
  const cfg = readSessionsConfig(__ENV);
  const { groups, meta } = loadSessionGroups(cfg);
  // Computed once and shared, so every VU sees the same run id; a plain copy, because k6 writes
  // the consolidated options back into the exported object and SharedArray elements are read-only.
  const plan = JSON.parse(JSON.stringify(new SharedArray<RunPlan>('sessions-plan', () => [buildRunPlan(cfg, meta)])[0])) as RunPlan;
  // One run id for every VU (each VU evaluates the init code, with its own clock).
  cfg.runId = plan.runId;
  const timing = { mode: cfg.timing, timeScale: cfg.timeScale, apiScale: cfg.apiScale, maxDelayMs: cfg.maxDelayMs };
  const draw = cfg.users !== undefined ? new SessionDraw(groups.length, cfg.seed) : undefined;
  let ctx: RunnerContext | undefined;

  function setup(): SetupData {
    if (meta.skippedCount > 0) console.warn(`skipped ${meta.skippedCount} bad trace row(s) (SKIP_BAD); first: ${meta.skipped.join(' | ')}`);
    if (meta.truncated > 0) console.warn(`MAX_CONTEXT=${cfg.maxContext}: ${meta.truncated} request(s) over the limit (and the rest of their agents) are left out`);
    return { model: resolveModel(cfg.baseUrl, cfg.model, cfg.apiKey) };
  }

  const logFailure = failureLogger(cfg.quiet);


  function context(data: SetupData): RunnerContext {
    if (!ctx) {
      ctx = {
        platform, cfg, vocab: loadVocabulary(cfg.vocab), model: data.model, originUnixMs: exec.scenario.startTime,
        timing, warmCache: new BlockTextCache(1024), logFailure,
      };
      // The vocabulary's word pool is built on first use: not on a session's dispatch path.
      buildPrompt(ctx.vocab, { blocks: [0], blockSize: 1, tokens: 1 });
    }
    return ctx;
  }

  /** Recorded starts: lane k starts its sessions at their recorded times, concurrently. */
  async function runLane(c: RunnerContext, lane: number): Promise<void> {
    const runs: Array<Promise<unknown>> = [];
    for (let g = lane; g < groups.length; g += plan.lanes) {
      runs.push((async () => {
        const start = c.originUnixMs + cfg.leadMs + groups[g].startMs * cfg.timeScale;
        await platform.waitUntilUnixMs!(start - PREPARE_MS);
        if (platform.nowUnixMs() < start - PREPARE_MS - 1) return; // the test is ending
        // Started early: the first prompt is built before `start`, and sent at it (its dispatch
        // lag is the session's start lag).
        await runSession(c, groups[g], g, start);
      })());
    }
    await Promise.all(runs);
  }

  async function iteration(data: SetupData): Promise<void> {
    const k = exec.scenario.iterationInTest;
    // A tag, not a test-wide option: the model may only be known after setup() asked the server.
    exec.vu.metrics.tags.model = data.model;
    const c = context(data);
    if (!draw) {
      if (k < plan.lanes) await runLane(c, k);
      return;
    }
    if (plan.plannedSessions !== undefined && k >= plan.plannedSessions) return;
    // A user starts the session when its first prompt is ready (see runSession).
    await runSession(c, groups[draw.group(k)], k);
  }

  function handleSummary(data: K6SummaryData & { setup_data?: SetupData }): Record<string, string> {
    const sent = data.metrics['llm_requests_sent']?.values.count ?? 0;
    const run: RunInfo = {
      runId: cfg.runId, trace: cfg.traces, format: meta.formats.join(','), baseUrl: cfg.baseUrl, endpoint: cfg.endpoint,
      model: data.setup_data?.model ?? cfg.model ?? '', platform: platform.name, speedup: 1 / cfg.timeScale,
      plannedRequests: plan.plannedRequests ?? sent,
    };
    const info: SessionsInfo = {
      planned: plan.plannedSessions, timing: cfg.timing === 'api-scaled' ? `api-scaled (API_SCALE=${cfg.apiScale})` : cfg.timing,
      timeScale: cfg.timeScale, users: cfg.users, subagentJoin: cfg.join,
      warmPrefix: cfg.warmPrefixTokens !== undefined ? `${cfg.warmPrefixTokens} tokens` : cfg.warmPrefix > 0 ? `${cfg.warmPrefix * 100}% of system+tools` : 'off',
      uniquePrefix: cfg.uniquePrefix,
    };
    const result = buildSessionsResult(data, run, info, (name) => platform.snapshot(name), {
      bucketMs: cfg.bucketMs, lastWindowMs: cfg.lastWindowMs, warmupFraction: cfg.warmupFraction, gpus: cfg.gpus,
    });
    return { stdout: renderSessions(result), [cfg.summaryJson]: JSON.stringify(result, null, 2) + '\n' };
  }

  return { options: plan.options, setup, iteration, handleSummary, scrape };
}
