// When the scrape loop scrapes, waits or stops. It runs beside a load scenario and must end by
// itself soon after that scenario does, without delaying the end of the test: the load is over
// once its arrival window has passed and no other VU is inside an iteration (arrival-rate
// executors start no iteration after their last stage, and a VU counts as active only while it
// runs one). `maxMs` bounds the loop whatever happens. Pure: the k6 glue feeds it the clock.

export interface LoopWindow {
  /** Scenario time (ms) after which the load starts no new iteration. */
  activeUntilMs: number;
  /** Hard limit (scenario time, ms). */
  maxMs: number;
}

export type LoopStep = { action: 'scrape' } | { action: 'wait'; ms: number } | { action: 'stop'; finalScrape: boolean };

/** Poll period for the end-of-load check: the test ends at most about this much later. */
export const POLL_MS = 250;
/** Idle polls in a row that mean "the load is done" (guards against a VU between two iterations). */
const IDLE_POLLS = 2;

export class ScrapeLoop {
  private nextScrapeMs = 0;
  private idle = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly window: LoopWindow,
  ) {}

  /** `elapsedMs`: scenario time now; `othersActive`: VUs inside an iteration, this one excluded. */
  step(elapsedMs: number, othersActive: number): LoopStep {
    if (elapsedMs >= this.window.maxMs) return { action: 'stop', finalScrape: false };
    this.idle = elapsedMs >= this.window.activeUntilMs && othersActive <= 0 ? this.idle + 1 : 0;
    if (this.idle >= IDLE_POLLS) return { action: 'stop', finalScrape: true };
    if (elapsedMs >= this.nextScrapeMs) {
      // Catch up without bursts when a scrape took longer than the interval.
      this.nextScrapeMs = Math.max(this.nextScrapeMs + this.intervalMs, elapsedMs + this.intervalMs / 2);
      return { action: 'scrape' };
    }
    return { action: 'wait', ms: Math.min(POLL_MS, this.nextScrapeMs - elapsedMs, this.window.maxMs - elapsedMs) };
  }
}
