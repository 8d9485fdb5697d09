// What every `trace` command shares: flags for reading, opening a trace as a record stream,
// the progress bar, line output, and the exit codes (0 ok, 1 bad input, 2 usage).

import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fileSource, firstText, type FileSource } from '../../storage/file-source';
import { TraceError } from '../../trace/errors';
import { readRecords, traceFormats, type RecordStream } from '../../trace/read';
import { Progress } from './progress';

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export const READ_OPTIONS_HELP = `Reading:
  --format NAME       input format (default: detected); one of ${traceFormats().join(', ')}
  --skip-bad          skip and count bad rows instead of stopping at the first
  --block-size N      tokens per hash id when the format's default is wrong
  --tokenizer NAME    count text in traces (ShareGPT, LMCache, AIPerf messages) with a real
                      tokenizer (llama3, llama3_1, qwen3, deepseek_v3, o200k, cl100k) instead of
                      estimating 4 characters per token
  --progress          show a progress bar on stderr even when it is not a terminal
  --json              print machine-readable JSON on stdout`;

export const READ_OPTIONS = {
  format: { type: 'string' },
  'skip-bad': { type: 'boolean' },
  'block-size': { type: 'string' },
  tokenizer: { type: 'string' },
  progress: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export type Values = Record<string, string | boolean | undefined>;

/** Parses a command's arguments: exactly one FILE plus the given options. */
export function parseCommand(args: string[], options: ParseArgsConfig['options']): { file?: string; values: Values } {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values = parsed.values as Values;
  if (values.help) return { values };
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one trace FILE, got ${parsed.positionals.length}`);
  return { file: parsed.positionals[0], values };
}

export function numberFlag(values: Values, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what}, got ${JSON.stringify(v)}`);
  return n;
}

export interface OpenTrace {
  src: FileSource;
  stream: RecordStream;
  progress: Progress;
}

/** Opens FILE as a record stream with the reading flags; the tokenizer is loaded only when asked for. */
export async function openTrace(file: string, values: Values, extra: { keepRaw?: boolean } = {}): Promise<OpenTrace> {
  const src = fileSource(file);
  let countTokens: ((text: string) => number) | undefined;
  if (typeof values.tokenizer === 'string') {
    const { loadTokenizer } = await import('../../tokenizers/packages');
    countTokens = loadTokenizer(values.tokenizer).countTokens;
  }
  const stream = readRecords(src, firstText(file), {
    format: typeof values.format === 'string' ? values.format : 'auto',
    skipBad: values['skip-bad'] === true,
    blockSize: numberFlag(values, 'block-size', (n) => Number.isInteger(n) && n > 0, 'a positive whole number'),
    keepRaw: extra.keepRaw,
    countTokens,
  });
  const progress = new Progress(src, values.progress === true || process.stderr.isTTY === true);
  return { src, stream, progress };
}

/** Writes lines to a file or stdout in large writes; a closed pipe (| head) ends quietly. */
export class LineOutput {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  lines = 0;

  constructor(path: string | undefined) {
    this.fd = path && path !== '-' ? openSync(path, 'w') : 1;
  }

  write(lines: readonly string[]): void {
    for (const l of lines) {
      this.buf.push(l);
      this.size += l.length + 1;
      this.lines++;
    }
    if (this.size > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.buf.length === 0) return;
    writeAll(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== 1) closeSync(this.fd);
  }
}

function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text);
  for (let off = 0; off < data.length; ) {
    try {
      off += writeSync(fd, data, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue; // a non-blocking stdout pipe that is full: retry
      throw e;
    }
  }
}

/** Runs a command body, mapping errors to messages and exit codes. */
export async function guard(body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`trace: ${e.message} (see --help)\n`);
      return EXIT_USAGE;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') return EXIT_OK;
    if (e instanceof TraceError || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      process.stderr.write(`trace: ${(e as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof Error && /^unknown (trace format|tokenizer)/.test(e.message)) {
      process.stderr.write(`trace: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

/** Notes for stderr about what reading dropped or skipped. */
export function readingNotes(stream: RecordStream): string[] {
  const { ctx } = stream;
  const notes: string[] = [];
  if (ctx.skippedCount > 0) {
    notes.push(`skipped ${ctx.skippedCount} bad row(s) (--skip-bad); first: ${ctx.skipped[0].message}`);
  }
  for (const [reason, n] of Object.entries(ctx.dropped)) notes.push(`left out ${n} row(s): ${reason}`);
  return notes;
}
