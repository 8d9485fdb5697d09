// The one clock of the simulator: Unix-epoch milliseconds as a float with sub-microsecond
// resolution (performance.timeOrigin + performance.now()), the same timeline a client on this
// machine reads with Date.now() or performance.timeOrigin + performance.now().
// Plus a timer that fires at an absolute time on that clock, as close to it as Node allows.

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Rounds epoch ms to whole microseconds (what the ground truth stores). */
export function roundUs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Runs `fn` at epoch time `atMs`. setTimeout alone fires up to a few ms late (libuv's timer
 * resolution is 1 ms and its clock is cached per loop turn), so the timer sleeps until `spinMs`
 * before the deadline and then polls with setImmediate, which still lets I/O run between
 * polls. `spinMs` = 0 disables polling (lowest CPU, coarsest timing).
 */
export class PreciseTimer {
  private handle: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private gen = 0;

  constructor(private readonly spinMs: number) {}

  get pending(): boolean {
    return this.handle !== undefined || this.immediate !== undefined;
  }

  /** `spinMs` overrides the timer's default busy-poll window for this deadline. */
  at(atMs: number, fn: () => void, spinMs = this.spinMs): void {
    this.cancel();
    const gen = ++this.gen;
    const poll = (): void => {
      this.handle = undefined;
      this.immediate = undefined;
      if (gen !== this.gen) return;
      const left = atMs - nowMs();
      if (left <= 0) {
        fn();
        return;
      }
      if (spinMs <= 0) {
        this.handle = setTimeout(poll, Math.ceil(left));
      } else if (left > spinMs) {
        // Aim at the start of the spin window; setTimeout may fire a little early or late.
        this.handle = setTimeout(poll, Math.max(1, Math.floor(left - spinMs)));
      } else {
        this.immediate = setImmediate(poll);
      }
    };
    // Never run `fn` inside at(): a caller catching up on overdue steps would recurse.
    this.immediate = setImmediate(poll);
  }

  cancel(): void {
    this.gen++;
    if (this.handle) clearTimeout(this.handle);
    if (this.immediate) clearImmediate(this.immediate);
    this.handle = undefined;
    this.immediate = undefined;
  }
}
