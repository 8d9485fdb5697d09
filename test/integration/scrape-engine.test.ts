// The engine-side scrape (src/scenarios/scrape.ts) against the real simulator's /metrics: one
// request moves the recorded engine_* counters by exactly its usage, every sample carries the
// engine, model and scenario tags, and the loop ends on abort (after one last scrape) or at its
// own time limit; an unreachable /metrics costs one warning.

import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from './support/processes';
import { runEngineScrape } from '../../src/scenarios/scrape';
import type { ScrapeConfig } from '../../src/observe/config';
import type { MetricSink, Tags } from '../../src/metrics/sink';
import { ENGINE_COUNTERS, ENGINE_GAUGES, ENGINE_SCRAPES } from '../../src/observe/names';

const MODEL = 'sim-model';

interface Recorded {
  kind: 'counter' | 'gauge' | 'trend';
  name: string;
  value: number;
  tags: Tags;
}

function recordingSink(): MetricSink & { records: Recorded[]; total(name: string, tags?: Tags): number } {
  const records: Recorded[] = [];
  return {
    records,
    counter: (name, value, tags = {}) => records.push({ kind: 'counter', name, value, tags }),
    gauge: (name, value, tags = {}) => records.push({ kind: 'gauge', name, value, tags }),
    trend: (name, value, tags = {}) => records.push({ kind: 'trend', name, value, tags }),
    histogram: () => {},
    total: (name, tags = {}) =>
      records.filter((r) => r.name === name && Object.entries(tags).every(([k, v]) => r.tags[k] === v)).reduce((a, r) => a + r.value, 0),
  };
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const config = (url: string, intervalS: number): ScrapeConfig => ({ enabled: true, url, intervalS, timeoutS: 2, engine: null });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('engine scrape beside a run (engine side)', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--model', MODEL, '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('records engine_* from the live /metrics; one request moves the counters by its usage; abort ends it', async () => {
    const sink = recordingSink();
    const logs: string[] = [];
    const stop = new AbortController();
    const running = runEngineScrape({
      config: config(`${sim.url}/metrics`, 0.2), sink, model: MODEL, maxMs: 60_000, signal: stop.signal, tags: { run: 'r1' },
      log: { warn: (m) => logs.push(`warn ${m}`), info: (m) => logs.push(`info ${m}`) },
    });
    await sleep(500);
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'one two three four five six seven' }], max_tokens: 12, stream: false }),
    });
    const usage = ((await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    const abortedAt = performance.now();
    stop.abort();
    const result = await running;
    const stopMs = performance.now() - abortedAt;

    expect(logs).toEqual([expect.stringMatching(/^info scrape: vllm metrics from http:\/\/127\.0\.0\.1:\d+\/metrics every 0\.2s/)]);
    expect(result).toMatchObject({ engine: 'vllm', gaveUp: false, failed: 0 });
    expect(result.scrapes).toBeGreaterThanOrEqual(3);
    // The final scrape after the abort caught the request (the first scrape is the baseline).
    expect(sink.total(ENGINE_COUNTERS.promptTokens)).toBe(usage.prompt_tokens);
    expect(sink.total(ENGINE_COUNTERS.generationTokens)).toBe(usage.completion_tokens);
    expect(sink.total(ENGINE_COUNTERS.requestsFinished)).toBe(1);
    // The same totals in the result the summary JSON takes.
    expect(result.summary).toMatchObject({
      engine: 'vllm', scrapes: result.scrapes, failed: 0,
      counters: { promptTokens: usage.prompt_tokens, generationTokens: usage.completion_tokens, requestsFinished: 1 },
    });
    expect(sink.total(ENGINE_SCRAPES, { outcome: 'ok' })).toBe(result.scrapes);
    expect(sink.records.filter((r) => r.name === ENGINE_GAUGES.running && r.kind === 'gauge').length).toBe(result.scrapes);
    for (const r of sink.records.filter((x) => x.name !== ENGINE_SCRAPES)) {
      expect(r.tags).toEqual({ scenario: 'scrape', run: 'r1', model: MODEL, engine: 'vllm' });
    }
    // One last scrape, bounded by the per-scrape timeout.
    expect(stopMs).toBeLessThan(2000);
  });

  it('an unreachable /metrics costs one warning and three tries; the time limit ends the loop', async () => {
    const sink = recordingSink();
    const warnings: string[] = [];
    const url = `http://127.0.0.1:${await closedPort()}/metrics`;
    const result = await runEngineScrape({
      config: config(url, 0.1), sink, model: MODEL, maxMs: 800, log: { warn: (m) => warnings.push(m), info: () => {} },
    });
    expect(result).toMatchObject({ scrapes: 3, failed: 3, gaveUp: true, engine: null });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`cannot read ${url} (ECONNREFUSED, 3 tries)`);
    expect(sink.records.map((r) => [r.name, r.tags.outcome])).toEqual([[ENGINE_SCRAPES, 'error'], [ENGINE_SCRAPES, 'error'], [ENGINE_SCRAPES, 'error']]);
  });

  it('a foreign /metrics (no engine series) costs one warning and records nothing', async () => {
    const sink = recordingSink();
    const warnings: string[] = [];
    const stop = new AbortController();
    // The simulator's /v1/models answers 200 with JSON: not an engine's exposition.
    const running = runEngineScrape({ config: config(`${sim.url}/v1/models`, 0.1), sink, maxMs: 30_000, signal: stop.signal, log: { warn: (m) => warnings.push(m), info: () => {} } });
    await sleep(400);
    stop.abort();
    const result = await running;
    expect(result.gaveUp).toBe(true);
    expect(result.scrapes).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/shows no vLLM, SGLang or llama\.cpp metrics/)]);
    expect(sink.records).toEqual([]);
  });
});
