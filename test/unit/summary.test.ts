import { describe, expect, it } from 'vitest';
import { buildResult, renderTable, type K6SummaryData, type RunInfo } from '../../src/metrics/summary';
import { addValues, emptyHistogram, type LogHistogram } from '../../src/metrics/histogram';
import { summarySubmetricThresholds, allErrorReasons } from '../../src/metrics/names';

const run: RunInfo = {
  runId: 'r1', trace: 't.jsonl', format: 'mooncake', baseUrl: 'http://x', endpoint: 'chat', model: 'm', platform: 'engine', speedup: 1, plannedRequests: 10,
};

function trend(values: Record<string, number>) {
  return { type: 'trend', values };
}

const data: K6SummaryData = {
  metrics: {
    llm_requests_sent: { type: 'counter', values: { count: 10 } },
    'llm_requests{outcome:ok}': { type: 'counter', values: { count: 8 } },
    'llm_requests{outcome:error}': { type: 'counter', values: { count: 2 } },
    'llm_errors{reason:http_429}': { type: 'counter', values: { count: 2 } },
    'llm_errors{reason:timeout}': { type: 'counter', values: { count: 0 } },
    llm_prompt_tokens: { type: 'counter', values: { count: 1000 } },
    llm_output_tokens: { type: 'counter', values: { count: 200 } },
    llm_cached_tokens: { type: 'counter', values: { count: 250 } },
    llm_ttft: trend({ count: 8, avg: 50, min: 10, max: 90, 'p(25)': 30, 'p(50)': 45, 'p(75)': 70, 'p(90)': 80, 'p(95)': 85, 'p(99)': 89, 'p(99.9)': 90 }),
  },
  state: { testRunDurationMs: 99_000 },
};

function hists(): (name: string) => LogHistogram | null {
  const send = emptyHistogram();
  addValues(send, [1000, 2000]);
  const end = emptyHistogram();
  addValues(end, [3000, 5000]);
  const itl = emptyHistogram();
  addValues(itl, [10, 20, 30]);
  const ttft = emptyHistogram();
  addValues(ttft, [10, 90]);
  const map: Record<string, LogHistogram> = { llm_send_at: send, llm_end_at: end, llm_itl: itl, llm_ttft: ttft };
  return (n) => map[n] ?? null;
}

describe('replay result', () => {
  it('derives counts, throughput over the send->end span, and the cache hit rate', () => {
    const r = buildResult(data, run, hists());
    expect(r.requests).toMatchObject({ planned: 10, sent: 10, succeeded: 8, failed: 2, notSent: 0 });
    expect(r.errors).toEqual({ http_429: 2 });
    expect(r.durationS).toBe(4);
    expect(r.throughput.requestsPerS).toBe(2);
    expect(r.throughput.outputTokensPerS).toBe(50);
    expect(r.cacheHitRate).toBe(0.25);
    expect(r.latencyMs.ttft).toMatchObject({ mean: 50, p50: 45, p99: 89, std: 40 });
    expect(r.latencyMs.itl?.mean).toBe(20);
    expect(r.tokens.source).toBe('usage');
  });

  it('falls back to the k6 run duration without histograms and prints n/a for std', () => {
    const r = buildResult(data, run, () => null);
    expect(r.durationS).toBe(99);
    expect(r.latencyMs.ttft?.std).toBeNaN();
    expect(r.latencyMs.itl).toBeNull();
    expect(renderTable(r)).toMatch(/Std TTFT \(ms\):\s+n\/a/);
  });

  it('renders the vLLM table with the harness rows and errors', () => {
    const text = renderTable(buildResult(data, run, hists()));
    expect(text).toMatch(/=+ Serving Benchmark Result =+/);
    expect(text).toMatch(/Successful requests:\s+8/);
    expect(text).toMatch(/Mean TTFT \(ms\):\s+50\.00/);
    expect(text).toMatch(/P99 TTFT \(ms\):\s+89\.00/);
    expect(text).toMatch(/Mean ITL \(ms\):\s+20\.00/);
    expect(text).toMatch(/http_429:\s+2/);
    expect(text).not.toMatch(/WARNING/);
  });

  it('prints a TTFO block only when some stream carried reasoning, and keeps it in the JSON', () => {
    expect(renderTable(buildResult(data, run, hists()))).not.toMatch(/TTFO|First Output/);
    const reasoning = { ...data, metrics: { ...data.metrics, llm_ttfo: trend({ count: 3, avg: 400, min: 300, max: 500, 'p(25)': 350, 'p(50)': 400, 'p(75)': 450, 'p(90)': 480, 'p(95)': 490, 'p(99)': 498, 'p(99.9)': 499 }) } };
    const r = buildResult(reasoning, run, hists());
    expect(r.latencyMs.ttfo).toMatchObject({ count: 3, mean: 400, p99: 498 });
    const text = renderTable(r);
    expect(text).toMatch(/-+Time to First Output Token-+\n/);
    expect(text).toMatch(/Median TTFO \(ms\):\s+400\.00/);
    expect(text.indexOf('TTFO')).toBeGreaterThan(text.indexOf('P99 TTFT'));
    expect(text.indexOf('TTFO')).toBeLessThan(text.indexOf('TPOT'));
  });

  it('warns loudly when iterations were dropped', () => {
    const dropped = { ...data, metrics: { ...data.metrics, llm_requests_sent: { type: 'counter', values: { count: 7 } }, dropped_iterations: { type: 'counter', values: { count: 3 } } } };
    const text = renderTable(buildResult(dropped, run, hists()));
    expect(text).toMatch(/WARNING: 3 request\(s\) of the trace were never sent: k6 dropped 3 iteration\(s\) for lack of a free VU: raise -e VUS=/);
  });

  it('asks k6 for a submetric per error reason', () => {
    const t = summarySubmetricThresholds();
    expect(Object.keys(t)).toContain('llm_errors{reason:http_503}');
    expect(Object.keys(t)).toHaveLength(allErrorReasons().length + 2);
  });
});
