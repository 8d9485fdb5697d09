import { describe, expect, it } from 'vitest';
import { decodeTps, eligibleTokens, SessionTally, type TurnResult } from '../../src/sessions/formulas';

const turn = (o: Partial<TurnResult>): TurnResult => ({ ok: true, promptTokens: 100, completionTokens: 10, cachedTokens: 0, sendUnixMs: 0, ttftMs: 10, e2eMs: 100, ...o });

describe('session formulas', () => {
  it('eligible tokens: previous prompt + completion of the same agent, 0 first and after a failure', () => {
    expect(eligibleTokens(undefined)).toBe(0);
    expect(eligibleTokens(turn({ promptTokens: 1000, completionTokens: 50 }))).toBe(1050);
    expect(eligibleTokens(turn({ ok: false }))).toBe(0);
  });

  it('decode TPS: (output - 1) / (e2e - ttft)', () => {
    expect(decodeTps({ completionTokens: 11, ttftMs: 100, e2eMs: 600 })).toBe(20);
    expect(decodeTps({ completionTokens: 1, ttftMs: 100, e2eMs: 600 })).toBeUndefined();
    expect(decodeTps({ completionTokens: 5, ttftMs: undefined, e2eMs: 600 })).toBeUndefined();
  });

  it('a session: TTFT of the first request, TTFAT to the final turn first token, latency to the last end, hit rates', () => {
    const t = new SessionTally();
    const start = 1000;
    // root turn 0, a sub-agent turn (ends last), root final turn
    t.add(turn({ sendUnixMs: 1000, ttftMs: 50, e2eMs: 200, promptTokens: 1000, completionTokens: 100, cachedTokens: 0 }), 0, { first: true, final: false });
    t.add(turn({ sendUnixMs: 1300, ttftMs: 20, e2eMs: 2000, promptTokens: 500, completionTokens: 21, cachedTokens: 400 }), 0, { first: false, final: false });
    t.add(turn({ sendUnixMs: 1500, ttftMs: 30, e2eMs: 130, promptTokens: 1200, completionTokens: 11, cachedTokens: 1000 }), 1100, { first: false, final: true });
    const f = t.figures(start);
    expect(f.ttftMs).toBe(50);
    expect(f.ttfatMs).toBe(530);
    expect(f.latencyMs).toBe(2300);
    expect(f.cacheHitRate).toBeCloseTo(1400 / 2700);
    expect(f.eligibleHitRate).toBeCloseTo(1400 / 1100);
    expect(f.decodeTps).toBeCloseTo((99 / 0.15 + 20 / 1.98 + 10 / 0.1) / 3);
    expect(f.requests).toBe(3);
  });

  it('failed requests count, but add no tokens; no cached_tokens from the server means no hit rate', () => {
    const t = new SessionTally();
    t.add(turn({ ok: false, sendUnixMs: 0, e2eMs: 5 }), 0, { first: true, final: false });
    t.add(turn({ cachedTokens: undefined, sendUnixMs: 10 }), 0, { first: false, final: true });
    const f = t.figures(0);
    expect(f.failed).toBe(1);
    expect(f.ttftMs).toBeUndefined();
    expect(f.promptTokens).toBe(100);
    expect(f.cacheHitRate).toBeUndefined();
    expect(f.ttfatMs).toBe(20);
  });
});
