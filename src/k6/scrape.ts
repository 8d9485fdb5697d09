// The `scrape` scenario: one VU reads the engine's Prometheus /metrics every few seconds while
// the load runs and records engine_* k6 metrics (tagged engine and model), so the engine's
// queue, KV usage and prefix-cache hits land in the same database, on the same time axis, as
// the client metrics. Parsing and maths are in src/observe; this is the k6 glue. An unknown
// engine or an unreachable /metrics costs one warning, never the run.

import http from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { Counter, Gauge } from 'k6/metrics';
import type { Scenario } from 'k6/options';
import type { ScrapeConfig } from '../observe/config';
import { parseExposition } from '../observe/exposition';
import { detectEngine, snapshot, type EngineName } from '../observe/engines';
import { EngineTracker, type EngineSample } from '../observe/tracker';
import { ScrapeLoop, type LoopWindow } from '../observe/loop';
import { ENGINE_COUNTERS, ENGINE_GAUGES, ENGINE_LATENCY_GAUGES, ENGINE_SCRAPES } from '../observe/names';

/** Name of the exec function entry points export (`export { scrape } ...`). */
export const SCRAPE_EXEC = 'scrape';
/** The scenario's own -e variable carrying its resolved plan to the VU. */
const PLAN_ENV = 'K6LR_SCRAPE_PLAN';

type ScrapePlan = ScrapeConfig & LoopWindow;

// k6 metrics must be declared in init code; unused ones emit nothing.
const metrics = new Map<string, Gauge | Counter>();
for (const name of Object.values(ENGINE_GAUGES)) metrics.set(name, new Gauge(name));
for (const name of Object.values(ENGINE_LATENCY_GAUGES)) metrics.set(name, new Gauge(name, true));
for (const name of Object.values(ENGINE_COUNTERS)) metrics.set(name, new Counter(name));
const scrapes = new Counter(ENGINE_SCRAPES);

/**
 * The scrape scenario for a load whose arrivals end at `window.activeUntilMs` (scenario time)
 * and which may run until `window.maxMs`; {} when scraping is off.
 */
export function scrapeScenarios(cfg: ScrapeConfig, window: LoopWindow): Record<string, Scenario> {
  if (!cfg.enabled) return {};
  const plan: ScrapePlan = { ...cfg, ...window };
  return {
    [SCRAPE_EXEC]: {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 1,
      maxDuration: `${Math.ceil(window.maxMs / 1000) + 1}s`,
      gracefulStop: `${Math.ceil(cfg.timeoutS) + 1}s`,
      exec: SCRAPE_EXEC,
      env: { [PLAN_ENV]: JSON.stringify(plan) },
    },
  };
}

/** Failed scrapes in a row, before any success, after which the engine is taken as absent. */
const GIVE_UP_AFTER = 3;

class Scraper {
  private readonly tracker = new EngineTracker();
  private engine: EngineName | null;
  private succeeded = false;
  private failuresInRow = 0;
  private warned = false;
  /** Set when scraping is pointless (no /metrics, or not an engine we know): the loop then only waits. */
  gaveUp = false;

  constructor(
    private readonly plan: ScrapePlan,
    private readonly model: string | undefined,
  ) {
    this.engine = plan.engine;
  }

  /** At most one warning per run from us (k6 itself logs "Request Failed" for network errors). */
  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    console.warn(`scrape: ${message}`);
  }

  scrapeOnce(): void {
    const res = http.get(this.plan.url, { timeout: `${this.plan.timeoutS}s`, tags: { name: 'engine /metrics' }, responseType: 'text' });
    const atMs = exec.instance.currentTestRunDuration;
    if (res.status !== 200 || typeof res.body !== 'string') {
      scrapes.add(1, { outcome: 'error' });
      this.failuresInRow++;
      const why = `status ${res.status}${res.error ? `, ${res.error}` : ''}`;
      if (this.succeeded) {
        this.warnOnce(`${this.plan.url} stopped answering (${why}); failed scrapes are counted in ${ENGINE_SCRAPES}{outcome:error}`);
      } else if (this.failuresInRow >= GIVE_UP_AFTER) {
        this.gaveUp = true;
        this.warnOnce(`cannot read ${this.plan.url} (${why}, ${GIVE_UP_AFTER} tries): no engine_* metrics in this run (set SCRAPE_URL, or SCRAPE=false)`);
      }
      return;
    }
    const expo = parseExposition(res.body);
    if (!this.engine) this.engine = detectEngine(expo);
    const snap = this.engine ? snapshot(expo, this.engine, this.model) : null;
    if (!snap || (Object.keys(snap.levels).length === 0 && Object.keys(snap.counters).length === 0)) {
      this.gaveUp = true;
      const seen = expo.samples.slice(0, 3).map((s) => s.name).join(', ');
      this.warnOnce(`${this.plan.url} shows no ${this.engine ?? 'vLLM, SGLang or llama.cpp'} metrics ` +
        `(${expo.samples.length} series${seen ? `, e.g. ${seen}` : ''}): no engine_* metrics in this run (set SCRAPE_ENGINE or SCRAPE_URL, or SCRAPE=false)`);
      return;
    }
    if (!this.succeeded) {
      console.log(`scrape: ${snap.engine} metrics from ${this.plan.url} every ${this.plan.intervalS}s` +
        (snap.missing.length ? ` (not exposed: ${snap.missing.join(', ')})` : ''));
    }
    this.succeeded = true;
    this.failuresInRow = 0;
    scrapes.add(1, { outcome: 'ok' });
    this.record(this.tracker.update(snap, atMs), snap.engine);
  }

  private record(samples: EngineSample[], engine: EngineName): void {
    const tags: Record<string, string> = { engine };
    if (this.model) tags.model = this.model;
    for (const s of samples) metrics.get(s.metric)?.add(s.value, tags);
  }
}

/** The scenario's exec function: scrape until the load is over (see src/observe/loop.ts). */
export function scrape(data?: { model?: string }): void {
  const raw = __ENV[PLAN_ENV];
  if (!raw) throw new Error(`${SCRAPE_EXEC}: run it through scrapeScenarios() (missing ${PLAN_ENV})`);
  const plan = JSON.parse(raw) as ScrapePlan;
  const scraper = new Scraper(plan, data?.model);
  const loop = new ScrapeLoop(plan.intervalS * 1000, plan);
  const startMs = exec.scenario.startTime;
  for (;;) {
    const step = loop.step(Date.now() - startMs, exec.instance.vusActive - 1);
    if (step.action === 'stop') {
      // Last counters after the load, so totals include its tail.
      if (step.finalScrape && !scraper.gaveUp) scraper.scrapeOnce();
      return;
    }
    if (step.action === 'scrape' && !scraper.gaveUp) scraper.scrapeOnce();
    else if (step.action === 'wait') sleep(step.ms / 1000);
  }
}
