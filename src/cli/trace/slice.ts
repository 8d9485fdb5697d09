// trace slice FILE: a smaller trace -- a time window, the first N sessions, or a seeded sample.

import { FORMATS } from '../../trace/formats';
import type { TurnRecord } from '../../trace/records';
import { SessionSelector, type SliceSpec } from '../../trace/slice';
import { isOutputFormat, makeWriter, OUTPUT_FORMATS } from '../../trace/writers';
import { pipe } from './convert';
import { EXIT_OK, LineOutput, numberFlag, openTrace, parseCommand, READ_OPTIONS, READ_OPTIONS_HELP, readingNotes, UsageError } from './cli-common';

export const SLICE_HELP = `Usage: llm-replay trace slice FILE (--from-ms MS --to-ms MS | --first N | --sample FRACTION [--seed S]) [-o OUT]

Keeps whole sessions (one request each in Mooncake, Azure, BurstGPT, GuideLLM): those starting
in [--from-ms, --to-ms) of trace time, the first N, or each with probability FRACTION (the same
ones for the same --seed). The criteria combine. Line-based formats keep their own format, the
kept lines copied verbatim (CSV keeps its header); others are written as canonical JSONL.

Options:
  --from-ms MS, --to-ms MS   time window (trace time, before any speed-up)
  --first N                  the first N sessions
  --sample FRACTION          keep this fraction (0..1) of sessions
  --seed S                   seed for --sample (default 0)
  --to FORMAT                write ${OUTPUT_FORMATS.join('|')} instead of the input's own format
  -o, --output OUT           output file (default stdout)
${READ_OPTIONS_HELP}
Exit codes: 0 ok, 1 bad input, 2 usage.
`;

const OPTIONS = {
  ...READ_OPTIONS,
  'from-ms': { type: 'string' },
  'to-ms': { type: 'string' },
  first: { type: 'string' },
  sample: { type: 'string' },
  seed: { type: 'string' },
  to: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

function sliceSpec(values: Record<string, string | boolean | undefined>): SliceSpec {
  const spec: SliceSpec = {
    fromMs: numberFlag(values, 'from-ms', () => true, 'a time in ms'),
    toMs: numberFlag(values, 'to-ms', () => true, 'a time in ms'),
    first: numberFlag(values, 'first', (n) => Number.isInteger(n) && n >= 0, 'a whole number'),
    sample: numberFlag(values, 'sample', (n) => n >= 0 && n <= 1, 'a fraction between 0 and 1'),
    seed: numberFlag(values, 'seed', (n) => Number.isInteger(n), 'a whole number'),
  };
  if (spec.fromMs === undefined && spec.toMs === undefined && spec.first === undefined && spec.sample === undefined) {
    throw new UsageError('say what to keep: --from-ms/--to-ms, --first or --sample');
  }
  if (spec.seed !== undefined && spec.sample === undefined) throw new UsageError('--seed goes with --sample');
  return spec;
}

function* selected(records: Iterable<TurnRecord>, sel: SessionSelector): Generator<TurnRecord> {
  for (const r of records) {
    if (sel.keep(r)) yield r;
    else if (sel.done) return;
  }
}

export async function runSlice(args: string[]): Promise<number> {
  const { file, values } = parseCommand(args, OPTIONS);
  if (!file) {
    process.stdout.write(SLICE_HELP);
    return EXIT_OK;
  }
  const spec = sliceSpec(values);
  const to = values.to;
  if (to !== undefined && (typeof to !== 'string' || !isOutputFormat(to))) throw new UsageError(`--to must be one of ${OUTPUT_FORMATS.join(', ')}`);
  const output = new LineOutput(typeof values.output === 'string' ? values.output : undefined);
  const sel = new SessionSelector(spec);
  const verbatim = to === undefined && FORMATS[(await peekFormat(file, values))].lineBased;
  const t = await openTrace(file, values, { keepRaw: verbatim });
  if (!verbatim) {
    pipe(t, selected(t.stream.records, sel), makeWriter((to as 'canonical' | 'aiperf' | 'mooncake' | undefined) ?? 'canonical'), output);
    return EXIT_OK;
  }
  let n = 0;
  let header = false;
  for (const r of selected(t.stream.records, sel)) {
    if (!header && t.stream.ctx.header !== undefined) output.write([t.stream.ctx.header]);
    header = true;
    if (r.raw !== undefined) output.write([r.raw]);
    t.progress.tick(++n);
  }
  if (!header && t.stream.ctx.header !== undefined) output.write([t.stream.ctx.header]);
  output.close();
  t.progress.done(n);
  for (const note of readingNotes(t.stream)) process.stderr.write(`trace: ${note}\n`);
  return EXIT_OK;
}

async function peekFormat(file: string, values: Record<string, string | boolean | undefined>) {
  const { firstText } = await import('../../storage/file-source');
  const { resolveFormat } = await import('../../trace/read');
  return resolveFormat(firstText(file), file, typeof values.format === 'string' ? values.format : 'auto').format;
}
