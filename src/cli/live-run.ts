// The main-thread side of a load command while it runs: progress (live line or log lines),
// Ctrl-C, the bounded log of failed requests, the records and samples of every thread into
// the outputs, and running the threads here or in workers with a common origin.

import { ProgressReporter } from '../engine/progress';
import { onInterrupt, type Interruption } from '../engine/interrupt';
import { startWorker } from '../engine/workers';
import type { WorkerEntry } from '../runtime/entries';
import { nowMs, nowUnixMs } from '../engine/clock';
import type { ThreadHooks, ThreadOutcome } from '../engine/threads';
import type { RunOutputs } from './outputs';
import type { RequestRecord } from '../outputs/jsonl';
import type { Sample } from '../outputs/sample';
import type { SloTracker } from '../metrics/slo';

/** Failed requests logged one line each; the rest are counted in the summary. */
const MAX_FAILURE_LINES = 10;

export interface LiveRunOptions {
  planned: number | null;
  /** When the schedule's last send is due (ms from now), for the ETA. */
  scheduleEndMs?: number;
  graceMs: number;
  quiet: boolean;
  outputs: RunOutputs;
  /** With --slo: counts every finished request and marks its record (sloOk). */
  slo?: SloTracker;
}

export class LiveRun {
  readonly progress: ProgressReporter;
  readonly interrupt: Interruption;
  private readonly live = { sent: 0, done: 0, failed: 0 };
  private readonly ticker: NodeJS.Timeout;
  private failuresLogged = 0;

  constructor(private readonly o: LiveRunOptions) {
    this.progress = new ProgressReporter({
      tty: process.stderr.isTTY === true, columns: process.stderr.columns || 80, write: (t) => process.stderr.write(t), now: nowMs,
      planned: o.planned, scheduleEndMs: o.scheduleEndMs ?? null,
      // A campaign reads its points' log lines for its own progress line: it asks for them often.
      logIntervalMs: Number(process.env.LLM_REPLAY_PROGRESS_MS) || undefined,
    });
    this.interrupt = onInterrupt(o.graceMs, (t) => this.progress.message(t));
    this.ticker = setInterval(() => this.progress.update({ ...this.live, inFlight: this.live.sent - this.live.done }), 100);
  }

  /** Hooks for a thread running here (in the main thread). */
  hooks(): ThreadHooks {
    return {
      stopSending: this.interrupt.stopSending, abortInFlight: this.interrupt.abortInFlight,
      onSend: () => this.live.sent++,
      onSamples: this.o.outputs.wantsSamples ? (s) => this.o.outputs.add(s) : undefined,
      onRecord: (r, failure) => this.record(r, failure),
    };
  }

  /** Whether threads should forward their records and samples. */
  get wants(): { wantRecords: boolean; wantSamples: boolean } {
    return { wantRecords: this.o.outputs.jsonl !== undefined || this.o.slo !== undefined, wantSamples: this.o.outputs.wantsSamples };
  }

  private record(r: RequestRecord | undefined, failure: string | undefined): void {
    this.live.done++;
    if (failure !== undefined) {
      this.live.failed++;
      if (!this.o.quiet && this.failuresLogged < MAX_FAILURE_LINES) {
        this.failuresLogged++;
        this.progress.message(`request ${failure}${this.failuresLogged === MAX_FAILURE_LINES ? ' (further failures are counted, not logged)' : ''}`);
      }
    }
    if (r && this.o.slo) r.sloOk = this.o.slo.add(r);
    if (r) this.o.outputs.jsonl?.write(r);
  }

  /**
   * Runs the job in this thread (`here`) or in `workers` worker threads started from `entry`;
   * the common origin is set `startDelayMs` after every thread reported ready (trace read, hot
   * paths warmed), or is the common start `atUnixMs` of a run over several instances.
   */
  async runThreads<J extends object, R extends ThreadOutcome>(workers: number, job: J, here: (job: J & { worker: number }, hooks: ThreadHooks) => Promise<R>, entry: WorkerEntry, startDelayMs: number, atUnixMs?: number): Promise<R[]> {
    if (workers === 1) {
      const hooks = this.hooks();
      if (atUnixMs === undefined) hooks.start = async () => nowUnixMs() + startDelayMs;
      return [await here({ ...job, worker: 0 }, hooks)];
    }
    let ready = 0;
    const runs = Array.from({ length: workers }, (_, w) => startWorker(entry, { ...job, worker: w }, (m) => {
      if (m.type === 'ready' && ++ready === workers) {
        const originUnixMs = atUnixMs ?? nowUnixMs() + startDelayMs;
        // Each worker read the trace again after the start was accepted: say when that made it late.
        const lateMs = nowUnixMs() - originUnixMs;
        if (lateMs > 0) this.progress.message(`worker threads were ready ${Math.round(lateMs)} ms after the common start: the first requests go late (see the dispatch lag); give a later start`);
        runs.forEach((r) => r.post({ type: 'start', originUnixMs }));
      } else if (m.type === 'send') this.live.sent++;
      else if (m.type === 'samples') this.o.outputs.add(m.samples as Sample[]);
      else if (m.type === 'record') this.record(m.record as RequestRecord | undefined, m.line);
    }));
    this.interrupt.stopSending.addEventListener('abort', () => runs.forEach((r) => r.post({ type: 'stop' })));
    this.interrupt.abortInFlight.addEventListener('abort', () => runs.forEach((r) => r.post({ type: 'abort' })));
    return (await Promise.all(runs.map((r) => r.result))) as R[];
  }

  /** Stops the ticker and signal handlers; the progress line is left for the summary. */
  end(): void {
    clearInterval(this.ticker);
    // The last counts, not the last tick's (up to 100 ms old).
    this.progress.update({ ...this.live, inFlight: this.live.sent - this.live.done });
    this.interrupt.dispose();
    this.progress.finish();
  }
}
