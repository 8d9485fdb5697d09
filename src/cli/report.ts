// `llm-replay report`: tools over result files (the --summary-json a replay writes).
//   report table RESULT.json          print a result's Serving Benchmark Result table
//   report merge A.json B.json ...    one result for the instances of a segmented run
//   report html RESULTS / report compare A B: src/report (their own flags and --help)
//   report merge s3://bucket/run/     ... of every *.json the instances wrote under a prefix (or a folder)

import { mergeResults, MergeError } from '../metrics/merge';
import { renderTable, type ReplayResult } from '../metrics/summary';
import { mergeInfo, renderMergeInfo, type InstanceExtras } from '../metrics/merge-info';
import { parseFlags, renderHelp, UsageError, type FlagSpec } from './flags';
import { EXIT } from '../engine/exit-codes';
import { readTextFrom, resultFiles, writeJsonTo } from '../storage/store';
import { S3Error } from '../storage/s3';

const FLAGS: FlagSpec[] = [
  { flag: 'out', name: 'OUT', value: 'FILE', help: 'merge: write the merged result JSON to FILE' },
  { flag: 'json', kind: 'bool', help: 'print the result as JSON instead of the table' },
  { flag: 'allow-incomplete', kind: 'bool', help: 'merge: exit 0 even when a segment is missing (the result is still marked incomplete)' },
];

const USAGE = `usage: llm-replay report table RESULT.json [--json]
       llm-replay report merge RESULT.json...|DIR/|s3://BUCKET/PREFIX/ [--out FILE|S3_URL] [--json]
       llm-replay report html RESULTS [-o report.html] [--format html|svg]   (--help: its flags)
       llm-replay report compare A B                                        (--help: its flags)

  table   print the summary table of a result file (or s3:// object)
  merge   combine the result files of the instances of one run (same --run-id, one
          --segment each) into one result: counters add up, percentiles come from the
          merged histograms (within 0.5%). A folder or an s3:// prefix (ending in /) stands
          for every *.json in it. The result says how many instances and which segments
          it merged (merge.instances, merge.segments); a missing segment (an instance killed
          or lost) is named in merge.missing, the result is written marked
          merge.complete=false and the exit code is 1 (--allow-incomplete: 0); overlapping
          segments are an error
  html    the HTML report (charts and tables) of a campaign or a run, or its charts as SVG
  compare two runs or campaigns side by side: each figure's difference and whether it is
          beyond run-to-run noise (bootstrap interval from the per-request records)

exit codes: 0 ok, 1 bad input (the message names the file) or a segment missing, 2 usage`;

class InputError extends Error {}

async function readResult(file: string): Promise<ReplayResult & InstanceExtras> {
  try {
    return JSON.parse(await readTextFrom(file)) as ReplayResult & InstanceExtras;
  } catch (e) {
    if (e instanceof S3Error) throw e;
    throw new InputError(`${file}: cannot read a result: ${(e as Error).message}`);
  }
}

const SUBCOMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  html: async () => (await import('./report-html')).reportHtmlCommand,
  compare: async () => (await import('./report-compare')).reportCompareCommand,
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
    if (command === 'table') {
      const result = await readResult(files[0]);
      process.stdout.write(flags.options.JSON === 'true' ? JSON.stringify(result, null, 2) + '\n' : renderTable(result));
      return EXIT.ok;
    }
    const names = await resultFiles(files);
    if (names.length === 0) throw new InputError(`no *.json result in ${files.join(' ')}: did the instances write their --summary-json there?`);
    const inputs = await Promise.all(names.map(readResult));
    const info = mergeInfo(inputs, names);
    const result = { ...mergeResults(inputs, names), merge: { ...info, files: names } };
    if (flags.options.OUT) await writeJsonTo(flags.options.OUT, result);
    process.stdout.write(flags.options.JSON === 'true' ? JSON.stringify(result, null, 2) + '\n' : renderTable(result) + renderMergeInfo(info));
    if (!info.complete) process.stderr.write(`llm-replay report merge: segment(s) ${info.missing.join(', ')} missing: the merged result is incomplete${flags.options.ALLOW_INCOMPLETE === 'true' ? '' : ' (exit 1; --allow-incomplete for 0)'}\n`);
    return info.complete || flags.options.ALLOW_INCOMPLETE === 'true' ? EXIT.ok : EXIT.startFailed;
  } catch (e) {
    if (e instanceof InputError || e instanceof MergeError || e instanceof S3Error) {
      process.stderr.write(`${e.message}\n`);
      return EXIT.startFailed;
    }
    throw e;
  }
}
