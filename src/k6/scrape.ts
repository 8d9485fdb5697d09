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
import { ScrapeSession } from '../observe/session';
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

/** One scrape through the pure session (src/observe/session.ts: the one-warning rule), recorded into k6 metrics. */
class Scraper {
  private readonly session: ScrapeSession;

  constructor(
    private readonly plan: ScrapePlan,
    private readonly model: string | undefined,
  ) {
    this.session = new ScrapeSession(plan.url, plan.engine, model, plan.intervalS, { warn: (m) => console.warn(m), info: (m) => console.log(m) });
  }

  get gaveUp(): boolean {
    return this.session.gaveUp;
  }

  scrapeOnce(): void {
    const res = http.get(this.plan.url, { timeout: `${this.plan.timeoutS}s`, tags: { name: 'engine /metrics' }, responseType: 'text' });
    const answer = typeof res.body === 'string' && res.status !== 0 ? { status: res.status, body: res.body } : { error: `status ${res.status}${res.error ? `, ${res.error}` : ''}` };
    const step = this.session.handle(answer, exec.instance.currentTestRunDuration);
    if (step.outcome) scrapes.add(1, { outcome: step.outcome });
    if (!step.engine) return;
    const tags: Record<string, string> = { engine: step.engine };
    if (this.model) tags.model = this.model;
    for (const sample of step.samples) metrics.get(sample.metric)?.add(sample.value, tags);
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
