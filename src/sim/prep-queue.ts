// Runs the heavy per-request work (JSON parse, tokenize, validate) one request per event-loop
// turn, each in a setImmediate after the turn's I/O. Running it inline, right when a body's
// last chunk is read, blocked the loop before the other sockets of a burst were read, so their
// arrival stamps (and due token writes) were late by the sum of the others' encode times.
// One job per turn lets the poll phase read (and stamp) new requests between any two jobs.

export class PrepQueue {
  private readonly jobs: Array<() => void> = [];
  private scheduled = false;

  /** Queues `job`; it runs in a later turn, after the sockets ready now have been read. */
  push(job: () => void): void {
    this.jobs.push(job);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.runOne);
    }
  }

  get length(): number {
    return this.jobs.length;
  }

  private readonly runOne = (): void => {
    const job = this.jobs.shift();
    try {
      job?.();
    } finally {
      if (this.jobs.length > 0) setImmediate(this.runOne);
      else this.scheduled = false;
    }
  };
}
