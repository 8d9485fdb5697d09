import { describe, expect, it } from 'vitest';
import { detectTraceFormat } from '../../../src/trace/detect';
import { resolveFormat } from '../../../src/trace/read';
import { sample } from './helpers';

describe('detectTraceFormat', () => {
  it.each([
    ['mooncake-sample.jsonl', 'mooncake'],
    ['mooncake-synthetic-sample.jsonl', 'mooncake'],
    ['aiperf-sessions-sample.jsonl', 'aiperf'],
    ['azure-2023-conv-sample.csv', 'azure'],
    ['azure-2024-sample.csv', 'azure'],
    ['burstgpt-sample.csv', 'burstgpt'],
    ['burstgpt3-sample.csv', 'burstgpt'],
    ['kvcache-tester-trace_0693.json', 'kvcache-tester'],
    ['kvcache-tester-subagent-excerpt.json', 'kvcache-tester'],
    ['trie-sample.jsonl', 'trie'],
    ['sharegpt-sample.json', 'sharegpt'],
    ['guidellm-sample.jsonl', 'guidellm'],
    ['lmcache-sample.jsonl', 'lmcache'],
  ])('%s is %s', (file, format) => {
    expect(detectTraceFormat(sample(file).slice(0, 4096), file)?.format).toBe(format);
  });

  it('uses the file name, then the timestamp notation, for timestamp/input_length/output_length rows', () => {
    const row = '{"timestamp": 12, "input_length": 5, "output_length": 1}\n';
    expect(detectTraceFormat(row, 'a.jsonl')?.format).toBe('mooncake');
    expect(detectTraceFormat(row, 'my-guidellm-trace.jsonl')?.format).toBe('guidellm');
    expect(detectTraceFormat(row.replace('12', '12.5'), 'a.jsonl')?.format).toBe('guidellm');
  });

  it('recognises a first line cut short by the byte limit', () => {
    expect(detectTraceFormat('{"session_id": "s", "model": "m", "input": [{"role": "system", "content": "lo', 'x')?.format).toBe('lmcache');
    expect(detectTraceFormat('{"id":"t","block_size":64,"requests":[{"t":0.0,"in":5', 'x')?.format).toBe('kvcache-tester');
  });

  it('returns undefined for unknown content; resolveFormat then names the options', () => {
    expect(detectTraceFormat('hello,world\n1,2\n', 'x.csv')).toBeUndefined();
    expect(() => resolveFormat('hello\n', 'x.txt')).toThrow(/x.txt:1: cannot tell the trace format; pass --format .*mooncake/);
    expect(resolveFormat('anything', 'x', 'trie')).toEqual({ format: 'trie', reason: 'given' });
    expect(() => resolveFormat('anything', 'x', 'nope')).toThrow(/unknown trace format "nope"/);
  });
});
