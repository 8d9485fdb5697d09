// `llm-replay report compare A B`: the comparison as a table per point pair, or as JSON.

import { parseFlags, renderHelp, UsageError, type FlagSpec } from './flags';
import { EXIT } from '../engine/exit-codes';
import { DEFAULT_BOOTSTRAP } from '../report/bootstrap';
import { compareSources, type CompareOptions, type Comparison, type FigureRow } from '../report/compare';
import { exitOnInputError, openResults } from '../report/inputs';

const FLAGS: FlagSpec[] = [
  { flag: 'resamples', value: 'N', default: String(DEFAULT_BOOTSTRAP.resamples), help: 'bootstrap resamples per figure (100..100000)' },
  { flag: 'confidence', value: 'C', default: String(DEFAULT_BOOTSTRAP.confidence), help: 'two-sided confidence of the interval, 0.5..0.999' },
  { flag: 'seed', value: 'N', default: String(DEFAULT_BOOTSTRAP.seed), help: 'seed of the resampling (same seed, same intervals)' },
  { flag: 'percentiles', value: 'LIST', default: '50,90,99,99.9', help: 'latency percentiles compared, comma-separated' },
  { flag: 'max-samples', value: 'N', default: '100000', help: 'per-request values kept per figure and run (a seeded reservoir beyond it)' },
  { flag: 'json', kind: 'bool', help: 'print the comparison as JSON' },
  { flag: 'quiet', kind: 'bool', help: 'no progress lines on stderr' },
];

const USAGE = `usage: llm-replay report compare A B [--resamples N] [--confidence C] [--json]

A and B are two runs (a summary JSON file, or a directory with summary.json + requests.jsonl)
or two campaign directories, whose points are matched by id (then by labels and load). For each
figure (throughput, error rate, goodput, TTFT/TPOT/ITL/E2E mean and percentiles) it prints A, B,
the difference B - A and whether that is beyond run-to-run noise.

Noise: a percentile bootstrap of the difference. Each of N resamples (seeded, so reproducible)
draws as many requests as each run has, with replacement, from its per-request records (warm-up
excluded), computes the figure on both and keeps B - A; the interval is the central C of those
differences. "beyond noise" when it excludes 0. Requests are treated as independent draws: a
drift that moves a whole run (another job on the machine) is not in the interval, so repeat the
runs to see that. Rates (tok/s, req/s, goodput) divide by each run's duration, which the records
give once: their interval covers the requests only, and when no resample moves them (every
request succeeded) the noise is unknown. ITL is compared on each request's mean ITL (the records keep no single gaps).
Without per-request records on both sides, noise cannot be judged: the figures come from the
summaries and are marked "noise unknown".

exit codes: 0 ok, 1 bad input (the message names the file), 2 usage`;

function num(v: string | undefined, flag: string, dflt: number, ok: (n: number) => boolean, what: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || !ok(n)) throw new UsageError(`llm-replay report compare: --${flag} takes ${what}, not "${v}"`);
  return n;
}

export function readCompareOptions(o: Record<string, string | undefined>): CompareOptions {
  const percentiles = (o.PERCENTILES ?? '50,90,99,99.9').split(',').map((s) => Number(s.trim()));
  if (percentiles.some((p) => !(p > 0 && p < 100))) throw new UsageError(`llm-replay report compare: --percentiles takes numbers between 0 and 100 (e.g. 50,99,99.9), not "${o.PERCENTILES}"`);
  return {
    resamples: num(o.RESAMPLES, 'resamples', DEFAULT_BOOTSTRAP.resamples, (n) => Number.isInteger(n) && n >= 100 && n <= 100_000, 'an integer 100..100000'),
    confidence: num(o.CONFIDENCE, 'confidence', DEFAULT_BOOTSTRAP.confidence, (n) => n >= 0.5 && n <= 0.999, 'a fraction 0.5..0.999'),
    seed: num(o.SEED, 'seed', DEFAULT_BOOTSTRAP.seed, Number.isInteger, 'an integer'),
    percentiles,
    maxSamples: num(o.MAX_SAMPLES, 'max-samples', 100_000, (n) => Number.isInteger(n) && n >= 100, 'an integer >= 100'),
  };
}

function fmt(x: number, signed = false): string {
  if (!Number.isFinite(x)) return 'n/a';
  const digits = Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 1 ? 2 : 3;
  const s = x.toFixed(digits);
  return signed && x > 0 ? `+${s}` : s;
}

function renderRow(r: FigureRow): string {
  const change = Number.isFinite(r.change) ? `${r.change > 0 ? '+' : ''}${(100 * r.change).toFixed(1)}%` : '';
  const iv = r.interval ? `[${fmt(r.interval.lo, true)}, ${fmt(r.interval.hi, true)}]` : '';
  return `  ${r.figure.padEnd(26)}${fmt(r.a).padStart(11)}${fmt(r.b).padStart(11)}${fmt(r.diff, true).padStart(11)}${change.padStart(9)}  ${iv.padEnd(24)}${r.verdict}`;
}

export function renderComparison(c: Comparison, aPath: string, bPath: string, o: CompareOptions): string {
  const out = [`A: ${aPath}`, `B: ${bPath}`,
    `noise: ${Math.round(o.confidence * 100)}% bootstrap interval of B - A from the per-request records (${o.resamples} resamples, seed ${o.seed})`, ''];
  for (const p of c.pairs) {
    out.push(p.a === p.b ? `point ${p.a}` : `A ${p.a}  vs  B ${p.b}`);
    if (p.note) out.push(`  (${p.note})`);
    out.push(`  ${'figure'.padEnd(26)}${'A'.padStart(11)}${'B'.padStart(11)}${'B - A'.padStart(11)}${'change'.padStart(9)}  ${'interval of B - A'.padEnd(24)}verdict`);
    for (const r of p.rows) out.push(renderRow(r));
    const beyond = p.rows.filter((r) => r.verdict === 'beyond noise').map((r) => r.figure);
    out.push(p.noiseJudged ? `  => ${beyond.length} of ${p.rows.filter((r) => r.verdict !== 'noise unknown').length} figures beyond noise${beyond.length ? `: ${beyond.join(', ')}` : ''}` : '  => noise cannot be judged without per-request records', '');
  }
  if (c.onlyInA.length) out.push(`only in A (not compared): ${c.onlyInA.join(', ')}`);
  if (c.onlyInB.length) out.push(`only in B (not compared): ${c.onlyInB.join(', ')}`);
  if (c.pairs.length === 0) out.push('no point of A matches a point of B (by id, or by labels and load)');
  return out.join('\n') + '\n';
}

export async function reportCompareCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS, 'llm-replay report compare');
  if (flags.help) {
    process.stdout.write(renderHelp(USAGE, FLAGS));
    return EXIT.ok;
  }
  if (flags.positional.length !== 2) throw new UsageError('llm-replay report compare: name two results, A and B (runs or campaign directories; see --help)');
  const o = readCompareOptions(flags.options);
  const [aPath, bPath] = flags.positional;
  return exitOnInputError(() => {
    const c = compareSources(openResults(aPath), openResults(bPath), o, (i, n, id) => {
      if (flags.options.QUIET !== 'true') process.stderr.write(`compare: ${i}/${n} ${id}\n`);
    });
    process.stdout.write(flags.options.JSON === 'true' ? JSON.stringify(c, null, 2) + '\n' : renderComparison(c, aPath, bPath, o));
    return EXIT.ok;
  });
}
