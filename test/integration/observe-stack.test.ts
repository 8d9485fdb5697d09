// One real replay against the simulator (with injected 429/503 faults) writing to a real
// InfluxDB and a real Prometheus (Debian packages, `make deps-observe`) at once, with the engine
// scrape on; then every query of both dashboards runs against what the run wrote, and the
// recorded totals must equal the summary JSON the replay wrote.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envArgs, runK6, startSim, tempDir, type K6Run, type RunningSim } from './support/processes';
import { DASHBOARD_FILES, expectations } from '../../src/dashboards/build';
import { verifyAnnotations, verifyPanels, verifyVariables, type Connection, type QueryResult } from '../../src/dashboards/verify';
import { influxQuery, influxStrings } from '../../src/dashboards/datasources';
import type { QueryContext } from '../../src/dashboards/substitute';
import type { Dashboard, Flavour } from '../../src/dashboards/grafana';
import type { ReplayResult } from '../../src/metrics/summary';
import { ENGINE_SCRAPES } from '../../src/observe/names';

const MODEL = 'sim-model';
const DB = 'k6obs';
const PUSH_MS = 1000;
const SCRAPE_INTERVAL_S = 1;

interface Server {
  url: string;
  dir: string;
}

function startServer(script: 'start-influxdb.sh' | 'start-prometheus.sh'): Server {
  const r = spawnSync('bash', [`scripts/observe/${script}`, '--max-seconds', '900'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${script} failed (run \`make deps-observe\`?):\n${r.stderr}`);
  const [url, dir] = r.stdout.trim().split(' ');
  return { url, dir };
}

const stopServer = (s?: Server) => s && spawnSync('bash', ['scripts/observe/stop.sh', s.dir], { timeout: 30_000 });

describe('observability: k6 outputs, engine scrape and dashboards on real InfluxDB and Prometheus', () => {
  const runId = `obs-${Date.now()}`;
  const work = tempDir('observe');
  const summaryPath = join(work, 'summary.json');
  let influx: Server | undefined;
  let prom: Server | undefined;
  let sim: RunningSim | undefined;
  let k6: K6Run;
  let summary: ReplayResult;
  let ctx: QueryContext;
  let startedMs = 0;

  beforeAll(async () => {
    influx = startServer('start-influxdb.sh');
    prom = startServer('start-prometheus.sh');
    sim = await startSim(['--preset', 'small', '--time-scale', '0.05', '--model', MODEL, '--quiet',
      '--fault-rate', '0.15', '--fault-kinds', 'status=429,status=503', '--seed', '7']);
    startedMs = Date.now();
    k6 = await runK6(
      ['run', '--quiet', '--out', `influxdb=${influx.url}/${DB}`, '--out', 'experimental-prometheus-rw',
        ...envArgs({
          TRACE: 'traces/mooncake-sample.jsonl', BASE_URL: sim.url, MODEL, SPEEDUP: 10, MAX_REQUESTS: 120,
          RUN_ID: runId, SUMMARY_JSON: summaryPath, SCRAPE_INTERVAL_S, QUIET: 'true',
        }),
        'dist/replay.js'],
      {
        K6_INFLUXDB_PUSH_INTERVAL: `${PUSH_MS}ms`,
        K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write`,
        K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: 'true',
        K6_PROMETHEUS_RW_PUSH_INTERVAL: `${PUSH_MS}ms`,
        K6_PROMETHEUS_RW_STALE_MARKERS: 'true',
      },
      180_000,
    );
    const endedMs = Date.now();
    if (k6.code === 0) summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult;
    ctx = {
      fromMs: startedMs - 5000, toMs: endedMs + 5000, intervalMs: 1000,
      // Grafana's $__rate_interval with the data source's interval set to the push interval.
      rateIntervalMs: 4 * PUSH_MS, vars: { run: runId, model: MODEL },
    };
  }, 240_000);

  afterAll(async () => {
    await sim?.stop();
    stopServer(influx);
    stopServer(prom);
  });

  const influxConn = (): Connection => ({ flavour: 'influxdb', url: influx!.url, db: DB });
  const promConn = (): Connection => ({ flavour: 'prometheus', url: prom!.url });
  const dashboard = (f: Flavour) => JSON.parse(readFileSync(DASHBOARD_FILES[f], 'utf8')) as Dashboard;
  const influxRows = async (q: string): Promise<unknown[][]> => {
    const r = await fetch(`${influx!.url}/query?db=${DB}&epoch=ms&q=${encodeURIComponent(q)}`);
    return ((await r.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> }).results[0].series?.[0]?.values ?? [];
  };
  const failedReasons = () => Object.keys(summary.errors).filter((r) => summary.errors[r] > 0).sort();
  const failures = (rs: QueryResult[]) => rs.filter((r) => r.problems.length).map((r) => `${r.what}: ${r.problems.join('; ')}\n  ${r.query}`);

  it('the replay ran to the end with both outputs on, and the faults show up as failures', () => {
    expect(k6.code, k6.stderr.slice(-3000)).toBe(0);
    // Slow flushes on a busy machine are warnings; a lost write would be an error.
    expect(k6.stderr).not.toMatch(/level=error/);
    expect(summary.requests.sent).toBeGreaterThan(110);
    expect(summary.requests.succeeded).toBeGreaterThan(60);
    expect(summary.requests.failed).toBeGreaterThan(0);
    expect(failedReasons().length).toBeGreaterThan(0);
  });

  for (const flavour of ['influxdb', 'prometheus'] as const) {
    it(`every ${flavour} panel query returns the series it should`, async () => {
      const conn = flavour === 'influxdb' ? influxConn() : promConn();
      const d = dashboard(flavour);
      const results = await verifyPanels(d, conn, ctx, expectations(flavour));
      expect(results.length).toBe(expectations(flavour).size);
      expect(failures(results)).toEqual([]);
    });

    it(`the ${flavour} variables list the run and model, and the run annotations find the run`, async () => {
      const conn = flavour === 'influxdb' ? influxConn() : promConn();
      const d = dashboard(flavour);
      const vars = await verifyVariables(d, conn, ctx, { run: runId, model: MODEL });
      expect(vars.map((v) => v.what)).toEqual(['variable run', 'variable model']);
      const notes = await verifyAnnotations(d, conn, ctx, runId);
      expect(notes.length).toBeGreaterThan(0);
      expect(failures([...vars, ...notes])).toEqual([]);
    });

    it(`the ${flavour} run-total panels agree with the summary JSON`, async () => {
      const conn = flavour === 'influxdb' ? influxConn() : promConn();
      const results = await verifyPanels(dashboard(flavour), conn, ctx, expectations(flavour));
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
      const reasons = results.find((x) => x.what === 'Failed requests so far, by reason/A')!.series.map((x) => x.labels.reason);
      expect([...new Set(reasons)].sort()).toEqual(failedReasons());
    });
  }

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
    // ...and the final scrape soon after the last response, not when the scenario's time limit ran out.
    expect(engine.last).toBeGreaterThanOrEqual(client.last);
    expect(engine.last - client.last).toBeLessThan(SCRAPE_INTERVAL_S * 1000 + 1500);
  });

  it('tags stay few and bounded: no per-request tag on any measurement or series', async () => {
    const allowed = new Set(['run', 'trace', 'endpoint', 'model', 'scenario', 'group', 'outcome', 'reason', 'engine',
      // k6's own http_req_* metrics (setup's /v1/models and the scrape requests)
      'name', 'method', 'status', 'proto', 'expected_response', 'error', 'error_code', 'tls_version', 'url']);
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
});
