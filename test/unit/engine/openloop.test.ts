import { describe, expect, it } from 'vitest';
import { runOpenLoop, type OpenLoopItem } from '../../../src/engine/openloop';
import { nowMs } from '../../../src/engine/clock';

function items(offsets: number[]): Iterator<OpenLoopItem> {
  return offsets.map((atMs, index) => ({ index, atMs }))[Symbol.iterator]();
}

describe('runOpenLoop', () => {
  it('sends every item once, in order, not before its time, and prepares each body once', async () => {
    const offsets = [0, 5, 5, 5, 12, 30, 31, 60];
    const prepared: number[] = [];
    const sent: Array<{ index: number; lateMs: number }> = [];
    const origin = nowMs() + 20;
    const r = await runOpenLoop(items(offsets), {
      originMs: origin, lookAheadMs: 50, maxPrepared: 4,
      prepare: (it) => {
        prepared.push(it.index);
        return `body-${it.index}`;
      },
      send: async (it, body, due) => {
        expect(body).toBe(`body-${it.index}`);
        sent.push({ index: it.index, lateMs: nowMs() - due });
      },
    });
    expect(r).toEqual({ sent: 8, delayedByConcurrency: 0, notSent: 0, interrupted: false });
    expect(sent.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...prepared].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const s of sent) expect(s.lateMs).toBeGreaterThanOrEqual(0);
  });

  it('hands requests over ahead of their instant to a transport that sends at it, with the due time', async () => {
    const origin = nowMs() + 10;
    const handed: Array<{ earlyMs: number; dueMs: number; atMs: number }> = [];
    await runOpenLoop(items([0, 40, 80]), {
      originMs: origin, lookAheadMs: 200, maxPrepared: 8, handOverAheadMs: 30, prepare: () => null,
      send: async (it, _b, due) => {
        handed.push({ earlyMs: due - nowMs(), dueMs: due, atMs: it.atMs });
      },
    });
    // The due instants are the origin plus each offset (floating point: origin + 40 - origin may be 40.00000000000003).
    handed.forEach((h, i) => expect(h.dueMs - origin).toBeCloseTo([0, 40, 80][i], 9));
    // Never later than the due instant, never earlier than the hand-over lead and the ~1.2 ms
    // precise phase it skips (the transport times the send).
    for (const h of handed) expect(h.earlyMs).toBeLessThanOrEqual(32);
    expect(handed.some((h) => h.earlyMs > 0)).toBe(true);
  });

  it('never waits for responses (open loop)', async () => {
    const origin = nowMs() + 5;
    const starts: number[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const loop = runOpenLoop(items([0, 10, 20]), {
      originMs: origin, lookAheadMs: 100, maxPrepared: 8, prepare: () => null,
      send: async () => {
        starts.push(nowMs());
        await blocked;
      },
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(starts).toHaveLength(3);
    release();
    await loop;
  });

  it('holds sends back at --max-concurrency and counts the delayed ones, dropping none', async () => {
    let inFlight = 0;
    let peak = 0;
    const r = await runOpenLoop(items([0, 0, 0, 0, 0, 0]), {
      originMs: nowMs(), lookAheadMs: 10, maxPrepared: 8, maxConcurrency: 2, prepare: () => null,
      send: async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((res) => setTimeout(res, 5));
        inFlight--;
      },
    });
    expect(peak).toBe(2);
    expect(r.sent).toBe(6);
    expect(r.delayedByConcurrency).toBe(4);
  });

  it('stops sending when aborted and counts what was never sent', async () => {
    const stop = new AbortController();
    const sent: number[] = [];
    const r = await runOpenLoop(items([0, 5, 2000, 2001, 2002]), {
      originMs: nowMs(), lookAheadMs: 10, maxPrepared: 8, prepare: () => null, signal: stop.signal,
      send: async (it) => {
        sent.push(it.index);
        if (it.index === 1) setTimeout(() => stop.abort(), 10);
      },
    });
    expect(sent).toEqual([0, 1]);
    expect(r).toEqual({ sent: 2, delayedByConcurrency: 0, notSent: 3, interrupted: true });
  });
});
