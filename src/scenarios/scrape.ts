// The engine's /metrics read beside a run (the engine-side port of src/k6/scrape.ts): every
// interval it records engine_* gauges and counters into the run's MetricSink, tagged engine and
// model, so the engine's queue, KV usage and prefix-cache hits land in the same database, on
// the same time axis, as the client metrics. It stops when the run tells it (AbortSignal: one
// last scrape, so totals include the run's tail) or at its own time limit. A missing or foreign
// /metrics costs one warning, never the run (src/observe/session.ts). No API key is sent.

import { getText, KeepAlive } from '../engine/get-text';
import type { ScrapeConfig } from '../observe/config';
import type { EngineName } from '../observe/engines';
import { ScrapeLoop } from '../observe/loop';
import { ENGINE_SCRAPES } from '../observe/names';
import { ScrapeSession, type SessionLog } from '../observe/session';
import { EngineScrapeTotals, type EngineScrapeSummary } from '../observe/scrape-summary';
import type { MetricSink, Tags } from '../metrics/sink';

export interface EngineScrapeOptions {
  config: ScrapeConfig;
  sink: MetricSink;
  /** The model under test: series labelled with other models are left out. */
  model?: string;
  /** Hard limit (ms from the start of the scrape), e.g. the run's duration plus its grace period. */
  maxMs: number;
  /** Abort = the run is over: one final scrape, then return. */
  signal?: AbortSignal;
  /** Added to every sample (default { scenario: 'scrape' }, as in k6); engine and model are added too. */
  tags?: Tags;
  log?: SessionLog;
}

export interface EngineScrapeResult {
  scrapes: number;
  failed: number;
  engine: EngineName | null;
  /** True when the engine was taken as absent (after the one warning). */
  gaveUp: boolean;
  /** What the engine's counters and queue did over the run (for the summary JSON). */
  summary: EngineScrapeSummary;
}

const defaultLog: SessionLog = { warn: (m) => console.warn(m), info: (m) => console.log(m) };

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs the scrape until `signal` aborts or `maxMs` passes; never rejects for the engine's sake. */
export async function runEngineScrape(opts: EngineScrapeOptions): Promise<EngineScrapeResult> {
  const { config, sink, signal } = opts;
  const totals = new EngineScrapeTotals();
  const result: EngineScrapeResult = { scrapes: 0, failed: 0, engine: config.engine, gaveUp: false, summary: totals.summary(config.engine, 0, 0) };
  if (!config.enabled) return result;
  const session = new ScrapeSession(config.url, config.engine, opts.model, config.intervalS, opts.log ?? defaultLog);
  const baseTags: Tags = { scenario: 'scrape', ...opts.tags, ...(opts.model ? { model: opts.model } : {}) };
  const agent = new KeepAlive();
  // The run's end is the abort; the loop only paces scrapes and enforces maxMs.
  const loop = new ScrapeLoop(config.intervalS * 1000, { activeUntilMs: Infinity, maxMs: opts.maxMs });
  const started = performance.now();

  const scrapeOnce = async () => {
    const answer = await getText(config.url, { accept: 'text/plain' }, config.timeoutS * 1000, agent);
    const step = session.handle(answer, performance.now());
    result.scrapes++;
    if (step.outcome === 'error') result.failed++;
    if (step.outcome) sink.counter(ENGINE_SCRAPES, 1, { ...baseTags, outcome: step.outcome });
    if (step.engine) result.engine = step.engine;
    totals.add(step.samples);
    const tags = step.engine ? { ...baseTags, engine: step.engine } : baseTags;
    for (const s of step.samples) {
      if (s.kind === 'counter') sink.counter(s.metric, s.value, tags);
      else sink.gauge(s.metric, s.value, tags);
    }
  };

  try {
    for (;;) {
      if (signal?.aborted) {
        if (!session.gaveUp) await scrapeOnce();
        break;
      }
      const step = loop.step(performance.now() - started, 1);
      if (step.action === 'stop') break;
      if (step.action === 'wait') await pause(step.ms, signal);
      else if (!session.gaveUp) await scrapeOnce();
    }
  } finally {
    agent.close();
  }
  result.gaveUp = session.gaveUp;
  result.summary = totals.summary(result.engine, result.scrapes, result.failed);
  return result;
}
