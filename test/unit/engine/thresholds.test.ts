import { describe, expect, it } from 'vitest';
import {
  abortingThreshold, evaluateThresholds, parseThresholdFlag, parseThresholdOptions, percentilesNeeded, renderThresholds,
  resolveMetricName, summaryThresholds, ThresholdError, thresholdsPassed, type MetricsSnapshot,
} from '../../../src/engine/thresholds';
import type { K6SummaryData } from '../../../src/metrics/summary';

const metrics: MetricsSnapshot = {
  llm_ttft: { type: 'trend', values: { avg: 120, min: 10, med: 100, max: 900, 'p(90)': 300, 'p(95)': 400, 'p(99)': 850, 'p(99.9)': 899 } },
  llm_requests: { type: 'counter', values: { count: 100, rate: 10 } },
  'llm_requests{outcome:ok}': { type: 'counter', values: { count: 97, rate: 9.7 } },
  'llm_requests{outcome:error}': { type: 'counter', values: { count: 3, rate: 0.3 } },
  'llm_errors{reason:timeout,kind:transport}': { type: 'counter', values: { count: 2, rate: 0.2 } },
  checks: { type: 'rate', values: { rate: 0.98, passes: 98, fails: 2 } },
  vus: { type: 'gauge', values: { value: 4, min: 1, max: 8 } },
};

function run(flag: string) {
  return evaluateThresholds([parseThresholdFlag(flag)], metrics)[0];
}

describe('parsing', () => {
  it('reads the short alias, the method and the limit', () => {
    const t = parseThresholdFlag('ttft:p(99)<2000');
    expect(t).toMatchObject({ metric: 'llm_ttft', metricText: 'ttft', method: 'p', percentile: 99, stat: 'p(99)', operator: '<', value: 2000, source: 'p(99)<2000' });
  });

  it('maps every short name to its llm_* metric and keeps full or custom names', () => {
    expect(['ttft', 'tpot', 'itl', 'e2e', 'ttfb', 'dispatch_lag', 'errors', 'requests_sent', 'sent', 'session_ttfat', 'ttfat'].map(resolveMetricName))
      .toEqual(['llm_ttft', 'llm_tpot', 'llm_itl', 'llm_e2e', 'llm_ttfb', 'llm_dispatch_lag', 'llm_errors', 'llm_requests_sent', 'llm_requests_sent', 'llm_session_ttfat', 'llm_session_ttfat']);
    expect(resolveMetricName('llm_ttft')).toBe('llm_ttft');
    expect(resolveMetricName('my_metric')).toBe('my_metric');
  });

  it('takes spaces around the operator and every k6 operator', () => {
    for (const op of ['<', '<=', '>', '>=', '==', '===', '!=']) {
      expect(parseThresholdFlag(`e2e:avg ${op} 5`).operator).toBe(op);
    }
    expect(parseThresholdFlag('e2e: p(99.9) <= 1.5e3').value).toBe(1500);
  });

  it('reads submetric selectors (colons inside braces, quotes and spaces as k6 strips them)', () => {
    const t = parseThresholdFlag(`errors{reason: 'timeout'}:count<1`);
    expect(t).toMatchObject({ metric: 'llm_errors{reason:timeout}', baseMetric: 'llm_errors', tags: { reason: 'timeout' }, method: 'count' });
  });

  it.each([
    ['ttft', /expected METRIC:EXPRESSION/],
    ['ttft:p(99)', /has no comparison/],
    ['ttft:p(99)<fast', /"fast" .* is not a number/],
    ['ttft:p99<10', /"p99" .* is not an aggregation method/],
    ['ttft:p(101)<10', /percentile from 0 to 100/],
    ['ttft:count<10', /count does not apply to llm_ttft, a trend; its methods are avg, min, max, med, p\(N\)/],
    ['errors:p(99)<10', /p\(N\) does not apply to llm_errors, a counter; its methods are count, rate/],
    ['llm_requests{outcome}:count<1', /"outcome" .* is not tag:value/],
    ['llm_requests{outcome:error:count<1', /unmatched braces/],
    ['ttft-x:avg<1', /is not a metric name/],
  ])('%s fails with a message naming it', (text, message) => {
    expect(() => parseThresholdFlag(text)).toThrow(ThresholdError);
    expect(() => parseThresholdFlag(text)).toThrow(message);
    expect(() => parseThresholdFlag(text)).toThrow(`--threshold '${text}'`);
  });

  it('reads k6 options with strings and objects, abortOnFail and delayAbortEval', () => {
    const ts = parseThresholdOptions({
      llm_ttft: ['p(95)<500', { threshold: 'p(99)<1000', abortOnFail: true, delayAbortEval: '1m30s' }],
      'llm_requests{outcome:error}': 'count<1',
    });
    expect(ts.map((t) => [t.metric, t.source, t.abortOnFail, t.delayAbortEvalMs])).toEqual([
      ['llm_ttft', 'p(95)<500', false, null],
      ['llm_ttft', 'p(99)<1000', true, 90_000],
      ['llm_requests{outcome:error}', 'count<1', false, null],
    ]);
    expect(() => parseThresholdOptions({ ttft: [{ threshold: 'avg<1', delayAbortEval: 'soon' }] })).toThrow(/options.thresholds.ttft 'avg<1': delayAbortEval "soon" is not a duration/);
    expect(() => parseThresholdOptions({ ttft: [42 as unknown as string] })).toThrow(/42 is neither an expression string/);
  });

  it('lists the percentiles the engine must compute', () => {
    const ts = ['ttft:p(99)<1', 'ttft:p(99.9)<1', 'ttft:p(99)<2', 'e2e:p(50)<1', 'e2e:avg<1'].map((f) => parseThresholdFlag(f));
    expect(percentilesNeeded(ts)).toEqual({ llm_ttft: [99, 99.9], llm_e2e: [50] });
  });
});

describe('evaluation', () => {
  it.each([
    ['ttft:p(99)<2000', true, 850], ['ttft:p(99)<800', false, 850], ['ttft:p(99.9)<=899', true, 899], ['ttft:avg>120', false, 120],
    ['ttft:med==100', true, 100], ['ttft:min===10', true, 10], ['ttft:max!=900', false, 900],
    ['requests:count>=100', true, 100], ['requests:rate<5', false, 10],
    ['llm_requests{outcome:error}:count<1', false, 3], ['checks:rate>0.95', true, 0.98], ['vus:value<=4', true, 4],
  ] as Array<[string, boolean, number]>)('%s -> ok %s, observed %s', (flag, ok, observed) => {
    expect(run(flag)).toMatchObject({ ok, observed, noData: false });
  });

  it('finds a submetric whatever the tag order', () => {
    expect(run('errors{kind:transport,reason:timeout}:count<=2')).toMatchObject({ ok: true, observed: 2 });
  });

  it('reads the median as p(50) and p(50) as the median when only one is there', () => {
    expect(evaluateThresholds([parseThresholdFlag('x:p(50)<200')], { x: { type: 'trend', values: { med: 150 } } })[0]).toMatchObject({ ok: true, observed: 150 });
  });

  it('a metric of ours with no samples reads as an empty k6 sink (0), marked noData', () => {
    expect(run('dispatch_lag:p(99)<5')).toMatchObject({ ok: true, observed: 0, noData: true });
    expect(run('llm_errors{reason:http_500}:count<1')).toMatchObject({ ok: true, observed: 0, noData: true });
  });

  it('an unknown metric, a missing percentile or a method that does not fit the type fails, saying why', () => {
    expect(run('my_metric:avg<1')).toMatchObject({ ok: false, observed: null, problem: 'no metric named my_metric in this run' });
    expect(run('ttft:p(97)<1000')).toMatchObject({ ok: false, problem: 'the run did not compute p(97) for llm_ttft' });
    expect(run('checks:count<1')).toMatchObject({ ok: false, problem: 'count does not apply to checks, a rate; its methods are rate' });
  });

  it('an empty rate (0/0) fails every comparison but !=, as in k6', () => {
    const snap = { r: { type: 'rate', values: { rate: NaN } } };
    const [lt, ne] = evaluateThresholds(['r:rate<1', 'r:rate!=1'].map((f) => parseThresholdFlag(f)), snap);
    expect([lt.ok, ne.ok]).toEqual([false, true]);
  });

  it('evaluates over k6 handleSummary data as src/metrics/summary.ts reads it', () => {
    const data: K6SummaryData = { metrics: { llm_e2e: { type: 'trend', values: { 'p(95)': 1200, avg: 600 } } } };
    expect(thresholdsPassed(evaluateThresholds([parseThresholdFlag('e2e:p(95)<1500')], data.metrics))).toBe(true);
    expect(thresholdsPassed(evaluateThresholds([parseThresholdFlag('e2e:p(95)<1000')], data.metrics))).toBe(false);
  });

  it('abortOnFail stops the run only after delayAbortEval', () => {
    const ts = parseThresholdOptions({ llm_ttft: [{ threshold: 'p(99)<100', abortOnFail: true, delayAbortEval: '10s' }, 'avg<1'] });
    const results = evaluateThresholds(ts, metrics);
    expect(abortingThreshold(results, 5_000)).toBeNull();
    expect(abortingThreshold(results, 10_001)?.source).toBe('p(99)<100');
    const plainFailures = evaluateThresholds([parseThresholdFlag('ttft:avg<1')], metrics);
    expect(abortingThreshold(plainFailures, 1e9)).toBeNull();
  });
});

describe('reporting', () => {
  const results = evaluateThresholds(
    ['ttft:p(99)<2000', 'ttft:avg<100', 'requests:rate>1', 'llm_requests{outcome:error}:count<1', 'dispatch_lag:p(99)<5', 'my_metric:avg<1'].map((f) => parseThresholdFlag(f)),
    metrics,
  );

  it('prints ✓/✗ lines grouped by metric, with the observed value and its unit', () => {
    expect(renderThresholds(results)).toBe([
      '  █ THRESHOLDS',
      '',
      '    llm_ttft',
      "    ✓ 'p(99)<2000' p(99)=850ms",
      "    ✗ 'avg<100' avg=120ms",
      '',
      '    llm_requests',
      "    ✓ 'rate>1' rate=10/s",
      '',
      '    llm_requests{outcome:error}',
      "    ✗ 'count<1' count=3",
      '',
      '    llm_dispatch_lag',
      "    ✓ 'p(99)<5' p(99)=0ms (no samples)",
      '',
      '    my_metric',
      "    ✗ 'avg<1' no metric named my_metric in this run",
      '',
      '  3 of 6 thresholds failed',
    ].join('\n'));
  });

  it('colours the marks on a terminal and prints nothing without thresholds', () => {
    expect(renderThresholds(results.slice(0, 2), { color: true })).toContain('\x1b[31m✗\x1b[0m');
    expect(renderThresholds([])).toBe('');
  });

  it('gives the thresholds part of k6 handleSummary data', () => {
    expect(summaryThresholds(results.slice(0, 2))).toEqual({ llm_ttft: { 'p(99)<2000': { ok: true }, 'avg<100': { ok: false } } });
  });
});
