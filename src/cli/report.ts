// `llm-replay report`: tools over result files (the --summary-json a replay writes).
//   report table RESULT.json          print a result's Serving Benchmark Result table
//   report merge A.json B.json ...    one result for the instances of a segmented run
//   report html RESULTS / report compare A B: src/report (their own flags and --help)

import { readFileSync } from 'node:fs';
import { mergeResults, MergeError } from '../metrics/merge';
import { renderTable, type ReplayResult } from '../metrics/summary';
import { EXIT, parseFlags, renderHelp, UsageError, type FlagSpec } from './flags';
import { writeJson } from '../engine/summary';

const FLAGS: FlagSpec[] = [
  { flag: 'out', name: 'OUT', value: 'FILE', help: 'merge: write the merged result JSON to FILE' },
  { flag: 'json', kind: 'bool', help: 'print the result as JSON instead of the table' },
];

const USAGE = `usage: llm-replay report table RESULT.json [--json]
       llm-replay report merge RESULT.json... [--out FILE] [--json]
       llm-replay report html RESULTS [-o report.html] [--format html|svg]   (--help: its flags)
       llm-replay report compare A B                                        (--help: its flags)

  table   print the summary table of a result file
  merge   combine the result files of the instances of one run (same --run-id, one
          --segment each) into one result: counters add up, percentiles come from the
          merged histograms (within 0.5%); a missing or overlapping segment is an error
  html    the HTML report (charts and tables) of a campaign or a run, or its charts as SVG
  compare two runs or campaigns side by side: each figure's difference and whether it is
          beyond run-to-run noise (bootstrap interval from the per-request records)

exit codes: 0 ok, 1 bad input (the message names the file), 2 usage`;

class InputError extends Error {}

function readResult(file: string): ReplayResult {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ReplayResult;
  } catch (e) {
    throw new InputError(`${file}: cannot read a result: ${(e as Error).message}`);
  }
}

const SUBCOMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  html: async () => (await import('../report/html-command')).reportHtmlCommand,
  compare: async () => (await import('../report/compare-command')).reportCompareCommand,
};

export async function reportCommand(argv: string[]): Promise<number> {
  const sub = SUBCOMMANDS[argv[0]];
  if (sub) return (await sub())(argv.slice(1));
  const flags = parseFlags(argv, FLAGS, 'llm-replay report');
  const [command, ...files] = flags.positional;
  if (flags.help || command === undefined) {
    process.stdout.write(renderHelp(USAGE, FLAGS));
    return flags.help ? EXIT.ok : EXIT.usage;
  }
  if (command !== 'merge' && command !== 'table') throw new UsageError(`llm-replay report: unknown command "${command}" (table, merge, html or compare; see --help)`);
  if (files.length === 0) throw new UsageError(`llm-replay report ${command}: name at least one result file`);
  try {
    let result: ReplayResult;
    if (command === 'table') {
      result = readResult(files[0]);
    } else {
      result = mergeResults(files.map(readResult), files);
      if (flags.options.OUT) writeJson(flags.options.OUT, result);
    }
    process.stdout.write(flags.options.JSON === 'true' ? JSON.stringify(result, null, 2) + '\n' : renderTable(result));
    return EXIT.ok;
  } catch (e) {
    if (e instanceof InputError || e instanceof MergeError) {
      process.stderr.write(`${e.message}\n`);
      return EXIT.startFailed;
    }
    throw e;
  }
}
