// `llm-replay sessions`: closed-loop replay of agentic sessions on the engine. Reads the options,
// plans the traces (a bad row stops the run before anything is sent), asks the server once
// (preflight), starts the outputs and the engine scrape, runs the sessions in this thread or in
// worker threads (each a share of the draws by k6's segment arithmetic), shows progress, and
// ends with the vLLM-style table, the sessions and workload tables, thresholds, the result JSON
// and the exit code.

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { readSessionsConfig, type SessionsConfig } from '../config/sessions';
import { asUsage, flagLabel, renderHelp, UsageError, type FlagSpec } from './flags';
import { EXIT } from '../engine/exit-codes';
import { EXTRA_FLAGS, RunExtras } from './run-extras';
import { COMMON_RUN_FLAGS, PROMPT_FLAGS, SCRAPE_FLAGS, SLO_TAG_FLAGS, TARGET_FLAGS, MAX_MODEL_LEN_FLAG, adoptServerContext } from './common-flags';
import { runSlo } from './slo-run';
import { START_FLAGS, readStartFlags, commonStart, type StartSpec } from './common-start';
import { writeJsonTo } from '../storage/store';
import { readLoadFlags, readRunFlags, type RunFlags } from './run-flags';
import { openOutputs } from './outputs';
import { LiveRun } from './live-run';
import { startScrape } from './scrape';
import { Registry } from '../engine/metrics';
import { runTarget } from '../engine/preflight';
import { formatSegment, parseSegment } from '../schedule/segments';
import { percentilesNeeded } from '../engine/thresholds';
import { monotonicOf, nowMs, nowUnixMs } from '../engine/clock';
import { checkThresholds, finishRun, summaryThresholds } from '../engine/summary';
import type { ThreadHooks } from '../engine/threads';
import type { RunInfo } from '../metrics/summary';
import { isTimeMetric } from '../metrics/units';
import { COUNTERS } from '../metrics/names';
import { buildSessionsResult, renderSessions, sessionsInfo } from '../sessions/summary';
import { plannedWork, traceTag, type SessionsMeta } from '../sessions/load';
import { DEBUG_PREFIX } from '../sessions/debug';
import { loadSessionGroups } from '../scenarios/sessions-data';
import { sessionsThread, threadShare, type SessionsJob, type SessionsThreadResult } from '../scenarios/sessions-thread';
import { readScrapeConfig } from '../observe/config';
import { applyCalibration, calibrationSummary } from './calibrate-flags';
import { promptLengthError, renderPromptLengthError } from '../metrics/prompt-length';
import { contextCap, renderContextCap } from '../metrics/context-cap';

const SUMMARY_DEFAULT = 'results/sessions-summary.json';

export const SESSIONS_FLAGS: FlagSpec[] = [
  { flag: 'traces', value: 'PATH', help: 'session trace file, comma-separated files, or a directory (its index.txt, else its *.json/*.jsonl)' },
  { flag: 'format', value: 'NAME', default: 'auto', help: 'trace format (kvcache-tester, trie, aiperf, ...)' },
  { flag: 'skip-bad', kind: 'bool', help: 'skip and count bad trace rows instead of stopping at the first' },
  ...TARGET_FLAGS,
  { flag: 'users', value: 'N', help: 'N concurrent users drawing sessions (default: every session at its recorded start)' },
  { flag: 'sessions', value: 'N', help: 'with --users: run N sessions (default: each session of the traces once)' },
  { flag: 'duration', value: 'TIME', help: 'with --users: start new sessions for this long (300s, 5m, 1h) instead' },
  { flag: 'seed', value: 'N', default: '1', help: 'seed of the session draw (without replacement until every session was drawn)' },
  { flag: 'timing', value: 'MODE', default: 'think-only', help: 'think-only | original | api-scaled | no-wait (docs/sessions.md)' },
  { flag: 'time-scale', value: 'X', default: '1', help: 'multiply every recorded wait (0.1 = ten times faster)' },
  { flag: 'api-scale', value: 'X', default: '1', help: 'api-scaled: factor on the recorded server time of the anchor request' },
  { flag: 'max-delay-s', value: 'S', help: 'cap on any one recorded wait, before --time-scale' },
  { flag: 'subagent-join', value: 'RULE', default: 'recorded', help: 'recorded | next: which parent turn waits for a sub-agent' },
  { flag: 'warm-prefix', value: 'F', default: '0', help: 'share this fraction (0..1) of each session\'s system+tool tokens across sessions' },
  { flag: 'warm-prefix-tokens', value: 'N', help: 'share this many leading tokens instead' },
  { flag: 'unique-prefix', kind: 'bool', default: 'true', help: 'every replayed session gets its own prompt text (--no-unique-prefix)' },
  { flag: 'block-scope', value: 'file|global', default: 'file', help: 'are equal block ids in two files the same content?' },
  { flag: 'responses-state', value: 'client|server', default: 'client', help: '--endpoint responses: send whole conversations (client) or continue stored responses with previous_response_id (server)' },
  { flag: 'max-context', value: 'N', help: 'leave out requests over N prompt tokens (and the rest of their agent)' },
  MAX_MODEL_LEN_FLAG,
  { flag: 'max-duration', value: 'TIME', default: '24h', help: 'limit of the whole run: no new session after it' },
  { flag: 'graceful-stop-s', value: 'S', default: '300', help: 'how long running sessions may finish after --duration / --max-duration' },
  { flag: 'lead-ms', value: 'MS', default: '500', help: 'recorded starts: wait before the first one' },
  { flag: 'headers', value: 'JSON', help: 'extra request headers, e.g. \'{"x-sim-reasoning":"3"}\'' },
  { flag: 'debug-bodies', name: 'DEBUG_BODIES_FILE', value: 'FILE', help: 'write every request and response body (API key redacted) to FILE, one JSON line each' },
  { flag: 'gpus', value: 'N', help: 'add a "Steady / GPU" column to the workload table' },
  { flag: 'workload-bucket-s', value: 'S', default: '1', help: 'time resolution of the workload table' },
  { flag: 'last-window-s', value: 'S', default: '30', help: 'the workload table\'s last window' },
  { flag: 'warmup-fraction', value: 'F', default: '0.2', help: 'share of wall time the steady state leaves out' },
  ...PROMPT_FLAGS,
  ...COMMON_RUN_FLAGS.map((f) => (f.flag === 'summary-json' ? { ...f, default: SUMMARY_DEFAULT } : f)),
  ...SLO_TAG_FLAGS,
  ...START_FLAGS,
  ...SCRAPE_FLAGS,
  ...EXTRA_FLAGS,
];

const USAGE = `usage: llm-replay sessions --traces PATH [--users N [--sessions M | --duration T]] [--base-url URL] [flags]

Closed-loop replay of agentic sessions: each request goes after what it depends on ended (the
agent's previous turn, a spawning parent turn, joined sub-agents) plus the recorded wait of the
timing mode; sub-agents run beside their parent; context grows turn by turn. Ends with the
"Serving Benchmark Result" table, the per-session table (TTFT, TTFAT, latency, decode TPS, cache
and eligible cache hit rates) and the workload table, and writes the result JSON.
The API key is read from OPENAI_API_KEY or API_KEY (never from a flag, never printed).`;

const EXAMPLE = `examples:
  llm-replay sessions --traces traces/sessions/kvcache-tester-0282-excerpt.json --time-scale 0.01
  llm-replay sessions --traces traces/sessions/ --users 32 --sessions 200 --seed 7 --warm-prefix 0.5 --gpus 8`;

export interface SessionsSettings extends RunFlags {
  cfg: SessionsConfig;
  options: Record<string, string | undefined>;
  start?: StartSpec;
  debugFile?: string;
}

export function readSessionsSettings(argv: string[], env: NodeJS.ProcessEnv, now = new Date()): SessionsSettings | 'help' {
  const read = readLoadFlags(argv, SESSIONS_FLAGS, 'llm-replay sessions', env);
  if (read === 'help') return 'help';
  const { flags, label, options } = read;
  const debugFile = flags.options.DEBUG_BODIES_FILE;
  options.DEBUG_BODIES = debugFile ? 'true' : 'false';
  const cfg = asUsage(() => readSessionsConfig(options, now, label));
  // Worker threads read the options again: give them this run's id.
  options.RUN_ID = cfg.runId;
  const run = readRunFlags(flags, label, cfg.timeoutMs);
  if (debugFile && run.workers > 1) throw new UsageError(`--debug-bodies ${debugFile}: needs --workers 1 (one thread writes the file)`);
  return { ...run, cfg, options, debugFile, start: readStartFlags(flags.options, label) };
}

/** The run's warnings about the traces, before anything is sent. */
function traceWarnings(cfg: SessionsConfig, meta: SessionsMeta, log: (t: string) => void): void {
  if (meta.skippedCount > 0) log(`skipped ${meta.skippedCount} bad trace row(s) (--skip-bad); first: ${meta.skipped.join(' | ')}`);
  if (meta.truncated > 0) log(`--max-context ${cfg.maxContext}: ${meta.truncated} request(s) over the limit (and the rest of their agents) are left out`);
}

function openDebug(path: string): WriteStream {
  mkdirSync(dirname(path), { recursive: true });
  return createWriteStream(path, { flags: 'w' });
}

export async function sessionsCommand(argv: string[]): Promise<number> {
  const s = readSessionsSettings(argv, process.env);
  if (s === 'help') {
    process.stdout.write(renderHelp(USAGE, SESSIONS_FLAGS, EXAMPLE));
    return EXIT.ok;
  }
  const { cfg } = s;
  const log = (t: string) => process.stderr.write(t.endsWith('\n') ? t : t + '\n');
  // Plan the traces here: a bad row or a missing file stops the run before anything is sent.
  const { groups, meta } = loadSessionGroups(cfg);
  traceWarnings(cfg, meta, log);
  // This process's share (--segment): its workers split it further.
  const share = threadShare({ segment: s.segment, sequence: s.sequence, workers: 1, worker: 0 });
  const work = plannedWork(cfg, meta.groupRequests, share ? (i) => share.owns(i) : undefined);

  const server = await runTarget(cfg, s.preflight);
  const model = server.model;
  adoptServerContext(cfg, s.options, server.maxModelLen);
  const calibration = await applyCalibration(s.options, cfg, model, log);

  const runTags = { ...s.tags, run: cfg.runId, trace: traceTag(cfg.traces), endpoint: cfg.endpoint, model, scenario: 'sessions' };
  const registry = new Registry(runTags, isTimeMetric);
  const scrapeConfig = readScrapeConfig(s.options, cfg.baseUrl, flagLabel(SESSIONS_FLAGS));
  const extras = new RunExtras({
    command: 'sessions', argv, specs: SESSIONS_FLAGS, options: s.options, runId: cfg.runId, baseUrl: cfg.baseUrl, apiKey: cfg.apiKey,
    metricsUrl: scrapeConfig.url, traces: cfg.traces.split(','), log,
  });
  const outputs = await openOutputs(s.outs, registry, cfg.summaryJson, extras.own);
  await extras.begin();
  // Several instances: sessions start at the common start (polled from the start file if need be).
  const start = s.start ? await commonStart(s.start, log) : undefined;
  const debug = s.debugFile ? openDebug(s.debugFile) : undefined;
  const slo = runSlo(s.slo);
  const live = new LiveRun({ planned: work.requests ?? null, graceMs: s.graceMs, quiet: cfg.quiet, outputs, slo: slo.tracker });
  extras.watch(live.progress);
  // The engine's /metrics beside the run; in a segmented run only the instance at 0 scrapes.
  const limitMs = ((cfg.durationS ?? cfg.maxDurationS) + cfg.gracefulStopS) * 1000;
  const scrape = startScrape(scrapeConfig.enabled && (!s.segment || parseSegment(s.segment).from.num === 0n), {
    config: scrapeConfig, sink: registry, model, maxMs: limitMs, progress: live.progress,
  });
  const job: Omit<SessionsJob, 'worker'> = {
    options: s.options, runId: cfg.runId, model, originUnixMs: start?.plannedUnixMs ?? nowUnixMs(), segment: s.segment, sequence: s.sequence, workers: s.workers,
    timeouts: s.timeouts, transport: s.transport, runTags, ...live.wants,
  };
  // In this thread, the traces planned above are not read a second time.
  const here = (j: SessionsJob, hooks: ThreadHooks) =>
    sessionsThread(j, { ...hooks, debug: debug ? (line) => debug.write(line.slice(DEBUG_PREFIX.length) + '\n') : undefined }, groups);
  const startedMs = start ? monotonicOf(start.plannedUnixMs) : nowMs();
  const started = start?.stamp(live.interrupt.stopSending);
  let results: SessionsThreadResult[];
  try {
    results = await live.runThreads(s.workers, job, here, 'sessions-worker', 0, start?.plannedUnixMs);
  } finally {
    live.end();
    await scrape.stop();
    await extras.end();
    if (debug) await new Promise((r) => debug.end(r));
  }
  for (const r of results) registry.merge(r.state);

  const data = registry.summaryData(nowMs() - startedMs, percentilesNeeded(s.thresholds));
  const thresholdResults = checkThresholds(s.thresholds, data);
  const run: RunInfo = {
    runId: cfg.runId, trace: cfg.traces, format: meta.formats.join(','), baseUrl: cfg.baseUrl, endpoint: cfg.endpoint, model, platform: 'engine',
    speedup: 1 / cfg.timeScale, plannedRequests: work.requests ?? data.metrics[COUNTERS.sent]?.values.count ?? 0,
    executionSegment: s.segment ? formatSegment(parseSegment(s.segment)) : null,
  };
  const result = buildSessionsResult(data, run, sessionsInfo(cfg, work.sessions), (name) => registry.histogramOf(name), {
    bucketMs: cfg.bucketMs, lastWindowMs: cfg.lastWindowMs, warmupFraction: cfg.warmupFraction, gpus: cfg.gpus,
  });
  // The serving result carries the block (as a replay's does, so its table shows it); the top level too.
  result.serving.slo = slo.block(result.serving.durationS);
  const extra = {
    interrupted: live.interrupt.interrupted, cutByLimit: results.some((r) => r.run.cutByLimit), workers: s.workers,
    segmentSequence: s.sequence ?? null, thresholds: summaryThresholds(thresholdResults), start: (await started) ?? null,
  };
  const lengthError = promptLengthError(data);
  const cap = contextCap(data, cfg.maxModelLen);
  const blocks = extras.blocks(result.serving, { ...result, transport: s.transport, engine: extra }, result.sessions.started);
  await writeJsonTo(cfg.summaryJson, { ...result, transport: s.transport, ...(result.serving.slo ? { slo: result.serving.slo } : {}), ...blocks, promptLengthError: lengthError, maxTokensCapped: cap, calibration: calibrationSummary(calibration), engine: extra });
  await outputs.close(log);
  await extras.finish(cfg.summaryJson, outputs.jsonl?.path);
  const lengthRows = calibration || lengthError.count > 0 ? renderPromptLengthError(lengthError) : '';
  return finishRun(renderSessions(result) + RunExtras.table(blocks) + lengthRows + renderContextCap(cap), thresholdResults, live.interrupt.interrupted, (t) => process.stdout.write(t), process.stdout.isTTY === true);
}
