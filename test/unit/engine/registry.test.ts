import { describe, expect, it } from 'vitest';
import { Registry, submetricKey } from '../../../src/engine/metrics';
import type { Sample } from '../../../src/outputs/sample';

describe('Registry', () => {
  it('keeps counters by k6 submetric key and trends as histograms in handleSummary shape', () => {
    const r = new Registry({ run: 'r1' });
    r.counter('llm_requests', 1, { outcome: 'ok' });
    r.counter('llm_requests', 1, { outcome: 'error' });
    r.counter('llm_requests', 1, { outcome: 'ok' });
    for (let i = 1; i <= 100; i++) r.trend('llm_ttft', i);
    const d = r.summaryData(10_000, { llm_ttft: [97] });
    expect(d.metrics['llm_requests']?.values.count).toBe(3);
    expect(d.metrics['llm_requests{outcome:ok}']?.values.count).toBe(2);
    expect(d.metrics['llm_requests']?.values.rate).toBeCloseTo(0.3);
    const t = d.metrics['llm_ttft']!.values;
    expect(t.count).toBe(100);
    expect(t.avg).toBeCloseTo(50.5);
    expect(t.min).toBe(1);
    expect(t.max).toBe(100);
    // Nearest-rank percentiles from 1% log buckets: within 0.5% of the sample at that rank.
    expect(Math.abs(t['p(50)'] - 51) / 51).toBeLessThan(0.006);
    expect(Math.abs(t['p(97)'] - 97) / 97).toBeLessThan(0.006);
  });

  it('merges the states of several registries exactly (worker threads)', () => {
    const a = new Registry();
    const b = new Registry();
    const whole = new Registry();
    for (let i = 0; i < 50; i++) {
      const reg = i % 2 ? a : b;
      reg.trend('llm_e2e', i * 3.7);
      reg.counter('llm_errors', 1, { reason: i % 3 ? 'http_503' : 'timeout' });
      reg.histogram('llm_itl', [i, i + 0.5]);
      whole.trend('llm_e2e', i * 3.7);
      whole.counter('llm_errors', 1, { reason: i % 3 ? 'http_503' : 'timeout' });
      whole.histogram('llm_itl', [i, i + 0.5]);
    }
    const merged = new Registry();
    merged.merge(structuredClone(a.state()));
    merged.merge(structuredClone(b.state()));
    const got = merged.summaryData(1000).metrics;
    const want = whole.summaryData(1000).metrics;
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const k of Object.keys(want)) {
      for (const [stat, v] of Object.entries(want[k]!.values)) expect(got[k]!.values[stat]).toBeCloseTo(v, 9);
    }
    expect(merged.histogramOf('llm_itl')?.count).toBe(100);
  });

  it('hands samples to listeners with run tags merged, one frozen tag object per tag set', () => {
    const r = new Registry({ run: 'r1', model: 'm' }, (name) => name === 'llm_ttft');
    const seen: Sample[] = [];
    r.onSample((s) => seen.push(s));
    r.counter('llm_errors', 1, { reason: 'timeout' });
    r.counter('llm_errors', 1, { reason: 'timeout' });
    r.trend('llm_ttft', 12);
    r.trend('llm_session_decode_tps', 40);
    expect(seen.map((s) => [s.metric, s.type, s.isTime])).toEqual([
      ['llm_errors', 'counter', false], ['llm_errors', 'counter', false], ['llm_ttft', 'trend', true], ['llm_session_decode_tps', 'trend', false],
    ]);
    expect(seen[0].tags).toEqual({ run: 'r1', model: 'm', reason: 'timeout' });
    expect(seen[1].tags).toBe(seen[0].tags);
    expect(Object.isFrozen(seen[0].tags)).toBe(true);
  });

  it('names submetrics as k6 does', () => {
    expect(submetricKey('m', { b: '2', a: '1' })).toBe('m{a:1,b:2}');
    expect(submetricKey('m')).toBe('m');
  });
});
