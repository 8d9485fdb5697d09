import { describe, expect, it } from 'vitest';
import { percentile } from '../../../src/metrics/formulas';
import { readRecords } from '../../../src/trace/read';
import { textSource } from '../../../src/trace/source';
import { IntDistribution } from '../../../src/trace/stats/int-distribution';
import { PrefixCacheModel } from '../../../src/trace/stats/prefix-cache';
import { TimeBuckets } from '../../../src/trace/stats/time-buckets';
import { TraceStats } from '../../../src/trace/stats/trace-stats';
import { sample } from './helpers';

function statsOf(file: string, text = sample(file), cacheBlocks = 0) {
  const s = readRecords(textSource(text, file), text);
  const st = new TraceStats({ cacheBlocks });
  for (const r of s.records) st.add(r, s.ctx.blockSize);
  return st.result();
}

describe('IntDistribution', () => {
  it('gives the same percentiles as sorting every sample', () => {
    const values = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1013);
    const d = new IntDistribution();
    values.forEach((v) => d.add(v));
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [0, 25, 50, 90, 99, 99.9, 100]) expect(d.percentiles([p])[0]).toBeCloseTo(percentile(sorted, p), 9);
    expect(d.stats().mean).toBeCloseTo(values.reduce((a, b) => a + b) / values.length, 9);
  });
});

describe('TimeBuckets', () => {
  it('finds the exact peak of overlapping intervals at 1 ms resolution', () => {
    const b = new TimeBuckets(1024, 1, true);
    b.addInterval(0, 100);
    b.addInterval(50, 60);
    b.addInterval(60, 70); // starts when the second ends: 2 open, not 3
    b.addInterval(99, 200);
    expect(b.peakOverlap()).toBe(2);
    b.addInterval(55, 56);
    expect(b.peakOverlap()).toBe(3);
  });

  it('widens its buckets to cover long and negative spans, never losing an interval', () => {
    const b = new TimeBuckets(16, 1, true);
    b.addInterval(5, 6);
    b.addInterval(5.5, 5.7);
    b.addInterval(10_000, 10_001);
    b.addInterval(-3000, -2999);
    expect(b.resolutionMs).toBeGreaterThanOrEqual(1024);
    expect(b.peakOverlap()).toBeGreaterThanOrEqual(2);
    expect(b.series().counts.reduce((a, c) => a + c, 0)).toBe(4);
  });
});

describe('PrefixCacheModel', () => {
  it('counts the leading run of cached blocks, capped at the prompt length', () => {
    const c = new PrefixCacheModel(10, 2);
    c.add([1, 2, 3], 25);
    c.add([1, 2, 4], 30); // infinite: 2 blocks hit; LRU (2 blocks: 2, 3 left) misses 1 first
    c.add([1, 2, 3], 25); // infinite: all 3 blocks = 30 tokens, capped at 25
    expect(c.infinite).toEqual({ inputTokens: 80, hitTokens: 0 + 20 + 25 });
    expect(c.bounded.hitTokens).toBe(0);
    expect(c.distinctBlocks).toBe(4);
  });

  it('an LRU big enough matches the infinite cache', () => {
    const c = new PrefixCacheModel(16, 100);
    for (const ids of [[1, 2], [1, 3], [1, 2, 5], [7]]) c.add(ids, ids.length * 16);
    expect(c.bounded).toEqual(c.infinite);
  });
});

describe('TraceStats', () => {
  it('summarises the Mooncake sample', () => {
    const r = statsOf('mooncake-sample.jsonl', sample('mooncake-sample.jsonl'), 100_000);
    expect(r.requests).toBe(300);
    expect(r.sessions).toBe(300);
    expect(r.durationS).toBe(102);
    expect(r.isl.max).toBe(120_633);
    expect(r.isl.min).toBe(892);
    expect(r.prefixReuse!.infiniteHitRate).toBeGreaterThan(0.05);
    expect(r.prefixReuse!.lru!.hitRate).toBeCloseTo(r.prefixReuse!.infiniteHitRate, 9);
    expect(r.rate.windows.reduce((a, w) => a + w.requests, 0)).toBe(300);
    expect(r.peakConcurrency.estimate).toBeGreaterThan(1);
  });

  it('estimates concurrency from recorded server times and counts sub-agents', () => {
    const r = statsOf('kvcache-tester-subagent-excerpt.json');
    expect(r.sessions).toBe(2);
    expect(r.subagentSessions).toBe(1);
    expect(r.peakConcurrency.estimate).toBe(2); // the sub-agent overlaps the parent's last request
  });

  it('derives prefix reuse of accumulating sessions from their growing history', () => {
    const text = '{"session_id":"a","input_length":1024,"output_length":512}\n{"session_id":"a","delay":0,"input_length":512,"output_length":1}\n';
    const r = statsOf('s.jsonl', text);
    // turn 2 = 1024 + 512 + 512 tokens: its first 1536 (3 blocks) are turn 1's prompt and reply, cached by turn 1
    expect(r.prefixReuse!.infiniteHitRate).toBeCloseTo(1536 / (1024 + 2048), 9);
    expect(r.estimatedStartRequests).toBe(2);
  });

  it('has no prefix section for traces without block ids', () => {
    expect(statsOf('azure-2024-sample.csv').prefixReuse).toBeUndefined();
  });
});
