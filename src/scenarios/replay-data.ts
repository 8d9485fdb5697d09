// What the open-loop replay reads before it starts, in Node: the sliced, time-ordered requests
// of the trace (lengths and block ids only; prompt text is built in the look-ahead window, so
// bodies are never held for the whole trace) and the prompt vocabulary. The file is read in
// chunks (a local file, or an s3:// object streamed) and only those compact rows are kept: neither the whole text nor the parsed sessions
// (a 200k-row Mooncake trace peaked at 403 MB read whole).

import type { Endpoint } from '../openai/request';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readRecords } from '../trace/read';
import { TraceError } from '../trace/errors';
import { openTraceSource } from '../storage/store';
import { S3Error } from '../storage/s3';
import type { TraceSource } from '../trace/source';
import type { TimedRequest } from '../schedule/openloop';
import type { ReplayConfig } from '../config/replay';
import { timeOrder } from '../schedule/openloop';
import { parseVocabulary, syntheticVocabulary } from '../prompt/vocabulary';
import type { Vocabulary } from '../prompt/hashblock';

export interface LoadedTrace {
  requests: TimedRequest[];
  format: string;
  blockSize: number;
  skippedCount: number;
  skipped: string[];
}

/** Trace problems the user can fix: the message names file:line:field and how to go on. */
export class TraceLoadError extends Error {}

export function loadReplayTrace(cfg: ReplayConfig): LoadedTrace {
  let first: string;
  let src: TraceSource;
  try {
    // A file, or an s3:// object streamed in chunks (each pass a new GET).
    ({ first, src } = openTraceSource(cfg.trace));
  } catch (e) {
    if (e instanceof S3Error) throw new TraceLoadError(e.message);
    throw new TraceLoadError(`cannot read trace ${cfg.trace}: ${(e as Error).message}`);
  }
  try {
    // Rows outside [fromMs, toMs) are dropped as they are read. Relative formats are shifted so
    // the earliest time is 0: when that turns out to move times, the file is read again.
    let pass = readRows(src, first, cfg, 0);
    if (pass.ctx.relativeTimes && pass.minMs < 0) pass = readRows(src, first, cfg, -pass.minMs);
    const { ctx } = pass;
    return {
      requests: timeOrder(pass.rows, cfg),
      format: pass.format,
      blockSize: cfg.blockSize ?? ctx.blockSize ?? 512,
      skippedCount: ctx.skippedCount,
      skipped: ctx.skipped.slice(0, 10).map((s) => s.message),
    };
  } catch (e) {
    if (e instanceof TraceError) throw new TraceLoadError(`${e.message} (--skip-bad skips and counts bad rows)`);
    throw e;
  }
}

/**
 * A request row kept compactly: its block ids live in one Int32Array shared by all rows and
 * become an array only when asked for (once, when its prompt is built). A 234k-row Mooncake
 * trace held as plain objects with block arrays took 147 MB of heap; this way about a fifth.
 */
class CompactRequest implements TimedRequest {
  index = 0;
  constructor(public atMs: number, readonly inputTokens: number, readonly outputTokens: number, readonly line: number | undefined,
    private readonly pool: BlockPool, private readonly from: number, private readonly to: number, readonly endpoint?: Endpoint) {}

  get blocks(): number[] | undefined {
    return this.from < 0 ? undefined : Array.from(this.pool.ids.subarray(this.from, this.to));
  }
}

/** Every row's block ids end to end, grown by doubling. */
class BlockPool {
  ids = new Int32Array(1 << 16);
  used = 0;

  /** Appends `blocks`; returns its [from, to) range, or [-1, -1] when there are none. */
  add(blocks: readonly number[] | undefined): [number, number] {
    if (!blocks) return [-1, -1];
    if (this.used + blocks.length > this.ids.length) {
      const next = new Int32Array(Math.max(this.ids.length * 2, this.used + blocks.length));
      next.set(this.ids.subarray(0, this.used));
      this.ids = next;
    }
    const from = this.used;
    for (const b of blocks) this.ids[this.used++] = b;
    return [from, this.used];
  }
}

/**
 * One pass over the file's records, as collectTrace + selectRequests see them: a turn without
 * its own time starts at its session's start (as first seen); `shiftMs` is added to every time.
 */
function readRows(src: TraceSource, first: string, cfg: ReplayConfig, shiftMs: number) {
  const stream = readRecords(src, first, { format: cfg.format, skipBad: cfg.skipBad, blockSize: cfg.blockSize });
  const from = cfg.fromMs ?? 0;
  const to = cfg.toMs ?? Infinity;
  const sessionStart = new Map<string, number>();
  const pool = new BlockPool();
  const rows: CompactRequest[] = [];
  let minMs = Infinity;
  for (const r of stream.records) {
    let at = r.turn.atMs;
    if (at === undefined) {
      at = sessionStart.get(r.session.id);
      if (at === undefined) sessionStart.set(r.session.id, (at = r.session.startMs));
    }
    if (at < minMs) minMs = at;
    at += shiftMs;
    if (at < from || at >= to) continue;
    const [b0, b1] = pool.add(r.turn.blocks);
    rows.push(new CompactRequest(at, r.turn.inputTokens, r.turn.outputTokens, r.turn.line, pool, b0, b1, r.turn.endpoint));
  }
  pool.ids = pool.ids.slice(0, pool.used); // drop the doubling's spare room
  return { rows, minMs, ctx: stream.ctx, format: stream.format };
}

const VOCAB_DIR = fileURLToPath(new URL('../../data/vocab/', import.meta.url));

/** The prompt vocabulary: built in (synthetic), a shipped list by name, or a file path. */
export function loadVocabulary(name: string): Vocabulary {
  if (name === 'synthetic') return syntheticVocabulary();
  const path = name.includes('/') ? name : `${VOCAB_DIR}${name}.txt`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TraceLoadError(`--vocab ${name}: cannot read ${path}: ${(e as Error).message}`);
  }
  return parseVocabulary(name, text);
}
