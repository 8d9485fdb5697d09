import { describe, expect, it } from 'vitest';
import { encodePoint, escapeKey, escapeMeasurement, parseTagsAsFields, quoteString, unixMsToNs, K6_DEFAULT_TAGS_AS_FIELDS } from '../../../src/outputs/line-protocol';
import type { Sample } from '../../../src/outputs/sample';

const k6Fields = parseTagsAsFields(K6_DEFAULT_TAGS_AS_FIELDS);
const sample = (over: Partial<Sample>): Sample => ({
  metric: 'llm_ttft', type: 'trend', isTime: true, value: 12.5, timeUnixMs: 1_700_000_000_123.25, tags: {}, ...over,
});

describe('InfluxDB line protocol in k6 layout', () => {
  it('measurement = metric, tags sorted, field "value", ns timestamp', () => {
    const line = encodePoint(sample({ tags: { run: 'r1', model: 'm', scenario: 'replay' } }), k6Fields);
    expect(line).toBe('llm_ttft,model=m,run=r1,scenario=replay value=12.5 1700000000123250000');
  });

  it('k6 moves vu and iter (as integers) and url (as a string) to fields', () => {
    const line = encodePoint(sample({ metric: 'http_reqs', value: 1, timeUnixMs: 1000, tags: { url: 'http://x/a b', vu: '3', iter: '17', run: 'r' } }), k6Fields);
    expect(line).toBe('http_reqs,run=r value=1,iter=17i,url="http://x/a b",vu=3i 1000000000');
  });

  it('custom tags-as-fields with types, and clear errors for bad entries', () => {
    const m = parseTagsAsFields('request_id, ok:bool,ratio:float');
    expect([...m]).toEqual([['request_id', 'string'], ['ok', 'bool'], ['ratio', 'float']]);
    const line = encodePoint(sample({ value: 2, timeUnixMs: 1, tags: { request_id: 'abc', ok: 'true', ratio: '0.5', run: 'r' } }), m);
    expect(line).toBe('llm_ttft,run=r value=2,ok=true,ratio=0.5,request_id="abc" 1000000');
    expect(() => parseTagsAsFields('vu:integer')).toThrow(/"vu:integer".*int, float, bool, string/);
    expect(() => parseTagsAsFields('a:int:x')).toThrow(/"a:int:x"/);
  });

  it('escapes commas, spaces and equals signs in names and tags, quotes and backslashes in strings', () => {
    expect(escapeMeasurement('a b,c=d')).toBe('a\\ b\\,c=d');
    expect(escapeKey('a b,c=d')).toBe('a\\ b\\,c\\=d');
    expect(quoteString('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"');
    const line = encodePoint(sample({ metric: 'my metric', value: 1, timeUnixMs: 0, tags: { 'reason code': 'http 429,x=y' } }), k6Fields);
    expect(line).toBe('my\\ metric,reason\\ code=http\\ 429\\,x\\=y value=1 0');
  });

  it('never lets a backslash eat a separator, nor a line break end the point', () => {
    expect(escapeKey('C:\\dir\\')).toBe('C:\\dir/');
    expect(escapeKey('a\\ b')).toBe('a/\\ b');
    expect(escapeKey('two\nlines')).toBe('two\\nlines');
    const line = encodePoint(sample({ value: 1, timeUnixMs: 0, tags: { model: 'x\r\ny' } }), k6Fields)!;
    expect(line.split('\n')).toHaveLength(1);
  });

  it('leaves out empty tag values and writes no point for NaN or infinite values', () => {
    expect(encodePoint(sample({ value: 3, timeUnixMs: 0, tags: { model: '', run: 'r' } }), k6Fields)).toBe('llm_ttft,run=r value=3 0');
    expect(encodePoint(sample({ value: NaN }), k6Fields)).toBeUndefined();
    expect(encodePoint(sample({ value: Infinity }), k6Fields)).toBeUndefined();
  });

  it('nanosecond timestamps are exact, including the sub-ms part and its carry', () => {
    expect(unixMsToNs(1_700_000_000_000)).toBe('1700000000000000000');
    expect(unixMsToNs(1_700_000_000_000.5)).toBe('1700000000000500000');
    expect(unixMsToNs(1_700_000_000_000.9999999)).toBe('1700000000001000000');
    expect(unixMsToNs(0.25)).toBe('250000');
  });

  it('frozen tag objects (encoded once and cached) give the same points as fresh ones', () => {
    const tags = Object.freeze({ run: 'r 1', url: 'u', model: 'm' });
    const a = encodePoint(sample({ value: 1, timeUnixMs: 5, tags }), k6Fields);
    const b = encodePoint(sample({ value: 2, timeUnixMs: 6, tags }), k6Fields);
    expect(a).toBe(encodePoint(sample({ value: 1, timeUnixMs: 5, tags: { ...tags } }), k6Fields));
    expect(b).toBe('llm_ttft,model=m,run=r\\ 1 value=2,url="u" 6000000');
    expect(encodePoint(sample({ value: 1, timeUnixMs: 5, tags }), parseTagsAsFields(''))).toBe('llm_ttft,model=m,run=r\\ 1,url=u value=1 5000000');
  });
});
