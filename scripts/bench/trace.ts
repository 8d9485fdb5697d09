// Bench: `trace stats` streams a big trace in bounded memory. Generates a Mooncake file of the
// wanted size (1 GB by default, 100 MB with --quick) in the temp folder, runs the CLI on it and
// prints wall time, throughput and peak RSS (from /usr/bin/time -v).
// Usage: npx tsx scripts/bench/trace.ts [--quick] [--bytes N]

import { spawnSync } from 'node:child_process';
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBigMooncake } from './big-trace';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '../..');

function main(): void {
  const args = process.argv.slice(2);
  const bytesArg = args.indexOf('--bytes');
  const bytes = bytesArg >= 0 ? Number(args[bytesArg + 1]) : args.includes('--quick') ? 100e6 : 1e9;
  const file = join(tmpdir(), `k6-llm-replay-trace-bench-${bytes}.jsonl`);
  if (!existsSync(file) || statSync(file).size < bytes) {
    process.stdout.write(`writing ${(bytes / 1e6).toFixed(0)} MB Mooncake trace to ${file} ...\n`);
    writeBigMooncake(file, bytes);
  }
  const size = statSync(file).size;
  const cli = [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/trace/main.ts'), 'stats', file, '--json', '--cache-blocks', '100000'];
  const timed = existsSync('/usr/bin/time');
  const started = Date.now();
  const r = spawnSync(timed ? '/usr/bin/time' : cli[0], timed ? ['-v', ...cli] : cli.slice(1), { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const secs = (Date.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`trace stats failed (${r.status}): ${r.stderr}`);
  const stats = JSON.parse(r.stdout) as { requests: number };
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  process.stdout.write(
    `trace stats on ${(size / 1e6).toFixed(0)} MB (${stats.requests.toLocaleString('en-US')} requests): ` +
      `${secs.toFixed(1)} s, ${(size / 1e6 / secs).toFixed(0)} MB/s, peak RSS ${rss ? `${(Number(rss[1]) / 1024).toFixed(0)} MB` : 'n/a (no /usr/bin/time)'}\n`,
  );
  if (args.includes('--clean')) unlinkSync(file);
}

main();
