// The scraper against real things: the simulator's live /metrics, the real build/k6 when the
// engine's /metrics is missing or is not an engine's, and Prometheus' own tool (promtool) on the
// fixtures the unit tests use and on deploy/'s Prometheus config.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envArgs, K6, readK6Points, runK6, startSim, tempDir, type RunningSim } from './support/processes';
import { parseExposition } from '../../src/observe/exposition';
import { detectEngine, snapshot } from '../../src/observe/engines';
import { EngineTracker } from '../../src/observe/tracker';
import { ENGINE_SCRAPES } from '../../src/observe/names';
import type { ReplayResult } from '../../src/metrics/summary';

const MODEL = 'sim-model';

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
  const work = tempDir('observe-scrape');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--model', MODEL, '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("reads the simulator's live /metrics as vLLM, and one request moves the counters by its usage", async () => {
    const before = await scrape(sim);
    expect(before.skippedLines).toBe(0);
    expect(detectEngine(before)).toBe('vllm');
    const tracker = new EngineTracker();
    const first = snapshot(before, 'vllm', MODEL);
    expect(first.missing).toEqual([]);
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

  const replay = (name: string, scrapeUrl: string) => {
    const out = join(work, `${name}.json`);
    return runK6(['run', '--quiet', '--out', `json=${out}`, ...envArgs({
      TRACE: 'traces/mooncake-sample.jsonl', BASE_URL: sim.url, MODEL, SPEEDUP: 20, MAX_REQUESTS: 8,
      SCRAPE_URL: scrapeUrl, SCRAPE_INTERVAL_S: 0.5, SUMMARY_JSON: join(work, `${name}-summary.json`), QUIET: 'true',
    }), 'dist/replay.js'], {}, 120_000).then((r) => ({
      ...r,
      points: r.code === 0 ? readK6Points(out, [ENGINE_SCRAPES, 'engine_requests_running', 'llm_requests']) : [],
      completed: r.code === 0 ? (JSON.parse(readFileSync(join(work, `${name}-summary.json`), 'utf8')) as ReplayResult).requests.completed : -1,
    }));
  };

  it('an unreachable /metrics costs one warning and three tries, never the run', async () => {
    const r = await replay('unreachable', `http://127.0.0.1:${await closedPort()}/metrics`);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr.match(/scrape: /g)).toHaveLength(1);
    expect(r.stderr).toMatch(/scrape: cannot read http:\/\/127\.0\.0\.1:\d+\/metrics .*3 tries/);
    expect(r.points.filter((p) => p.metric === ENGINE_SCRAPES).map((p) => p.tags.outcome)).toEqual(['error', 'error', 'error']);
    expect(r.points.filter((p) => p.metric === 'engine_requests_running')).toEqual([]);
    // The replay itself went on: every completed request was recorded.
    expect(r.completed).toBeGreaterThan(0);
    expect(r.points.filter((p) => p.metric === 'llm_requests')).toHaveLength(r.completed);
  });

  it('a /metrics that is not an engine\'s costs one warning, never the run', async () => {
    const r = await replay('unknown', `${sim.url}/v1/models`);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr.match(/scrape: /g)).toHaveLength(1);
    expect(r.stderr).toMatch(/shows no vLLM, SGLang or llama\.cpp metrics/);
    expect(r.points.filter((p) => p.metric === ENGINE_SCRAPES)).toEqual([]);
    expect(r.completed).toBeGreaterThan(0);
    expect(r.points.filter((p) => p.metric === 'llm_requests')).toHaveLength(r.completed);
  });

  it('SCRAPE=false leaves the scrape scenario out; by default it is there, bounded by the replay', () => {
    const inspect = (extra: Record<string, string>) => {
      const r = spawnSync(K6, ['inspect', ...envArgs({ TRACE: `${process.cwd()}/traces/mooncake-sample.jsonl`, MAX_REQUESTS: 8, ...extra }), 'dist/replay.js'], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { scenarios: Record<string, { exec?: string; maxDuration?: string; gracefulStop?: string }> };
    };
    expect(Object.keys(inspect({ SCRAPE: 'false' }).scenarios)).toEqual(['replay']);
    const on = inspect({});
    expect(Object.keys(on.scenarios)).toEqual(['replay', 'scrape']);
    expect(on.scenarios.scrape.exec).toBe('scrape');
    expect(on.scenarios.scrape.maxDuration).toMatch(/^\d+m?\d*s$/);
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
