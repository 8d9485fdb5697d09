// make bench: start-up of the command-line tool, the built bundle (dist/, what users install)
// beside the sources run through tsx (bin/llm-replay-dev.mjs, what contributors run):
//   1. `llm-replay --help` and `llm-replay replay --help`: wall time of the whole process;
//   2. process start -> first request sent, for a 20-request trace against the simulator
//      (the spawn time taken here against the first record's sendUnixMs).
// Medians over --runs starts each, after one warm-up start (the page cache filled).
//
//   npx tsx scripts/bench/startup.ts [--runs N] [--only bundle|dev]

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, spawnSim } from '../../src/sim/spawn';
import { percentile } from '../../src/metrics/formulas';
import { FiguresTable } from './table';

const { values } = parseArgs({ options: { runs: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean' } } });
if (values.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 9).join('\n') + '\n');
  process.exit(0);
}
const runs = Number(values.runs ?? 7);
const BUNDLE = join(REPO_ROOT, 'dist/app/llm-replay.js');
const DEV = join(REPO_ROOT, 'bin/llm-replay-dev.mjs');
const launchers: Array<[string, string]> = [];
if (values.only !== 'dev') {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run make build first`);
  launchers.push(['bundle (dist/app/llm-replay.js)', BUNDLE]);
}
if (values.only !== 'bundle') launchers.push(['sources through tsx (bin/llm-replay-dev.mjs)', DEV]);

/** Runs `node argv`; resolves with the wall ms from just before spawn to exit, and the spawn's Unix ms. */
function timed(argv: string[]): Promise<{ wallMs: number; spawnUnixMs: number; output: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const spawnUnixMs = performance.timeOrigin + performance.now();
    const t0 = performance.now();
    const p = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ wallMs: performance.now() - t0, spawnUnixMs, output, code }));
  });
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const f = (v: number) => v.toFixed(0);

async function series(argv: string[], measure: (r: Awaited<ReturnType<typeof timed>>) => number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const r = await timed(argv);
    if (r.code !== 0) throw new Error(`node ${argv.join(' ')} exited ${r.code}:\n${r.output.slice(-2000)}`);
    if (i > 0) out.push(measure(r));
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
const trace = join(dir, 'small.jsonl');
writeFileSync(trace, Array.from({ length: 20 }, (_, i) => JSON.stringify({ timestamp: i * 10, input_length: 64, output_length: 4, hash_ids: [i] })).join('\n') + '\n');

const table = new FiguresTable();
const sim = await spawnSim(['--preset', 'fast', '--time-scale', '0.01', '--quiet']);
try {
  for (const [label, bin] of launchers) {
    table.section(`${label}: median (min-max) of ${runs} starts`);
    for (const args of [['--help'], ['replay', '--help']]) {
      const w = await series([bin, ...args], (r) => r.wallMs);
      const goal = args.length === 1 ? '<= 150' : undefined;
      table.row(`llm-replay ${args.join(' ')} wall ms`, `${f(median(w))} (${f(Math.min(...w))}-${f(Math.max(...w))})`, goal, goal ? median(w) <= 150 : undefined);
    }
    const records = join(dir, 'records.jsonl');
    const first = await series([bin, 'replay', '--trace', trace, '--base-url', sim.url, '--out', `jsonl=${records}`, '--no-scrape', '--quiet'], (r) => {
      const sends = readFileSync(records, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { sendUnixMs: number }).sendUnixMs);
      return Math.min(...sends) - r.spawnUnixMs;
    });
    table.row('process start -> first send ms (20-request trace)', `${f(median(first))} (${f(Math.min(...first))}-${f(Math.max(...first))})`, '<= 300', median(first) <= 300);
  }
} finally {
  await sim.stop();
}
console.log(table.render());
