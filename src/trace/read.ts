// One entry point for every trace format: pick the reader by name (or detect it) and read,
// either as a stream of TurnRecords (bounded memory) or as a whole Trace.
// Runs in Node and inside k6 (no Node APIs).

import { detectTraceFormat, type Detection } from './detect';
import { TraceError } from './errors';
import { FORMATS, formatNames, isFormatName, type FormatName } from './formats';
import type { Trace } from './model';
import { collectTrace, ReadContext, type ReadOptions, type TurnRecord } from './records';
import { textSource, type TraceSource } from './source';

export interface TraceReadOptions extends ReadOptions {
  /** Format name, or 'auto' (default) to detect it from the content. */
  format?: string;
}

/** How many leading characters format detection looks at. */
export const DETECT_BYTES = 64 * 1024;

export function traceFormats(): string[] {
  return formatNames();
}

/** Picks the format: the one asked for, or the detected one (a TraceError when none matches). */
export function resolveFormat(firstBytes: string, file: string, format = 'auto'): Detection {
  if (format !== 'auto') {
    if (!isFormatName(format)) throw new Error(`unknown trace format "${format}"; known: ${traceFormats().join(', ')}`);
    return { format, reason: 'given' };
  }
  const d = detectTraceFormat(firstBytes.slice(0, DETECT_BYTES), file);
  if (!d) throw new TraceError(file, 1, undefined, `cannot tell the trace format; pass --format (or -e FORMAT=) one of ${traceFormats().join(', ')}`);
  return d;
}

/** Detects the format from the text's first bytes; throws a TraceError when none matches. */
export function detectFormat(text: string, file: string): FormatName {
  return resolveFormat(text, file).format;
}

export interface RecordStream {
  format: FormatName;
  detection: Detection;
  ctx: ReadContext;
  records: Iterable<TurnRecord>;
}

/** Streams a source's records; `firstBytes` is the start of the source, for detection. */
export function readRecords(src: TraceSource, firstBytes: string, o: TraceReadOptions = {}): RecordStream {
  const detection = resolveFormat(firstBytes, src.file, o.format);
  const ctx = new ReadContext(src.file, o);
  return { format: detection.format, detection, ctx, records: FORMATS[detection.format].read(src, ctx) };
}

/** Reads a whole trace held in memory (k6 init code: the text of open()). */
export function readTrace(text: string, file: string, o: TraceReadOptions = {}): Trace {
  const { format, ctx, records } = readRecords(textSource(text, file), text, o);
  return collectTrace(format, records, ctx);
}
