// `llm-replay report html RESULTS`: the HTML report (or SVG files) of a campaign or a run.
// Points are digested one after the other, each per-request file streamed once.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseFlags, renderHelp, UsageError, type FlagSpec } from './flags';
import { EXIT } from '../engine/exit-codes';
import { buildCharts } from '../report/charts';
import { digestPoint, type PointDigest } from '../report/digest';
import { renderHtml } from '../report/html';
import { exitOnInputError, measuredPoints, openResults, ReportInputError } from '../report/inputs';
import { writeSvgs } from '../report/svg';

const FLAGS: FlagSpec[] = [
  { flag: 'out', value: 'PATH', help: 'html: the report file; svg: the directory for one .svg per chart (also -o)', default: 'report.html | report-svg/' },
  { flag: 'format', value: 'html|svg', default: 'html', help: 'one self-contained HTML page, or the same charts as SVG files rendered in Node' },
  { flag: 'title', value: 'TEXT', help: 'report title (default: the campaign name or the run directory)' },
  { flag: 'bins', value: 'N', default: '120', help: 'at most N time bins per run for the time series, and ~10 requests per bin or more (fixed memory whatever the run length)' },
  { flag: 'width', value: 'PX', default: '1000', help: 'svg: chart width' },
  { flag: 'height', value: 'PX', default: '460', help: 'svg: chart height' },
  { flag: 'quiet', kind: 'bool', help: 'no progress lines on stderr' },
];

const USAGE = `usage: llm-replay report html RESULTS [-o report.html] [--format html|svg]

RESULTS is a campaign directory (with campaign.json, written by llm-replay campaign run), a run
directory (summary.json, optionally requests.jsonl and engine-metrics.jsonl) or a summary JSON
file (--summary-json). The HTML file is self-contained (ECharts inlined, nothing fetched when
opened): throughput vs p99 TTFT with the Pareto frontier, TTFT/ITL/E2E CDFs per point, request
rate, in-flight, TTFT and token throughput over each run (binned from the per-request records,
streamed), the engine's /metrics beside them when scraped, cache hit rate and goodput/SLO
attainment vs load, errors by reason, and percentile tables to p99.99. --format svg writes the
same charts as SVG files (PNG: convert the SVGs, e.g. rsvg-convert; see docs/reports.md).

exit codes: 0 ok, 1 bad input (the message names the file), 2 usage`;

function positiveInt(v: string | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`llm-replay report html: --${flag} takes a positive integer, not "${v}"`);
  return n;
}

export async function reportHtmlCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv.map((a) => (a === '-o' ? '--out' : a)), FLAGS, 'llm-replay report html');
  if (flags.help) {
    process.stdout.write(renderHelp(USAGE, FLAGS));
    return EXIT.ok;
  }
  const [results, ...extra] = flags.positional;
  if (results === undefined || extra.length) throw new UsageError('llm-replay report html: name one RESULTS directory or summary file (see --help)');
  const format = flags.options.FORMAT ?? 'html';
  if (format !== 'html' && format !== 'svg') throw new UsageError(`llm-replay report html: --format takes html or svg, not "${format}" (PNG: convert the SVGs)`);
  const maxBins = positiveInt(flags.options.BINS, 'bins', 120);
  const size = { width: positiveInt(flags.options.WIDTH, 'width', 1000), height: positiveInt(flags.options.HEIGHT, 'height', 460) };
  const quiet = flags.options.QUIET === 'true';
  const log = (s: string) => quiet || process.stderr.write(`${s}\n`);
  return exitOnInputError(() => {
    const src = openResults(results);
    const refs = measuredPoints(src);
    if (refs.length === 0) throw new ReportInputError(`${results}: no point has results yet (every point is pending or failed)`);
    const started = Date.now();
    const digests: PointDigest[] = [];
    for (const [i, ref] of refs.entries()) {
      const d = digestPoint(ref, { maxBins });
      digests.push(d);
      const warm = d.records.warmup ? ` (+${d.records.warmup} warm-up, left out)` : '';
      log(`report: point ${i + 1}/${refs.length} ${ref.id}: ${d.records.lines - d.records.warmup} records${warm}${d.engine ? `, ${d.engine.scrapes} engine scrapes` : ''}`);
    }
    const charts = buildCharts(digests);
    const title = flags.options.TITLE ?? `llm-replay report: ${src.name}`;
    if (format === 'svg') {
      const dir = flags.options.OUT ?? 'report-svg';
      const files = writeSvgs(charts, dir, size);
      log(`report: ${files.length} SVG charts in ${dir}/ (${Date.now() - started} ms)`);
    } else {
      const out = flags.options.OUT ?? 'report.html';
      const html = renderHtml(src, digests, charts, title, new Date());
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, html);
      log(`report: ${out} (${charts.length} charts, ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB, ${Date.now() - started} ms)`);
    }
    return EXIT.ok;
  });
}
