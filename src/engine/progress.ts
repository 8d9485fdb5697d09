// The run's progress: a live line redrawn in place on a terminal, a log line every few seconds
// otherwise, and the interruption notice. Formatting is pure; ProgressReporter decides when
// to print from an injected clock and writer, so tests drive it without timers or a TTY.

export interface ProgressCounts {
  /** Requests the run (this process) plans to send; null when open-ended (e.g. sessions until a duration). */
  planned: number | null;
  sent: number;
  /** Finished requests, ok or failed. */
  done: number;
  /** Of `done`, the failed ones. */
  failed: number;
  inFlight: number;
  /** Recent completions per second. */
  reqPerS: number;
  elapsedMs: number;
  /** Remaining time, null when unknown. */
  etaMs: number | null;
}

/** "850ms", "12s", "1m05s", "2h03m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}

/**
 * Time left: until the schedule's last send while sending, else the remaining requests at the
 * recent completion rate; null when it cannot be known.
 */
export function estimateEtaMs(c: Omit<ProgressCounts, 'etaMs'>, scheduleEndMs: number | null = null): number | null {
  if (scheduleEndMs !== null && c.elapsedMs < scheduleEndMs) return scheduleEndMs - c.elapsedMs;
  if (c.planned === null) return null;
  const left = c.planned - c.done;
  if (left <= 0) return 0;
  return c.reqPerS > 0 ? (left / c.reqPerS) * 1000 : null;
}

function percent(c: ProgressCounts): number | null {
  if (c.planned === null || c.planned <= 0) return null;
  return Math.min(100, Math.floor((c.done / c.planned) * 100));
}

function bar(pct: number, width: number): string {
  const inner = width - 2;
  const full = Math.round((pct / 100) * inner);
  return `[${'='.repeat(full)}${full < inner ? '>' : ''}${' '.repeat(Math.max(0, inner - full - 1))}]`;
}

interface LivePart {
  /** Lower is more important: parts are dropped from the highest rank down. */
  rank: number;
  long: string;
  short: string;
}

/** The parts of the live line in display order. */
function liveParts(c: ProgressCounts): LivePart[] {
  const pct = percent(c);
  const sent = c.planned === null ? `${c.sent}` : `${c.sent}/${c.planned}`;
  const eta = c.etaMs === null ? '--' : formatDuration(c.etaMs);
  const parts: LivePart[] = [
    { rank: 7, long: formatDuration(c.elapsedMs), short: formatDuration(c.elapsedMs) },
    { rank: 0, long: pct === null ? '' : `${String(pct).padStart(3)}%`, short: pct === null ? '' : `${pct}%` },
    { rank: 1, long: `sent ${sent}`, short: `s ${sent}` },
    { rank: 2, long: `done ${c.done}`, short: `d ${c.done}` },
    { rank: 3, long: `failed ${c.failed}`, short: `f ${c.failed}` },
    { rank: 4, long: `in flight ${c.inFlight}`, short: `if ${c.inFlight}` },
    { rank: 6, long: `${formatRate(c.reqPerS)} req/s`, short: `${formatRate(c.reqPerS)}/s` },
    { rank: 5, long: `ETA ${eta}`, short: `eta ${eta}` },
  ];
  return parts.filter((p) => p.long !== '');
}

const SEP = '  ';

/**
 * The one-line live status for a terminal of `columns` columns: it never reaches the last
 * column (a full line wraps on some terminals); it drops the bar, then the long labels, then
 * the least important parts.
 */
export function formatLiveLine(c: ProgressCounts, columns: number): string {
  const max = Math.max(1, columns - 1);
  const parts = liveParts(c);
  const long = parts.map((p) => p.long);
  const plain = long.join(SEP);
  const pct = percent(c);
  const barWidth = Math.min(32, max - plain.length - SEP.length);
  if (pct !== null && barWidth >= 12) return [long[0], bar(pct, barWidth), ...long.slice(1)].join(SEP);
  if (plain.length <= max) return plain;
  for (let keep = Math.max(...parts.map((p) => p.rank)); keep >= 0; keep--) {
    const line = parts.filter((p) => p.rank <= keep).map((p) => p.short).join(' ');
    if (line.length <= max) return line;
  }
  return parts.filter((p) => p.rank === 0 || p.rank === 1).map((p) => p.short).join(' ').slice(0, max);
}

/** The periodic log line when stdout is not a terminal: one greppable key=value line. */
export function formatLogLine(c: ProgressCounts): string {
  const sent = c.planned === null ? `${c.sent}` : `${c.sent}/${c.planned}`;
  const pct = percent(c);
  return [
    `progress elapsed=${formatDuration(c.elapsedMs)}`,
    pct === null ? '' : `done_pct=${pct}`,
    `sent=${sent}`, `done=${c.done}`, `failed=${c.failed}`, `in_flight=${c.inFlight}`,
    `rate=${formatRate(c.reqPerS)}/s`, `eta=${c.etaMs === null ? '--' : formatDuration(c.etaMs)}`,
  ].filter(Boolean).join(' ');
}

/** What Ctrl-C prints: sending stops, in-flight requests get the grace period. */
export function formatInterrupted(inFlight: number, graceMs: number): string {
  if (inFlight === 0) return 'interrupted: stopping sends; nothing in flight, writing the summary';
  const what = inFlight === 1 ? '1 in-flight request' : `${inFlight} in-flight requests`;
  return `interrupted: stopping sends, waiting up to ${formatDuration(graceMs)} for ${what} (Ctrl-C again to stop now)`;
}

/** What prints when the grace period ends with requests still open. */
export function formatGraceOver(aborted: number): string {
  return `grace period over: ${aborted} request${aborted === 1 ? '' : 's'} aborted (counted as reason "aborted"); writing the summary`;
}

export interface ProgressOptions {
  /** A terminal: redraw one line in place. Otherwise: a log line now and then. */
  tty: boolean;
  /** Terminal width (process.stdout.columns); 80 when unknown. */
  columns?: number;
  write: (text: string) => void;
  /** Milliseconds on a monotonic clock (performance.now). */
  now: () => number;
  planned: number | null;
  /** When the schedule's last send is due (ms after start), for the ETA of an open loop. */
  scheduleEndMs?: number | null;
  ttyIntervalMs?: number;
  logIntervalMs?: number;
  /** Window over which req/s is measured. */
  rateWindowMs?: number;
}

export interface LiveCounts {
  sent: number;
  done: number;
  failed: number;
  inFlight: number;
}

const CLEAR_TO_END = '\x1b[K';

/** Fed the counts as they change (or on a timer); prints when a line is due. */
export class ProgressReporter {
  private readonly start: number;
  private readonly ttyIntervalMs: number;
  private readonly logIntervalMs: number;
  private readonly rateWindowMs: number;
  private columns: number;
  private counts: LiveCounts = { sent: 0, done: 0, failed: 0, inFlight: 0 };
  private lastPrint = -Infinity;
  /** (time, done) samples spanning at least the rate window. */
  private samples: Array<[number, number]> = [];
  private lineShown = false;
  private printedCounts = '';

  constructor(private readonly opts: ProgressOptions) {
    this.start = opts.now();
    this.ttyIntervalMs = opts.ttyIntervalMs ?? 200;
    this.logIntervalMs = opts.logIntervalMs ?? 5000;
    this.rateWindowMs = opts.rateWindowMs ?? 5000;
    this.columns = opts.columns ?? 80;
    // Log lines start one interval in, so short runs stay quiet; the live line starts at once.
    if (!opts.tty) this.lastPrint = this.start;
    this.samples.push([this.start, 0]);
  }

  setColumns(columns: number): void {
    this.columns = columns;
  }

  update(counts: LiveCounts): void {
    this.counts = { ...counts };
    const t = this.opts.now();
    this.sample(t);
    if (t - this.lastPrint >= (this.opts.tty ? this.ttyIntervalMs : this.logIntervalMs)) this.print(t);
  }

  /** The counts as shown now. */
  snapshot(): ProgressCounts {
    const t = this.opts.now();
    const base = { planned: this.opts.planned, ...this.counts, reqPerS: this.rate(t), elapsedMs: t - this.start };
    return { ...base, etaMs: estimateEtaMs(base, this.opts.scheduleEndMs ?? null) };
  }

  /** A line of its own (a warning, the interruption notice) without breaking the live line. */
  message(text: string): void {
    this.erase();
    this.opts.write(`${text}\n`);
    if (this.opts.tty) this.print(this.opts.now());
  }

  /** The last state, then the line is left for the summary. */
  finish(): void {
    const t = this.opts.now();
    this.sample(t);
    // A log line with the same counts was just printed: do not repeat it.
    if (this.opts.tty || this.printedCounts !== this.countsKey()) this.print(t);
    if (this.opts.tty) this.opts.write('\n');
    this.lineShown = false;
  }

  private erase(): void {
    if (this.opts.tty && this.lineShown) this.opts.write(`\r${CLEAR_TO_END}`);
    this.lineShown = false;
  }

  private countsKey(): string {
    const c = this.counts;
    return `${c.sent}/${c.done}/${c.failed}/${c.inFlight}`;
  }

  private print(t: number): void {
    this.printedCounts = this.countsKey();
    const c = this.snapshot();
    if (this.opts.tty) {
      this.opts.write(`\r${formatLiveLine(c, this.columns)}${CLEAR_TO_END}`);
      this.lineShown = true;
    } else {
      this.opts.write(`${formatLogLine(c)}\n`);
    }
    this.lastPrint = t;
  }

  private sample(t: number): void {
    const last = this.samples[this.samples.length - 1];
    // One sample per 100 ms is plenty for a rate over seconds, and keeps update() O(1).
    if (t - last[0] >= 100) this.samples.push([t, this.counts.done]);
    while (this.samples.length > 2 && t - this.samples[1][0] >= this.rateWindowMs) this.samples.shift();
  }

  private rate(t: number): number {
    const [t0, d0] = this.samples[0];
    const dt = t - t0;
    return dt > 0 ? ((this.counts.done - d0) * 1000) / dt : 0;
  }
}
