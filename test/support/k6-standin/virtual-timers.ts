// Timers on the stand-in's virtual clock, for k6/timers: a queue of due times run one at a time
// from Node's setImmediate, that is after every promise of the script has settled. The clock
// jumps to each timer's due time before it fires, so concurrent waits (sub-agents, lanes) run in
// due-time order without real waiting.

export interface VirtualTimers {
  schedule(delayMs: number, fn: () => void): number;
  clear(id: number): void;
  /** Timers still waiting. */
  readonly pending: number;
}

export function virtualTimers(clock: { nowMs: number }): VirtualTimers {
  const queue: Array<{ id: number; at: number; fn: () => void }> = [];
  let nextId = 1;
  let pumping = false;
  const pump = () => {
    pumping = false;
    if (queue.length === 0) return;
    // Earliest due first; equal due times in the order they were set.
    let i = 0;
    for (let j = 1; j < queue.length; j++) if (queue[j].at < queue[i].at || (queue[j].at === queue[i].at && queue[j].id < queue[i].id)) i = j;
    const [t] = queue.splice(i, 1);
    clock.nowMs = Math.max(clock.nowMs, t.at);
    t.fn();
    arm();
  };
  const arm = () => {
    if (!pumping && queue.length > 0) {
      pumping = true;
      setImmediate(pump);
    }
  };
  return {
    schedule(delayMs, fn) {
      const id = nextId++;
      queue.push({ id, at: clock.nowMs + Math.max(0, Number(delayMs) || 0), fn });
      arm();
      return id;
    },
    clear(id) {
      const i = queue.findIndex((t) => t.id === id);
      if (i >= 0) queue.splice(i, 1);
    },
    get pending() {
      return queue.length;
    },
  };
}
