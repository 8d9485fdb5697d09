// What `campaign run` writes that the report tools must read right: warm-up records at the start
// of requests.jsonl (left out of every statistic), and points that did not run to their end.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestPoint } from '../../../src/report/digest';
import { statusNote } from '../../../src/report/compare';
import { readRunSamples } from '../../../src/report/samples';
import type { PointRef } from '../../../src/report/inputs';

const record = (sendUnixMs: number, ttftMs: number, warmup?: boolean) =>
  JSON.stringify({ id: `r${sendUnixMs}`, ok: true, sendUnixMs, ttftMs, e2eMs: ttftMs + 50, outputTokens: 10, ...(warmup ? { warmup } : {}) });

describe('campaign points in the report', () => {
  it('leaves warm-up records out of the distributions, the time series and the compare samples, and counts them apart', () => {
    const d = mkdtempSync(join(tmpdir(), 'report-warmup-'));
    // The summary has no histograms, so the distributions come from the records.
    writeFileSync(join(d, 'summary.json'), JSON.stringify({ requests: { sent: 3 }, latencyMs: {}, throughput: {} }));
    // Warm-up records come first, with latencies far from the measured ones.
    writeFileSync(join(d, 'requests.jsonl'), [record(1000, 5000, true), record(1100, 5000, true), record(10_000, 100), record(10_500, 200), record(11_000, 300)].join('\n') + '\n');
    const ref: PointRef = { id: 'p', labels: {}, status: 'done', summaryPath: join(d, 'summary.json'), requestsPath: join(d, 'requests.jsonl') };
    const g = digestPoint(ref, { maxBins: 10 });
    expect(g.records).toMatchObject({ lines: 5, warmup: 2 });
    expect(g.dists.ttft!.count).toBe(3);
    expect(g.dists.ttft!.max).toBeLessThan(400);
    // The series start at the first measured send and hold the 3 measured requests only.
    const s = g.series!;
    expect(s.requestsPerS.reduce((a, r) => a + r * s.widthS, 0)).toBeCloseTo(3, 9);
    const samples = readRunSamples(ref.requestsPath!, 100, 1);
    expect(samples.requests).toBe(3);
    expect(Math.max(...samples.latency.ttft.values())).toBe(300);
  });

  it('says beside a comparison which side did not run to its end, and nothing when both are done', () => {
    const p = (id: string, status: string, error?: string): PointRef => ({ id, labels: {}, status, error });
    expect(statusNote(p('a', 'done'), p('b', 'done'))).toBeUndefined();
    expect(statusNote(p('a', 'incomplete', 'interrupted during the point'), p('b', 'done'))).toBe('A a is incomplete: interrupted during the point');
    expect(statusNote(p('a', 'done'), p('b', 'incomplete'))).toBe('B b is incomplete: it covers only what was measured before it stopped');
  });
});
