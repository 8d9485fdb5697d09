// trace convert FILE --to canonical|aiperf|mooncake: the same workload for peer tools.

import { replayCycles } from '../../trace/cycles';
import { FORMATS } from '../../trace/formats';
import type { TurnRecord } from '../../trace/records';
import { isOutputFormat, makeWriter, OUTPUT_FORMATS } from '../../trace/writers';
import type { RecordWriter } from '../../trace/writers/writer';
import { EXIT_OK, LineOutput, numberFlag, openTrace, parseCommand, READ_OPTIONS, READ_OPTIONS_HELP, readingNotes, UsageError, type OpenTrace } from './cli-common';

export const CONVERT_HELP = `Usage: llm-replay trace convert FILE --to ${OUTPUT_FORMATS.join('|')} [-o OUT] [options]

Writes the trace in another format (stdout unless -o): canonical (this project's JSONL, exact),
aiperf (aiperf profile --custom-dataset-type mooncake_trace), mooncake (timestamp ms,
512-token hash_ids). What the target cannot express is said on stderr.

Options:
  --to FORMAT         output format (required)
  -o, --output OUT    output file (default stdout)
  --speedup X         divide times and waits by X (0: no waits), like MLPerf's --trace-speedup
  --cycles N          replay the trace N times back to back, like MLPerf's --replay-cycles
                      (0 = forever, needs --max-requests)
  --max-requests N    stop after N requests
${READ_OPTIONS_HELP}
Exit codes: 0 ok, 1 bad input, 2 usage.
`;

const OPTIONS = {
  ...READ_OPTIONS,
  to: { type: 'string' },
  output: { type: 'string', short: 'o' },
  speedup: { type: 'string' },
  cycles: { type: 'string' },
  'max-requests': { type: 'string' },
} as const;

/** Streams records through a writer into OUT; returns the number of records written. */
export function pipe(t: OpenTrace, records: Iterable<TurnRecord>, writer: RecordWriter, out: LineOutput): number {
  // Begin at the first record: readers learn the block size from the file as they start.
  let begun = false;
  const begin = () => {
    if (!begun) out.write(writer.begin({ format: t.stream.format, blockSize: t.stream.ctx.blockSize, source: t.src.file }));
    begun = true;
  };
  let n = 0;
  for (const r of records) {
    begin();
    out.write(writer.write(r));
    t.progress.tick(++n);
  }
  begin();
  out.write(writer.end());
  out.close();
  t.progress.done(n);
  for (const w of writer.warnings) process.stderr.write(`trace: note: ${w}\n`);
  for (const note of readingNotes(t.stream)) process.stderr.write(`trace: ${note}\n`);
  return n;
}

export async function runConvert(args: string[]): Promise<number> {
  const { file, values } = parseCommand(args, OPTIONS);
  if (!file) {
    process.stdout.write(CONVERT_HELP);
    return EXIT_OK;
  }
  const to = values.to;
  if (typeof to !== 'string' || !isOutputFormat(to)) throw new UsageError(`--to must be one of ${OUTPUT_FORMATS.join(', ')}`);
  const speedup = numberFlag(values, 'speedup', (n) => n >= 0, 'a number >= 0');
  const cycles = numberFlag(values, 'cycles', (n) => Number.isInteger(n) && n >= 0, 'a whole number >= 0');
  const maxRequests = numberFlag(values, 'max-requests', (n) => Number.isInteger(n) && n > 0, 'a positive whole number');
  if (cycles === 0 && maxRequests === undefined) throw new UsageError('--cycles 0 (forever) needs --max-requests');
  const t = await openTrace(file, values);
  // Cycles read the file again from the start, through the same reader.
  const again = () => (t.stream.ctx.skippedCount = 0, FORMATS[t.stream.format].read(t.src, t.stream.ctx));
  let first = true;
  const records = replayCycles(() => (first ? ((first = false), t.stream.records) : again()), { speedup, cycles, maxRequests });
  pipe(t, records, makeWriter(to), new LineOutput(typeof values.output === 'string' ? values.output : undefined));
  return EXIT_OK;
}
