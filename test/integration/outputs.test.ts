// The engine's InfluxDB and Prometheus remote-write outputs against the real servers (Debian
// packages): a known set of samples (counters with tags, time trends, engine gauges and
// counters) goes through createOutput() in three batches a push interval apart; then the
// totals and a quantile come back through each database's query API, and every query of both
// dashboards (panels, variables, run annotations) returns the series it should.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startObserveServer, stopObserveServer, type ObserveServer } from './support/observe-servers';
import { createOutput, OutputSpecError } from '../../src/outputs/factory';
import type { Output, Sample } from '../../src/outputs/sample';
import type { OutputStats } from '../../src/outputs/delivery';
import { COUNTERS, TRENDS } from '../../src/metrics/names';
import { ENGINE_COUNTERS, ENGINE_GAUGES, ENGINE_LATENCY_GAUGES } from '../../src/observe/names';
import { DASHBOARD_FILES, expectations } from '../../src/dashboards/build';
import { verifyAnnotations, verifyPanels, verifyVariables, type Connection, type QueryResult } from '../../src/dashboards/verify';
import { influxQuery, influxStrings, promQuery } from '../../src/dashboards/datasources';
import type { QueryContext } from '../../src/dashboards/substitute';
import type { Dashboard, Flavour } from '../../src/dashboards/grafana';

const DB = 'engine_out';
const PUSH_MS = 1000;
const MODEL = 'sim-model';
const RUN = `out-${Date.now()}`;
const RUN_TAGS = { run: RUN, trace: 'sample.jsonl', endpoint: 'chat', model: MODEL, scenario: 'replay' };
const ENGINE_TAGS = { run: RUN, trace: 'sample.jsonl', endpoint: 'chat', model: MODEL, scenario: 'scrape', engine: 'vllm' };
const BATCHES = 3;
const OK_PER_BATCH = 8;
const REASONS = ['http_429', 'http_429', 'timeout'];

/** What the samples add up to, computed while they are made. */
const truth = { lastMs: 0, ok: 0, error: 0, sent: 0, output: 0, prompt: 0, cached: 0, ttft: [] as number[], reasons: {} as Record<string, number> };

function batch(b: number, now: number): Sample[] {
  const out: Sample[] = [];
  const add = (metric: string, type: Sample['type'], value: number, tags: Record<string, string>, isTime = false) => {
    const timeUnixMs = now - 100 + out.length * 0.01; // distinct, and all before the end-of-run stale markers
    truth.lastMs = Math.max(truth.lastMs, timeUnixMs);
    out.push({ metric, type, isTime, value, timeUnixMs, tags });
  };
  for (let i = 0; i < OK_PER_BATCH + REASONS.length; i++) {
    add(COUNTERS.sent, 'counter', 1, RUN_TAGS);
    add(TRENDS.dispatchLag, 'trend', 0.1 * i, RUN_TAGS, true);
    truth.sent++;
    if (i >= OK_PER_BATCH) {
      const reason = REASONS[i - OK_PER_BATCH];
      add(COUNTERS.requests, 'counter', 1, { ...RUN_TAGS, outcome: 'error' });
      add(COUNTERS.errors, 'counter', 1, { ...RUN_TAGS, reason });
      truth.error++;
      truth.reasons[reason] = (truth.reasons[reason] ?? 0) + 1;
      continue;
    }
    const n = b * OK_PER_BATCH + i;
    const ttft = 100 + 10 * n;
    add(COUNTERS.requests, 'counter', 1, { ...RUN_TAGS, outcome: 'ok' });
    add(TRENDS.ttft, 'trend', ttft, RUN_TAGS, true);
    add(TRENDS.ttfo, 'trend', ttft + 20, RUN_TAGS, true); // streams with reasoning: the TTFO panel
    add(TRENDS.tpot, 'trend', 20 + n, RUN_TAGS, true);
    add(TRENDS.itlMean, 'trend', 19 + n, RUN_TAGS, true);
    add(TRENDS.itlMax, 'trend', 40 + n, RUN_TAGS, true);
    add(TRENDS.e2e, 'trend', ttft + 500, RUN_TAGS, true);
    add(COUNTERS.outputTokens, 'counter', 26 + n, RUN_TAGS);
    add(COUNTERS.promptTokens, 'counter', 1000 + n, RUN_TAGS);
    add(COUNTERS.cachedTokens, 'counter', 512, RUN_TAGS);
    truth.ok++;
    truth.ttft.push(ttft);
    truth.output += 26 + n;
    truth.prompt += 1000 + n;
    truth.cached += 512;
  }
  for (const [key, name] of Object.entries({ ...ENGINE_GAUGES, ...ENGINE_LATENCY_GAUGES })) add(name, 'gauge', key === 'kvUsage' ? 0.3 + 0.1 * b : 5 + b, ENGINE_TAGS);
  for (const name of Object.values(ENGINE_COUNTERS)) add(name, 'counter', 10 + b, ENGINE_TAGS);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('engine outputs on real InfluxDB and Prometheus', () => {
  let influx: ObserveServer | undefined;
  let prom: ObserveServer | undefined;
  let ctx: QueryContext;
  const warnings: string[] = [];
  const stats: Record<string, OutputStats> = {};

  beforeAll(async () => {
    influx = startObserveServer('influxdb');
    prom = startObserveServer('prometheus');
    const warn = (m: string) => warnings.push(m);
    const outputs: Output[] = [
      createOutput(`influxdb=${influx.url}/${DB}`, { pushIntervalMs: PUSH_MS, warn, env: {} }),
      createOutput(`experimental-prometheus-rw=${prom.url}/api/v1/write`, { pushIntervalMs: PUSH_MS, warn, env: {} }),
    ];
    const startedMs = Date.now();
    for (const o of outputs) await o.start();
    for (let b = 0; b < BATCHES; b++) {
      const samples = batch(b, Date.now());
      for (const o of outputs) o.add(samples);
      if (b < BATCHES - 1) await sleep(PUSH_MS * 1.2);
    }
    for (const o of outputs) await o.stop();
    for (const o of outputs) stats[o.description] = (o as unknown as { getStats(): OutputStats }).getStats();
    ctx = { fromMs: startedMs - 5000, toMs: Date.now() + 5000, intervalMs: PUSH_MS, rateIntervalMs: 4 * PUSH_MS, vars: { run: RUN, model: MODEL } };
  }, 120_000);

  afterAll(() => {
    stopObserveServer(influx);
    stopObserveServer(prom);
  });

  const conn = (f: Flavour): Connection => (f === 'influxdb' ? { flavour: f, url: influx!.url, db: DB } : { flavour: f, url: prom!.url });
  const dashboard = (f: Flavour) => JSON.parse(readFileSync(DASHBOARD_FILES[f], 'utf8')) as Dashboard;
  const failures = (rs: QueryResult[]) => rs.filter((r) => r.problems.length).map((r) => `${r.what}: ${r.problems.join('; ')}\n  ${r.query}`);
  const where = `WHERE "run" = '${RUN}'`;
  const influxValue = async (q: string) => (await influxQuery(influx!.url, DB, q))[0]?.rows[0]?.[0];
  const promValue = async (q: string) => (await promQuery(prom!.url, q, ctx.fromMs, ctx.toMs, PUSH_MS, true)).map((s) => ({ labels: s.labels, value: s.rows[0]?.[0] }));
  // At the newest sample's time: after it only the stale marker follows, a few ms later.
  const promLast = async (q: string) => (await promQuery(prom!.url, q, ctx.fromMs, truth.lastMs, PUSH_MS, true))[0]?.rows[0]?.[0];
  const sorted = () => [...truth.ttft].sort((a, b) => a - b);

  it('both outputs wrote everything, with no warning', () => {
    expect(warnings).toEqual([]);
    expect(Object.keys(stats)).toEqual([`influxdb=${influx!.url}/${DB}`, `prometheus-rw=${prom!.url}/api/v1/write`]);
    for (const s of Object.values(stats)) {
      expect(s.written).toBeGreaterThan(0);
      expect(s.dropped).toBe(0);
      expect(s.failedRequests).toBe(0);
    }
  });

  it('InfluxDB: totals by tag, trend counts and an exact percentile come back', async () => {
    const byOutcome = await influxQuery(influx!.url, DB, `SELECT sum("value") FROM "${COUNTERS.requests}" ${where} GROUP BY "outcome"`);
    expect(Object.fromEntries(byOutcome.map((s) => [s.labels.outcome, s.rows[0][0]]))).toEqual({ ok: truth.ok, error: truth.error });
    const byReason = await influxQuery(influx!.url, DB, `SELECT sum("value") FROM "${COUNTERS.errors}" ${where} GROUP BY "reason"`);
    expect(Object.fromEntries(byReason.map((s) => [s.labels.reason, s.rows[0][0]]))).toEqual(truth.reasons);
    expect(await influxValue(`SELECT sum("value") FROM "${COUNTERS.sent}" ${where}`)).toBe(truth.sent);
    expect(await influxValue(`SELECT sum("value") FROM "${COUNTERS.outputTokens}" ${where}`)).toBe(truth.output);
    expect(await influxValue(`SELECT count("value") FROM "${TRENDS.ttft}" ${where}`)).toBe(truth.ttft.length);
    // InfluxDB's percentile is the nearest-rank value: ms, as written.
    const p90 = await influxValue(`SELECT percentile("value", 90) FROM "${TRENDS.ttft}" ${where}`);
    const s = sorted();
    expect(p90).toBe(s[Math.floor(s.length * 0.9 + 0.5) - 1]);
    // Every sample kept its own time: nothing collapsed onto one timestamp.
    const points = await influxQuery(influx!.url, DB, `SELECT "value" FROM "${COUNTERS.sent}" ${where}`);
    expect(points[0].rows.length).toBe(truth.sent);
  });

  it('Prometheus: cumulative counters, native histogram count/sum/quantile in seconds', async () => {
    const sel = `{run="${RUN}"}`;
    const byOutcome = await promValue(`max_over_time(k6_${COUNTERS.requests}_total${sel}[10m])`);
    expect(Object.fromEntries(byOutcome.map((s) => [s.labels.outcome, s.value]))).toEqual({ ok: truth.ok, error: truth.error });
    expect((await promValue(`max_over_time(k6_${COUNTERS.outputTokens}_total${sel}[10m])`))[0].value).toBe(truth.output);
    // The histogram's final (cumulative) state: its last value before the stale marker.
    const hist = `k6_${TRENDS.ttft}_seconds${sel}`;
    expect(await promLast(`histogram_count(${hist})`)).toBe(truth.ttft.length);
    expect(await promLast(`histogram_sum(${hist})`)).toBeCloseTo(truth.ttft.reduce((a, b) => a + b, 0) / 1000, 6);
    // Schema-3 buckets are ~9% wide: the interpolated median is within that of the exact one.
    const s = sorted();
    const exactMedianS = (s[s.length / 2 - 1] + s[s.length / 2]) / 2 / 1000;
    const median = (await promLast(`histogram_quantile(0.5, ${hist})`))!;
    expect(Math.abs(median / exactMedianS - 1)).toBeLessThan(0.09);
    // Gauges keep their own unit (engine latency gauges stay in ms, as k6 writes them).
    const gauge = await promValue(`max_over_time(k6_${ENGINE_LATENCY_GAUGES.ttftMean}{engine="vllm"}[10m])`);
    expect(gauge.map((g) => [g.labels.model, g.value])).toEqual([[MODEL, 5 + BATCHES - 1]]);
  });

  it('Prometheus: stale markers end every series after the run', async () => {
    const now = await promQuery(prom!.url, `count({__name__=~"k6_.+", run="${RUN}"})`, ctx.fromMs, Date.now(), PUSH_MS, true);
    expect(now).toEqual([]);
  });

  for (const flavour of ['influxdb', 'prometheus'] as const) {
    it(`every ${flavour} dashboard panel query returns the series it should`, async () => {
      const results = await verifyPanels(dashboard(flavour), conn(flavour), ctx, expectations(flavour));
      expect(results.length).toBe(expectations(flavour).size);
      expect(failures(results)).toEqual([]);
    });

    it(`the ${flavour} variables list the run and model, the annotations find the run, the run totals match`, async () => {
      const d = dashboard(flavour);
      const vars = await verifyVariables(d, conn(flavour), ctx, { run: RUN, model: MODEL });
      const notes = await verifyAnnotations(d, conn(flavour), ctx, RUN);
      expect(vars.length + notes.length).toBeGreaterThan(2);
      expect(failures([...vars, ...notes])).toEqual([]);
      const results = await verifyPanels(d, conn(flavour), ctx, expectations(flavour));
      const total = (what: string, label?: [string, string]) =>
        results.find((x) => x.what === what)?.series.find((x) => !label || x.labels[label[0]] === label[1])?.rows[0]?.[0];
      expect(total('Requests by outcome/A', ['outcome', 'ok'])).toBe(truth.ok);
      expect(total('Requests by outcome/A', ['outcome', 'error'])).toBe(truth.error);
      expect(total('Requests sent/A')).toBe(truth.sent);
      expect(total('Output tokens/A')).toBe(truth.output);
      expect(total('Prompt and cached tokens/A')).toBe(truth.prompt);
      expect(total('Prompt and cached tokens/B')).toBe(truth.cached);
    });
  }

  it('tags stay the run-level ones: no other tag key in InfluxDB', async () => {
    const keys = await influxStrings(influx!.url, DB, 'SHOW TAG KEYS', 'tagKey');
    expect(new Set(keys)).toEqual(new Set([...Object.keys(ENGINE_TAGS), 'outcome', 'reason']));
  });

  it('an unreachable database stops the run from starting, with a message naming the --out value', async () => {
    const dead = 'http://127.0.0.1:9';
    await expect(createOutput(`influxdb=${dead}/k6`, { env: {} }).start()).rejects.toThrow(/influxdb=http:\/\/127\.0\.0\.1:9\/k6: cannot reach InfluxDB \(ECONNREFUSED/);
    await expect(createOutput(`prometheus-rw=${dead}/api/v1/write`, { env: {} }).start()).rejects.toThrow(/prometheus-rw=http:\/\/127\.0\.0\.1:9\/api\/v1\/write: .*ECONNREFUSED/);
    expect(() => createOutput('influxdb=ftp://x/db')).toThrow(OutputSpecError);
  });
});
