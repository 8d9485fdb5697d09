import { describe, expect, it } from 'vitest';
import {
  estimateEtaMs, formatDuration, formatGraceOver, formatInterrupted, formatLiveLine, formatLogLine, ProgressReporter,
  type ProgressCounts, type ProgressOptions,
} from '../../../src/engine/progress';

const counts: ProgressCounts = { planned: 1000, sent: 450, done: 440, failed: 3, inFlight: 10, reqPerS: 38.24, elapsedMs: 12_300, etaMs: 14_000 };

describe('formatting', () => {
  it.each([[850, '850ms'], [12_300, '12s'], [65_000, '1m05s'], [7_380_000, '2h03m'], [-1, '--'], [NaN, '--']])('duration %s is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('a wide terminal gets every part, labelled, with a bar', () => {
    expect(formatLiveLine(counts, 120)).toBe('12s  [=============>                ]   44%  sent 450/1000  done 440  failed 3  in flight 10  38.2 req/s  ETA 14s');
  });

  it('an 80-column terminal drops the bar first', () => {
    expect(formatLiveLine(counts, 80)).toBe('12s   44%  sent 450/1000  done 440  failed 3  in flight 10  38.2 req/s  ETA 14s');
  });

  it('narrow terminals get short labels, then lose the least important parts, never the last column', () => {
    expect(formatLiveLine(counts, 60)).toBe('12s 44% s 450/1000 d 440 f 3 if 10 38.2/s eta 14s');
    expect(formatLiveLine(counts, 40)).toBe('44% s 450/1000 d 440 f 3 if 10 eta 14s');
    for (let w = 1; w <= 130; w++) expect(formatLiveLine(counts, w).length).toBeLessThan(Math.max(2, w));
  });

  it('an open-ended run shows counts without percent and an unknown ETA', () => {
    expect(formatLiveLine({ ...counts, planned: null, etaMs: null }, 80)).toBe('12s  sent 450  done 440  failed 3  in flight 10  38.2 req/s  ETA --');
  });

  it('the log line is one key=value line', () => {
    expect(formatLogLine(counts)).toBe('progress elapsed=12s done_pct=44 sent=450/1000 done=440 failed=3 in_flight=10 rate=38.2/s eta=14s');
    expect(formatLogLine({ ...counts, planned: null, etaMs: null, reqPerS: 1234.5 })).toBe('progress elapsed=12s sent=450 done=440 failed=3 in_flight=10 rate=1235/s eta=--');
  });

  it('the interruption notices say what happens next', () => {
    expect(formatInterrupted(12, 30_000)).toBe('interrupted: stopping sends, waiting up to 30s for 12 in-flight requests (Ctrl-C again to stop now)');
    expect(formatInterrupted(1, 5_000)).toContain('for 1 in-flight request ');
    expect(formatInterrupted(0, 5_000)).toBe('interrupted: stopping sends; nothing in flight, writing the summary');
    expect(formatGraceOver(3)).toBe('grace period over: 3 requests aborted (counted as reason "aborted"); writing the summary');
  });

  it('ETA: to the last scheduled send while sending, then the rest at the recent rate', () => {
    const base = { planned: 100, sent: 50, done: 40, failed: 0, inFlight: 10, reqPerS: 10, elapsedMs: 5_000 };
    expect(estimateEtaMs(base, 8_000)).toBe(3_000);
    expect(estimateEtaMs(base, 4_000)).toBe(6_000);
    expect(estimateEtaMs({ ...base, reqPerS: 0 })).toBeNull();
    expect(estimateEtaMs({ ...base, planned: null })).toBeNull();
    expect(estimateEtaMs({ ...base, done: 100 })).toBe(0);
  });
});

/** A reporter on a hand-moved clock, collecting what it writes. */
function harness(extra: Partial<ProgressOptions> = {}) {
  let now = 1_000;
  const out: string[] = [];
  const reporter = new ProgressReporter({ tty: true, columns: 200, write: (t) => out.push(t), now: () => now, planned: 100, ...extra });
  return { reporter, out, advance: (ms: number) => { now += ms; } };
}

describe('ProgressReporter', () => {
  it('on a terminal redraws one line in place every interval', () => {
    const { reporter, out, advance } = harness({ ttyIntervalMs: 200 });
    reporter.update({ sent: 1, done: 0, failed: 0, inFlight: 1 });
    expect(out).toHaveLength(1);
    advance(100);
    reporter.update({ sent: 2, done: 1, failed: 0, inFlight: 1 });
    expect(out).toHaveLength(1);
    advance(100);
    reporter.update({ sent: 3, done: 2, failed: 0, inFlight: 1 });
    expect(out).toHaveLength(2);
    for (const line of out) {
      expect(line.startsWith('\r')).toBe(true);
      expect(line.endsWith('\x1b[K')).toBe(true);
      expect(line).not.toContain('\n');
    }
    expect(out[1]).toContain('sent 3/100  done 2');
  });

  it('without a terminal writes a log line every few seconds, none before the first interval', () => {
    const { reporter, out, advance } = harness({ tty: false, logIntervalMs: 5_000 });
    for (let i = 1; i <= 120; i++) {
      advance(100);
      reporter.update({ sent: i, done: i - 1, failed: 0, inFlight: 1 });
    }
    expect(out).toHaveLength(2);
    expect(out.every((l) => l.startsWith('progress ') && l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(out[0]).toContain('elapsed=5s');
    expect(out[1]).toContain('elapsed=10s');
  });

  it('measures req/s over the recent window', () => {
    const { reporter, advance } = harness({ rateWindowMs: 2_000, planned: 1_000 });
    // 10 req/s for 5 s, then 50 req/s for 3 s: the window sees only the recent rate.
    let done = 0;
    for (let i = 0; i < 50; i++) { advance(100); done += 1; reporter.update({ sent: done, done, failed: 0, inFlight: 0 }); }
    expect(reporter.snapshot().reqPerS).toBeCloseTo(10, 0);
    for (let i = 0; i < 30; i++) { advance(100); done += 5; reporter.update({ sent: done, done, failed: 0, inFlight: 0 }); }
    const rate = reporter.snapshot().reqPerS;
    expect(rate).toBeGreaterThan(45);
    expect(rate).toBeLessThan(55);
    // The 800 requests left at the recent rate.
    expect(reporter.snapshot().etaMs).toBeCloseTo((800 / rate) * 1000, 0);
  });

  it('gives an ETA from the schedule while sending', () => {
    const { reporter, advance } = harness({ scheduleEndMs: 10_000 });
    advance(4_000);
    reporter.update({ sent: 40, done: 30, failed: 1, inFlight: 10 });
    expect(reporter.snapshot()).toMatchObject({ elapsedMs: 4_000, etaMs: 6_000, failed: 1, planned: 100 });
  });

  it('prints a message on a line of its own and redraws the live line under it', () => {
    const { reporter, out } = harness();
    reporter.update({ sent: 5, done: 2, failed: 0, inFlight: 3 });
    reporter.message(formatInterrupted(3, 30_000));
    expect(out.slice(1)).toEqual([
      '\r\x1b[K',
      'interrupted: stopping sends, waiting up to 30s for 3 in-flight requests (Ctrl-C again to stop now)\n',
      expect.stringMatching(/^\r.*in flight 3.*\x1b\[K$/),
    ]);
  });

  it('finish prints the final state and leaves the line', () => {
    const { reporter, out, advance } = harness();
    reporter.update({ sent: 5, done: 2, failed: 0, inFlight: 3 });
    advance(50);
    reporter.update({ sent: 100, done: 100, failed: 2, inFlight: 0 });
    reporter.finish();
    expect(out.at(-2)).toContain('100%');
    expect(out.at(-1)).toBe('\n');
    const log = harness({ tty: false });
    log.reporter.finish();
    expect(log.out).toEqual([expect.stringMatching(/^progress elapsed=0ms done_pct=0 .*\n$/)]);
  });

  it('follows a terminal resize', () => {
    const { reporter, out, advance } = harness();
    reporter.setColumns(40);
    advance(500);
    reporter.update({ sent: 450, done: 440, failed: 3, inFlight: 10 });
    expect(out.at(-1)!.replace('\r', '').replace('\x1b[K', '').length).toBeLessThan(40);
  });
});
