// The open-loop driver: every request sent once, at its offset from a common origin, never
// waiting for responses. Bodies are prepared in a look-ahead window before they are due (the
// send itself is the only work at the due time); the wait is a coarse timer, then a short
// precise phase of setImmediate turns that keeps serving I/O (responses keep being read and
// stamped) instead of blocking the event loop. Preparation happens only while the next send
// is far enough away, so building a big prompt never delays a due request.

import { nowMs } from './clock';
import { preciseWait } from './wait';

export interface OpenLoopItem {
  /** Position in the whole schedule (request index, unique across workers and instances). */
  index: number;
  /** Offset from the origin (ms). */
  atMs: number;
}

export interface OpenLoopOptions<T> {
  /** Monotonic time (performance.now()) of offset 0. */
  originMs: number;
  /** Prepare bodies this far ahead of their time. */
  lookAheadMs: number;
  /** At most this many prepared bodies waiting (bounds memory on dense traces). */
  maxPrepared: number;
  /** At most this many requests in flight; later ones wait (and are counted as delayed). */
  maxConcurrency?: number;
  prepare(item: OpenLoopItem): T;
  /** Sends a prepared request; `scheduledMs` is its due monotonic time. Resolves when it is done. */
  send(item: OpenLoopItem, prepared: T, scheduledMs: number): Promise<void>;
  /** Told, while waiting, how many requests are due within WARM_MS (open connections for them). */
  warm?(dueSoon: number): void;
  /** Stops sending (Ctrl-C): the driver returns once the requests in flight have ended. */
  signal?: AbortSignal;
  /**
   * Hand each request to `send` this long before it is due (a transport that writes at the due
   * instant itself: JS pauses then cannot delay the send). 0: at the due instant.
   */
  handOverAheadMs?: number;
}

export interface OpenLoopResult {
  sent: number;
  /** Requests sent later than their time because --max-concurrency was reached. */
  delayedByConcurrency: number;
  /** Requests never sent because the run was stopped. */
  notSent: number;
  interrupted: boolean;
}

/**
 * Timers run on libuv's whole-millisecond loop clock: they fire up to 1 ms early and, on an idle
 * loop, rarely more than TIMER_LATE_MS late. So sleep until TIMER_LATE_MS before the due time in
 * whole ms, then spin (setImmediate turns, which keep serving I/O) for what is left: at most
 * PRECISE_MS, about half of it on average (was 1.5-2.5 ms of spin per send: most of the CPU
 * of a 100 req/s run).
 */
const TIMER_LATE_MS = 0.2;
const PRECISE_MS = 1 + TIMER_LATE_MS;
/** Prepare another body only if the next send is at least this far away. */
const PREPARE_GAP_MS = 3;
/**
 * Connections are opened for the requests due within this window (a burst finds them open),
 * for at most MAX_WARM of them: at 3,000 req/s an uncapped 100 ms window kept ~300 spare
 * connections per thread, and a server taking thousands of new connections at once drops some.
 * Inside the window the wait sleeps at most WARM_SLEEP_MS, so the opens (a few per turn) keep up.
 */
const WARM_MS = 100;
const MAX_WARM = 64;
const WARM_SLEEP_MS = 5;

const immediate = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runOpenLoop<T>(items: Iterator<OpenLoopItem>, o: OpenLoopOptions<T>): Promise<OpenLoopResult> {
  const queue: Array<{ item: OpenLoopItem; prepared: T | undefined }> = [];
  const inFlight = new Set<Promise<void>>();
  let exhausted = false;
  let sent = 0;
  let delayed = 0;
  let notSent = 0;
  const stopped = () => o.signal?.aborted === true;

  const pull = (): boolean => {
    if (exhausted) return false;
    const next = items.next();
    if (next.done) {
      exhausted = true;
      return false;
    }
    queue.push({ item: next.value, prepared: undefined });
    return true;
  };
  /** Prepares one more body of the window if there is time; true if it did. */
  const prepareOne = (now: number): boolean => {
    const dueIn = queue.length ? o.originMs + queue[0].item.atMs - (o.handOverAheadMs ?? 0) - now : Infinity;
    if (dueIn < PREPARE_GAP_MS) return false;
    let unprepared = queue.findIndex((q) => q.prepared === undefined);
    if (unprepared < 0) {
      if (queue.length >= o.maxPrepared || !pull()) return false;
      unprepared = queue.length - 1;
    }
    const q = queue[unprepared];
    if (o.originMs + q.item.atMs - now > o.lookAheadMs && unprepared > 0) return false;
    q.prepared = o.prepare(q.item);
    return true;
  };

  /** How many queued requests are due within WARM_MS of `now` (the queue is in time order). */
  const dueSoon = (now: number): number => {
    let n = 0;
    while (n < MAX_WARM && n < queue.length && o.originMs + queue[n].item.atMs - now <= WARM_MS) n++;
    return n;
  };

  pull();
  while (queue.length > 0 && !stopped()) {
    const head = queue[0];
    const due = o.originMs + head.item.atMs;
    const handOver = due - (o.handOverAheadMs ?? 0);
    let now = nowMs();
    // Use the time before the due instant: open connections and prepare what is coming, then wait.
    while (handOver - now > PRECISE_MS) {
      o.warm?.(dueSoon(now));
      if (!prepareOne(now)) {
        const wait = Math.floor(handOver - now - TIMER_LATE_MS);
        await (wait >= 1 ? sleep(Math.min(wait, due - now <= WARM_MS && o.warm ? WARM_SLEEP_MS : 50)) : immediate());
      } else if (nowMs() - now > 0.5) {
        await immediate(); // let responses be read between preparations
      }
      if (stopped()) break;
      now = nowMs();
    }
    // A transport that sends at the instant itself needs no precise hand-over (spinning here
    // costs the thread up to PRECISE_MS per request).
    if (!stopped() && !o.handOverAheadMs && nowMs() < handOver) await preciseWait(handOver, stopped);
    if (stopped()) break;
    if (o.maxConcurrency !== undefined && inFlight.size >= o.maxConcurrency) {
      delayed++;
      while (inFlight.size >= o.maxConcurrency && !stopped()) await Promise.race(inFlight);
      if (stopped()) break;
    }
    queue.shift();
    const prepared = head.prepared === undefined ? o.prepare(head.item) : head.prepared;
    const p = o.send(head.item, prepared, due).finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent++;
    if (queue.length === 0) pull();
  }
  if (stopped()) {
    notSent = queue.length;
    while (pull()) notSent++;
  }
  await Promise.all(inFlight);
  return { sent, delayedByConcurrency: delayed, notSent, interrupted: stopped() };
}
