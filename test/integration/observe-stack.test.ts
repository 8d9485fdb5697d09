// One real replay of the engine CLI against the simulator (with injected 429/503 faults) writing
// to a real InfluxDB and a real Prometheus (Debian packages, `make deps-observe`) at once, with
// the engine scrape on; then every query of both dashboards runs against what the run wrote, and
// the recorded totals must equal the summary JSON the replay wrote. A second replay on two worker
// threads must write the same totals as its summary JSON too (workers forward their samples).
// A replay against the simulator speaking SGLang (--flavor sglang) fills the engine panels too.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startSim, tempDir, type CliRun, type RunningSim } from './support/processes';
import { startObserveServer, stopObserveServer, type ObserveServer } from './support/observe-servers';
import { DASHBOARD_FILES, expectations } from '../../src/dashboards/build';
import { verifyAnnotations, verifyPanels, verifyVariables, type Connection, type QueryResult } from '../../src/dashboards/verify';
import { influxQuery, influxStrings } from '../../src/dashboards/datasources';
import type { QueryContext } from '../../src/dashboards/substitute';
import type { Dashboard, Flavour } from '../../src/dashboards/grafana';
import type { ReplayResult } from '../../src/metrics/summary';
import { COUNTERS } from '../../src/metrics/names';
import { ENGINE_SCRAPES } from '../../src/observe/names';

const MODEL = 'sim-model';
const DB = 'k6obs';
const PUSH_MS = 1000;
const SCRAPE_INTERVAL_S = 1;
const PUSH_ENV = { K6_INFLUXDB_PUSH_INTERVAL: `${PUSH_MS}ms`, K6_PROMETHEUS_RW_PUSH_INTERVAL: `${PUSH_MS}ms`, K6_PROMETHEUS_RW_STALE_MARKERS: 'true' };
/** What an output prints when a write was lost (a slow flush is not a loss). */
const LOST_WRITE = /(influxdb|prometheus-rw)=\S+: (a write of .* failed|\d+ .* not written)/;

/** The CLI replay of the Mooncake sample against `sim`, with extra flags; its summary JSON read back. */
async function replay(sim: RunningSim, runId: string, summaryPath: string, extra: string[], env: Record<string, string>) {
  const run = await runCli(['replay', '--trace', 'traces/mooncake-sample.jsonl', '--base-url', sim.url, '--model', MODEL,
    '--speedup', '10', '--max-requests', '120', '--run-id', runId, '--summary-json', summaryPath, '--quiet', ...extra], env, 180_000);
  const summary = run.code === 0 ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult) : undefined;
  return { run, summary };
}

const failedReasons = (s: ReplayResult) => Object.keys(s.errors).filter((r) => s.errors[r] > 0).sort();

/** Run totals straight from InfluxDB: sums of the counters the summary JSON reports. */
async function influxTotals(url: string, runId: string) {
  const where = `WHERE "run" = '${runId}'`;
  const sum = async (m: string, by?: string) => {
    const series = await influxQuery(url, DB, `SELECT sum("value") FROM "${m}" ${where}${by ? ` GROUP BY "${by}"` : ''}`);
    return by ? Object.fromEntries(series.map((s) => [s.labels[by], s.rows[0][0]])) : series[0]?.rows[0][0];
  };
  return {
    sent: await sum(COUNTERS.sent), requests: await sum(COUNTERS.requests, 'outcome'), errors: await sum(COUNTERS.errors, 'reason'),
    output: await sum(COUNTERS.outputTokens), prompt: await sum(COUNTERS.promptTokens), cached: await sum(COUNTERS.cachedTokens),
  };
}

/** The same totals as the summary JSON gives them. */
function summaryTotals(s: ReplayResult) {
  return {
    sent: s.requests.sent, requests: { ok: s.requests.succeeded, error: s.requests.failed },
    errors: Object.fromEntries(failedReasons(s).map((r) => [r, s.errors[r]])),
    output: s.tokens.output, prompt: s.tokens.input, cached: s.tokens.cached,
  };
}

describe('observability: engine outputs, engine scrape and dashboards on real InfluxDB and Prometheus', () => {
  const runId = `obs-${Date.now()}`;
  const work = tempDir('observe');
  let influx: ObserveServer | undefined;
  let prom: ObserveServer | undefined;
  let sim: RunningSim | undefined;
  let cli: CliRun;
  let summary: ReplayResult;
  let ctx: QueryContext;
  const sglangRunId = `${runId}-sglang`;
  let sglangSim: RunningSim | undefined;
  let sglangCli: CliRun;
  let sglangCtx: QueryContext;

  beforeAll(async () => {
    influx = startObserveServer('influxdb', 900);
    prom = startObserveServer('prometheus', 900);
    // --reasoning-tokens: every stream starts with reasoning, so the TTFO panel has data.
    sim = await startSim(['--preset', 'small', '--time-scale', '0.05', '--model', MODEL, '--quiet', '--reasoning-tokens', '2',
      '--fault-rate', '0.15', '--fault-kinds', 'status=429,status=503', '--seed', '7']);
    const startedMs = Date.now();
    // The Prometheus URL from k6's variable (as k6 users set it), the InfluxDB one in the flag.
    const r = await replay(sim, runId, join(work, 'summary.json'),
      ['--out', `influxdb=${influx.url}/${DB}`, '--out', 'prometheus-rw', '--scrape-interval-s', String(SCRAPE_INTERVAL_S)],
      { ...PUSH_ENV, K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write` });
    const endedMs = Date.now();
    cli = r.run;
    if (r.summary) summary = r.summary;
    ctx = {
      fromMs: startedMs - 5000, toMs: endedMs + 5000, intervalMs: 1000,
      // Grafana's $__rate_interval with the data source's interval set to the push interval.
      rateIntervalMs: 4 * PUSH_MS, vars: { run: runId, model: MODEL },
    };
    // The same outputs and scrape against the simulator speaking SGLang, under a run of its own.
    sglangSim = await startSim(['--flavor', 'sglang', '--preset', 'small', '--time-scale', '0.05', '--model', MODEL, '--quiet']);
    const sglangStartedMs = Date.now();
    const s2 = await replay(sglangSim, sglangRunId, join(work, 'summary-sglang.json'),
      ['--out', `influxdb=${influx.url}/${DB}`, '--out', 'prometheus-rw', '--scrape-interval-s', String(SCRAPE_INTERVAL_S), '--max-requests', '60'],
      { ...PUSH_ENV, K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write` });
    sglangCli = s2.run;
    sglangCtx = { ...ctx, fromMs: sglangStartedMs - 5000, toMs: Date.now() + 5000, vars: { run: sglangRunId, model: MODEL } };
  }, 420_000);

  afterAll(async () => {
    await sim?.stop();
    await sglangSim?.stop();
    stopObserveServer(influx);
    stopObserveServer(prom);
  });

  const influxConn = (): Connection => ({ flavour: 'influxdb', url: influx!.url, db: DB });
  const promConn = (): Connection => ({ flavour: 'prometheus', url: prom!.url });
  const connection = (f: Flavour) => (f === 'influxdb' ? influxConn() : promConn());
  const dashboard = (f: Flavour) => JSON.parse(readFileSync(DASHBOARD_FILES[f], 'utf8')) as Dashboard;
  const influxRows = async (q: string): Promise<unknown[][]> => {
    const r = await fetch(`${influx!.url}/query?db=${DB}&epoch=ms&q=${encodeURIComponent(q)}`);
    return ((await r.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> }).results[0].series?.[0]?.values ?? [];
  };
  const failures = (rs: QueryResult[]) => rs.filter((r) => r.problems.length).map((r) => `${r.what}: ${r.problems.join('; ')}\n  ${r.query}`);

  it('the replay ran to the end with both outputs on, and the faults show up as failures', () => {
    expect(cli.code, cli.stderr.slice(-3000)).toBe(0);
    // Slow flushes on a busy machine are fine; a lost write would be reported.
    expect(cli.stderr).not.toMatch(LOST_WRITE);
    expect(cli.stderr).not.toMatch(/scrape: /);
    expect(summary.requests.sent).toBeGreaterThan(110);
    expect(summary.requests.succeeded).toBeGreaterThan(60);
    expect(summary.requests.failed).toBeGreaterThan(0);
    expect(failedReasons(summary).length).toBeGreaterThan(0);
  });

  for (const flavour of ['influxdb', 'prometheus'] as const) {
    it(`every ${flavour} engine panel shows SGLang's series from its /metrics`, async () => {
      expect(sglangCli.code, sglangCli.stderr.slice(-3000)).toBe(0);
      expect(sglangCli.stderr).not.toMatch(/scrape: /);
      const engineOnly = new Map([...expectations(flavour)].filter(([, e]) => e.by === 'engine').map(([k, e]) => [k, { ...e, values: ['sglang'] }]));
      expect(engineOnly.size).toBeGreaterThan(3);
      const results = (await verifyPanels(dashboard(flavour), connection(flavour), sglangCtx, engineOnly)).filter((r) => engineOnly.has(r.what));
      expect(results.length).toBe(engineOnly.size);
      expect(failures(results)).toEqual([]);
    });

    it(`every ${flavour} panel query returns the series it should`, async () => {
      const results = await verifyPanels(dashboard(flavour), connection(flavour), ctx, expectations(flavour));
      expect(results.length).toBe(expectations(flavour).size);
      expect(failures(results)).toEqual([]);
    });

    it(`the ${flavour} variables list the run and model, and the run annotations find the run`, async () => {
      const conn = connection(flavour);
      const d = dashboard(flavour);
      const vars = await verifyVariables(d, conn, ctx, { run: runId, model: MODEL });
      expect(vars.map((v) => v.what)).toEqual(['variable campaign', 'variable point', 'variable run', 'variable model']);
      const notes = await verifyAnnotations(d, conn, ctx, runId);
      expect(notes.length).toBeGreaterThan(0);
      expect(failures([...vars, ...notes])).toEqual([]);
    });

    it(`the ${flavour} run-total panels agree with the summary JSON`, async () => {
      const results = await verifyPanels(dashboard(flavour), connection(flavour), ctx, expectations(flavour));
      const total = (what: string, label?: [string, string]) => {
        const r = results.find((x) => x.what === what);
        const s = r?.series.find((x) => !label || x.labels[label[0]] === label[1]);
        return s?.rows[0]?.[0];
      };
      expect(total('Requests by outcome/A', ['outcome', 'ok'])).toBe(summary.requests.succeeded);
      expect(total('Requests by outcome/A', ['outcome', 'error'])).toBe(summary.requests.failed);
      expect(total('Requests sent/A')).toBe(summary.requests.sent);
      expect(total('Output tokens/A')).toBe(summary.tokens.output);
      expect(total('Prompt and cached tokens/A')).toBe(summary.tokens.input);
      expect(total('Prompt and cached tokens/B')).toBe(summary.tokens.cached);
      // The cumulative failures per reason end at the summary's count for that reason.
      const byReason: Record<string, number> = {};
      for (const s of results.find((x) => x.what === 'Failed requests so far, by reason/A')!.series) {
        const last = Math.max(...s.rows.map((r) => r[0] ?? -Infinity));
        byReason[s.labels.reason] = Math.max(byReason[s.labels.reason] ?? -Infinity, last);
      }
      expect(byReason).toEqual(summaryTotals(summary).errors);
    });
  }

  it('InfluxDB holds exactly the totals of the summary JSON (sent, ok/error, each reason, tokens)', async () => {
    expect(await influxTotals(influx!.url, runId)).toEqual(summaryTotals(summary));
  });

  it('the engine scrape ran during the replay, tagged engine=vllm and model, and stopped with it', async () => {
    const where = `WHERE "run" = '${runId}'`;
    const scrapes = await influxQuery(influx!.url, DB, `SELECT sum("value") AS "n" FROM "${ENGINE_SCRAPES}" ${where} GROUP BY "outcome"`);
    const count = (outcome: string) => scrapes.find((x) => x.labels.outcome === outcome)?.rows[0][0] ?? 0;
    const tagged = await influxQuery(influx!.url, DB, `SELECT count("value") FROM "engine_requests_running" ${where} GROUP BY "engine", "model"`);
    expect(tagged.map((s) => s.labels)).toEqual([{ engine: 'vllm', model: MODEL }]);
    // Point times (epoch ms) of a measurement in this run.
    const times = async (m: string) => {
      const rows = await influxRows(`SELECT "value" FROM "${m}" ${where}`);
      return { first: rows[0][0] as number, last: rows[rows.length - 1][0] as number, n: rows.length };
    };
    const client = await times('llm_requests');
    const engine = await times('engine_requests_running');
    // One scrape a second over the whole replay (a loaded machine may delay or time out a few)...
    expect(engine.first).toBeLessThanOrEqual(client.first);
    expect(engine.n).toBeGreaterThanOrEqual(Math.floor((client.last - client.first) / 1000 / SCRAPE_INTERVAL_S / 2));
    expect(count('ok')).toBe(engine.n);
    expect(count('error')).toBeLessThanOrEqual(engine.n / 4);
    // ...and the final scrape soon after the last response, not when the scrape's time limit ran out.
    expect(engine.last).toBeGreaterThanOrEqual(client.last);
    expect(engine.last - client.last).toBeLessThan(SCRAPE_INTERVAL_S * 1000 + 1500);
  });

  it('tags stay few and bounded: no per-request tag on any measurement or series', async () => {
    const allowed = new Set(['run', 'trace', 'endpoint', 'model', 'scenario', 'group', 'outcome', 'reason', 'engine']);
    const tagKeys = new Set(await influxStrings(influx!.url, DB, 'SHOW TAG KEYS', 'tagKey'));
    expect(tagKeys.size).toBeGreaterThan(5);
    expect([...tagKeys].filter((k) => !allowed.has(k))).toEqual([]);
    // The busiest measurement has a handful of series, far fewer than the 120 requests.
    expect((await influxStrings(influx!.url, DB, 'SHOW SERIES FROM "llm_ttft"', 'key')).length).toBeLessThanOrEqual(2);
    const res = await fetch(`${prom!.url}/api/v1/series?match[]=${encodeURIComponent('{__name__=~"k6_.+"}')}&start=${ctx.fromMs / 1000}&end=${ctx.toMs / 1000}`);
    const perName = new Map<string, number>();
    for (const labels of ((await res.json()) as { data: Array<Record<string, string>> }).data) {
      perName.set(labels.__name__, (perName.get(labels.__name__) ?? 0) + 1);
    }
    expect(perName.size).toBeGreaterThan(10);
    for (const [name, n] of perName) expect(n, name).toBeLessThanOrEqual(30);
  });

  it('on two worker threads, InfluxDB gets the same totals as the summary JSON', async () => {
    const workersRun = `${runId}-w2`;
    const r = await replay(sim!, workersRun, join(work, 'summary-w2.json'),
      ['--workers', '2', '--no-scrape', '--out', `influxdb=${influx!.url}/${DB}`], PUSH_ENV);
    expect(r.run.code, r.run.stderr.slice(-3000)).toBe(0);
    expect(r.run.stderr).not.toMatch(LOST_WRITE);
    expect((r.summary as ReplayResult & { engine: { workers: number } }).engine.workers).toBe(2);
    expect(r.summary!.requests.sent).toBe(120);
    expect(r.summary!.requests.failed).toBeGreaterThan(0);
    expect(await influxTotals(influx!.url, workersRun)).toEqual(summaryTotals(r.summary!));
  }, 200_000);
});
