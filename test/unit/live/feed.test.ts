import { describe, expect, it } from 'vitest';
import { LiveFeed } from '../../../src/live/feed';
import { liveDigest, parseDashboardAddress, DashboardAddressError } from '../../../src/live/dashboard';
import { liveCharts } from '../../../src/report/charts';
import { addValues, emptyHistogram, histogramPercentile } from '../../../src/metrics/histogram';
import type { Sample } from '../../../src/outputs/sample';

const T0 = 1_700_000_000_000;

function s(metric: string, type: Sample['type'], value: number, atMs: number, tags: Record<string, string> = {}): Sample {
  return { metric, type, isTime: type === 'trend', value, timeUnixMs: T0 + atMs, tags };
}

describe('LiveFeed', () => {
  it('folds samples into one-second bins and run totals whose percentiles are the summary histogram\'s', () => {
    let now = T0;
    const feed = new LiveFeed(T0, () => now);
    const ttfts = [12, 30, 45, 80, 200];
    ttfts.forEach((v, i) => {
      feed.add([s('llm_requests_sent', 'counter', 1, i * 500)]);
      feed.add([s('llm_ttft', 'trend', v, i * 500 + 100), s('llm_e2e', 'trend', v * 3, i * 500 + 200), s('llm_output_tokens', 'counter', 10, i * 500 + 200)]);
      feed.add([s('llm_requests', 'counter', 1, i * 500 + 200, { outcome: i === 4 ? 'error' : 'ok' })]);
    });
    feed.add([s('llm_errors', 'counter', 1, 2200, { reason: 'http_503' }), s('engine_requests_running', 'gauge', 4, 1500)]);
    now = T0 + 3000;
    const t = feed.totalsNow();
    expect(t).toMatchObject({ sent: 5, succeeded: 4, failed: 1, inFlight: 0, outputTokens: 50, errors: { http_503: 1 } });
    const h = emptyHistogram();
    addValues(h, ttfts);
    expect(t.latencyMs.ttft.p99).toBe(histogramPercentile(h, 99));
    const series = feed.series();
    expect(series.binS).toEqual([0, 1, 2, 3]);
    expect(series.requestsPerS).toEqual([2, 2, 1, 0]);
    expect(series.errorsByReason.http_503).toEqual([0, 0, 1, 0]);
    expect(series.engine!.running[1]).toBe(4);
    expect(Number.isNaN(series.engine!.running[0])).toBe(true);
    // The report's chart builders take the feed's series.
    const charts = liveCharts(liveDigest('run', series, t), [{ metric: 'TTFT', ...series.percentiles.ttft }], series.errorsByReason);
    expect(charts.map((c) => c.id)).toEqual(['ts-request-rate', 'ts-in-flight', 'ts-ttft-percentiles', 'ts-output-tokens', 'ts-errors', 'ts-engine-kv']);
  });

  it("sends and in flight come from the run's live counts when it is watched (samples are recorded at the end of a request)", () => {
    let now = T0;
    const feed = new LiveFeed(T0, () => now);
    feed.observe(0, 0, T0 + 100);
    feed.observe(4, 4, T0 + 900);
    feed.observe(6, 3, T0 + 2500);
    // Every request recorded later, when it ended.
    for (let i = 0; i < 6; i++) feed.add([s('llm_requests_sent', 'counter', 1, 3200), s('llm_requests', 'counter', 1, 3200, { outcome: 'ok' })]);
    feed.observe(6, 0, T0 + 3300);
    now = T0 + 3500;
    const series = feed.series();
    expect(series.requestsPerS).toEqual([4, 0, 2, 0]);
    expect(series.inFlight).toEqual([4, 4, 3, 0]);
    expect(feed.totalsNow()).toMatchObject({ sent: 6, succeeded: 6, inFlight: 0 });
  });

  it('widens its bins two-fold past 600, keeping every count', () => {
    let now = T0;
    const feed = new LiveFeed(T0, () => now);
    for (let i = 0; i < 1300; i++) feed.add([s('llm_requests_sent', 'counter', 1, i * 1000)]);
    now = T0 + 1299_000;
    const series = feed.series();
    expect(series.widthS).toBe(4);
    expect(series.binS.length).toBeLessThanOrEqual(600);
    expect(series.requestsPerS.reduce((a, r) => a + r * series.widthS, 0)).toBe(1300);
  });
});

describe('parseDashboardAddress', () => {
  it('the bare flag is 127.0.0.1:5665; HOST:PORT, :PORT and PORT otherwise', () => {
    expect(parseDashboardAddress('true')).toEqual({ host: '127.0.0.1', port: 5665 });
    expect(parseDashboardAddress('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseDashboardAddress(':0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseDashboardAddress('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(() => parseDashboardAddress('localhost')).toThrow(DashboardAddressError);
  });
});
