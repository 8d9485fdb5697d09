// The scraper against real things: the simulator's live /metrics, the engine CLI's replay (into a
// real InfluxDB) when the engine's /metrics is missing, is not an engine's, is turned off or is
// read by default, and Prometheus' own tool (promtool) on the fixtures the unit tests use and on
// deploy/'s Prometheus config.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { startObserveServer, stopObserveServer, type ObserveServer } from './support/observe-servers';
import { influxQuery, influxStrings } from '../../src/dashboards/datasources';
import { parseExposition } from '../../src/observe/exposition';
import { detectEngine, snapshot } from '../../src/observe/engines';
import { EngineTracker } from '../../src/observe/tracker';
import { ENGINE_SCRAPES } from '../../src/observe/names';
import type { ReplayResult } from '../../src/metrics/summary';

const MODEL = 'sim-model';
const DB = 'scrape';

async function scrape(sim: RunningSim) {
  const res = await fetch(`${sim.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

/** A loopback port nobody listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('engine scrape against real servers', () => {
  let sim: RunningSim;
  let influx: ObserveServer | undefined;
  const work = tempDir('observe-scrape');

  beforeAll(async () => {
    influx = startObserveServer('influxdb', 600);
    sim = await startSim(['--preset', 'fast', '--model', MODEL, '--quiet']);
  }, 90_000);
  afterAll(async () => {
    await sim?.stop();
    stopObserveServer(influx);
  });

  it("reads the simulator's live /metrics as vLLM, and one request moves the counters by its usage", async () => {
    const before = await scrape(sim);
    expect(before.skippedLines).toBe(0);
    expect(detectEngine(before)).toBe('vllm');
    const tracker = new EngineTracker();
    const first = snapshot(before, 'vllm', MODEL);
    expect(first.missing).toEqual(['kvOffloadLoadBytes', 'kvOffloadStoreBytes']); // no KV offloading here
    tracker.update(first, 0);

    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'one two three four five six seven' }], max_tokens: 12, stream: false }),
    });
    const usage = ((await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    expect(usage.completion_tokens).toBe(12);

    const samples = tracker.update(snapshot(await scrape(sim), 'vllm', MODEL), 1000);
    const value = (m: string) => samples.find((s) => s.metric === m)?.value;
    expect(value('engine_prompt_tokens')).toBe(usage.prompt_tokens);
    expect(value('engine_generation_tokens')).toBe(usage.completion_tokens);
    expect(value('engine_requests_finished')).toBe(1);
    expect(value('engine_prefix_cache_queries')).toBe(usage.prompt_tokens);
    expect(value('engine_generation_tokens_per_s')).toBe(usage.completion_tokens);
    expect(value('engine_ttft_mean')).toBeGreaterThan(0);
    expect(value('engine_e2e_mean')).toBeGreaterThanOrEqual(value('engine_ttft_mean')!);
    expect(value('engine_requests_running')).toBe(0);
  });

  /** Replays 8 requests on the CLI into InfluxDB; the run's points are read back per measurement. */
  const replay = async (name: string, scrapeFlags: string[]) => {
    const runId = `${name}-${Date.now()}`;
    const summaryPath = join(work, `${name}-summary.json`);
    const r = await runCli(['replay', '--trace', 'traces/mooncake-sample.jsonl', '--base-url', sim.url, '--model', MODEL,
      '--speedup', '20', '--max-requests', '8', '--run-id', runId, '--summary-json', summaryPath, '--quiet',
      '--out', `influxdb=${influx!.url}/${DB}`, ...scrapeFlags], { K6_INFLUXDB_PUSH_INTERVAL: '500ms' }, 120_000);
    const where = `WHERE "run" = '${runId}'`;
    return {
      ...r,
      completed: r.code === 0 ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult).requests.completed : -1,
      /** Point count per value of `by` (or under "" without it). */
      count: async (measurement: string, by?: string) => {
        const series = await influxQuery(influx!.url, DB, `SELECT count("value") FROM "${measurement}" ${where}${by ? ` GROUP BY "${by}"` : ''}`);
        return Object.fromEntries(series.map((s) => [by ? s.labels[by] : '', s.rows[0][0]]));
      },
      /** Point times (epoch ms) of a measurement. */
      times: async (measurement: string) =>
        (await influxQuery(influx!.url, DB, `SELECT "value" FROM "${measurement}" ${where}`)).flatMap((s) => s.rows.map((row) => row[0]!)),
      measurements: () => influxStrings(influx!.url, DB, `SHOW MEASUREMENTS ${where}`, 'name'),
    };
  };

  it('an unreachable /metrics costs one warning and three tries, never the run', async () => {
    const r = await replay('unreachable', ['--scrape-url', `http://127.0.0.1:${await closedPort()}/metrics`, '--scrape-interval-s', '0.5']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr.match(/scrape: /g)).toHaveLength(1);
    expect(r.stderr).toMatch(/scrape: cannot read http:\/\/127\.0\.0\.1:\d+\/metrics .*3 tries/);
    expect(await r.count(ENGINE_SCRAPES, 'outcome')).toEqual({ error: 3 });
    expect(await r.count('engine_requests_running')).toEqual({});
    // The replay itself went on: every completed request was recorded.
    expect(r.completed).toBeGreaterThan(0);
    expect(await r.count('llm_requests')).toEqual({ '': r.completed });
  });

  it('a /metrics that is not an engine\'s costs one warning, never the run', async () => {
    const r = await replay('unknown', ['--scrape-url', `${sim.url}/v1/models`, '--scrape-interval-s', '0.5']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr.match(/scrape: /g)).toHaveLength(1);
    expect(r.stderr).toMatch(/shows no vLLM, SGLang or llama\.cpp metrics/);
    expect(await r.count(ENGINE_SCRAPES)).toEqual({});
    expect(r.completed).toBeGreaterThan(0);
    expect(await r.count('llm_requests')).toEqual({ '': r.completed });
  });

  it('--no-scrape leaves the scrape out; by default it runs beside the replay and ends with it', async () => {
    const off = await replay('no-scrape', ['--no-scrape']);
    expect(off.code, off.stderr.slice(-2000)).toBe(0);
    const offNames = await off.measurements();
    expect(offNames).toContain('llm_requests');
    expect(offNames.filter((m) => m.startsWith('engine_'))).toEqual([]);

    const on = await replay('default-scrape', ['--scrape-interval-s', '0.5']);
    expect(on.code, on.stderr.slice(-2000)).toBe(0);
    expect(on.stderr).not.toMatch(/scrape: /);
    const scrapes = await on.count(ENGINE_SCRAPES, 'outcome');
    expect(scrapes.ok).toBeGreaterThanOrEqual(2);
    expect(await on.count('engine_requests_running')).toEqual({ '': scrapes.ok });
    // Bounded by the replay: the last scrape comes right after the last response.
    const client = Math.max(...(await on.times('llm_requests')));
    const engine = Math.max(...(await on.times('engine_requests_running')));
    expect(engine).toBeGreaterThanOrEqual(client);
    expect(engine - client).toBeLessThan(500 + 1500);
  });

  it("the fixtures are valid expositions for Prometheus' own parser (promtool)", () => {
    const dir = 'test/fixtures/metrics';
    const files = readdirSync(dir).filter((f) => f.endsWith('.prom'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: readFileSync(join(dir, f)), encoding: 'utf8', timeout: 30_000 });
      expect(r.error, 'promtool missing: run `make deps-observe`').toBeUndefined();
      // Exit 3 = lint findings only (colons in names and the like, as the real engines have).
      expect([0, 3], `${f}: ${r.stderr}`).toContain(r.status);
      expect(r.stderr, f).not.toMatch(/error while linting|parse error/i);
    }
  });

  it("deploy/prometheus/prometheus.yml passes Prometheus' own config check", () => {
    const r = spawnSync('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS/);
  });
});
