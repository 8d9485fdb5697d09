import { describe, expect, it } from 'vitest';
import { POLL_MS, ScrapeLoop } from '../../src/observe/loop';

/** Runs the loop on a simulated clock; `others(t)` = VUs busy in the load at time t. */
function simulate(loop: ScrapeLoop, others: (t: number) => number, scrapeCostMs = 0, limit = 10_000) {
  let t = 0;
  const scrapes: number[] = [];
  for (let i = 0; i < limit; i++) {
    const step = loop.step(t, others(t));
    if (step.action === 'stop') return { scrapes, stoppedAt: t, finalScrape: step.finalScrape };
    if (step.action === 'scrape') {
      scrapes.push(t);
      t += scrapeCostMs;
    } else {
      expect(step.ms).toBeGreaterThan(0);
      expect(step.ms).toBeLessThanOrEqual(POLL_MS);
      t += step.ms;
    }
  }
  throw new Error('loop did not stop');
}

describe('ScrapeLoop', () => {
  it('scrapes every interval and stops soon after the load ends, with a final scrape', () => {
    const loop = new ScrapeLoop(1000, { activeUntilMs: 5000, maxMs: 60_000 });
    const r = simulate(loop, (t) => (t < 8200 ? 3 : 0));
    expect(r.scrapes).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]);
    expect(r.finalScrape).toBe(true);
    expect(r.stoppedAt).toBeGreaterThanOrEqual(8200);
    expect(r.stoppedAt).toBeLessThanOrEqual(8200 + 2 * POLL_MS);
  });

  it('does not stop while arrivals are still due, even with no VU busy', () => {
    const loop = new ScrapeLoop(1000, { activeUntilMs: 3000, maxMs: 60_000 });
    const r = simulate(loop, () => 0);
    expect(r.stoppedAt).toBeGreaterThanOrEqual(3000);
    expect(r.stoppedAt).toBeLessThanOrEqual(3000 + 2 * POLL_MS);
  });

  it('stops at the hard limit when the load never ends, without a final scrape', () => {
    const loop = new ScrapeLoop(2000, { activeUntilMs: 1000, maxMs: 9000 });
    const r = simulate(loop, () => 1);
    expect(r.stoppedAt).toBe(9000);
    expect(r.finalScrape).toBe(false);
    expect(r.scrapes).toEqual([0, 2000, 4000, 6000, 8000]);
  });

  it('one idle poll between two iterations is not the end of the load', () => {
    const loop = new ScrapeLoop(1000, { activeUntilMs: 0, maxMs: 60_000 });
    let polls = 0;
    const r = simulate(loop, () => (polls++ % 2 === 0 ? 0 : 1));
    expect(r.stoppedAt).toBe(60_000);
  });

  it('does not burst to catch up after a slow scrape', () => {
    const loop = new ScrapeLoop(1000, { activeUntilMs: 10_000, maxMs: 6000 });
    const r = simulate(loop, () => 1, 2500);
    for (let i = 1; i < r.scrapes.length; i++) expect(r.scrapes[i] - r.scrapes[i - 1]).toBeGreaterThanOrEqual(500);
  });
});
