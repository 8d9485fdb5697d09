import { describe, expect, it } from 'vitest';
import { mergeResults, segmentBounds, segmentsCoverAll } from '../../src/metrics/merge';
import { assembleResult, type ReplayResult, type RunInfo } from '../../src/metrics/summary';
import { addValues, emptyHistogram } from '../../src/metrics/histogram';
import { summarize } from '../../src/metrics/formulas';

function half(segment: string, ttfts: number[], sendUnix: number[], errors: Record<string, number>): ReplayResult {
  const run: RunInfo = { runId: 'r', trace: 't.jsonl', format: 'mooncake', baseUrl: 'x', endpoint: 'chat', model: 'm', platform: 'engine', speedup: 1, plannedRequests: 10, executionSegment: segment };
  const h = (vs: number[]) => {
    const x = emptyHistogram();
    addValues(x, vs);
    return x;
  };
  const failed = Object.values(errors).reduce((a, b) => a + b, 0);
  return assembleResult(run, {
    sent: ttfts.length + failed, succeeded: ttfts.length, failed, droppedIterations: 0, errors,
    input: 100 * ttfts.length, output: 10 * ttfts.length, cached: 50, countedByChunks: 0,
  }, { ttft: null, tpot: null, itl: null, e2e: null, ttfb: null, dispatchLag: null }, 0,
  { llm_ttft: h(ttfts), llm_send_unix: h(sendUnix), llm_end_unix: h(sendUnix.map((t) => t + 500)) }, null);
}

describe('merging the results of execution segments', () => {
  const a = half('0:1/2', [10, 20, 30, 40], [1000, 2000], { http_429: 1 });
  const b = half('1/2:1', [50, 60, 70], [1500, 4000], { http_429: 1, timeout: 1 });

  it('adds counts, merges errors and histograms, spans the instances', () => {
    const m = mergeResults([a, b]);
    expect(m.requests).toMatchObject({ planned: 10, sent: 10, succeeded: 7, failed: 3, notSent: 0 });
    expect(m.errors).toEqual({ http_429: 2, timeout: 1 });
    expect(m.tokens).toMatchObject({ input: 700, output: 70, cached: 100 });
    expect(m.durationS).toBe(3.5);
    const exact = summarize([10, 20, 30, 40, 50, 60, 70]);
    expect(m.latencyMs.ttft?.count).toBe(7);
    expect(m.latencyMs.ttft?.mean).toBeCloseTo(exact.mean, 9);
    expect(Math.abs(m.latencyMs.ttft!.p50 - exact.p50) / exact.p50).toBeLessThan(0.006);
    expect(m.run.executionSegment).toBeNull();
  });

  it('says when the segments do not cover the run, and refuses mixed runs', () => {
    const part = mergeResults([a]);
    expect(part.requests.notSent).toBeNull();
    expect(part.run.executionSegment).toBe('0:1/2');
    expect(() => mergeResults([a, { ...b, run: { ...b.run, runId: 'other' } }], ['a.json', 'b.json'])).toThrow(/b\.json: run id other differs.*RUN_ID/);
    expect(() => mergeResults([a, { ...b, run: { ...b.run, trace: 'u.jsonl' } }], ['a.json', 'b.json'])).toThrow(/b\.json: replays u\.jsonl/);
    expect(() => mergeResults([a, { ...b, run: { ...b.run, executionSegment: null } }], ['a.json', 'b.json'])).toThrow(/b\.json: ran the whole trace/);
  });

  it('reads k6 segment notation', () => {
    expect(segmentBounds('1/3:2/3')).toEqual([1 / 3, 2 / 3]);
    expect(segmentBounds('50%:100%')).toEqual([0.5, 1]);
    expect(segmentsCoverAll(['1/2:1', '0:1/2'])).toBe(true);
    expect(segmentsCoverAll(['0:1/3', '1/2:1'])).toBe(false);
    expect(() => segmentBounds('half')).toThrow(/not an execution segment/);
  });
});
