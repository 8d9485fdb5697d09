// The streaming form of the canonical model: readers yield one TurnRecord per request, in file
// order, so consumers that need no whole Trace (the trace CLI's stats, convert and slice) run
// in bounded memory; collectTrace() assembles a Trace for those that do (k6 init code).

import { TraceError } from './errors';
import type { Session, SkippedRow, Trace, Turn } from './model';

/** A session without its turns: the same object accompanies every turn of the session. */
export type SessionHead = Omit<Session, 'turns'>;

export interface TurnRecord {
  session: SessionHead;
  /** 0-based position of the turn in its session. */
  turnIndex: number;
  turn: Turn;
  /** The source line the record came from, verbatim (only with ReadOptions.keepRaw). */
  raw?: string;
}

export interface ReadOptions {
  /** Skip (and count) bad rows instead of failing on the first one. */
  skipBad?: boolean;
  /** Tokens per hash id, when the format's default (or the file's own value) is not right. */
  blockSize?: number;
  /** Attach each record's source line (trace slice copies kept lines verbatim). */
  keepRaw?: boolean;
  /** Counts the tokens of text found in a trace; default: an estimate of 4 characters per token. */
  countTokens?: (text: string) => number;
  /** Column names for formats that allow renaming them (GuideLLM). */
  columns?: Partial<Record<'timestamp' | 'input' | 'output', string>>;
}

const MAX_SKIPPED_KEPT = 100;

/** Per-read state shared by a reader and its consumer: options, block size, bad and dropped rows. */
export class ReadContext {
  /** Tokens per block id, once known (set by the reader from its default or the file). */
  blockSize?: number;
  /** A header line to repeat when copying raw lines (CSV). */
  header?: string;
  /** Set by readers whose times are offsets from the first row (rebased to start at 0 by collectTrace). */
  relativeTimes = false;
  readonly skipped: SkippedRow[] = [];
  skippedCount = 0;
  readonly dropped: Record<string, number> = {};

  constructor(
    readonly file: string,
    readonly opts: ReadOptions = {},
  ) {}

  /** Runs `parse` for one row; with skipBad a TraceError is counted and undefined returned. */
  row<T>(line: number, parse: () => T): T | undefined {
    try {
      return parse();
    } catch (e) {
      if (!this.opts.skipBad || !(e instanceof TraceError)) throw e;
      this.skippedCount++;
      if (this.skipped.length < MAX_SKIPPED_KEPT) this.skipped.push({ line, message: e.message });
      return undefined;
    }
  }

  /** The raw line to attach to a record, when asked for. */
  raw(text: string): string | undefined {
    return this.opts.keepRaw ? text : undefined;
  }

  /** Counts a row left out on purpose. */
  drop(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  /** Tokens of a piece of text, by the configured counter or the 4-characters estimate. */
  tokensOf(text: string): number {
    return this.opts.countTokens ? this.opts.countTokens(text) : Math.ceil(text.length / 4);
  }

  /** Sets the block size, refusing a file that changes it midway. */
  useBlockSize(size: number, line: number, field: string): void {
    const wanted = this.opts.blockSize ?? size;
    if (this.blockSize !== undefined && this.blockSize !== wanted) {
      throw new TraceError(this.file, line, field, `block size ${wanted} differs from ${this.blockSize} earlier in the file`);
    }
    this.blockSize = wanted;
  }
}

/** Assembles records into a Trace: sessions in order of first appearance, turns in file order. */
export function collectTrace(format: string, records: Iterable<TurnRecord>, ctx: ReadContext): Trace {
  const byId = new Map<string, Session>();
  const sessions: Session[] = [];
  for (const r of records) {
    let s = byId.get(r.session.id);
    if (!s) {
      s = { ...r.session, turns: [] };
      byId.set(s.id, s);
      sessions.push(s);
    }
    s.turns.push(r.turn);
  }
  if (ctx.relativeTimes) rebaseToZero(sessions);
  const trace: Trace = { format, source: ctx.file, sessions };
  if (ctx.blockSize !== undefined) trace.blockSize = ctx.blockSize;
  if (ctx.skippedCount > 0) {
    trace.skipped = ctx.skipped;
    trace.skippedCount = ctx.skippedCount;
  }
  if (Object.keys(ctx.dropped).length > 0) trace.dropped = { ...ctx.dropped };
  return trace;
}

/** Shifts every time so the earliest session start or arrival is 0 (for unsorted relative formats). */
function rebaseToZero(sessions: Session[]): void {
  let min = Infinity;
  for (const s of sessions) {
    min = Math.min(min, s.startMs);
    for (const t of s.turns) if (t.atMs !== undefined) min = Math.min(min, t.atMs);
  }
  if (!(min < 0)) return;
  for (const s of sessions) {
    s.startMs -= min;
    for (const t of s.turns) if (t.atMs !== undefined) t.atMs -= min;
  }
}
