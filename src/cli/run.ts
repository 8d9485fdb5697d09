// `llm-replay run FILE`: a user's scenario (TypeScript on the scripting API, src/engine/api.ts)
// compiled with esbuild and run on the engine: preflight, outputs, progress, Ctrl-C, then the
// standard table, the custom metrics, thresholds (CLI and the scenario's own), the summary JSON,
// the scenario's handleSummary, and the exit code (0 passed, 99 threshold, 2 usage, 1 failed).

import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { flagLabel, parseFlags, renderHelp, UsageError, type FlagSpec } from './flags';
import { EXIT } from '../engine/exit-codes';
import { COMMON_RUN_FLAGS, TARGET_FLAGS } from './common-flags';
import { EXTRA_FLAGS, RunExtras } from './run-extras';
import { readRunFlags, type RunFlags } from './run-flags';
import { LiveRun } from './live-run';
import { openOutputs } from './outputs';
import { EnvReader, OptionError } from '../config/env';
import { Registry } from '../engine/metrics';
import { DEFAULT_TIMEOUTS } from '../engine/transport';
import { createTransport } from '../engine/transport-choice';
import { runModel } from '../engine/preflight';
import { failureLine } from '../engine/threads';
import { formatSegment, parseSegment, parseSequence, segmentIndices } from '../schedule/segments';
import { parseThresholdOptions, percentilesNeeded, renderThresholds, summaryThresholds, type Threshold } from '../engine/thresholds';
import { checkThresholds, finishRun, writeJson } from '../engine/summary';
import { nowMs, nowUnixMs } from '../engine/clock';
import { buildResult, renderTable, type RunInfo } from '../metrics/summary';
import { isTimeMetric } from '../metrics/units';
import { compileScenario, CompileError } from '../engine/scripting/compile';
import { scenarioOf, ScenarioModuleError, type Scenario, type SummaryData } from '../engine/scripting/scenario';
import { RequestClient } from '../engine/scripting/client';
import { Context } from '../engine/scripting/context';
import { requestRecord, type Endpoint } from '../engine/scripting/request';
import { ENDPOINTS } from '../openai/request';
import { applySummaryOutput, renderCustomMetrics } from '../engine/scripting/summary';

/** The summary JSON's default path differs from replay's. */
const RUN_COMMON_FLAGS: FlagSpec[] = COMMON_RUN_FLAGS.map((f) => (f.flag === 'summary-json' ? { ...f, default: 'results/run-summary.json' } : f));

export const RUN_FLAGS: FlagSpec[] = [...TARGET_FLAGS, ...RUN_COMMON_FLAGS, ...EXTRA_FLAGS];

const USAGE = `usage: llm-replay run SCENARIO.ts [--base-url URL] [--model NAME] [flags]

Runs your own scenario: a TypeScript (or JavaScript) module on the scripting API
(import { defineScenario } from 'k6-llm-replay'), compiled with esbuild. Requests are measured
and recorded as in replay (TTFT, ITL, TPOT, E2E, tokens); the run ends with the same table,
your custom metrics and thresholds (your --threshold flags and the scenario's options).
Guide: docs/scripting.md; a complete scenario: examples/scenario.ts.
The API key is read from OPENAI_API_KEY or API_KEY (never from a flag, never printed).`;

const EXAMPLE = `example:
  llm-replay run examples/scenario.ts --base-url http://127.0.0.1:8000 --threshold 'ttft:p(99)<2000'`;

export interface RunSettings extends RunFlags {
  file: string;
  baseUrl: string;
  model?: string;
  endpoint: Endpoint;
  stream: boolean;
  reuseConnections: boolean;
  requestIdHeader: string;
  summaryJson: string;
  runId: string;
  quiet: boolean;
  apiKey?: string;
  /** The command line, for the run card; the options, for the dashboard, cost and energy flags. */
  argv: string[];
  options: Record<string, string | undefined>;
}

/** The command line of `run`; bad flags throw UsageError naming them. */
export function readRunSettings(argv: string[], env: NodeJS.ProcessEnv, now = new Date()): RunSettings | 'help' {
  const flags = parseFlags(argv, RUN_FLAGS, 'llm-replay run');
  if (flags.help) return 'help';
  if (flags.positional.length !== 1) {
    throw new UsageError(flags.positional.length === 0
      ? 'llm-replay run: name the scenario file, e.g. llm-replay run examples/scenario.ts (see --help)'
      : `llm-replay run: one scenario file at a time, got ${flags.positional.join(' ')}`);
  }
  const file = flags.positional[0];
  if (!existsSync(file)) throw new UsageError(`llm-replay run: no such scenario file: ${file}`);
  const label = flagLabel(RUN_FLAGS);
  const r = new EnvReader(flags.options, label);
  try {
    const baseUrl = r.string('BASE_URL', 'http://127.0.0.1:8000').replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(baseUrl)) throw new OptionError(`${label('BASE_URL', baseUrl)}: must start with http:// or https://`);
    const run = readRunFlags(flags, label, r.number('TIMEOUT_MS', 600_000, (n) => n >= 0, 'a time in ms >= 0'));
    if (run.workers !== 1) {
      throw new OptionError(`${label('WORKERS', flags.options.WORKERS ?? '')}: run executes a scenario in one thread; split a run over processes with --segment and --segment-sequence`);
    }
    return {
      ...run, file, baseUrl, model: r.string('MODEL'),
      endpoint: r.oneOf('ENDPOINT', ENDPOINTS, 'chat'),
      stream: r.bool('STREAM', true),
      reuseConnections: r.bool('CONN_REUSE', true),
      requestIdHeader: r.string('REQUEST_ID_HEADER', 'X-Request-Id'),
      summaryJson: r.string('SUMMARY_JSON', 'results/run-summary.json'),
      runId: r.string('RUN_ID', now.toISOString().replace(/[:.]/g, '-')),
      quiet: r.bool('QUIET', false),
      apiKey: env.OPENAI_API_KEY || env.API_KEY || undefined,
      argv, options: flags.options,
    };
  } catch (e) {
    if (e instanceof OptionError) throw new UsageError(e.message);
    throw e;
  }
}

/** Compiles and imports the scenario; syntax and shape errors are usage errors (exit 2). */
async function loadScenario(file: string): Promise<{ scenario: Scenario; dispose: () => void }> {
  let compiled;
  try {
    compiled = await compileScenario(file);
  } catch (e) {
    if (e instanceof CompileError) throw new UsageError(e.message);
    throw e;
  }
  try {
    // Stack traces of the user's code point at their file through the inline source map.
    process.setSourceMapsEnabled?.(true);
    const mod = (await import(compiled.url)) as Record<string, unknown>;
    return { scenario: scenarioOf(mod, file), dispose: compiled.dispose };
  } catch (e) {
    compiled.dispose();
    if (e instanceof ScenarioModuleError) throw new UsageError(e.message);
    throw new Error(`${file}: the scenario failed while loading: ${(e as Error).message}`, { cause: e });
  }
}

function scenarioThresholds(s: Scenario, file: string): Threshold[] {
  try {
    return parseThresholdOptions(s.options?.thresholds ?? {}, `${file}: options.thresholds`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export async function runCommand(argv: string[]): Promise<number> {
  const s = readRunSettings(argv, process.env);
  if (s === 'help') {
    process.stdout.write(renderHelp(USAGE, RUN_FLAGS, EXAMPLE));
    return EXIT.ok;
  }
  const { scenario, dispose } = await loadScenario(s.file);
  try {
    return await runScenario(s, scenario);
  } finally {
    dispose();
  }
}

async function runScenario(s: RunSettings, scenario: Scenario): Promise<number> {
  const thresholds = [...s.thresholds, ...scenarioThresholds(scenario, s.file)];
  const log = (t: string) => process.stderr.write(t.endsWith('\n') ? t : t + '\n');
  const auth: Record<string, string> = s.apiKey ? { authorization: `Bearer ${s.apiKey}` } : {};
  const model = await runModel(s, s.preflight);
  const transport = createTransport(s.transport, { reuseConnections: s.reuseConnections, timeouts: { ...DEFAULT_TIMEOUTS, ...s.timeouts } });

  const name = scenario.options?.name ?? basename(s.file);
  const runTags = { run: s.runId, trace: name, endpoint: s.endpoint, model, scenario: name };
  // Custom trends say themselves whether they hold times; the context declares them.
  let ctx: Context | undefined;
  const registry = new Registry(runTags, (m) => isTimeMetric(m) || m === 'iteration_duration' || ctx?.metrics.isTime(m) === true);
  const extras = new RunExtras({
    command: 'run', argv: s.argv, specs: RUN_FLAGS, options: s.options, runId: s.runId, baseUrl: s.baseUrl, apiKey: s.apiKey,
    metricsUrl: `${s.baseUrl}/metrics`, traces: [s.file], log,
  });
  const outputs = await openOutputs(s.outs, registry, undefined, extras.own);
  await extras.begin();
  const live = new LiveRun({ planned: null, graceMs: s.graceMs, quiet: s.quiet, outputs });
  extras.watch(live.progress);
  const { stopSending, abortInFlight } = live.interrupt;
  const report = live.hooks();
  const originUnixMs = nowUnixMs();
  const client = new RequestClient({
    transport, sink: registry, target: { baseUrl: s.baseUrl, model, endpoint: s.endpoint, stream: s.stream }, originUnixMs,
    headers: auth, requestIdHeader: s.requestIdHeader, idPrefix: s.runId, abortInFlight,
  });
  const share = s.segment || s.sequence ? segmentIndices(s.segment ? parseSegment(s.segment) : null, s.sequence ? parseSequence(s.sequence) : null) : undefined;
  ctx = new Context({
    client, sink: registry, runId: s.runId, stopSending, share,
    hooks: {
      log: (t) => live.progress.message(t),
      onSend: report.onSend,
      onResult: (r, place) => report.onRecord!(outputs.jsonl ? requestRecord(r, place) : undefined, r.ok ? undefined : failureLine(r.id, undefined, r.reason, r.detail)),
    },
  });

  const startedMs = nowMs();
  let scenarioError: Error | undefined;
  try {
    await scenario.run(ctx);
  } catch (e) {
    scenarioError = e as Error;
  } finally {
    live.end();
    await transport.close();
    await extras.end();
  }
  if (scenarioError) log(`${s.file}: the scenario threw: ${scenarioError.stack ?? scenarioError.message}`);

  const durationMs = nowMs() - startedMs;
  const data = registry.summaryData(durationMs, percentilesNeeded(thresholds));
  const thresholdResults = checkThresholds(thresholds, data);
  const sent = registry.counterValue('llm_requests_sent');
  const run: RunInfo = {
    runId: s.runId, trace: name, format: 'scenario', baseUrl: s.baseUrl, endpoint: s.endpoint, model, platform: 'engine',
    speedup: 1, plannedRequests: sent + ctx.loopTotals.notSent, executionSegment: s.segment ? formatSegment(parseSegment(s.segment)) : null,
  };
  const result = buildResult(data, run, (n) => registry.histogramOf(n));
  const custom = Object.fromEntries([...ctx.metrics.declared.keys()].map((k) => [k, data.metrics[k]?.values ?? null]));
  const blocks = extras.blocks(result, { ...result, transport: s.transport });
  Object.assign(result, blocks);
  writeJson(s.summaryJson, {
    ...result,
    transport: s.transport,
    engine: { interrupted: live.interrupt.interrupted, notSentInterrupted: ctx.loopTotals.notSent, delayedByConcurrency: ctx.loopTotals.delayedByConcurrency, scenarioError: scenarioError?.message ?? null, thresholds: summaryThresholds(thresholdResults) },
    custom,
  });
  await outputs.close(log);
  await extras.finish(s.summaryJson, outputs.jsonl?.path);

  const customBlock = renderCustomMetrics(data, ctx.metrics.declared);
  const table = renderTable(result) + RunExtras.table(blocks) + (customBlock ? `\n${customBlock}` : '');
  const color = process.stdout.isTTY === true;
  const write = (t: string) => process.stdout.write(t);
  let code: number;
  if (scenario.handleSummary) {
    const thresholdBlock = renderThresholds(thresholdResults);
    const text = table + (thresholdBlock ? `\n${thresholdBlock}\n` : '');
    const marks = summaryThresholds(thresholdResults);
    const metrics: SummaryData['metrics'] = {};
    for (const [k, m] of Object.entries(data.metrics)) if (m) metrics[k] = marks[k] ? { ...m, thresholds: marks[k] } : m;
    const summary: SummaryData = { metrics, state: { testRunDurationMs: durationMs, isInterrupted: live.interrupt.interrupted }, result, text };
    let writes;
    try {
      writes = applySummaryOutput(await scenario.handleSummary(summary), process.cwd());
    } catch (e) {
      log(`${s.file}: handleSummary failed: ${(e as Error).message}; printing the default summary`);
      writes = { files: [] as string[] };
    }
    if (writes.stderr) process.stderr.write(writes.stderr);
    for (const f of writes.files) log(`handleSummary wrote ${f}`);
    // As k6: a `stdout` from handleSummary takes the place of the default text.
    code = writes.stdout !== undefined ? finishRun('', thresholdResults, live.interrupt.interrupted, () => {}, false) : finishRun(table, thresholdResults, live.interrupt.interrupted, write, color);
    if (writes.stdout !== undefined) write(writes.stdout);
  } else {
    code = finishRun(table, thresholdResults, live.interrupt.interrupted, write, color);
  }
  if (scenarioError && code !== EXIT.thresholds) return EXIT.startFailed;
  return code;
}
