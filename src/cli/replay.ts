// `llm-replay replay`: open-loop trace replay on the engine. Reads the options, asks the server
// once (preflight), starts the outputs, runs the replay in this thread or in worker threads
// (each a share of the requests by k6's segment arithmetic), shows progress, and ends with the
// vLLM-style table, thresholds, the result JSON and the exit code.

import { basename } from 'node:path';
import { readReplayConfig, type ReplayConfig } from '../config/replay';
import { readScrapeConfig } from '../observe/config';
import { asUsage, flagLabel, renderHelp, UsageError, type FlagSpec } from './flags';
import { EXIT } from '../engine/exit-codes';
import { COMMON_RUN_FLAGS, SCRAPE_FLAGS, SLO_TAG_FLAGS, TARGET_FLAGS, PROMPT_FLAGS, MAX_MODEL_LEN_FLAG, adoptServerContext } from './common-flags';
import { runSlo } from './slo-run';
import { START_FLAGS, readStartFlags, commonStart, type StartSpec } from './common-start';
import { writeJsonTo } from '../storage/store';
import { numberFlag, readLoadFlags, readRunFlags, type RunFlags } from './run-flags';
import { openOutputs } from './outputs';
import { LiveRun } from './live-run';
import { startScrape } from './scrape';
import { Registry } from '../engine/metrics';
import { runTarget } from '../engine/preflight';
import { requestIdField } from '../engine/request-ids';
import { contextCap, renderContextCap } from '../metrics/context-cap';
import { parseSegment, formatSegment } from '../schedule/segments';
import { percentilesNeeded } from '../engine/thresholds';
import { monotonicOf, nowMs, nowUnixMs } from '../engine/clock';
import { checkThresholds, finishRun, summaryThresholds } from '../engine/summary';
import { buildResult, renderTable, type RunInfo } from '../metrics/summary';
import { isTimeMetric } from '../metrics/units';
import { replayThread, type ReplayJob, type ThreadResult } from '../scenarios/replay-thread';
import { loadReplayTrace } from '../scenarios/replay-data';
import { applyCalibration, calibrationSummary } from './calibrate-flags';
import { promptLengthError, renderPromptLengthError } from '../metrics/prompt-length';
import { EXTRA_FLAGS, RunExtras } from './run-extras';
import type { EngineScrapeSummary } from '../observe/scrape-summary';

export const REPLAY_FLAGS: FlagSpec[] = [
  { flag: 'trace', value: 'FILE|S3_URL', help: 'trace file or s3://bucket/key, streamed (mooncake, azure, burstgpt, ... see `llm-replay trace formats`)' },
  { flag: 'format', value: 'NAME', default: 'auto', help: 'trace format' },
  { flag: 'skip-bad', kind: 'bool', help: 'skip and count bad trace rows instead of stopping at the first' },
  ...TARGET_FLAGS,
  { flag: 'request-id-format', value: 'uuid|run', default: 'uuid', help: 'request ids: a UUID every server accepts (last group = the request index) or RUNID-N' },
  { flag: 'request-id-field', value: 'NAME|none', help: 'body field carrying the request id too (default: rid when /v1/models says SGLang, else none)' },
  MAX_MODEL_LEN_FLAG,
  { flag: 'speedup', value: 'X', default: '1', help: 'replay X times faster than recorded' },
  { flag: 'from-ms', value: 'MS', help: 'replay only requests recorded at or after MS' },
  { flag: 'to-ms', value: 'MS', help: 'replay only requests recorded before MS' },
  { flag: 'max-requests', value: 'N', help: 'replay at most N requests' },
  ...PROMPT_FLAGS,
  { flag: 'max-concurrency', value: 'N', help: 'at most N requests in flight; later ones wait (counted), none is dropped' },
  { flag: 'lookahead-ms', value: 'MS', default: '500', help: 'prepare request bodies this long before they are due' },
  { flag: 'start-delay-ms', value: 'MS', default: '100', help: 'time between the engine being ready (trace read, warmed up) and the first offset of the trace' },
  { flag: 'engine-warmup', name: 'ENGINE_WARMUP', kind: 'bool', default: 'true', help: 'before offset 0, warm the engine\'s own code on a few dozen requests to a loopback server inside it (never the target), so the first requests are as precise as the rest (--no-engine-warmup: off)' },
  ...COMMON_RUN_FLAGS,
  ...SLO_TAG_FLAGS,
  ...START_FLAGS,
  ...SCRAPE_FLAGS,
  ...EXTRA_FLAGS,
];

const USAGE = `usage: llm-replay replay --trace FILE [--base-url URL] [--model NAME] [--speedup X] [flags]

Open-loop replay: every request of the trace is sent at its recorded offset (divided by
--speedup), exactly once, whatever the responses do; streamed responses give TTFT, ITL, TPOT
and E2E. Ends with the "Serving Benchmark Result" table and writes the result JSON.
The API key is read from OPENAI_API_KEY or API_KEY (never from a flag, never printed).`;

const EXAMPLE = `example:
  llm-replay replay --trace traces/mooncake-sample.jsonl --base-url http://127.0.0.1:8000 --speedup 10 --max-requests 100`;

export interface ReplaySettings extends RunFlags {
  cfg: ReplayConfig;
  options: Record<string, string | undefined>;
  maxConcurrency?: number;
  lookAheadMs: number;
  startDelayMs: number;
  start?: StartSpec;
}

export function readReplaySettings(argv: string[], env: NodeJS.ProcessEnv): ReplaySettings | 'help' {
  const read = readLoadFlags(argv, REPLAY_FLAGS, 'llm-replay replay', env);
  if (read === 'help') return 'help';
  const { flags, label, options } = read;
  const cfg = asUsage(() => readReplayConfig(options, new Date(), label));
  // Worker threads read the options again: give them this run's id.
  options.RUN_ID = cfg.runId;
  return {
    ...readRunFlags(flags, label, cfg.timeoutMs), cfg, options,
    maxConcurrency: numberFlag(flags.options, label, 'MAX_CONCURRENCY', 1),
    lookAheadMs: numberFlag(flags.options, label, 'LOOKAHEAD_MS', 0) ?? 500,
    startDelayMs: numberFlag(flags.options, label, 'START_DELAY_MS', 0) ?? 100,
    start: readStartFlags(flags.options, label),
  };
}

export async function replayCommand(argv: string[]): Promise<number> {
  const s = readReplaySettings(argv, process.env);
  if (s === 'help') {
    process.stdout.write(renderHelp(USAGE, REPLAY_FLAGS, EXAMPLE));
    return EXIT.ok;
  }
  const { cfg } = s;
  const log = (t: string) => process.stderr.write(t.endsWith('\n') ? t : t + '\n');
  // Read the trace once here: a bad row or a missing file stops the run before anything is sent.
  const trace = loadReplayTrace(cfg);
  if (trace.skippedCount > 0) log(`skipped ${trace.skippedCount} bad trace row(s) (--skip-bad); first: ${trace.skipped.join(' | ')}`);
  if (trace.requests.length === 0) throw new UsageError(`no requests to replay in ${cfg.trace} with the given --from-ms/--to-ms/--max-requests`);
  const server = await runTarget(cfg, s.preflight);
  const model = server.model;
  adoptServerContext(cfg, s.options, server.maxModelLen);
  const field = requestIdField(cfg.requestIdField, server.ownedBy);
  s.options.REQUEST_ID_FIELD = cfg.requestIdField = field ?? 'none';
  const calibration = await applyCalibration(s.options, cfg, model, log);

  const runTags = { ...s.tags, run: cfg.runId, trace: basename(cfg.trace), endpoint: cfg.endpoint, model, scenario: 'replay' };
  const registry = new Registry(runTags, isTimeMetric);
  const scrapeConfig = readScrapeConfig(s.options, cfg.baseUrl, flagLabel(REPLAY_FLAGS));
  const extras = new RunExtras({
    command: 'replay', argv, specs: REPLAY_FLAGS, options: s.options, runId: cfg.runId, baseUrl: cfg.baseUrl, apiKey: cfg.apiKey,
    metricsUrl: scrapeConfig.url, traces: [cfg.trace], log,
  });
  const outputs = await openOutputs(s.outs, registry, cfg.summaryJson, extras.own);
  await extras.begin();
  // Several instances: offset 0 at the common start (polled from the start file if need be).
  const start = s.start ? await commonStart(s.start, log) : undefined;
  const startDelayMs = start ? start.plannedUnixMs - nowUnixMs() : s.startDelayMs;
  const planned = trace.requests.length;
  const lastOffset = trace.requests[planned - 1].atMs;
  const slo = runSlo(s.slo);
  const live = new LiveRun({ planned, scheduleEndMs: startDelayMs + lastOffset, graceMs: s.graceMs, quiet: cfg.quiet, outputs, slo: slo.tracker });
  extras.watch(live.progress);
  // The engine's /metrics beside the run, into the main registry (and so the outputs). One
  // scrape per run: in a segmented run only the instance whose segment starts at 0 scrapes.
  const scrape = startScrape(scrapeConfig.enabled && (!s.segment || parseSegment(s.segment).from.num === 0n), {
    config: scrapeConfig, sink: registry, model, maxMs: startDelayMs + lastOffset + cfg.timeoutMs, progress: live.progress,
  });
  const job: Omit<ReplayJob, 'worker'> = {
    options: s.options, model, originUnixMs: start?.plannedUnixMs ?? nowUnixMs() + s.startDelayMs, commonStartUnixMs: start?.plannedUnixMs, segment: s.segment, sequence: s.sequence, workers: s.workers,
    lookAheadMs: s.lookAheadMs, maxConcurrency: s.maxConcurrency ? Math.max(1, Math.floor(s.maxConcurrency / s.workers)) : undefined,
    timeouts: s.timeouts, transport: s.transport, runTags, ...live.wants,
  };
  // The run's duration counts from --start-delay-ms before offset 0, with or without a common start.
  const startedMs = start ? monotonicOf(start.plannedUnixMs) - s.startDelayMs : nowMs();
  const started = start?.stamp(live.interrupt.stopSending);
  let results: ThreadResult[];
  let engineScrape: EngineScrapeSummary | null = null;
  try {
    // In this thread, the trace read above is not read a second time (it may come from S3).
    results = await live.runThreads(s.workers, job, (j, hooks) => replayThread(j, hooks, trace), 'replay-worker', s.startDelayMs, start?.plannedUnixMs);
  } finally {
    live.end();
    engineScrape = await scrape.stop();
    await extras.end();
  }
  for (const r of results) registry.merge(r.state);

  const data = registry.summaryData(nowMs() - startedMs, percentilesNeeded(s.thresholds));
  const thresholdResults = checkThresholds(s.thresholds, data);
  const run: RunInfo = {
    runId: cfg.runId, trace: cfg.trace, format: trace.format, baseUrl: cfg.baseUrl, endpoint: cfg.endpoint, model, platform: 'engine',
    speedup: cfg.speedup, plannedRequests: planned, executionSegment: s.segment ? formatSegment(parseSegment(s.segment)) : null,
  };
  const result = buildResult(data, run, (name) => registry.histogramOf(name));
  result.slo = slo.block(result.durationS);
  const notSent = results.reduce((a, r) => a + r.loop.notSent, 0);
  const delayed = results.reduce((a, r) => a + r.loop.delayedByConcurrency, 0);
  const extra = {
    interrupted: live.interrupt.interrupted, notSentInterrupted: notSent, delayedByConcurrency: delayed, workers: s.workers,
    segmentSequence: s.sequence ?? null, skippedTraceRows: trace.skippedCount, thresholds: summaryThresholds(thresholdResults),
    start: (await started) ?? null,
  };
  const lengthError = promptLengthError(data);
  const cap = contextCap(data, cfg.maxModelLen);
  const blocks = extras.blocks(result, { ...result, transport: s.transport, engine: extra });
  Object.assign(result, blocks);
  await writeJsonTo(cfg.summaryJson, { ...result, transport: s.transport, promptLengthError: lengthError, maxTokensCapped: cap, calibration: calibrationSummary(calibration), engine: extra, engineScrape });
  await outputs.close(log);
  await extras.finish(cfg.summaryJson, outputs.jsonl?.path);
  let table = renderTable(result) + RunExtras.table(blocks);
  table += renderContextCap(cap);
  if (calibration || lengthError.count > 0) table += renderPromptLengthError(lengthError);
  if (delayed > 0) table += `NOTE: ${delayed} request(s) waited for a free slot (--max-concurrency ${s.maxConcurrency}): their dispatch lag includes the wait.\n`;
  return finishRun(table, thresholdResults, live.interrupt.interrupted, (t) => process.stdout.write(t), process.stdout.isTTY === true);
}
