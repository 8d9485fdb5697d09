import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readMooncake } from '../../src/trace/formats/mooncake';
import { readTrace } from '../../src/trace/read';
import { TraceError } from '../../src/trace/errors';

const SAMPLE = 'traces/mooncake-sample.jsonl';

describe('Mooncake reader', () => {
  it('reads every row of the shipped sample with its lengths and block ids', () => {
    const text = readFileSync(SAMPLE, 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    const trace = readMooncake(text, SAMPLE);
    expect(trace.format).toBe('mooncake');
    expect(trace.blockSize).toBe(512);
    expect(trace.sessions).toHaveLength(lines.length);
    trace.sessions.forEach((s, i) => {
      const t = s.turns[0];
      expect(t.atMs).toBe(lines[i].timestamp);
      expect(t.inputTokens).toBe(lines[i].input_length);
      expect(t.outputTokens).toBe(lines[i].output_length);
      expect(t.blocks).toEqual(lines[i].hash_ids);
      expect(t.line).toBe(i + 1);
    });
  });

  it('is detected from its content', () => {
    expect(readTrace(readFileSync(SAMPLE, 'utf8'), SAMPLE).format).toBe('mooncake');
  });

  it('names file, line and field of a bad row', () => {
    const text = '{"timestamp": 0, "input_length": 10, "output_length": 5, "hash_ids": [1]}\n\n{"timestamp": 5, "input_length": -3, "output_length": 5}\n';
    expect(() => readMooncake(text, 'bad.jsonl')).toThrowError(/bad\.jsonl:3: field "input_length": must be a non-negative integer, got -3/);
  });

  it('reports JSON syntax errors with the line', () => {
    const err = (() => {
      try {
        readMooncake('{"timestamp": 0, "input_length": 1, "output_length": 1}\n{oops', 't.jsonl');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TraceError);
    expect((err as TraceError).line).toBe(2);
    expect((err as TraceError).message).toMatch(/not valid JSON/);
  });

  it('rejects hash ids that cannot cover the input length', () => {
    expect(() => readMooncake('{"timestamp": 0, "input_length": 1025, "output_length": 1, "hash_ids": [1, 2]}', 'x'))
      .toThrowError(/field "hash_ids": 2 blocks of 512 tokens cannot cover input_length 1025/);
  });

  it('skips and counts bad rows with skipBad, keeping the good ones', () => {
    const text = [
      '{"timestamp": 0, "input_length": 1, "output_length": 1}',
      '{"timestamp": "soon", "input_length": 1, "output_length": 1}',
      'not json',
      '{"timestamp": 9, "input_length": 2, "output_length": 3}',
    ].join('\n');
    const t = readMooncake(text, 'mixed.jsonl', { skipBad: true });
    expect(t.sessions.map((s) => s.turns[0].atMs)).toEqual([0, 9]);
    expect(t.skippedCount).toBe(2);
    expect(t.skipped?.map((s) => s.line)).toEqual([2, 3]);
    expect(t.skipped?.[0].message).toMatch(/field "timestamp"/);
  });
});
