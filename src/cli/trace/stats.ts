// trace stats FILE: what a trace asks of a server, before GPU hours are spent on it.

import type { Stats } from '../../metrics/formulas';
import { TraceStats, type TraceStatsResult } from '../../trace/stats/trace-stats';
import { DEFAULT_LATENCY } from '../../trace/stats/timeline';
import { EXIT_OK, numberFlag, openTrace, parseCommand, READ_OPTIONS, READ_OPTIONS_HELP, readingNotes } from './cli-common';

export const STATS_HELP = `Usage: llm-replay trace stats FILE [options]

Requests, sessions, duration, arrival rate over time, input/output length percentiles, a peak
concurrency estimate and the prefix reuse the trace allows. Streams the file (bounded memory).

Options:
  --cache-blocks N    also model an LRU prefix cache of N blocks (hit rate next to the infinite cache)
  --windows N         rows in the arrival-rate table (default 24)
  --ttft-ms MS, --prefill-ms-per-token MS, --tpot-ms MS
                      latency model for requests without a recorded server time, used for the
                      concurrency estimate and closed-loop send times (default ${DEFAULT_LATENCY.ttftMs}, ${DEFAULT_LATENCY.prefillMsPerToken}, ${DEFAULT_LATENCY.tpotMs})
${READ_OPTIONS_HELP}
Exit codes: 0 ok, 1 bad input, 2 usage.
`;

const OPTIONS = {
  ...READ_OPTIONS,
  'cache-blocks': { type: 'string' },
  windows: { type: 'string' },
  'ttft-ms': { type: 'string' },
  'prefill-ms-per-token': { type: 'string' },
  'tpot-ms': { type: 'string' },
} as const;

export async function runStats(args: string[]): Promise<number> {
  const { file, values } = parseCommand(args, OPTIONS);
  if (!file) {
    process.stdout.write(STATS_HELP);
    return EXIT_OK;
  }
  const nonNeg = (n: number) => n >= 0;
  const stats = new TraceStats({
    cacheBlocks: numberFlag(values, 'cache-blocks', (n) => Number.isInteger(n) && n >= 0, 'a whole number of blocks'),
    rateWindows: numberFlag(values, 'windows', (n) => Number.isInteger(n) && n > 0, 'a positive whole number'),
    blockSize: numberFlag(values, 'block-size', (n) => Number.isInteger(n) && n > 0, 'a positive whole number'),
    latency: {
      ttftMs: numberFlag(values, 'ttft-ms', nonNeg, 'a time in ms') ?? DEFAULT_LATENCY.ttftMs,
      prefillMsPerToken: numberFlag(values, 'prefill-ms-per-token', nonNeg, 'a time in ms') ?? DEFAULT_LATENCY.prefillMsPerToken,
      tpotMs: numberFlag(values, 'tpot-ms', nonNeg, 'a time in ms') ?? DEFAULT_LATENCY.tpotMs,
    },
  });
  const { stream, progress } = await openTrace(file, values);
  let n = 0;
  for (const r of stream.records) {
    stats.add(r, stream.ctx.blockSize);
    progress.tick(++n);
  }
  progress.done(n);
  const result = stats.result();
  const report = {
    file,
    format: stream.format,
    detectedBy: stream.detection.reason,
    skippedRows: stream.ctx.skippedCount,
    skipped: stream.ctx.skipped.slice(0, 10),
    droppedRows: stream.ctx.dropped,
    ...result,
  };
  if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(renderStats(file, stream.format, stream.detection.reason, result));
  for (const note of readingNotes(stream)) process.stderr.write(`trace: ${note}\n`);
  return EXIT_OK;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');

function distRow(name: string, s: Stats): string {
  const cells = [s.mean, s.min, s.p25, s.p50, s.p75, s.p90, s.p95, s.p99, s.p999, s.max].map((v) => fmt(v).padStart(9));
  return `  ${name.padEnd(6)}${cells.join('')}\n`;
}

function bar(value: number, max: number, width = 40): string {
  return '#'.repeat(max > 0 ? Math.round((value / max) * width) : 0);
}

export function renderStats(file: string, format: string, reason: string, r: TraceStatsResult): string {
  let out = `${file}: ${format} (${reason})\n\n`;
  out += `  requests              ${fmt(r.requests)}\n`;
  out += `  sessions              ${fmt(r.sessions)}${r.subagentSessions ? ` (${fmt(r.subagentSessions)} sub-agents)` : ''}\n`;
  out += `  duration              ${fmt(r.durationS, 1)} s  (arrivals ${fmt(r.firstArrivalMs / 1000, 3)} s .. ${fmt(r.lastArrivalMs / 1000, 3)} s)\n`;
  out += `  mean arrival rate     ${fmt(r.meanRatePerS, 2)} requests/s\n`;
  if (r.estimatedStartRequests) out += `  estimated send times  ${fmt(r.estimatedStartRequests)} closed-loop requests (previous end + recorded wait)\n`;
  if (r.estimatedTokenRequests) out += `  estimated lengths     ${fmt(r.estimatedTokenRequests)} requests counted from text (use --tokenizer for exact counts)\n`;
  if (!r.arrivalsInFileOrder) out += '  note                  requests are not in time order in the file; the cache model follows file order\n';
  out += `\n  tokens     mean      min      p25      p50      p75      p90      p95      p99    p99.9      max\n`;
  out += distRow('input', r.isl);
  out += distRow('output', r.osl);
  const pc = r.peakConcurrency;
  out += `\n  peak concurrency      ~${fmt(pc.estimate)} requests in flight (latency: recorded, else ${pc.latency.ttftMs} ms + ${pc.latency.prefillMsPerToken} ms/input token + ${pc.latency.tpotMs} ms/output token; ${fmt(pc.resolutionMs)} ms resolution)\n`;
  if (r.prefixReuse) {
    const p = r.prefixReuse;
    out += `\n  prefix reuse          ${fmt(p.requestsWithBlocks)} requests with ${p.blockSize}-token blocks, ${fmt(p.distinctBlocks)} distinct blocks\n`;
    out += `    infinite cache      ${pct(p.infiniteHitRate)} of input tokens hit\n`;
    if (p.lru) out += `    LRU ${fmt(p.lru.capacityBlocks)} blocks${' '.repeat(Math.max(1, 11 - fmt(p.lru.capacityBlocks).length))}${pct(p.lru.hitRate)} of input tokens hit (${fmt(p.lru.capacityBlocks * p.blockSize)} tokens of KV)\n`;
  } else {
    out += '\n  prefix reuse          n/a (the trace has no prefix-block ids)\n';
  }
  const w = r.rate.windows;
  if (w.length > 0) {
    const max = Math.max(...w.map((x) => x.perSecond));
    out += `\n  arrival rate (requests/s per ${fmt(r.rate.windowS, r.rate.windowS < 10 ? 1 : 0)} s window)\n`;
    for (const x of w) out += `  ${fmt(x.startS, 0).padStart(10)} s ${fmt(x.perSecond, 2).padStart(10)} ${bar(x.perSecond, max)}\n`;
  }
  return out;
}
