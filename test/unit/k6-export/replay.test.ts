// dist/k6/replay.js (the export for users' own stock k6) on the k6 stand-in: its options, the
// request each iteration sends, the metrics it records and its summary. Built by the real
// build script first; k6 itself is never run here.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadK6Script, iterationCount, iterationStartsMs, type HttpCall, type StandinResponse, type StandinRun } from '../../support/k6-standin';
import { COUNTERS, HISTOGRAMS, TRENDS } from '../../../src/metrics/names';
import { SPARE_ITERATIONS } from '../../../src/schedule/openloop';
import { WordsTokenizer } from '../../../src/sim/tokenizer';

const ROOT = new URL('../../..', import.meta.url).pathname;
const BUNDLE = `${ROOT}dist/k6/replay.js`;
const TRACE = 'traces/mooncake-sample.jsonl';
const N = 40;
const SPEEDUP = 10;
const BASE_URL = 'http://127.0.0.1:9';
const API_KEY = 'sk-standin-secret';
const LEAD_MS = 1000 + 250; // BUCKET_MS default + SLACK_MS default

interface Row { timestamp: number; input_length: number; output_length: number }

/** The first N requests of the trace in time order (stable), read here without the project's reader. */
function expectedRows(): Array<Row & { atMs: number }> {
  const rows = readFileSync(`${ROOT}${TRACE}`, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Row);
  return rows.map((r, i) => ({ r, i })).sort((a, b) => a.r.timestamp - b.r.timestamp || a.i - b.i).slice(0, N)
    .map(({ r }) => ({ ...r, atMs: r.timestamp / SPEEDUP }));
}

const words = new WordsTokenizer();

/** An OpenAI-style answer computed from the request: usage = the prompt's words and max_tokens. */
function completion(call: HttpCall): StandinResponse {
  const body = JSON.parse(call.body ?? '{}') as { messages: Array<{ content: string }>; max_tokens: number };
  const prompt = words.countTokens(body.messages[0].content);
  return {
    status: 200,
    body: JSON.stringify({
      choices: [{ message: { content: 'ok' }, finish_reason: 'length' }],
      usage: { prompt_tokens: prompt, completion_tokens: body.max_tokens, prompt_tokens_details: { cached_tokens: 7 } },
    }),
    timings: { sending: 1, waiting: 20 + call.iteration, receiving: 3 },
  };
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TRACE, PWD: ROOT, BASE_URL, MODEL: 'standin-model', MAX_REQUESTS: String(N), SPEEDUP: String(SPEEDUP),
    RUN_ID: 'run1', OPENAI_API_KEY: API_KEY, SUMMARY_JSON: 'results/k6-export.json', ...extra,
  };
}

/** Setup on VU 1, then iterations 0..N-1 plus the spare ones, alternating over two VUs. */
async function runAll(run: StandinRun): Promise<unknown> {
  const vus = [run.newVu(), run.newVu()];
  const data = vus[0].setup();
  for (let k = 0; k < N + SPARE_ITERATIONS; k++) vus[k % 2].iterate(k, data);
  return data;
}

const REPLAY_METRIC_NAMES = new Set<string>([...Object.values(TRENDS), ...Object.values(COUNTERS)]);

describe('dist/k6/replay.js on the k6 stand-in', () => {
  const rows = expectedRows();
  let run: StandinRun;
  let setupData: unknown;

  beforeAll(async () => {
    execFileSync('node', ['scripts/bundle.mjs'], { cwd: ROOT, stdio: 'pipe' });
    run = await loadK6Script(BUNDLE, { env: env(), respond: completion, scenario: 'replay' });
    setupData = await runAll(run);
  }, 60_000);

  it('exports a ramping-arrival-rate scenario that starts one iteration per request (plus the spare ones)', async () => {
    const options = (await loadK6Script(BUNDLE, { env: env(), respond: completion })).newVu().exports.options!;
    const s = options.scenarios.replay;
    expect(s.executor).toBe('ramping-arrival-rate');
    expect(iterationCount(s)).toBe(N + SPARE_ITERATIONS);
    expect(s.preAllocatedVUs).toBeGreaterThanOrEqual(2);
    expect(s.maxVUs).toBeGreaterThanOrEqual(s.preAllocatedVUs);
    expect(options.summaryTrendStats).toContain('p(99)');
    expect(options.noConnectionReuse).toBe(false);
    // k6 starts iteration k before request k is due, so the iteration waits and is never late.
    const starts = iterationStartsMs(s);
    for (let k = 0; k < N; k++) expect(starts[k]).toBeLessThanOrEqual(LEAD_MS + rows[k].atMs);
  });

  it('sends request k of the trace in iteration k: URL, headers, body, prompt length and send time', () => {
    const posts = run.calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => c.iteration)).toEqual(rows.map((_, k) => k)); // the spare iterations send nothing
    for (const [k, c] of posts.entries()) {
      expect(c.url).toBe(`${BASE_URL}/v1/chat/completions`);
      expect(c.headers['Content-Type']).toBe('application/json');
      expect(c.headers.Authorization).toBe(`Bearer ${API_KEY}`);
      expect(c.headers['X-Request-Id']).toBe(`run1-${k}`);
      const body = JSON.parse(c.body!);
      expect(body).toMatchObject({ model: 'standin-model', stream: false, max_tokens: rows[k].output_length, ignore_eos: true, min_tokens: rows[k].output_length });
      expect(body.stream_options).toBeUndefined();
      expect(words.countTokens(body.messages[0].content)).toBe(rows[k].input_length);
      expect(c.atMs - run.host.scenario.startTimeMs).toBeCloseTo(LEAD_MS + rows[k].atMs, 3); // Unix-ms floats: ~0.1 µs apart
    }
    // The two VUs alternate: the second one read the trace from the SharedArray, not the file.
    expect(new Set(posts.map((c) => c.vu))).toEqual(new Set([1, 2]));
  });

  it('records the metric names of src/metrics/names.ts, request ids in metadata, not tags', () => {
    const names = new Set(run.samples.map((s) => s.metric));
    for (const n of names) expect(REPLAY_METRIC_NAMES.has(n), n).toBe(true);
    for (const n of [COUNTERS.sent, COUNTERS.requests, COUNTERS.promptTokens, COUNTERS.outputTokens, COUNTERS.cachedTokens, TRENDS.e2e, TRENDS.ttfb, TRENDS.dispatchLag, TRENDS.connect]) {
      expect(names.has(n), n).toBe(true);
    }
    // Stock k6 cannot time streamed chunks.
    for (const n of [TRENDS.ttft, TRENDS.tpot, TRENDS.itlMean, TRENDS.itlMax, HISTOGRAMS.itl]) expect(names.has(n), n).toBe(false);
    for (const s of run.samples) {
      expect(s.metadata.request_id).toMatch(/^run1-\d+$/);
      expect(s.tags.request_id).toBeUndefined();
      expect(s.tags.model).toBe('standin-model');
    }
    const sum = (metric: string) => run.samples.filter((s) => s.metric === metric).reduce((a, s) => a + s.value, 0);
    expect(sum(COUNTERS.sent)).toBe(N);
    expect(sum(COUNTERS.outputTokens)).toBe(rows.reduce((a, r) => a + r.output_length, 0));
    expect(sum(COUNTERS.promptTokens)).toBe(rows.reduce((a, r) => a + r.input_length, 0));
    // E2E from k6's timings (sending + waiting + receiving); the virtual clock makes lag exactly 0.
    const e2e = run.samples.filter((s) => s.metric === TRENDS.e2e);
    expect(e2e.map((s) => s.value)).toEqual(rows.map((_, k) => 1 + 20 + k + 3));
    expect(run.samples.filter((s) => s.metric === TRENDS.dispatchLag).every((s) => s.value === 0)).toBe(true);
  });

  it('handleSummary prints the table and writes the result JSON', () => {
    const out = run.handleSummary(setupData);
    expect(out.stdout).toContain('Serving Benchmark Result');
    expect(out.stdout).toMatch(new RegExp(`Successful requests:\\s+${N}\\n`));
    expect(out.stdout).toContain('TTFT, TPOT and ITL are not measured');
    const result = JSON.parse(out['results/k6-export.json']);
    expect(result.run).toMatchObject({ platform: 'k6-http', model: 'standin-model', plannedRequests: N, executionSegment: null });
    expect(result.requests).toMatchObject({ planned: N, sent: N, succeeded: N, failed: 0, notSent: 0 });
    expect(result.tokens.output).toBe(rows.reduce((a, r) => a + r.output_length, 0));
    expect(result.tokens.cached).toBe(7 * N);
    expect(result.tokens.source).toBe('usage');
    expect(result.latencyMs.e2e.count).toBe(N);
    expect(result.latencyMs.e2e.max).toBe(1 + 20 + (N - 1) + 3);
    expect(result.latencyMs.ttft).toBeNull();
    expect(result.histograms).toEqual({});
  });

  it('never logs the API key', () => {
    expect(run.host.logs.some((l) => l.text.includes(API_KEY))).toBe(false);
  });
});

describe('dist/k6/replay.js failures and options', () => {
  it('counts failed requests by reason: HTTP status and k6 error code', async () => {
    const respond = (c: HttpCall): StandinResponse => {
      if (c.iteration === 3) return { status: 503, body: '{"error":{"message":"overloaded"}}' };
      if (c.iteration === 5) return { status: 0, error: 'dial tcp 127.0.0.1:9: connect: connection refused', error_code: 1212 };
      return completion(c);
    };
    const run = await loadK6Script(BUNDLE, { env: env({ MAX_REQUESTS: '8', QUIET: 'false' }), respond });
    const vu = run.newVu();
    const data = vu.setup();
    for (let k = 0; k < 8; k++) vu.iterate(k, data);
    const result = JSON.parse(run.handleSummary(data)['results/k6-export.json']);
    expect(result.requests).toMatchObject({ sent: 8, succeeded: 6, failed: 2 });
    expect(result.errors).toEqual({ http_503: 1, connect: 1 });
    expect(run.host.logs.filter((l) => l.level === 'warn').map((l) => l.text).join('\n')).toMatch(/run1-3 .*http_503: overloaded/);
  });

  it('asks /v1/models for the model when MODEL is not given', async () => {
    const respond = (c: HttpCall): StandinResponse => c.method === 'GET'
      ? { status: 200, body: '{"data":[{"id":"listed-model"}]}' }
      : completion(c);
    const run = await loadK6Script(BUNDLE, { env: env({ MODEL: '', MAX_REQUESTS: '2' }), respond });
    const vu = run.newVu();
    const data = vu.setup();
    vu.iterate(0, data);
    expect(run.calls[0]).toMatchObject({ method: 'GET', url: `${BASE_URL}/v1/models` });
    expect(JSON.parse(run.calls[1].body!).model).toBe('listed-model');
  });

  it('CONN_REUSE=false turns off k6 connection reuse; a missing TRACE says how to pass one', async () => {
    const opts = (await loadK6Script(BUNDLE, { env: env({ CONN_REUSE: 'false' }), respond: completion })).newVu().exports.options!;
    expect(opts.noConnectionReuse).toBe(true);
    const noTrace = await loadK6Script(BUNDLE, { env: env({ TRACE: '' }), respond: completion });
    expect(() => noTrace.newVu()).toThrow(/pass -e TRACE=/);
  });
});
