import { describe, expect, it } from 'vitest';
import { type GroundTruthRecord, TokenTimes, decodeTokenTimes } from '../../src/sim/ground-truth.js';
import { Summarizer } from '../../src/sim/summary.js';
import { e2eMs, itlGapsMs, summarize, tpotMs, ttftMs } from '../../src/metrics/formulas.js';

function record(id: string, arrival: number, tokens: number[], finish: number, extra: Partial<GroundTruthRecord> = {}): GroundTruthRecord {
  const tt = new TokenTimes();
  for (const t of tokens) tt.push(t);
  return {
    id,
    endpoint: '/v1/chat/completions',
    model: 'm',
    status: 200,
    fault: null,
    arrivalMs: arrival,
    queueExitMs: arrival + 1,
    firstTokenMs: tt.firstMs,
    tokenMs: tt.gapsUs,
    finishMs: finish,
    promptTokens: 100,
    cachedTokens: 40,
    completionTokens: tokens.length,
    maxTokens: tokens.length,
    finishReason: 'length',
    stream: true,
    preemptions: 0,
    lateUs: tokens.map(() => 100),
    ...extra,
  };
}

describe('ground-truth token encoding', () => {
  it('round-trips epoch times exactly at microsecond resolution', () => {
    const base = 1_795_452_552_241.615;
    const times: number[] = [];
    let t = base;
    for (let i = 0; i < 5000; i++) {
      t += 0.001 * Math.floor(1 + ((i * 7919) % 40000));
      times.push(Math.round(t * 1000) / 1000);
    }
    const tt = new TokenTimes();
    for (const x of times) tt.push(x);
    const rec = { firstTokenMs: tt.firstMs, tokenMs: tt.gapsUs };
    expect(rec.tokenMs).toHaveLength(4999);
    for (const g of rec.tokenMs) expect(Number.isInteger(g)).toBe(true);
    // Exact: identical doubles, no accumulated error.
    expect(decodeTokenTimes(rec)).toEqual(times);
    // Survives JSON.
    expect(decodeTokenTimes(JSON.parse(JSON.stringify(rec)))).toEqual(times);
  });

  it('rounds unrounded input to the microsecond and handles empty records', () => {
    const tt = new TokenTimes();
    tt.push(1000.0004);
    tt.push(1000.0026);
    expect(decodeTokenTimes({ firstTokenMs: tt.firstMs, tokenMs: tt.gapsUs })).toEqual([1000, 1000.003]);
    expect(decodeTokenTimes({ firstTokenMs: null, tokenMs: [] })).toEqual([]);
  });
});

describe('ground-truth summary', () => {
  it('uses the harness formulas over completed requests only', () => {
    const a = record('a', 1000, [1010, 1015, 1021], 1022);
    const b = record('b', 1002, [1030, 1040], 1041);
    const failed = record('c', 1003, [], 1004, { status: 503, fault: 'status=503', finishReason: null, queueExitMs: null, promptTokens: 7, cachedTokens: 0 });
    const cut = record('d', 1004, [1020], 1025, { finishReason: 'cut', fault: 'cut=1' });
    const s = new Summarizer();
    for (const r of [a, b, failed, cut]) s.add(r);
    const out = s.result();
    expect(out.records).toBe(4);
    expect(out.completed).toBe(2);
    const times = [a, b].map((r) => ({ sendMs: r.arrivalMs, tokenChunkMs: decodeTokenTimes(r), endMs: r.finishMs }));
    expect(out.ttftMs).toEqual(summarize(times.map((t) => ttftMs(t)!)));
    expect(out.e2eMs).toEqual(summarize(times.map(e2eMs)));
    expect(out.itlMs).toEqual(summarize(times.flatMap((t) => itlGapsMs(t.tokenChunkMs))));
    expect(out.tpotMs).toEqual(summarize(times.map((t, i) => tpotMs(e2eMs(t), ttftMs(t), [a, b][i].completionTokens)!)));
    expect(out.ttftMs.mean).toBeCloseTo((10 + 28) / 2, 9);
    // Cache hit rate over requests that reached the engine (the 503 never did).
    expect(out.cacheHitRate).toBeCloseTo(120 / 300, 12);
    expect(out.byStatus).toEqual({ '200': 3, '503': 1 });
    expect(out.byFault).toEqual({ 'status=503': 1, 'cut=1': 1 });
    expect(out.byFinishReason).toEqual({ length: 2, none: 1, cut: 1 });
    expect(out.schedulingErrorMs.count).toBe(6);
    expect(out.schedulingErrorMs.p50).toBeCloseTo(0.1, 12);
    expect(out.durationS).toBeCloseTo((1041 - 1000) / 1000, 12);
  });
});

describe('scheduled token times', () => {
  it('are the write times minus the recorded lateness', async () => {
    const { scheduledTokenTimes } = await import('../../src/sim/ground-truth.js');
    const r = record('s', 1000, [1010.5, 1020.25, 1030.125], 1031, { lateUs: [500, 250, 125] });
    expect(scheduledTokenTimes(r)).toEqual([1010, 1020, 1030]);
  });
});
