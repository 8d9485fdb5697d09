// The open-loop replay as a script for a user's own stock k6 (>= 1.0) or Grafana Cloud k6,
// assembled from the core modules and k6/http. Iteration k of a ramping-arrival-rate scenario
// sends request k of the trace (k = exec.scenario.iterationInTest, unique across execution
// segments), so every request is sent exactly once, also when several k6 instances share the
// run. Responses are read whole (stream: false): E2E, TTFB and the tokens of the usage block.

import { promptOverhead } from '../openai/pooling/request';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { SharedArray } from 'k6/data';
import type { Options } from 'k6/options';
import { readReplayConfig, REPLAY_HELP, type ReplayConfig } from '../config/replay';
import { arrivalStages, estimatePeakConcurrency, planVus } from '../schedule/openloop';
import { buildPrompt, BlockTextCache, warmPromptPool } from '../prompt/hashblock';
import { buildBody, ENDPOINT_PATHS } from '../openai/request';
import { measureExchange } from '../openai/outcome';
import { buildResult, renderTable, type K6SummaryData, type RunInfo } from '../metrics/summary';
import { SUMMARY_TREND_STATS, summarySubmetricThresholds } from '../metrics/names';
import { recordRequest } from '../metrics/record';
import { readScrapeConfig, SCRAPE_HELP } from '../observe/config';
import { loadOpenLoopRequests, loadVocabulary, type SharedList } from './trace-data';
import { authHeaders, failureLogger, resolveModel, showHelp } from './server';
import { postExchange } from './http-exchange';
import { K6MetricSink, REQUEST_METRICS } from './sink';
import { scrape, scrapeScenarios } from './scrape';

export interface SetupData {
  model: string;
}

interface Plan {
  runId: string;
  /** ms between a request's recorded offset and its send time, measured from the scenario start. */
  leadMs: number;
  total: number;
  options: Options;
}

export const SCENARIO = 'replay';
/** `platform` of the result JSON: which client measured the run. */
export const PLATFORM = 'k6-http';

export const EXPORT_HELP = `Stock k6 export: responses are read whole (STREAM is always false), so this measures
E2E, TTFB and token counts; TTFT, TPOT and ITL need the streaming engine (llm-replay replay).

`;

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
  // A blocking k6/http request holds its VU until the whole response is in.
  const peak = estimatePeakConcurrency(rows, leadMs + cfg.bucketMs, {
    ttftMs: cfg.estTtftMs, prefillMsPerToken: cfg.estPrefillMsPerToken, tpotMs: cfg.estTpotMs,
  });
  const vus = planVus(peak, { vus: cfg.vus, maxVus: cfg.maxVus });
  // Requests still waiting for their time or running when the last stage ends.
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
    noConnectionReuse: !cfg.reuseConnections,
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

/** Builds the k6 entry points (options, setup, default, handleSummary, scrape). Call in init code. */
export function createReplay() {
  if (__ENV.HELP) showHelp(EXPORT_HELP + REPLAY_HELP + SCRAPE_HELP);
  const cfg = readReplayConfig(__ENV);
  cfg.stream = false;
  const { requests, meta } = loadOpenLoopRequests(cfg);
  const plan = new SharedArray<Plan>('replay-plan', () => [buildPlan(cfg, requests)])[0];
  // One run id for every VU (each VU evaluates the init code, with its own clock).
  cfg.runId = plan.runId;
  // Every metric the replay records, declared in init code as k6 requires.
  const sink = new K6MetricSink(REQUEST_METRICS);

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

  function requestBody(k: number, model: string): string {
    const r = requests[k];
    const prompt = buildPrompt(vocab, {
      blocks: r.blocks ?? [], blockSize: meta.blockSize, tokens: r.inputTokens, overheadTokens: promptOverhead(r.endpoint ?? cfg.endpoint, cfg.overheadTokens),
      salt: cfg.salt, uniqueKey: `${cfg.salt}:${cfg.runId}:${k}`,
    }, blockCache);
    return JSON.stringify(buildBody({
      endpoint: r.endpoint ?? cfg.endpoint, model, prompt, stream: false, ignoreEos: cfg.ignoreEos,
      maxTokens: cfg.noMaxTokens ? undefined : r.outputTokens,
    }));
  }

  function iteration(data: SetupData): void {
    const k = exec.scenario.iterationInTest;
    if (k >= requests.length) return; // a spare iteration (src/schedule/openloop.ts)
    // A tag, not a test-wide option: the model may only be known after setup() asked the server.
    exec.vu.metrics.tags.model = data.model;
    const r = requests[k];
    // The schedule's origin is the scenario start: k6's test-run clock also counts setup().
    if (scenarioStartUnixMs < 0) scenarioStartUnixMs = exec.scenario.startTime;
    const requestId = `${cfg.runId}-${k}`;
    const body = requestBody(k, data.model);
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...authHeaders(cfg.apiKey) };
    headers[cfg.requestIdHeader] = requestId;

    const scheduledUnixMs = scenarioStartUnixMs + plan.leadMs + r.atMs;
    const waitMs = scheduledUnixMs - Date.now();
    if (waitMs > 0) sleep(waitMs / 1000);
    const endpoint = r.endpoint ?? cfg.endpoint;
    const x = postExchange({ url: cfg.baseUrl + ENDPOINT_PATHS[endpoint], body, headers, timeoutMs: cfg.timeoutMs });
    const o = measureExchange(x, false, endpoint);
    if (o.promptTokens === undefined && o.ok) o.promptTokens = r.inputTokens;
    const sent = { lagMs: x.startUnixMs - scheduledUnixMs, sendRunMs: x.startUnixMs - scenarioStartUnixMs, sendUnixMs: x.startUnixMs };
    sink.withRequestId(requestId, () => recordRequest(sink, sent, o));
    logFailure(requestId, r.line ?? k + 1, o);
  }

  function handleSummary(data: K6SummaryData & { setup_data?: SetupData }): Record<string, string> {
    const run: RunInfo = {
      runId: cfg.runId, trace: cfg.trace, format: meta.format, baseUrl: cfg.baseUrl, endpoint: cfg.endpoint,
      model: data.setup_data?.model ?? cfg.model ?? '', platform: PLATFORM, speedup: cfg.speedup, plannedRequests: plan.total,
      executionSegment: executionSegment(),
    };
    // No process-wide histograms on stock k6 (src/k6/sink.ts): stats come from the k6 Trends.
    const result = buildResult(data, run, () => null);
    const note = 'Stock k6 (k6/http, not streamed): TTFT, TPOT and ITL are not measured.\n';
    return { stdout: renderTable(result) + note, [cfg.summaryJson]: JSON.stringify(result, null, 2) + '\n' };
  }

  // A plain copy: k6 writes the consolidated options back into the exported object, and
  // SharedArray elements are read-only ("Cannot assign to read only property 'tags'").
  const options = JSON.parse(JSON.stringify(plan.options)) as Options;
  return { options, setup, iteration, handleSummary, scrape };
}
