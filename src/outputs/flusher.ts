// Flushes an output's buffer on a timer, one flush at a time: a flush still running when the
// next tick comes makes that tick a no-op (the buffer simply waits for the next one). The timer
// is unref'd so an output never keeps the process alive; stop() waits for the running flush and
// runs a last one.

export class PeriodicFlusher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly intervalMs: number,
    private readonly flush: () => Promise<void>,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private tick(): Promise<void> {
    if (!this.running) this.running = this.flush().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.tick();
  }
}

/** Parses a push interval such as "1s", "500ms", "5" (seconds); throws naming the value. */
export function parseInterval(v: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000) : NaN;
  if (!(ms >= 10 && ms <= 3_600_000)) throw new Error(`${what}=${v}: give a duration between 10ms and 1h, e.g. 1s or 500ms`);
  return ms;
}
