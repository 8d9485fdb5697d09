// `llm-replay start`: picks the common start of a run over several instances (now + a margin)
// and writes it where the instances poll (--start-file): a file or an s3:// object. The
// Kubernetes starter Job runs it; by hand, `--start-at $(llm-replay start --in-s 30)` works too.

import { parseFlags, renderHelp, UsageError, type FlagSpec } from './flags';
import { EXIT } from '../engine/exit-codes';
import { isS3Url, putObject } from '../storage/s3';
import { writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';

const FLAGS: FlagSpec[] = [
  { flag: 'in-s', value: 'S', default: '60', help: 'the start is this many seconds from now (time for every instance to read its trace)' },
  { flag: 'write', value: 'PATH|S3_URL', help: 'write the start there (what the instances give as --start-file)' },
];

const USAGE = `usage: llm-replay start [--in-s S] [--write PATH|s3://BUCKET/KEY]

Prints the common start of a multi-instance run, Unix ms (now + --in-s), and writes it to
the start file the instances poll (replay/sessions --start-file). An instance that is ready
only after the start refuses to run (exit 1); its segment then shows as missing in
\`llm-replay report merge\`.`;

export async function startCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS, 'llm-replay start');
  if (flags.help) {
    process.stdout.write(renderHelp(USAGE, FLAGS));
    return EXIT.ok;
  }
  if (flags.positional.length) throw new UsageError(`llm-replay start: unexpected argument "${flags.positional[0]}" (see --help)`);
  const inS = Number(flags.options.IN_S ?? 60);
  if (!Number.isFinite(inS) || inS <= 0) throw new UsageError(`--in-s ${flags.options.IN_S}: must be seconds > 0`);
  const at = Math.round(Date.now() + inS * 1000);
  const target = flags.options.WRITE;
  if (target && isS3Url(target)) await putObject(target, `${at}\n`, undefined, 'text/plain');
  else if (target) {
    // Written aside, then renamed: a polling instance never reads half a number.
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(`${target}.tmp`, `${at}\n`);
    renameSync(`${target}.tmp`, target);
  }
  process.stdout.write(`${at}\n`);
  if (target) process.stderr.write(`common start ${new Date(at).toISOString()} written to ${target}\n`);
  return EXIT.ok;
}
