// `llm-replay report compare A B`: the comparison as a table per point pair, or as JSON.

import { parseFlags, renderHelp, UsageError, type FlagSpec } from './flags';
import { EXIT } from '../engine/exit-codes';
import { DEFAULT_BOOTSTRAP } from '../report/bootstrap';
import { compareSources, type CompareOptions, type Comparison, type FigureRow } from '../report/compare';
import { exitOnInputError, measuredPoints, openResults, readSummary, type ReportSource } from '../report/inputs';
import { GATE_KEYS, GateError, gatesPassed, judgeGates, parseGate, renderGates, type Gate } from '../report/gate';
import { cardDifferences } from '../outputs/run-card';

const FLAGS: FlagSpec[] = [
  { flag: 'resamples', value: 'N', default: String(DEFAULT_BOOTSTRAP.resamples), help: 'bootstrap resamples per figure (100..100000)' },
  { flag: 'confidence', value: 'C', default: String(DEFAULT_BOOTSTRAP.confidence), help: 'two-sided confidence of the interval, 0.5..0.999' },
  { flag: 'seed', value: 'N', default: String(DEFAULT_BOOTSTRAP.seed), help: 'seed of the resampling (same seed, same intervals)' },
  { flag: 'percentiles', value: 'LIST', default: '50,90,99,99.9', help: 'latency percentiles compared, comma-separated' },
  { flag: 'max-samples', value: 'N', default: '100000', help: 'per-request values kept per figure and run (a seeded reservoir beyond it)' },
  { flag: 'fail-on', kind: 'list', value: "'FIGURE:+N%'", help: "CI gate: exit 99 when B is worse than A by more than N AND beyond noise, e.g. 'ttft.p99:+10%', 'errors.rate:+0.5pp', 'throughput.output:-5%' (repeatable)" },
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

Gates (--fail-on FIGURE:[+|-]AMOUNT[%|pp]): FIGURE is ${GATE_KEYS};
+ means higher is worse, - lower (the default follows the figure); % is relative to A, pp
percentage points (rates), a bare number the figure's unit (ms). A gate fails when B is worse
by more than the amount and the difference is beyond noise; with noise unknown (no per-request
records) an exceeded amount fails too. The table says which gates held. The run cards of A and
B (tool, trace, flags, server, host) are compared: any difference but the run id is a warning.

exit codes: 0 ok (every gate held), 1 bad input (the message names the file), 2 usage, 99 a gate failed`;

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
  let gates: Gate[];
  try {
    gates = (flags.lists.FAIL_ON ?? []).map(parseGate);
  } catch (e) {
    if (e instanceof GateError) throw new UsageError(`llm-replay report compare: ${e.message}`);
    throw e;
  }
  const [aPath, bPath] = flags.positional;
  return exitOnInputError(() => {
    const a = openResults(aPath);
    const b = openResults(bPath);
    const c = compareSources(a, b, o, (i, n, id) => {
      if (flags.options.QUIET !== 'true') process.stderr.write(`compare: ${i}/${n} ${id}\n`);
    });
    const cards = cardWarnings(a, b);
    for (const w of cards) process.stderr.write(`WARNING: ${w}\n`);
    const results = judgeGates(gates, c.pairs);
    const missing = gates.filter((g) => c.pairs.length > 0 && results.filter((r) => r.gate === g.text).every((r) => r.status === 'missing'));
    if (missing.length) throw new UsageError(`llm-replay report compare: --fail-on ${missing.map((g) => `'${g.text}'`).join(', ')}: no such figure in this comparison (percentiles compared: --percentiles; goodput and SLO attainment need --slo runs)`);
    if (flags.options.JSON === 'true') process.stdout.write(JSON.stringify({ ...c, gates: results.map(({ row: _row, ...r }) => r), cardDifferences: cards }, null, 2) + '\n');
    else process.stdout.write(renderComparison(c, aPath, bPath, o) + renderGates(results));
    return gatesPassed(results) ? EXIT.ok : EXIT.thresholds;
  });
}

/** Run cards that differ between paired points (anything but the run id): one warning per pair. */
function cardWarnings(a: ReportSource, b: ReportSource): string[] {
  const pa = measuredPoints(a);
  const pb = new Map(measuredPoints(b).map((p) => [p.id, p]));
  const out: string[] = [];
  pa.forEach((p, i) => {
    const q = a.kind === 'run' ? measuredPoints(b)[0] : pb.get(p.id);
    if (!q || (a.kind === 'run' && i > 0)) return;
    const ca = readSummary(p.summaryPath!).runCard;
    const cb = readSummary(q.summaryPath!).runCard;
    if (!ca || !cb) {
      if (ca || cb) out.push(`${p.id}: only ${ca ? 'A' : 'B'} has a run card: what produced the other is unknown`);
      return;
    }
    const d = cardDifferences(ca, cb);
    if (d.length) out.push(`the run cards of A ${p.id} and B ${q.id} differ in ${d.length} thing(s) besides the run id:\n  ${d.slice(0, 20).join('\n  ')}${d.length > 20 ? `\n  ... and ${d.length - 20} more` : ''}`);
  });
  return out;
}
