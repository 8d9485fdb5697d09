import { describe, expect, it } from 'vitest';
import { sendAtMs, waitAfterAnchor, type TimingOptions } from '../../src/sessions/timing';
import type { TurnWait } from '../../src/sessions/plan';

// Recorded: the anchor was sent at t=0, took 4 s of server time, then the user thought 6 s.
const w: TurnWait = { anchor: 'prev', idleMs: 6000, sinceSendMs: 10_000, anchorApiMs: 4000 };
// Replayed: the anchor was sent at 1000 and its response ended at 1500.
const anchor = { sendMs: 1000, endMs: 1500 };
const o = (mode: TimingOptions['mode'], extra: Partial<TimingOptions> = {}): TimingOptions => ({ mode, timeScale: 1, apiScale: 1, ...extra });

describe('sendAtMs', () => {
  it('think-only: the recorded think time after the anchor ended', () => {
    expect(sendAtMs(w, anchor, 1500, o('think-only'))).toBe(7500);
  });

  it('original: the recorded send-to-send spacing, never before the response ended', () => {
    expect(sendAtMs(w, anchor, 1500, o('original'))).toBe(11_000);
    // A server slower than recorded: the anchor ended after the recorded spacing.
    expect(sendAtMs(w, { sendMs: 1000, endMs: 20_000 }, 20_000, o('original'))).toBe(20_000);
    // Without recorded send times it falls back to think-only.
    expect(sendAtMs({ ...w, sinceSendMs: undefined }, anchor, 1500, o('original'))).toBe(7500);
  });

  it('api-scaled: recorded server time times API_SCALE, plus think time, after the end', () => {
    expect(sendAtMs(w, anchor, 1500, o('api-scaled', { apiScale: 0.5 }))).toBe(1500 + 2000 + 6000);
    expect(waitAfterAnchor(w, o('api-scaled', { apiScale: 0 }))).toEqual({ from: 'end', ms: 6000 });
  });

  it('no-wait: as soon as every dependency has ended', () => {
    expect(sendAtMs(w, anchor, 1500, o('no-wait'))).toBe(1500);
    expect(sendAtMs(w, anchor, 2500, o('no-wait'))).toBe(2500);
  });

  it('TIME_SCALE scales and MAX_DELAY caps every recorded wait', () => {
    expect(sendAtMs(w, anchor, 1500, o('think-only', { timeScale: 0.1 }))).toBe(2100);
    expect(sendAtMs(w, anchor, 1500, o('original', { timeScale: 0.1 }))).toBe(2000);
    expect(sendAtMs(w, anchor, 1500, o('think-only', { maxDelayMs: 1000 }))).toBe(2500);
    expect(sendAtMs(w, anchor, 1500, o('think-only', { maxDelayMs: 1000, timeScale: 0.5 }))).toBe(2000);
  });

  it('a later dependency (a joined sub-agent) holds the turn back in every mode', () => {
    for (const m of ['think-only', 'original', 'api-scaled', 'no-wait'] as const) {
      expect(sendAtMs(w, anchor, 50_000, o(m))).toBe(50_000);
    }
  });
});
