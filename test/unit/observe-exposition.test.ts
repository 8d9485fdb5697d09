import { describe, expect, it } from 'vitest';
import { parseExposition, parseValue } from '../../src/observe/exposition';

describe('parseExposition', () => {
  it('reads names with colons, labels, TYPE lines and Prometheus number spellings', () => {
    const e = parseExposition([
      '# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.',
      '# TYPE vllm:kv_cache_usage_perc gauge',
      'vllm:kv_cache_usage_perc{engine="0",model_name="Qwen/Qwen3-8B"} 0.4375',
      'vllm:prefix_cache_queries_total{engine="0"} 1.2845e+07',
      'a_bucket{le="+Inf"} +Inf',
      'b -Inf',
      'c NaN',
      'plain 3',
    ].join('\n'));
    expect(e.skippedLines).toBe(0);
    expect(e.types).toEqual({ 'vllm:kv_cache_usage_perc': 'gauge' });
    expect(e.samples.map((s) => [s.name, s.value])).toEqual([
      ['vllm:kv_cache_usage_perc', 0.4375],
      ['vllm:prefix_cache_queries_total', 12_845_000],
      ['a_bucket', Infinity],
      ['b', -Infinity],
      ['c', NaN],
      ['plain', 3],
    ]);
    expect(e.samples[0].labels).toEqual({ engine: '0', model_name: 'Qwen/Qwen3-8B' });
    expect(e.samples[2].labels).toEqual({ le: '+Inf' });
  });

  it('unescapes label values and keeps commas, braces and spaces inside them', () => {
    const e = parseExposition('m{a="x\\"y",b="back\\\\slash",c="line\\nbreak",d="a, b} c",e=""} 1\n');
    expect(e.samples[0].labels).toEqual({ a: 'x"y', b: 'back\\slash', c: 'line\nbreak', d: 'a, b} c', e: '' });
  });

  it('ignores timestamps, OpenMetrics exemplars, trailing commas, CRLF and # EOF', () => {
    const e = parseExposition('m{a="1",} 2 1700000000000\r\nh_bucket{le="0.1"} 5 # {trace_id="abc"} 0.05 1.7e9\r\n# EOF\r\n');
    expect(e.skippedLines).toBe(0);
    expect(e.samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['m', { a: '1' }, 2],
      ['h_bucket', { le: '0.1' }, 5],
    ]);
  });

  it('counts lines it cannot read instead of throwing', () => {
    const e = parseExposition(['ok 1', 'bad{a=1} 2', 'novalue', 'x{a="unterminated} 3', 'hex 0x10', '9starts_with_digit 1', 'fine{} 4'].join('\n'));
    expect(e.samples.map((s) => s.name)).toEqual(['ok', 'fine']);
    expect(e.skippedLines).toBe(5);
  });

  it('parses only decimal floats as values', () => {
    expect(parseValue('1e3')).toBe(1000);
    expect(parseValue('.5')).toBe(0.5);
    expect(parseValue('-2.')).toBe(-2);
    expect(parseValue('0x10')).toBeNaN();
    expect(parseValue('')).toBeNaN();
  });
});
