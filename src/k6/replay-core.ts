// Open-loop trace replay, assembled from the pure modules and one platform (transport).
// Iteration k of a ramping-arrival-rate scenario sends request k of the trace (k =
// exec.scenario.iterationInTest, unique across execution segments), so every request is sent
// exactly once, also when several k6 instances share the run.

import exec from 'k6/execution';
import { SharedArray } from 'k6/data';
import type { Options } from 'k6/options';
import { readReplayConfig, REPLAY_HELP, type ReplayConfig } from '../config/replay';
import { arrivalStages, estimatePeakConcurrency, planVus } from '../schedule/openloop';
import { buildPrompt, BlockTextCache, warmPromptPool } from '../prompt/hashblock';
import { buildBody, ENDPOINT_PATHS } from '../openai/request';
import { measureExchange } from '../openai/outcome';
import { buildResult, renderTable, type K6SummaryData, type RunInfo } from '../metrics/summary';
import { SUMMARY_TREND_STATS, summarySubmetricThresholds } from '../metrics/names';
import { loadOpenLoopRequests, loadVocabulary, type SharedList } from './trace-data';
import { recordRequest } from './metrics';
import { authHeaders, failureLogger, resolveModel, showHelp } from './server';
import type { Platform } from './platform';
import { readScrapeConfig, SCRAPE_HELP } from '../observe/config';
import { scrape, scrapeScenarios } from './scrape';

export interface SetupData {
  model: string;
}

interface Plan {
  runId: string;
  /** ms between a request's recorded offset and its send time, measured from the test start. */
  leadMs: number;
  total: number;
  options: Options;
}

const SCENARIO = 'replay';

function buildPlan(cfg: ReplayConfig, requests: SharedList<{ atMs: number; inputTokens: number; outputTokens: number }>): Plan {
  const offsets: number[] = new Array(requests.length);
  const rows: Array<{ index: number; atMs: number; inputTokens: number; outputTokens: number }> = new Array(requests.length);
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i];
    offsets[i] = r.atMs;
    rows[i] = { index: i, atMs: r.atMs, inputTokens: r.inputTokens, outputTokens: r.outputTokens };
  }
  const arrivals = arrivalStages(offsets, cfg.bucketMs);
  const leadMs = cfg.bucketMs + cfg.slackMs;
  const peak = estimatePeakConcurrency(rows, leadMs + cfg.bucketMs, {
    ttftMs: cfg.estTtftMs, prefillMsPerToken: cfg.estPrefillMsPerToken, tpotMs: cfg.estTpotMs,
  });
  const vus = planVus(peak, { vus: cfg.vus, maxVus: cfg.maxVus });
  // Requests still waiting for their time or streaming when the last stage ends.
  const gracefulStopS = Math.ceil((leadMs + cfg.bucketMs) / 1000) + cfg.gracefulStopS;
  const options: Options = {
    scenarios: {
      [SCENARIO]: {
        executor: 'ramping-arrival-rate',
        startRate: arrivals.startRate,
        timeUnit: arrivals.timeUnit,
        stages: arrivals.stages,
        preAllocatedVUs: vus.preAllocatedVUs,
        maxVUs: vus.maxVUs,
        gracefulStop: `${gracefulStopS}s`,
      },
      // The engine's /metrics beside the replay, ending with it (src/k6/scrape.ts).
      ...scrapeScenarios(readScrapeConfig(__ENV, cfg.baseUrl), {
        activeUntilMs: arrivals.durationMs, maxMs: arrivals.durationMs + gracefulStopS * 1000,
      }),
    },
    summaryTrendStats: SUMMARY_TREND_STATS,
    thresholds: summarySubmetricThresholds(),
    tags: { run: cfg.runId, trace: basename(cfg.trace), endpoint: cfg.endpoint },
    setupTimeout: '60s',
  };
  return { runId: cfg.runId, leadMs, total: requests.length, options };
}

function basename(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1];
}

/** This instance's execution segment, or null when it runs the whole test. */
function executionSegment(): string | null {
  const seg = exec.test.options.executionSegment as unknown;
  const text = seg === null || seg === undefined ? '' : String(seg);
  return text === '' || text === '0:1' ? null : text;
}

/** Builds the k6 entry points (options, setup, default, handleSummary) over a platform. */
export function createReplay(platform: Platform) {
  if (__ENV.HELP) showHelp(REPLAY_HELP + SCRAPE_HELP);
  const cfg = readReplayConfig(__ENV);
  if (!platform.streaming) cfg.stream = false;
  const { requests, meta } = loadOpenLoopRequests(cfg);
  const plan = new SharedArray<Plan>('replay-plan', () => [buildPlan(cfg, requests)])[0];
  // One run id for every VU (each VU evaluates the init code, with its own clock).
  cfg.runId = plan.runId;

  // Per-VU prompt material, made in init code: k6 initialises VUs before the test starts (and
  // extra ones while it runs), so this work stays off the dispatch path of the first request.
  const vocab = loadVocabulary(cfg.vocab);
  warmPromptPool(vocab);
  const blockCache = new BlockTextCache(256);
  let scenarioStartUnixMs = -1;
  const logFailure = failureLogger(cfg.quiet);

  function setup(): SetupData {
    if (meta.skippedCount > 0) {
      console.warn(`skipped ${meta.skippedCount} bad trace row(s) (SKIP_BAD); first: ${meta.skipped.join(' | ')}`);
    }
    if (plan.total === 0) throw new Error(`no requests to replay in ${cfg.trace} with the given FROM_MS/TO_MS/MAX_REQUESTS`);
    return { model: resolveModel(cfg.baseUrl, cfg.model, cfg.apiKey) };
  }

  function iteration(data: SetupData): void {
    const k = exec.scenario.iterationInTest;
    if (k >= requests.length) return;
    // A tag, not a test-wide option: the model may only be known after setup() asked the server.
    exec.vu.metrics.tags.model = data.model;
    const r = requests[k];
    // The schedule's origin is the scenario start: k6's test-run clock also counts setup().
    if (scenarioStartUnixMs < 0) scenarioStartUnixMs = exec.scenario.startTime;
    const requestId = `${cfg.runId}-${k}`;
    const prompt = buildPrompt(vocab, {
      blocks: r.blocks ?? [], blockSize: meta.blockSize, tokens: r.inputTokens, overheadTokens: cfg.overheadTokens,
      salt: cfg.salt, uniqueKey: `${cfg.salt}:${cfg.runId}:${k}`,
    }, blockCache);
    const body = JSON.stringify(buildBody({
      endpoint: cfg.endpoint, model: data.model, prompt, stream: cfg.stream, ignoreEos: cfg.ignoreEos,
      maxTokens: cfg.noMaxTokens ? undefined : r.outputTokens,
    }));
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...authHeaders(cfg.apiKey) };
    headers[cfg.requestIdHeader] = requestId;

    const scheduledUnixMs = scenarioStartUnixMs + plan.leadMs + r.atMs;
    if (!platform.sleepUntilUnixMs(scheduledUnixMs)) return; // test is ending
    const x = platform.send({
      url: cfg.baseUrl + ENDPOINT_PATHS[cfg.endpoint], body, headers, timeoutMs: cfg.timeoutMs, reuseConnections: cfg.reuseConnections,
    });
    const o = measureExchange(x);
    if (o.promptTokens === undefined && o.ok) o.promptTokens = r.inputTokens;
    recordRequest(platform, x.startUnixMs - scheduledUnixMs, o, requestId, x.startUnixMs - scenarioStartUnixMs, x.startUnixMs);
    logFailure(requestId, r.line ?? k + 1, o);
  }

  function handleSummary(data: K6SummaryData & { setup_data?: SetupData }): Record<string, string> {
    const run: RunInfo = {
      runId: cfg.runId, trace: cfg.trace, format: meta.format, baseUrl: cfg.baseUrl, endpoint: cfg.endpoint,
      model: data.setup_data?.model ?? cfg.model ?? '', platform: platform.name, speedup: cfg.speedup, plannedRequests: plan.total,
      executionSegment: executionSegment(),
    };
    const result = buildResult(data, run, (name) => platform.snapshot(name));
    return { stdout: renderTable(result), [cfg.summaryJson]: JSON.stringify(result, null, 2) + '\n' };
  }

  // A plain copy: k6 writes the consolidated options back into the exported object, and
  // SharedArray elements are read-only ("Cannot assign to read only property 'tags'").
  const options = JSON.parse(JSON.stringify(plan.options)) as Options;
  return { options, setup, iteration, handleSummary, scrape };
}
