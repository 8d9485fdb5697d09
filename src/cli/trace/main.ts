// trace: inspect, check, convert and cut LLM request traces before replaying them.
// `runTraceCli(argv)` is `llm-replay trace ...`; the module also runs directly
// (`node --import tsx src/cli/trace/main.ts <command> FILE [options]`, or `npx llm-replay trace ...`).

import { runIfMain } from '../../runtime/entry';
import { EXIT_OK, EXIT_USAGE, guard } from './cli-common';
import { runConvert } from './convert';
import { runSlice } from './slice';
import { runStats } from './stats';
import { runValidate } from './validate';

const HELP = `Usage: llm-replay trace <command> FILE [options]

Commands:
  stats FILE       requests, sessions, arrival rate, length percentiles, concurrency, prefix reuse
  validate FILE    check every row; list bad rows with line and field
  convert FILE     write the trace as canonical, aiperf or mooncake JSONL
  slice FILE       keep a time window, the first N sessions or a sample

Every command takes --help, --json (machine-readable output), --format, --skip-bad.
Exit codes: 0 ok, 1 bad input, 2 usage.
`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  stats: runStats,
  validate: runValidate,
  convert: runConvert,
  slice: runSlice,
};

/** Runs `trace <command> ...` on `argv` (the arguments after `trace`): 0 ok, 1 bad input, 2 usage. */
export async function runTraceCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`trace: unknown command "${command}"\n\n${HELP}`);
    return EXIT_USAGE;
  }
  return guard(() => run(rest));
}

runIfMain(import.meta.url, 'trace', runTraceCli);
