import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openResults, measuredPoints, ReportInputError } from '../../../src/report/inputs';
import { readJsonl, type JsonlStats } from '../../../src/report/jsonl';

const SUMMARY = { requests: { sent: 1 }, latencyMs: {}, throughput: {}, run: { speedup: 4 } };

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'report-inputs-'));
}

function campaign(points: unknown[]): string {
  const d = dir();
  writeFileSync(join(d, 'campaign.json'), JSON.stringify({ version: 1, name: 'c', points }));
  return d;
}

describe('report inputs', () => {
  it('reads a campaign index: paths relative to it, missing files left out, pending points unmeasured', () => {
    const d = campaign([
      { id: 'a', status: 'done', labels: { target: 'x', n: 2 }, load: { kind: 'rate', value: 2 }, summary: 'points/a/summary.json', requests: 'points/a/requests.jsonl' },
      { id: 'b', status: 'pending', summary: 'points/b/summary.json' },
    ]);
    mkdirSync(join(d, 'points/a'), { recursive: true });
    writeFileSync(join(d, 'points/a/summary.json'), JSON.stringify(SUMMARY));
    const src = openResults(d);
    expect(src.kind).toBe('campaign');
    expect(src.points[0]).toMatchObject({ id: 'a', labels: { target: 'x', n: '2' }, load: { kind: 'rate', value: 2 }, summaryPath: join(d, 'points/a/summary.json'), requestsPath: undefined });
    expect(measuredPoints(src).map((p) => p.id)).toEqual(['a']);
  });

  it('names the file and key of a malformed index, and says what it takes', () => {
    expect(() => openResults(campaign([{ id: 'a', status: 'done', load: { kind: 'rate', value: '2' } }]))).toThrow(/campaign\.json: points\[0\]\.load: must be \{"kind"/);
    expect(() => openResults(campaign([{ status: 'done' }]))).toThrow(/points\[0\]\.id: must be a non-empty string/);
    expect(() => openResults(campaign([{ id: 'a', status: 'done' }, { id: 'a', status: 'done' }]))).toThrow(/id "a".*appears twice/);
    const d = dir();
    writeFileSync(join(d, 'campaign.json'), '{"version": 2, "points": []}');
    expect(() => openResults(d)).toThrow(/version: is 2; this llm-replay reads version 1/);
    expect(() => openResults(join(d, 'nothing-here'))).toThrow(ReportInputError);
  });

  it('takes a run directory or a summary file as a one-point source, and refuses other JSON', () => {
    const d = dir();
    writeFileSync(join(d, 'summary.json'), JSON.stringify(SUMMARY));
    writeFileSync(join(d, 'requests.jsonl'), '');
    const run = openResults(d);
    expect(run.kind).toBe('run');
    expect(run.points[0]).toMatchObject({ load: { kind: 'speedup', value: 4 }, requestsPath: join(d, 'requests.jsonl'), engineMetricsPath: undefined });
    expect(openResults(join(d, 'summary.json')).points[0].requestsPath).toBeUndefined();
    writeFileSync(join(d, 'sessions.json'), JSON.stringify({ version: 1, serving: SUMMARY, sessions: {}, slo: { goodputRps: 2 } }));
    expect(openResults(join(d, 'sessions.json')).points[0].load).toEqual({ kind: 'speedup', value: 4 });
    writeFileSync(join(d, 'other.json'), '{"a": 1}');
    expect(() => openResults(join(d, 'other.json'))).toThrow(/other\.json: not a run summary/);
  });

  it('streams JSONL: a cut-short last line is skipped and counted, a bad line elsewhere names file and line', () => {
    const d = dir();
    const file = join(d, 'r.jsonl');
    writeFileSync(file, '{"a":1}\n\n{"a":2}\n{"a":');
    const stats: JsonlStats = { lines: 0, truncatedLast: false };
    expect([...readJsonl<{ a: number }>(file, stats)].map((r) => r.a)).toEqual([1, 2]);
    expect(stats).toEqual({ lines: 2, truncatedLast: true });
    writeFileSync(file, '{"a":1}\nnot json\n{"a":3}\n');
    expect(() => [...readJsonl(file)]).toThrow(/r\.jsonl:2: not a JSON record/);
  });
});
