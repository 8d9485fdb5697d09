import { describe, expect, it } from 'vitest';
import { CustomMetrics } from '../../../src/engine/scripting/metrics';
import { Registry } from '../../../src/engine/metrics';
import { renderCustomMetrics } from '../../../src/engine/scripting/summary';

describe('custom metrics', () => {
  it('records counters, trends and gauges with tags into the registry', () => {
    const reg = new Registry();
    const m = new CustomMetrics(reg);
    const c = m.counter('hits');
    c.add();
    c.add(2, { kind: 'a' });
    m.trend('wait', true).add(10);
    m.trend('wait', true).add(30, { kind: 'b' });
    m.gauge('depth').add(4);
    const d = reg.summaryData(1000);
    expect(d.metrics.hits?.values.count).toBe(3);
    expect(d.metrics['hits{kind:a}']?.values.count).toBe(2);
    expect(d.metrics.wait?.values.avg).toBeCloseTo(20, 6);
    expect(d.metrics['wait{kind:b}']?.values.count).toBe(1);
    expect(d.metrics.depth?.values.value).toBe(4);
    expect(m.isTime('wait')).toBe(true);
    expect(m.isTime('hits')).toBe(false);
  });

  it('refuses bad names, built-in names, a second type and bad values', () => {
    const m = new CustomMetrics(new Registry());
    expect(() => m.counter('1bad')).toThrow(/letters, digits and _/);
    expect(() => m.trend('llm_ttft')).toThrow(/one of the engine's own \(trend\)/);
    m.trend('x');
    expect(() => m.counter('x')).toThrow(/already a trend/);
    expect(() => m.trend('x', true)).toThrow(/isTime false/);
    expect(() => m.counter('c').add(-1)).toThrow(/counters only grow/);
    expect(() => m.trend('t').add(NaN)).toThrow(/finite/);
  });

  it('prints declared metrics k6-style, times with ms', () => {
    const reg = new Registry();
    const m = new CustomMetrics(reg);
    m.trend('wait', true).add(10);
    m.counter('hits').add(4);
    m.gauge('unused');
    const text = renderCustomMetrics(reg.summaryData(2000), m.declared);
    expect(text).toContain('CUSTOM METRICS');
    expect(text).toMatch(/hits\.+: 4 2\.00\/s/);
    expect(text).toMatch(/wait\.+: avg=10ms min=10ms/);
    expect(text).not.toContain('unused');
    expect(renderCustomMetrics(reg.summaryData(1), new Map())).toBe('');
  });
});
