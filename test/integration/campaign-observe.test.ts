// A campaign writing to a real InfluxDB and a real Prometheus (Debian packages, `make
// deps-observe`): every sample of a point carries campaign, point and the point's labels; the
// dashboards' campaign and point variables list the points, their point annotations mark each
// point's start and end, and a panel filtered on one point counts exactly that point's requests.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startSim, tempDir, type CliRun, type RunningSim } from './support/processes';
import { startObserveServer, stopObserveServer, type ObserveServer } from './support/observe-servers';
import { DASHBOARD_FILES, expectations } from '../../src/dashboards/build';
import { verifyAnnotations, verifyPanels, verifyVariables, type Connection } from '../../src/dashboards/verify';
import { influxQuery } from '../../src/dashboards/datasources';
import type { QueryContext } from '../../src/dashboards/substitute';
import type { Dashboard, Flavour } from '../../src/dashboards/grafana';
import type { CampaignIndex } from '../../src/campaign/index-file';
import type { ReplayResult } from '../../src/metrics/summary';
import { CAMPAIGN_METRICS, COUNTERS } from '../../src/metrics/names';

const DB = 'k6camp';
const PUSH_MS = 500;
const NAME = `obs${Date.now()}`;

describe('campaign points in InfluxDB, Prometheus and the dashboards', () => {
  const dir = tempDir('campaign-observe');
  let influx: ObserveServer | undefined;
  let prom: ObserveServer | undefined;
  let sim: RunningSim | undefined;
  let run: CliRun;
  let index: CampaignIndex;
  let ctx: QueryContext;

  beforeAll(async () => {
    influx = startObserveServer('influxdb', 600);
    prom = startObserveServer('prometheus', 600);
    sim = await startSim(['--preset', 'fast', '--time-scale', '0.2', '--max-model-len', '200000', '--quiet']);
    const file = join(dir, 'c.yaml');
    writeFileSync(file, `name: ${NAME}
flags: {max-requests: 20, quiet: true, scrape-interval-s: 1}
cooldownS: 1
scrape: false
outputs: ['influxdb=${influx.url}/${DB}', 'prometheus-rw=${prom.url}/api/v1/write']
targets:
  - name: simA
    baseUrl: ${sim.url}
    labels: {engine: sim, kv: big}
traces:
  - name: moon
    replay: ${join(process.cwd(), 'traces/mooncake-sample.jsonl')}
load:
  speedup: [20, 40]
`);
    const startedMs = Date.now();
    run = await runCli(['campaign', 'run', file, '--out-dir', join(dir, 'out')],
      { K6_INFLUXDB_PUSH_INTERVAL: `${PUSH_MS}ms`, K6_PROMETHEUS_RW_PUSH_INTERVAL: `${PUSH_MS}ms` }, 180_000);
    index = JSON.parse(readFileSync(join(dir, 'out', 'campaign.json'), 'utf8')) as CampaignIndex;
    ctx = { fromMs: startedMs - 5000, toMs: Date.now() + 5000, intervalMs: 1000, rateIntervalMs: 4 * PUSH_MS, vars: { campaign: NAME, run: '$__all', model: '$__all' } };
  }, 240_000);

  afterAll(async () => {
    await sim?.stop();
    stopObserveServer(influx);
    stopObserveServer(prom);
  });

  const conn = (f: Flavour): Connection => (f === 'influxdb' ? { flavour: f, url: influx!.url, db: DB } : { flavour: f, url: prom!.url });
  const dashboard = (f: Flavour) => JSON.parse(readFileSync(DASHBOARD_FILES[f], 'utf8')) as Dashboard;
  const summaryOf = (i: number) => JSON.parse(readFileSync(join(dir, 'out', index.points[i].summary), 'utf8')) as ReplayResult;

  it('ran both points', () => {
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(index.points.map((p) => p.status)).toEqual(['done', 'done']);
  });

  it('tags every InfluxDB sample of a point with campaign, point and labels, counting exactly its requests', async () => {
    for (const [i, p] of index.points.entries()) {
      const series = await influxQuery(influx!.url, DB, `SELECT sum("value") FROM "${COUNTERS.sent}" WHERE "campaign" = '${NAME}' AND "point" = '${p.id}' GROUP BY "engine", "kv", "target", "speedup"`);
      expect(series.map((s) => s.labels)).toEqual([{ engine: 'sim', kv: 'big', target: 'simA', speedup: p.labels.speedup }]);
      expect(series[0].rows[0][0]).toBe(summaryOf(i).requests.sent);
    }
    // No llm_* sample of the campaign lacks its point tag.
    const untagged = await influxQuery(influx!.url, DB, `SELECT count("value") FROM "${COUNTERS.requests}" WHERE "point" = '' AND "campaign" = '${NAME}'`);
    expect(untagged).toEqual([]);
  });

  for (const flavour of ['influxdb', 'prometheus'] as const) {
    it(`${flavour}: the campaign and point variables list the points, the annotations mark them`, async () => {
      const d = dashboard(flavour);
      const vars = await verifyVariables(d, conn(flavour), ctx, { campaign: NAME, point: index.points[1].id });
      expect(vars.filter((v) => v.problems.length)).toEqual([]);
      expect(vars.map((v) => v.what)).toContain('variable point');
      for (const p of index.points) {
        const notes = await verifyAnnotations(d, conn(flavour), { ...ctx, vars: { ...ctx.vars, point: p.id } }, { point: p.id });
        expect(notes.length).toBeGreaterThan(0);
        expect(notes.filter((n) => n.problems.length).map((n) => `${n.what}: ${n.problems.join('; ')}`)).toEqual([]);
      }
    });

    it(`${flavour}: a panel filtered on one point counts that point's requests only`, async () => {
      for (const [i, p] of index.points.entries()) {
        const results = await verifyPanels(dashboard(flavour), conn(flavour), { ...ctx, vars: { ...ctx.vars, point: p.id } }, expectations(flavour));
        const sent = results.find((r) => r.what === 'Requests sent/A')!;
        expect(sent.series[0]?.rows[0]?.[0], sent.query).toBe(summaryOf(i).requests.sent);
      }
    });
  }

  it('InfluxDB holds a start (1) and an end (0) marker per point, inside the point\'s times', async () => {
    for (const p of index.points) {
      const q = `SELECT "value" FROM "${CAMPAIGN_METRICS.point}" WHERE "point" = '${p.id}'`;
      const r = await fetch(`${influx!.url}/query?db=${DB}&epoch=ms&q=${encodeURIComponent(q)}`);
      const rows = ((await r.json()) as { results: Array<{ series: Array<{ values: Array<[number, number]> }> }> }).results[0].series[0].values;
      expect(rows.map((x) => x[1])).toEqual([1, 0]);
      expect(rows[0][0]).toBeGreaterThanOrEqual(p.startedUnixMs!);
      expect(rows[1][0]).toBeLessThanOrEqual(p.endedUnixMs!);
    }
  });

  it('Prometheus: the point series is 1 while the point runs and 0 after it', async () => {
    const p = index.points[0];
    const at = async (ms: number) => {
      const q = `k6_${CAMPAIGN_METRICS.point}{point="${p.id}"}`;
      const r = await fetch(`${prom!.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${ms / 1000}`);
      const data = (await r.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return Number(data.data.result[0]?.value[1]);
    };
    expect(await at((p.startedUnixMs! + p.endedUnixMs!) / 2)).toBe(1);
    expect(await at(index.points[1].startedUnixMs! + 200)).toBe(0);
  });
});
