// `llm-replay replay`: open-loop trace replay on the engine. Reads the options, asks the server
// once (preflight), starts the outputs, runs the replay in this thread or in worker threads
// (each a share of the requests by k6's segment arithmetic), shows progress, and ends with the
// vLLM-style table, thresholds, the result JSON and the exit code.

import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { readReplayConfig, type ReplayConfig } from '../config/replay';
import { asUsage, EXIT, flagLabel, parseFlags, renderHelp, UsageError, type FlagSpec } from './flags';
import { Registry } from '../engine/metrics';
import { Transport, DEFAULT_TIMEOUTS, type Timeouts } from '../engine/transport';
import { preflight } from '../engine/preflight';
import { onInterrupt } from '../engine/interrupt';
import { parseSegment, parseSequence, formatSegment, segmentIndices, SegmentError } from '../engine/segments';
import { parseThresholdFlag, percentilesNeeded, type Threshold } from '../engine/thresholds';
import { ProgressReporter } from '../engine/progress';
import { startWorker, workerCount } from '../engine/workers';
import { nowMs, nowUnixMs } from '../engine/clock';
import { buildResult, renderTable, type RunInfo } from '../metrics/summary';
import { isTimeMetric } from '../metrics/units';
import { replayThread, type ReplayJob, type ThreadResult } from '../scenarios/replay-thread';
import { loadReplayTrace } from '../scenarios/replay-data';
import { runEngineScrape } from '../scenarios/scrape';
import { readScrapeConfig } from '../observe/config';
import { checkThresholds, finishRun, summaryThresholds, writeJson } from '../engine/summary';
import { openOutputs, type RunOutputs } from './outputs';
import type { RequestRecord } from '../outputs/jsonl';
import type { Sample } from '../outputs/sample';
import { COMMON_RUN_FLAGS, SCRAPE_FLAGS, TARGET_FLAGS, PROMPT_FLAGS, timeoutsFrom } from './common-flags';

export const REPLAY_FLAGS: FlagSpec[] = [
  { flag: 'trace', value: 'FILE', help: 'trace file (mooncake, azure, burstgpt, ... see `llm-replay trace formats`)' },
  { flag: 'format', value: 'NAME', default: 'auto', help: 'trace format' },
  { flag: 'skip-bad', kind: 'bool', help: 'skip and count bad trace rows instead of stopping at the first' },
  ...TARGET_FLAGS,
  { flag: 'speedup', value: 'X', default: '1', help: 'replay X times faster than recorded' },
  { flag: 'from-ms', value: 'MS', help: 'replay only requests recorded at or after MS' },
  { flag: 'to-ms', value: 'MS', help: 'replay only requests recorded before MS' },
  { flag: 'max-requests', value: 'N', help: 'replay at most N requests' },
  ...PROMPT_FLAGS,
  { flag: 'max-concurrency', value: 'N', help: 'at most N requests in flight; later ones wait (counted), none is dropped' },
  { flag: 'lookahead-ms', value: 'MS', default: '500', help: 'prepare request bodies this long before they are due' },
  { flag: 'start-delay-ms', value: 'MS', default: '500', help: 'time between the start and the first offset of the trace' },
  ...COMMON_RUN_FLAGS,
  ...SCRAPE_FLAGS,
];

const USAGE = `usage: llm-replay replay --trace FILE [--base-url URL] [--model NAME] [--speedup X] [flags]

Open-loop replay: every request of the trace is sent at its recorded offset (divided by
--speedup), exactly once, whatever the responses do; streamed responses give TTFT, ITL, TPOT
and E2E. Ends with the "Serving Benchmark Result" table and writes the result JSON.
The API key is read from OPENAI_API_KEY or API_KEY (never from a flag, never printed).`;

const EXAMPLE = `example:
  llm-replay replay --trace traces/mooncake-sample.jsonl --base-url http://127.0.0.1:8000 --speedup 10 --max-requests 100`;

export interface ReplaySettings {
  cfg: ReplayConfig;
  options: Record<string, string | undefined>;
  thresholds: Threshold[];
  outs: string[];
  workers: number;
  segment?: string;
  sequence?: string;
  maxConcurrency?: number;
  lookAheadMs: number;
  startDelayMs: number;
  graceMs: number;
  timeouts: Timeouts;
  preflight: boolean;
}

export function readReplaySettings(argv: string[], env: NodeJS.ProcessEnv): ReplaySettings | 'help' {
  const flags = parseFlags(argv, REPLAY_FLAGS, 'llm-replay replay');
  if (flags.help) return 'help';
  if (flags.positional.length) throw new UsageError(`llm-replay replay: unexpected argument "${flags.positional[0]}" (flags start with --; see --help)`);
  const label = flagLabel(REPLAY_FLAGS);
  // The API key comes from the environment only.
  const options = { ...flags.options, OPENAI_API_KEY: env.OPENAI_API_KEY, API_KEY: env.API_KEY };
  const cfg = asUsage(() => readReplayConfig(options, new Date(), label));
  const count = (name: string, min: number) => {
    const raw = flags.options[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`${label(name, raw)}: must be a number >= ${min}`);
    return n;
  };
  const segment = flags.options.SEGMENT;
  const sequence = flags.options.SEGMENT_SEQUENCE;
  // Both together (a sequence needs --segment, the segment must be one of it): exit 2 before any work.
  try {
    segmentIndices(segment ? parseSegment(segment) : null, sequence ? parseSequence(sequence) : null);
  } catch (e) {
    if (e instanceof SegmentError) throw new UsageError(e.message);
    throw e;
  }
  let workers: number;
  try {
    workers = workerCount(flags.options.WORKERS, availableParallelism());
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const thresholds = (flags.lists.THRESHOLD ?? []).map((t) => {
    try {
      return parseThresholdFlag(t);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
  return {
    cfg, options, thresholds, outs: flags.lists.OUT ?? [], workers, segment, sequence,
    maxConcurrency: count('MAX_CONCURRENCY', 1),
    lookAheadMs: count('LOOKAHEAD_MS', 0) ?? 500,
    startDelayMs: count('START_DELAY_MS', 0) ?? 500,
    graceMs: (count('GRACE_S', 0) ?? 30) * 1000,
    timeouts: timeoutsFrom(flags.options, label, cfg.timeoutMs),
    preflight: flags.options.PREFLIGHT !== 'false',
  };
}

export async function replayCommand(argv: string[]): Promise<number> {
  const s = readReplaySettings(argv, process.env);
  if (s === 'help') {
    process.stdout.write(renderHelp(USAGE, REPLAY_FLAGS, EXAMPLE));
    return EXIT.ok;
  }
  const { cfg, startDelayMs } = s;
  const log = (t: string) => process.stderr.write(t.endsWith('\n') ? t : t + '\n');
  // Read the trace once here: a bad row or a missing file stops the run before anything is sent.
  const trace = loadReplayTrace(cfg);
  if (trace.skippedCount > 0) log(`skipped ${trace.skippedCount} bad trace row(s) (--skip-bad); first: ${trace.skipped.join(' | ')}`);
  if (trace.requests.length === 0) throw new UsageError(`no requests to replay in ${cfg.trace} with the given --from-ms/--to-ms/--max-requests`);

  const auth: Record<string, string> = cfg.apiKey ? { authorization: `Bearer ${cfg.apiKey}` } : {};
  const probe = new Transport({ reuseConnections: true, timeouts: DEFAULT_TIMEOUTS });
  let model = cfg.model ?? '';
  try {
    if (s.preflight) model = (await preflight(probe, cfg.baseUrl, cfg.model, auth)).model;
    else if (!model) throw new UsageError('--no-preflight needs --model NAME (the model cannot be asked of the server)');
  } finally {
    await probe.close();
  }

  const runTags = { run: cfg.runId, trace: basename(cfg.trace), endpoint: cfg.endpoint, model, scenario: 'replay' };
  const registry = new Registry(runTags, isTimeMetric);
  const outputs: RunOutputs = await openOutputs(s.outs, registry);
  const interrupt = onInterrupt(s.graceMs, (t) => progress.message(t));
  const planned = trace.requests.length;
  const lastOffset = trace.requests[planned - 1].atMs;
  const progress = new ProgressReporter({
    tty: process.stderr.isTTY === true, columns: process.stderr.columns || 80, write: (t) => process.stderr.write(t), now: nowMs,
    planned, scheduleEndMs: s.startDelayMs + lastOffset,
  });
  const live = { sent: 0, done: 0, failed: 0, inFlight: 0 };
  const ticker = setInterval(() => progress.update({ ...live, inFlight: live.sent - live.done }), 100);
  let failuresLogged = 0;
  const onRecord = (r: RequestRecord | undefined, ok: boolean, line?: string) => {
    live.done++;
    if (!ok) {
      live.failed++;
      if (!cfg.quiet && line && failuresLogged < 10) {
        failuresLogged++;
        progress.message(`request ${line}${failuresLogged === 10 ? ' (further failures are counted, not logged)' : ''}`);
      }
    }
    if (r) outputs.jsonl?.write(r);
  };
  const onSamples = (samples: Sample[]) => outputs.add(samples);

  const originUnixMs = nowUnixMs() + s.startDelayMs;
  const job: Omit<ReplayJob, 'worker'> = {
    options: s.options, model, originUnixMs, segment: s.segment, sequence: s.sequence, workers: s.workers, lookAheadMs: s.lookAheadMs,
    maxConcurrency: s.maxConcurrency ? Math.max(1, Math.floor(s.maxConcurrency / s.workers)) : undefined, timeouts: s.timeouts, runTags,
    wantSamples: outputs.wantsSamples, wantRecords: outputs.jsonl !== undefined,
  };
  // The engine's /metrics beside the run, into the main registry (and so the outputs).
  const scrapeStop = new AbortController();
  const scrapeConfig = readScrapeConfig(s.options, cfg.baseUrl, flagLabel(REPLAY_FLAGS));
  // One scrape per run: in a segmented run only the instance whose segment starts at 0 scrapes.
  const scrape = scrapeConfig.enabled && (!s.segment || parseSegment(s.segment).from.num === 0n)
    ? runEngineScrape({ config: scrapeConfig, sink: registry, model, maxMs: s.startDelayMs + lastOffset + cfg.timeoutMs, signal: scrapeStop.signal, log: { warn: (m) => progress.message(m), info: () => {} } })
    : Promise.resolve(undefined);
  const startedMs = nowMs();
  let results: ThreadResult[];
  try {
    results = s.workers === 1 ? [await runHere(job)] : await runInWorkers(job);
  } finally {
    clearInterval(ticker);
    interrupt.dispose();
    scrapeStop.abort();
    await scrape;
  }
  progress.finish();
  for (const r of results) registry.merge(r.state);

  const durationMs = nowMs() - startedMs;
  const data = registry.summaryData(durationMs, percentilesNeeded(s.thresholds));
  const thresholdResults = checkThresholds(s.thresholds, data);
  const segmentText = s.segment ? formatSegment(parseSegment(s.segment)) : null;
  const run: RunInfo = {
    runId: cfg.runId, trace: cfg.trace, format: trace.format, baseUrl: cfg.baseUrl, endpoint: cfg.endpoint, model, platform: 'engine',
    speedup: cfg.speedup, plannedRequests: planned, executionSegment: segmentText,
  };
  const result = buildResult(data, run, (name) => registry.histogramOf(name));
  const notSent = results.reduce((a, r) => a + r.loop.notSent, 0);
  const delayed = results.reduce((a, r) => a + r.loop.delayedByConcurrency, 0);
  const extra = {
    interrupted: interrupt.interrupted, notSentInterrupted: notSent, delayedByConcurrency: delayed, workers: s.workers,
    segmentSequence: s.sequence ?? null, skippedTraceRows: trace.skippedCount, thresholds: summaryThresholds(thresholdResults),
  };
  writeJson(cfg.summaryJson, { ...result, engine: extra });
  await outputs.close(log);
  let table = renderTable(result);
  if (delayed > 0) table += `NOTE: ${delayed} request(s) waited for a free slot (--max-concurrency ${s.maxConcurrency}): their dispatch lag includes the wait.\n`;
  return finishRun(table, thresholdResults, interrupt.interrupted, (t) => process.stdout.write(t), process.stdout.isTTY === true);

  function runHere(j: Omit<ReplayJob, 'worker'>): Promise<ThreadResult> {
    return replayThread({ ...j, worker: 0 }, {
      stopSending: interrupt.stopSending, abortInFlight: interrupt.abortInFlight,
      onSend: () => live.sent++,
      onSamples: j.wantSamples ? onSamples : undefined,
      onRecord: (r, o) => onRecord(j.wantRecords ? r : undefined, o.ok, o.ok ? undefined : `${r.id} (trace line ${r.line ?? '?'}) failed: ${o.reason}: ${o.detail ?? ''}`),
    });
  }

  async function runInWorkers(j: Omit<ReplayJob, 'worker'>): Promise<ThreadResult[]> {
    const entry = new URL('../engine/replay-worker.ts', import.meta.url);
    let ready = 0;
    const runs = Array.from({ length: j.workers }, (_, w) => startWorker(entry, { ...j, worker: w }, (m) => {
      // The common origin is set once every worker has read the trace and can send.
      if (m.type === 'ready' && ++ready === j.workers) {
        const originUnixMs = nowUnixMs() + startDelayMs;
        runs.forEach((r) => r.post({ type: 'start', originUnixMs }));
      } else if (m.type === 'send') live.sent++;
      else if (m.type === 'samples') onSamples(m.samples as Sample[]);
      else if (m.type === 'record') onRecord(m.record as RequestRecord | undefined, m.ok, m.line);
    }));
    interrupt.stopSending.addEventListener('abort', () => runs.forEach((r) => r.post({ type: 'stop' })));
    interrupt.abortInFlight.addEventListener('abort', () => runs.forEach((r) => r.post({ type: 'abort' })));
    return (await Promise.all(runs.map((r) => r.result))) as ThreadResult[];
  }
}
