// The one table of make bench-peers: a row per tool, each cell the median over the repeats,
// and words where a tool cannot give a figure (never a blank cell).

import type { RateLevel } from './figures';

export interface ReplayFigures {
  planned: number;
  /** Requests the simulator read. */
  arrived: number;
  /** Requests the tool says it sent. */
  sent?: number;
  exit: string;
  wallS: number;
  cpuS: number;
  peakMb: number;
  processes: number;
  arrival?: { p50: number; p99: number };
  truthTtft?: { p50: number; p99: number };
  reportedTtft?: { p50: number; p99: number };
  wireTtft?: { p50: number; p99: number; matched: number; of: number };
  /** Why the tool's per-request records cannot be matched with the wire, in words. */
  recordsNote?: string;
  readError?: string;
}

export interface PeerRow {
  tool: string;
  version: string;
  notRun?: string;
  replays: ReplayFigures[];
  ladders: Array<{ levels: RateLevel[]; highest: number }>;
}

type Median = (xs: readonly number[]) => number;

const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const pair = (m: Median, xs: Array<{ p50: number; p99: number } | undefined>, d = 1): string | undefined => {
  const ok = xs.filter((x): x is { p50: number; p99: number } => x !== undefined);
  return ok.length ? `${f(m(ok.map((x) => x.p50)), d)} / ${f(m(ok.map((x) => x.p99)), d)}` : undefined;
};

/** Cells of one row, in the column order of HEADER. */
export function rowCells(r: PeerRow, m: Median): string[] {
  if (r.notRun) return [r.tool, r.version, ...Array(7).fill(`not run: ${r.notRun}`)];
  const reps = r.replays;
  const arrived = m(reps.map((x) => x.arrived));
  const planned = reps[0]?.planned ?? 0;
  const told = reps.map((x) => x.sent).filter((x): x is number => x !== undefined);
  const sent = `${f(arrived, 0)}/${planned}${told.length && m(told) !== arrived ? ` (tool says ${f(m(told), 0)})` : ''}`;
  const failed = reps.find((x) => x.exit !== 'exit 0');
  const arrival = pair(m, reps.map((x) => x.arrival)) ?? 'no request reached the simulator';
  const reported = pair(m, reps.map((x) => x.reportedTtft), 0);
  const truth = pair(m, reps.map((x) => x.truthTtft), 0);
  const ttft = `${reported ?? 'none reported'} vs ${truth ?? 'n/a'}`;
  const wires = reps.map((x) => x.wireTtft);
  const wire = pair(m, wires, 2);
  const matched = wires.filter((w) => w !== undefined).map((w) => `${w!.matched}/${w!.of}`);
  const wireCell = wire ? `${wire} (${matched.join(', ')} matched)` : (reps.find((x) => x.recordsNote)?.recordsNote ?? reps.find((x) => x.readError)?.readError ?? 'no per-request records');
  const cpu = f(m(reps.map((x) => (1000 * x.cpuS) / Math.max(1, x.arrived))), 0);
  const rss = f(m(reps.map((x) => x.peakMb)), 0);
  const highs = r.ladders.map((l) => l.highest);
  // The lower middle for an even count: a rate level is held or not, never half-way.
  const sorted = [...highs].sort((a, b) => a - b);
  const held = highs.length ? `${sorted[Math.floor((sorted.length - 1) / 2)] || 'none'} (${highs.join(', ')})` : 'n/a';
  return [r.tool, r.version, sent + (failed ? ` [${failed.exit}]` : ''), arrival, ttft, wireCell, cpu, rss, held];
}

export const HEADER = ['tool', 'version', 'requests sent/planned', 'arrival error vs schedule p50 / p99 ms', 'TTFT p50 / p99 ms: reported vs ground truth', 'per-request TTFT error vs wire p50 / p99 ms', 'CPU s per 1,000 requests', 'peak RSS MB (tree PSS)', 'highest rate held req/s (per run)'];

/** A Markdown pipe table (it prints readably and pastes into docs as is). */
export function renderPeersTable(rows: readonly PeerRow[], m: Median): string {
  const lines = [HEADER, HEADER.map(() => '---'), ...rows.map((r) => rowCells(r, m))];
  return lines.map((c) => `| ${c.join(' | ')} |`).join('\n');
}
