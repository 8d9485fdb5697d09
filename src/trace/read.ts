// One entry point for every trace format: pick the reader by name (or detect it) and read.
// Runs in Node and inside k6 (no Node APIs).

import { TraceError } from './errors';
import { readMooncake, MOONCAKE_BLOCK_SIZE } from './mooncake';
import type { Trace } from './model';

export interface TraceReadOptions {
  /** Format name, or 'auto' to detect it from the content. */
  format?: string;
  skipBad?: boolean;
  /** Tokens per hash id, when the format's default is not right. */
  blockSize?: number;
}

type Reader = (text: string, file: string, o: TraceReadOptions) => Trace;

const READERS: Record<string, Reader> = {
  mooncake: (text, file, o) => readMooncake(text, file, { skipBad: o.skipBad, blockSize: o.blockSize ?? MOONCAKE_BLOCK_SIZE }),
};

export function traceFormats(): string[] {
  return Object.keys(READERS);
}

/** Detects the format from the first non-empty line. */
export function detectFormat(text: string, file: string): string {
  const first = text.slice(0, 4096).split('\n').find((l) => l.trim() !== '') ?? '';
  try {
    const row = JSON.parse(first) as Record<string, unknown>;
    if ('timestamp' in row && 'input_length' in row && !('session_id' in row)) return 'mooncake';
  } catch {
    // not JSON lines: no reader matches yet
  }
  throw new TraceError(file, 1, undefined, `cannot tell the trace format; pass -e FORMAT=<one of ${traceFormats().join(', ')}>`);
}

export function readTrace(text: string, file: string, o: TraceReadOptions = {}): Trace {
  const format = !o.format || o.format === 'auto' ? detectFormat(text, file) : o.format;
  const reader = READERS[format];
  if (!reader) throw new Error(`unknown trace format "${format}"; known: ${traceFormats().join(', ')}`);
  return reader(text, file, o);
}
