import { describe, expect, it } from 'vitest';
import { SimMetrics, buckets125 } from '../../src/sim/metrics.js';
import { PromParseError, parsePrometheusText, sampleValue } from '../../src/sim/prom-parse.js';
import { Counter, Gauge, Histogram, Registry, formatValue } from '../../src/sim/prom-text.js';

describe('Prometheus exposition', () => {
  it('renders counters as _total, histograms cumulatively, labels escaped; the parser reads it back', () => {
    const r = new Registry();
    const c = r.add(new Counter('x:reqs', 'Requests.', ['model_name']));
    const g = r.add(new Gauge('x:temp', 'Temp.', ['model_name']));
    const h = r.add(new Histogram('x:lat_seconds', 'Latency.', ['model_name'], [0.1, 1]));
    const m = 'we"ird\\name\n';
    c.inc([m], 3);
    g.set([m], -1.5);
    for (const v of [0.05, 0.1, 0.5, 2]) h.observe([m], v);
    const text = r.render();
    expect(text).toContain('# TYPE x:reqs counter');
    expect(text).toContain('x:reqs_total{model_name="we\\"ird\\\\name\\n"} 3.0');
    expect(text).toContain('x:lat_seconds_bucket{model_name="we\\"ird\\\\name\\n",le="0.1"} 2.0');
    expect(text).toContain('le="1.0"} 3.0');
    expect(text).toContain('le="+Inf"} 4.0');
    const fams = parsePrometheusText(text);
    expect(sampleValue(fams, 'x:reqs_total', { model_name: m })).toBe(3);
    expect(sampleValue(fams, 'x:temp')).toBe(-1.5);
    expect(sampleValue(fams, 'x:lat_seconds_sum')).toBeCloseTo(2.65, 12);
    expect(fams.get('x:lat_seconds')!.type).toBe('histogram');
  });

  it('formats values like prometheus_client', () => {
    expect(formatValue(1)).toBe('1.0');
    expect(formatValue(0.25)).toBe('0.25');
    expect(formatValue(Infinity)).toBe('+Inf');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(1.2845e7)).toBe('12845000.0');
  });

  it('the simulator registry parses strictly', () => {
    const m = new SimMetrics('org/model-8B', 4096, { blockSize: 16, numGpuBlocks: 100, enablePrefixCaching: true }, 0.5);
    m.ttft.observe(m.labels, 0.3);
    m.lateness(0.0002);
    const fams = parsePrometheusText(m.render({ running: 2, waiting: 5, kvUsage: 0.25 }, 7, 11));
    expect(sampleValue(fams, 'vllm:num_requests_waiting', { model_name: 'org/model-8B', engine: '0' })).toBe(5);
    expect(sampleValue(fams, 'vllm:time_to_first_token_seconds_count')).toBe(1);
    expect(sampleValue(fams, 'sim:engine_steps_total')).toBe(11);
    expect(sampleValue(fams, 'sim:scheduling_error_max_seconds')).toBe(0.0002);
    expect(sampleValue(fams, 'sim:time_scale')).toBe(0.5);
  });

  it('builds vLLM 1-2-5 buckets', () => {
    expect(buckets125(100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(buckets125(4096).at(-1)).toBe(2000);
  });

  it('the parser rejects what Prometheus would not accept', () => {
    const bad: [string, RegExp][] = [
      ['# TYPE a counter\na_total{x="1} 1\n', /unterminated/],
      ['# TYPE a gauge\na 1 2 3\n', /value/],
      ['# TYPE a gauge\na abc\n', /bad value/],
      ['# TYPE a gauge\na{1x="y"} 1\n', /label name/],
      ['# TYPE a gauge\na{x="\\q"} 1\n', /bad escape/],
      ['# TYPE a gauge\na 1\na 2\n', /duplicate series/],
      ['# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\n', /not contiguous/],
      ['# TYPE a wibble\n', /unknown type/],
      ['# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /not cumulative/],
      ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /no \+Inf bucket/],
      ['# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', /differs from _count/],
      ['# TYPE h histogram\nh_bucket 1\n', /bucket without le/],
      ['a{x="1",x="2"} 1\n', /given twice/],
      ['{x="1"} 1\n', /metric name/],
    ];
    for (const [text, re] of bad) {
      expect(() => parsePrometheusText(text), text).toThrow(PromParseError);
      expect(() => parsePrometheusText(text), text).toThrow(re);
    }
    // Valid edge cases.
    const ok = parsePrometheusText('# a comment\n# HELP a x\n# TYPE a gauge\na{b="c d"} -Inf 123\nuntyped_one 1e-3\n');
    expect(sampleValue(ok, 'a')).toBe(-Infinity);
    expect(sampleValue(ok, 'untyped_one')).toBe(0.001);
  });
});
