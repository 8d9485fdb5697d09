// make bench-peers' pure parts: each tool's output read into one shape (fixtures cut from real
// runs of AIPerf 0.13.0, GuideLLM 0.8.1 and our engine against the simulator), and the figures
// computed from the simulator's ground truth and the wire.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAiperf, readEngine, readGuidellm, readInferencePerf } from '../../scripts/bench/peers/peer-outputs';
import { mooncakeToAzureCsv } from '../../scripts/bench/peers/tools';
import { arrivalErrors, groundTruthTtfts, highestHeld, matchWire, median, rateLevel, wireStart, type ToolRecord } from '../../scripts/bench/peers/figures';
import { renderPeersTable, type PeerRow } from '../../scripts/bench/peers/peers-table';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import type { WireExchange } from '../../scripts/bench/wire';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/peers', name), 'utf8');

function gt(id: string, arrivalMs: number, maxTokens: number, extra: Partial<GroundTruthRecord> = {}): GroundTruthRecord {
  return {
    id, endpoint: '/v1/chat/completions', model: 'sim-model', status: 200, fault: null, arrivalMs, queueExitMs: arrivalMs, firstTokenMs: arrivalMs + 100,
    tokenMs: [], finishMs: arrivalMs + 200, promptTokens: 10, cachedTokens: 0, completionTokens: maxTokens, maxTokens, finishReason: 'length',
    stream: true, preemptions: 0, lateUs: [], ...extra,
  };
}

describe('reading the tools\' outputs', () => {
  it('AIPerf: records with the X-Request-ID it sent, wall-clock start, TTFT, tokens, connect; errors not ok; summary percentiles', () => {
    const out = readAiperf(fixture('aiperf-profile_export.jsonl'), fixture('aiperf-profile_export_aiperf.json'));
    expect(out.records).toHaveLength(4);
    expect(out.records[0]).toEqual({ id: '724863dd-07dc-4bb7-8030-06a6904a183f', startUnixMs: 1796145101856.790287, ttftMs: 232.821443, outputTokens: 3, ok: true, fromConnect: true });
    expect(out.records[1]).toMatchObject({ outputTokens: 71, ok: true, fromConnect: false }); // a reused connection
    expect(out.records[3]).toMatchObject({ id: 'fc578a28-70dd-40f8-a03e-4c8d43294e27', ok: false, ttftMs: undefined });
    expect(out.reportedTtft?.p50).toBeCloseTo(495.8617, 3);
    expect(out.reportedTtft?.p99).toBeCloseTo(2292.1119, 3);
    expect(out.sent).toBe(4);
  });

  it('AIPerf: a line that is not JSON is named with its line number', () => {
    expect(() => readAiperf('{"metadata":{}}\nnot json\n', '{}')).toThrow(/profile_export.jsonl: line 2 is not JSON/);
  });

  it('GuideLLM: successful, errored and incomplete requests, start in seconds turned to ms, no id; summary percentiles', () => {
    const out = readGuidellm(fixture('guidellm-benchmarks.json'));
    expect(out.sent).toBe(3);
    expect(out.records.map((r) => r.ok)).toEqual([true, true, false]);
    expect(out.records[0].startUnixMs).toBeCloseTo(1796145468688.7038, 3);
    expect(out.records[0]).toMatchObject({ ttftMs: 164.31021690368652, outputTokens: 173 });
    expect(out.records[0].id).toBeUndefined();
    expect(out.records[2]).toMatchObject({ ttftMs: undefined, outputTokens: undefined });
    expect(out.reportedTtft?.p50).toBeCloseTo(461.248, 2);
    expect(out.reportedTtft?.p99).toBeCloseTo(2770.786, 2);
  });

  it('GuideLLM: a file without benchmarks says so', () => {
    expect(() => readGuidellm('{"benchmarks":[]}')).toThrow(/no benchmark/);
  });

  it('inference-perf: monotonic start in s, TTFT from the first output token, tokens from the server\'s usage; summary in s', () => {
    const out = readInferencePerf(fixture('inference-perf-per_request_lifecycle_metrics.json'), fixture('inference-perf-summary_lifecycle_metrics.json'));
    expect(out.records).toHaveLength(3);
    expect(out.records[0].startUnixMs).toBeCloseTo(9858713.876921, 3);
    expect(out.records[0].ttftMs).toBeCloseTo(988.2448, 3);
    expect(out.records[0]).toMatchObject({ outputTokens: 794, ok: true });
    expect(out.records[0].id).toBeUndefined();
    expect(out.reportedTtft?.p50).toBeCloseTo(1167.655, 2);
    expect(out.reportedTtft?.p99).toBeCloseTo(16772.825, 2);
    expect(out.sent).toBe(20);
  });

  it('the Mooncake slice as inference-perf\'s Azure CSV: wall-clock timestamps to the microsecond, lengths, the span', () => {
    const { csv, spanS } = mooncakeToAzureCsv('{"timestamp":0,"input_length":10,"output_length":3,"hash_ids":[1]}\n{"timestamp":1234.5,"input_length":20,"output_length":4,"hash_ids":[2]}\n');
    expect(csv).toBe('TIMESTAMP,ContextTokens,GeneratedTokens\n2024-01-01 00:00:00.000000,10,3\n2024-01-01 00:00:01.234500,20,4\n');
    expect(spanS).toBeCloseTo(1.2345, 6);
  });

  it('our engine: --out jsonl records (id, send, TTFT, tokens, connect) and the summary\'s TTFT', () => {
    const out = readEngine(fixture('engine-records.jsonl'), fixture('engine-summary.json'));
    expect(out.records).toHaveLength(3);
    expect(out.records[0]).toEqual({ id: '2026-12-01T17-13-19-696Z-4', startUnixMs: 1796145200369.021, ttftMs: 249.77301000000034, outputTokens: 3, ok: true, fromConnect: false });
    expect(out.sent).toBe(20);
    expect(out.reportedTtft?.p50).toBeCloseTo(545.285, 2);
  });
});

describe('figures', () => {
  it('arrival error: paired by max_tokens in order, as lateness behind the most punctual request', () => {
    const schedule = [{ offsetMs: 0, maxTokens: 5 }, { offsetMs: 0, maxTokens: 7 }, { offsetMs: 100, maxTokens: 5 }, { offsetMs: 200, maxTokens: 9 }];
    // Arrivals 1000 ms after the schedule's zero, the third 30 ms late; a warm-up request (3 tokens) is no slice request.
    const truth = [gt('a', 1000, 5), gt('b', 1001, 7), gt('c', 1130, 5), gt('d', 1200, 9), gt('w', 990, 3)];
    expect(arrivalErrors(schedule, truth)).toEqual([0, 1, 30, 0]);
  });

  it('arrival error: a dropped request shifts only its own max_tokens group', () => {
    const schedule = [{ offsetMs: 0, maxTokens: 5 }, { offsetMs: 50, maxTokens: 7 }, { offsetMs: 100, maxTokens: 5 }];
    // The first 5-token request never came: the second takes its slot (100 ms 'late'); the 7-token one is untouched.
    expect(arrivalErrors(schedule, [gt('b', 1050, 7), gt('c', 1100, 5)])).toEqual([0, 100]);
  });

  it('ground-truth TTFT counts only complete answers', () => {
    expect(groundTruthTtfts([gt('a', 0, 5), gt('b', 0, 5, { status: 500, firstTokenMs: null, finishReason: null })])).toEqual([100]);
  });

  const wire = (id: string, sendMs: number, firstTokenMs: number, synMs?: number): WireExchange => ({ id, sendMs, firstTokenMs, synMs, lastMs: firstTokenMs + 10, complete: true, tokenEventMs: [firstTokenMs] });

  it('wire start: SYN for a tool counting from the connection, the request packet otherwise, the nearer one when the tool does not say', () => {
    const w = wire('x', 1000, 1100, 990);
    expect(wireStart(w, { startUnixMs: 0, ok: true, fromConnect: true })).toBe(990);
    expect(wireStart(w, { startUnixMs: 0, ok: true, fromConnect: false })).toBe(1000);
    expect(wireStart(w, { startUnixMs: 0, ok: true }, 999.8)).toBe(1000);
    expect(wireStart(w, { startUnixMs: 0, ok: true }, 989)).toBe(990);
    expect(wireStart(wire('y', 1000, 1100), { startUnixMs: 0, ok: true, fromConnect: true })).toBe(1000);
  });

  it('matches by id when the tool sent one, and by time and output tokens otherwise, offset removed', () => {
    const ws = new Map([['s1', wire('s1', 1000, 1100)], ['s2', wire('s2', 1000.5, 1200)], ['s3', wire('s3', 2000, 2050)]]);
    const truth = new Map([['s1', gt('s1', 1000, 5)], ['s2', gt('s2', 1000.5, 7)], ['s3', gt('s3', 2000, 5)]]);
    const byId: ToolRecord[] = [{ id: 's2', startUnixMs: 0, ttftMs: 201, ok: true, fromConnect: false }];
    expect(matchWire(byId, ws, truth)).toEqual({ matched: 1, ttftErrors: [1.5] });
    // No ids, clock 3 ms ahead: the 7-token record takes s2 although s1 is as near in time.
    const byTime: ToolRecord[] = [
      { startUnixMs: 1003.4, ttftMs: 199, outputTokens: 7, ok: true },
      { startUnixMs: 1003.1, ttftMs: 101, outputTokens: 5, ok: true },
      { startUnixMs: 2003, ttftMs: 50.5, outputTokens: 5, ok: true },
      { startUnixMs: 2003, ttftMs: 10, outputTokens: 5, ok: false }, // failed: never matched
    ];
    const m = matchWire(byTime, ws, truth);
    expect(m.matched).toBe(3);
    expect(m.ttftErrors.map((x) => Math.round(x * 10) / 10).sort()).toEqual([-0.5, 0.5, 1]);
  });

  it('matches a tool on another clock (monotonic seconds) by putting its first request on the first exchange', () => {
    const ws = new Map([['s1', wire('s1', 1_000_000, 1_000_100)], ['s2', wire('s2', 1_000_050, 1_000_300)]]);
    const truth = new Map([['s1', gt('s1', 0, 5)], ['s2', gt('s2', 0, 7)]]);
    const recs: ToolRecord[] = [{ startUnixMs: 9_000.2, ttftMs: 100.5, outputTokens: 5, ok: true }, { startUnixMs: 9_050.1, ttftMs: 250, outputTokens: 7, ok: true }];
    const m = matchWire(recs, ws, truth);
    expect(m.matched).toBe(2);
    expect(m.ttftErrors.map((x) => Math.round(x * 10) / 10)).toEqual([0.5, 0]);
  });

  it('a rate level holds with every request answered at the asked rate +- 5 %', () => {
    const at = (n: number, gapMs: number) => Array.from({ length: n }, (_, i) => gt(`r${i}`, i * gapMs, 16));
    expect(rateLevel(100, 11, at(11, 10))).toMatchObject({ achieved: 100, held: true });
    expect(rateLevel(100, 11, at(11, 11)).held).toBe(false); // 91 req/s
    expect(rateLevel(100, 12, at(11, 10)).held).toBe(false); // one never arrived
    const failed = at(11, 10);
    failed[3] = { ...failed[3], status: 429, finishReason: null };
    expect(rateLevel(100, 11, failed).held).toBe(false);
    const l = (rate: number, held: boolean) => ({ rate, planned: 1, arrived: 1, answered: 1, achieved: rate, held });
    expect(highestHeld([l(400, false), l(100, true), l(200, true), l(800, true)])).toBe(200);
    expect(highestHeld([l(100, false)])).toBe(0);
  });

  it('median of repeats: middle value, mean of the middle two for an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('the table', () => {
  it('prints words, never a blank, for a tool not run and for missing records; medians of repeats', () => {
    const rep = (cpuS: number) => ({ planned: 10, arrived: 10, sent: 10, exit: 'exit 0', wallS: 1, cpuS, peakMb: 100, processes: 1, arrival: { p50: 1, p99: 2 }, truthTtft: { p50: 10, p99: 20 }, reportedTtft: { p50: 11, p99: 21 } });
    const rows: PeerRow[] = [
      { tool: 'A', version: '1', replays: [rep(1), rep(3)], ladders: [{ levels: [], highest: 400 }, { levels: [], highest: 200 }] },
      { tool: 'B', version: '2', notRun: 'needs Python >= 3.12', replays: [], ladders: [] },
    ];
    const lines = renderPeersTable(rows, median).split('\n');
    expect(lines).toHaveLength(4);
    const a = lines[2].split(' | ');
    expect(a[2]).toBe('10/10');
    expect(a[5]).toBe('no per-request records');
    expect(a[6]).toBe('200'); // (1000*1/10 + 1000*3/10) / 2
    expect(a[8]).toBe('200 (400, 200) |');
    expect(lines[3]).toContain('not run: needs Python >= 3.12');
    expect(lines.every((l) => !l.includes('|  |'))).toBe(true);
  });
});
