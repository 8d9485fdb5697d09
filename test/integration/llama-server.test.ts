// A real batching server: llama.cpp's own llama-server (make deps-llama-server), built portably
// from the llama.cpp vendored in llama-cpp-python 0.3.36, serving SmolLM2-135M-Instruct on CPU
// with 4 parallel slots, continuous batching and --metrics. One open-loop replay, calibrated
// through its /tokenize, with several requests in flight at once, writing to a real InfluxDB
// and Prometheus with the engine scrape on; then its real llamacpp:* series are checked in the
// summary, in both databases and in the dashboards' engine panels. Timings as ratios only.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords, runCli, tempDir, type CliRun } from './support/processes';
import { flagArgs } from './support/flags';
import { rawStream } from './support/real-engine';
import { LLAMA_SERVER, startLlamaServer, type LlamaServer } from './support/llama-server';
import { startObserveServer, stopObserveServer, type ObserveServer } from './support/observe-servers';
import { DASHBOARD_FILES, expectations } from '../../src/dashboards/build';
import { verifyPanels, type Connection } from '../../src/dashboards/verify';
import { influxQuery, promQuery } from '../../src/dashboards/datasources';
import type { Dashboard, Flavour } from '../../src/dashboards/grafana';
import type { QueryContext } from '../../src/dashboards/substitute';
import { ENGINE_COUNTERS, ENGINE_GAUGES } from '../../src/observe/names';
import type { EngineScrapeSummary } from '../../src/observe/scrape-summary';
import type { ReplayResult } from '../../src/metrics/summary';
import type { RequestRecord } from '../../src/outputs/jsonl';

const DB = 'k6llama';
const PUSH_MS = 1000;
// 12 requests 150 ms apart, each generating 48 tokens (ignore_eos): on 2 cores a request takes
// longer than the gap, so several are in flight at once. Rows repeat the 4-block prefix of row 0
// (a slot's cached prompt can serve them); every fourth row is new text.
const ROWS = Array.from({ length: 12 }, (_, i) => ({
  timestamp: i * 150, input_length: 320, output_length: 48, hash_ids: i % 4 === 3 ? [100 + i, 200 + i, 300 + i, 400 + i, 500 + i] : [0, 1, 2, 3, 10 + i],
}));
/** Every engine_* series the llama.cpp map produces (its /metrics has no KV usage, latency histograms, preemptions or finished count). */
const MAPPED = [ENGINE_GAUGES.running, ENGINE_GAUGES.waiting, ENGINE_GAUGES.prefixHitRate, ENGINE_GAUGES.promptTokensPerS, ENGINE_GAUGES.generationTokensPerS,
  ENGINE_COUNTERS.prefixQueries, ENGINE_COUNTERS.prefixHits, ENGINE_COUNTERS.promptTokens, ENGINE_COUNTERS.generationTokens];
const COUNTER_NAMES = new Set<string>(Object.values(ENGINE_COUNTERS));

let server: LlamaServer;
let influx: ObserveServer | undefined;
let prom: ObserveServer | undefined;
let dir: string;
let run: CliRun;
let summary: ReplayResult & { engineScrape: EngineScrapeSummary | null; calibration: Record<string, unknown> };
let records: RequestRecord[];
let ctx: QueryContext;
const runId = `llama-${Date.now()}`;

beforeAll(async () => {
  dir = tempDir('llama-server');
  server = await startLlamaServer();
  influx = startObserveServer('influxdb', 900);
  prom = startObserveServer('prometheus', 900);
  const trace = join(dir, 'batch.jsonl');
  writeFileSync(trace, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const startedMs = Date.now();
  run = await runCli(['replay', ...flagArgs({
    trace, 'block-size': 64, 'base-url': server.url, 'run-id': runId, calibrate: true, 'timeout-ms': 120_000, 'scrape-interval-s': 0.5,
    'summary-json': join(dir, 'summary.json'),
  }), '--out', `jsonl=${join(dir, 'records.jsonl')}`, '--out', `influxdb=${influx.url}/${DB}`, '--out', 'prometheus-rw'],
  { K6LR_CACHE_DIR: join(dir, 'cache'), K6_INFLUXDB_PUSH_INTERVAL: `${PUSH_MS}ms`, K6_PROMETHEUS_RW_PUSH_INTERVAL: `${PUSH_MS}ms`, K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write` },
  240_000);
  const endedMs = Date.now();
  if (run.code === 0) {
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    records = [...readRecords(join(dir, 'records.jsonl'))].sort((a, b) => a.index - b.index);
  }
  ctx = { fromMs: startedMs - 5000, toMs: endedMs + 5000, intervalMs: 1000, rateIntervalMs: 4 * PUSH_MS, vars: { run: runId, model: server?.model ?? '' } };
}, 300_000);

afterAll(async () => {
  await server?.stop();
  stopObserveServer(influx);
  stopObserveServer(prom);
});

describe('llama-server: the portable build and its wire', () => {
  it('is the build native-build proved on this CPU: the best tier of this machine, self-contained (no libllama/libggml to load)', () => {
    const tiers = spawnSync('bash', ['-c', 'source scripts/lib/native-build.sh; nb_tiers'], { encoding: 'utf8' }).stdout.trim().split(' ');
    expect(server.tier).toBe(tiers[0]);
    expect(spawnSync('ldd', [LLAMA_SERVER], { encoding: 'utf8' }).stdout).not.toMatch(/lib(llama|ggml)/);
  });

  it('streams a role chunk with content null, and a usage chunk with cached tokens when asked', async () => {
    const { status, events } = await rawStream(server.url, {
      model: server.model, messages: [{ role: 'user', content: 'Count from one to ten.' }], max_tokens: 8, ignore_eos: true, temperature: 0, stream_options: { include_usage: true },
    });
    expect(status).toBe(200);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks[0].choices[0].delta).toMatchObject({ role: 'assistant', content: null });
    const usage = chunks.at(-1).usage;
    expect(usage).toMatchObject({ completion_tokens: 8, prompt_tokens_details: { cached_tokens: expect.any(Number) } });
  });
});

describe('open-loop replay against llama-server: batching, calibration, cache, scrape', () => {
  it('calibrates through its /tokenize and answers every request with the recorded output length', () => {
    expect(run.code, run.stderr.slice(-3000) + run.stdout.slice(-2000)).toBe(0);
    expect(run.stderr).toMatch(/calibrating: counting \d+ words of universal with .*\/tokenize \(llama\.cpp\)/);
    expect(summary.calibration).toMatchObject({ dialect: 'llama.cpp', fromCache: false });
    expect(summary.requests).toMatchObject({ planned: 12, sent: 12, succeeded: 12, failed: 0 });
    expect(summary.tokens.source).toBe('usage');
    expect(records.map((r) => r.outputTokens)).toEqual(ROWS.map((r) => r.output_length));
  });

  it('holds several requests in flight at once (open loop), each with a streamed TTFT and ITL', () => {
    const spans = records.map((r) => [r.sendUnixMs, r.sendUnixMs + r.e2eMs] as const);
    const inFlight = spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length);
    expect(Math.max(...inFlight), JSON.stringify(spans)).toBeGreaterThanOrEqual(3);
    // Open loop: each request left at its scheduled time, not after the previous one ended (a
    // closed loop would lag by whole responses; the bound is a ratio, the machine is shared).
    const e2es = records.map((r) => r.e2eMs).sort((a, b) => a - b);
    expect(Math.max(...records.map((r) => r.lagMs))).toBeLessThan(e2es[0] / 2);
    for (const r of records) {
      expect(r.ttftMs).toBeGreaterThan(0);
      expect(r.itlMeanMs).toBeGreaterThan(0);
      expect(r.e2eMs).toBeGreaterThan(r.ttftMs!);
    }
    // The server saw the batch too: several slots busy in one scrape.
    expect(summary.engineScrape!.peak.running).toBeGreaterThanOrEqual(2);
  });

  it('cached prompt tokens from its usage, and the same hits and hit rate from its /metrics', () => {
    const cachedByRecords = records.reduce((a, r) => a + (r.cachedTokens ?? 0), 0);
    expect(cachedByRecords).toBeGreaterThan(0);
    expect(summary.tokens.cached).toBe(cachedByRecords);
    const s = summary.engineScrape!;
    expect(s).toMatchObject({ engine: 'llamacpp', failed: 0 });
    // prompt_tokens_total (computed) + prompt_tokens_cached_total = every prompt token, as usage counts them.
    expect(s.counters.prefixHits).toBe(summary.tokens.cached);
    expect(s.counters.promptTokens).toBe(summary.tokens.input);
    expect(s.counters.prefixQueries).toBe(summary.tokens.input);
    expect(s.counters.generationTokens).toBe(summary.tokens.output);
    expect(s.prefixHitRate).toBeCloseTo(summary.cacheHitRate!, 6);
    expect(s.counters.requestsFinished).toBeUndefined(); // llama-server has no such counter
  });

  it('every mapped llama.cpp series is in InfluxDB and Prometheus, tagged engine=llamacpp, with the summary\'s totals', async () => {
    for (const m of MAPPED) {
      const series = await influxQuery(influx!.url, DB, `SELECT count("value") FROM "${m}" WHERE "run" = '${runId}' GROUP BY "engine"`);
      expect(series.map((x) => x.labels.engine), m).toEqual(['llamacpp']);
      const promName = COUNTER_NAMES.has(m) ? `k6_${m}_total` : `k6_${m}`;
      const p = await promQuery(prom!.url, `count by (engine) (${promName}{run="${runId}"})`, ctx.fromMs, ctx.toMs, 1000, false);
      expect(p.filter((x) => x.rows.some((r) => r[0] !== null)).map((x) => x.labels.engine), promName).toEqual(['llamacpp']);
    }
    const total = async (m: string) => (await influxQuery(influx!.url, DB, `SELECT sum("value") FROM "${m}" WHERE "run" = '${runId}'`))[0]?.rows[0][0];
    expect(await total(ENGINE_COUNTERS.generationTokens)).toBe(summary.tokens.output);
    expect(await total(ENGINE_COUNTERS.prefixHits)).toBe(summary.tokens.cached);
  });

  for (const flavour of ['influxdb', 'prometheus'] as const) {
    it(`the ${flavour} dashboard's engine panels show llama.cpp (queue, hit rate, tokens/s); KV usage says it is not available`, async () => {
      const conn: Connection = flavour === 'influxdb' ? { flavour, url: influx!.url, db: DB } : { flavour, url: prom!.url };
      const dashboard = JSON.parse(readFileSync(DASHBOARD_FILES[flavour as Flavour], 'utf8')) as Dashboard;
      const results = await verifyPanels(dashboard, conn, ctx, expectations(flavour));
      const llama = (what: string) => results.filter((r) => r.what.startsWith(what)).flatMap((r) => r.series)
        .filter((s) => s.labels.engine === 'llamacpp' && s.rows.some((row) => row.some((v) => v !== null)));
      for (const panel of ['Engine queue/', 'Prefix-cache hit rate/A', 'Engine tokens/s/']) expect(llama(panel).length, panel).toBeGreaterThan(0);
      const kv = JSON.stringify(dashboard).match(/"title":"KV-cache usage","description":"([^"]*)"/)?.[1] ?? '';
      expect(kv).toMatch(/llama\.cpp/);
    });
  }
});
