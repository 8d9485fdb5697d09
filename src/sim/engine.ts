// The real-time engine loop: runs the pure Scheduler step after step on the wall clock.
// Each step's due time is the previous step's due time plus its modelled duration (times
// --time-scale), so timer lateness never accumulates into the model: a late timer makes the
// tokens of that step late (measured as scheduling error by the sinks), not every later step.
// When the engine is idle, the next step starts when work arrives.

import { PreciseTimer, nowMs } from './clock.js';
import { Scheduler, type SchedulerConfig, type Seq, type StepPlan } from './scheduler.js';

export interface EngineOptions extends SchedulerConfig {
  /** Model time multiplier: 0.1 runs everything 10x faster. */
  timeScale: number;
  /** Busy-poll window of the step timer, ms (see PreciseTimer). */
  spinMs: number;
}

/** Largest share of a step the timer may busy-poll. */
export const SPIN_SHARE = 0.1;

export class Engine {
  readonly scheduler: Scheduler;
  private readonly timer: PreciseTimer;
  /** Due time of the step in flight, or of the last one when idle. */
  private dueMs = 0;
  private plan: StepPlan | undefined;
  private idle = true;
  private kickQueued = false;
  private stopped = false;
  /** Steps whose timer fired after their due time, and by how much (ms), for diagnostics. */
  lastStepLateMs = 0;

  constructor(readonly opts: EngineOptions) {
    this.scheduler = new Scheduler(opts);
    this.timer = new PreciseTimer(opts.spinMs);
  }

  /** Queues a sequence; it joins the next step. */
  add(seq: Seq): void {
    this.scheduler.add(seq);
    this.kick();
  }

  abort(seq: Seq): void {
    this.scheduler.abort(seq);
    // An idle engine waiting on a paused sequence may now have nothing to wait for; harmless.
  }

  get waitingCount(): number {
    return this.scheduler.waitingCount;
  }

  get runningCount(): number {
    return this.scheduler.runningCount;
  }

  stop(): void {
    this.stopped = true;
    this.timer.cancel();
  }

  /** Starts a step soon if the engine is idle (batched: many arrivals in one turn, one kick). */
  private kick(): void {
    if (!this.idle || this.kickQueued || this.stopped) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      if (!this.idle || this.stopped) return;
      this.timer.cancel(); // a pending wake-up for a paused sequence
      this.startStep(nowMs());
    });
  }

  private startStep(startMs: number): void {
    if (this.stopped) return;
    const sch = this.scheduler;
    const plan = sch.schedule(startMs);
    // Before the idle check: a sequence admitted to wait for its KV load runs in no step yet.
    for (const s of plan.admitted) s.sink.admitted?.(s);
    if (plan.items.length === 0) {
      this.idle = true;
      this.plan = undefined;
      const wake = sch.nextWakeMs();
      if (wake !== undefined) {
        this.timer.at(wake, () => {
          if (this.idle) this.startStep(Math.max(wake, nowMs()));
        });
      }
      return;
    }
    this.idle = false;
    this.plan = plan;
    const duration = plan.durationMs * this.opts.timeScale;
    this.dueMs = startMs + duration;
    // Busy-poll at most --spin-ms and at most a tenth of the step, so short (time-scaled)
    // steps do not turn into a CPU-burning loop on a machine the load generator shares.
    this.timer.at(this.dueMs, this.onStepDue, Math.min(this.opts.spinMs, SPIN_SHARE * duration));
  }

  private readonly onStepDue = (): void => {
    const plan = this.plan;
    if (!plan || this.stopped) return;
    this.plan = undefined;
    const due = this.dueMs;
    this.lastStepLateMs = nowMs() - due;
    this.scheduler.complete(plan, due);
    // Back to back: the next step starts at this step's due time, not at the (later) now.
    this.startStep(due);
  };
}
