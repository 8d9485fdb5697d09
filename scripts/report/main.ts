// report: tools over replay result files (the SUMMARY_JSON that dist/replay.js writes).
//   report merge A.json B.json ... [-o OUT.json] [--json]
// merges the results of the k6 instances of one run (execution segments) and prints the
// Serving Benchmark Result table of the whole run.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { mergeResults, MergeError } from '../../src/metrics/merge';
import { renderTable, type ReplayResult } from '../../src/metrics/summary';

const USAGE = `usage: npx tsx scripts/report/main.ts merge RESULT.json... [-o OUT.json] [--json]

  merge   combine the result files of the k6 instances of one run (same RUN_ID, one
          execution segment each) into one result, and print its summary table
  -o      write the merged result JSON to OUT.json
  --json  print the merged result as JSON instead of the table

exit codes: 0 ok, 1 bad input (the message names the file), 2 usage`;

function fail(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function main(argv: string[]): void {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string', short: 'o' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    fail(2, `${(e as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [command, ...files] = positionals;
  if (command !== 'merge' || files.length === 0) fail(2, USAGE);
  const results = files.map((f) => {
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as ReplayResult;
    } catch (e) {
      return fail(1, `${f}: cannot read a result: ${(e as Error).message}`);
    }
  });
  let merged: ReplayResult;
  try {
    merged = mergeResults(results, files);
  } catch (e) {
    if (e instanceof MergeError) fail(1, e.message);
    throw e;
  }
  if (values.out) {
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, JSON.stringify(merged, null, 2) + '\n');
  }
  process.stdout.write(values.json ? JSON.stringify(merged, null, 2) + '\n' : renderTable(merged));
}

main(process.argv.slice(2));
