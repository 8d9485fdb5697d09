// trace validate FILE: reads everything, reports every bad row (file, line, field), exit 1 if any.

import { EXIT_BAD_INPUT, EXIT_OK, openTrace, parseCommand, READ_OPTIONS, READ_OPTIONS_HELP } from './cli-common';

export const VALIDATE_HELP = `Usage: llm-replay trace validate FILE [options]

Reads the whole trace and lists every bad row with its line and field (the first 100 in full),
plus rows left out on purpose. Exit 0 when every row is good, 1 otherwise.

${READ_OPTIONS_HELP}
Exit codes: 0 valid, 1 bad input, 2 usage.
`;

export async function runValidate(args: string[]): Promise<number> {
  const { file, values } = parseCommand(args, READ_OPTIONS);
  if (!file) {
    process.stdout.write(VALIDATE_HELP);
    return EXIT_OK;
  }
  // Always collect bad rows: the point is to list them all.
  const t = await openTrace(file, { ...values, 'skip-bad': true });
  let requests = 0;
  let sessions = 0;
  for (const r of t.stream.records) {
    requests++;
    if (r.turnIndex === 0) sessions++;
    t.progress.tick(requests);
  }
  t.progress.done(requests);
  const { ctx } = t.stream;
  const ok = ctx.skippedCount === 0;
  if (values.json) {
    const report = { file, format: t.stream.format, detectedBy: t.stream.detection.reason, ok, requests, sessions, badRows: ctx.skippedCount, errors: ctx.skipped, droppedRows: ctx.dropped };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    for (const s of ctx.skipped) process.stdout.write(`${s.message}\n`);
    if (ctx.skippedCount > ctx.skipped.length) process.stdout.write(`... and ${ctx.skippedCount - ctx.skipped.length} more bad rows\n`);
    for (const [reason, n] of Object.entries(ctx.dropped)) process.stdout.write(`${file}: ${n} row(s) left out: ${reason}\n`);
    process.stdout.write(`${file}: ${t.stream.format}, ${requests} requests in ${sessions} sessions, ${ok ? 'valid' : `${ctx.skippedCount} bad row(s)`}\n`);
  }
  return ok ? EXIT_OK : EXIT_BAD_INPUT;
}
