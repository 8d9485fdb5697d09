// `report compare A B`: the figures of two runs (or of the matching points of two campaigns)
// side by side, the difference B - A of each, and whether it is beyond run-to-run noise by a
// bootstrap interval on the per-request records (src/report/bootstrap.ts). With summaries only,
// the differences are shown and the noise is said to be unknown.

import type { Stats } from '../metrics/formulas';
import { percentile } from '../metrics/formulas';
import { bootstrapPercentileDiffs, bootstrapSumDiff, type BootstrapOptions, type DiffInterval } from './bootstrap';
import { readSummary, measuredPoints, ReportInputError, type PointRef, type ReportSource, type RunSummary } from './inputs';
import { LATENCY_METRICS, readRunSamples, type LatencyMetric, type Reservoir, type RunSamples } from './samples';

export interface CompareOptions extends BootstrapOptions {
  /** Percentiles compared (0..100). */
  percentiles: number[];
  /** Most per-request values kept per figure and run (reservoir). */
  maxSamples: number;
}

export type Verdict = 'within noise' | 'beyond noise' | 'noise unknown';

export interface FigureRow {
  figure: string;
  a: number;
  b: number;
  diff: number;
  /** (B - A) / A. */
  change: number;
  interval?: { lo: number; hi: number };
  verdict: Verdict;
}

export interface PointComparison {
  a: string;
  b: string;
  /** Both runs have per-request records: the intervals are bootstrapped. */
  noiseJudged: boolean;
  note?: string;
  rows: FigureRow[];
}

export interface Comparison {
  pairs: PointComparison[];
  onlyInA: string[];
  onlyInB: string[];
}

const LATENCY_LABELS: Record<LatencyMetric, string> = { ttft: 'TTFT', tpot: 'TPOT', itl: 'ITL', e2e: 'E2E' };

function pLabel(p: number): string {
  return `p${String(p)}`;
}

/** A summary Stats key for a percentile, when the summary keeps it. */
function summaryStat(s: Stats | null | undefined, p: number): number {
  if (!s) return NaN;
  const key = p === 99.9 ? 'p999' : (`p${p}` as keyof Stats);
  const v = s[key];
  return typeof v === 'number' ? v : NaN;
}

function row(figure: string, a: number, b: number, iv?: DiffInterval): FigureRow {
  const diff = iv?.diff ?? b - a;
  return {
    figure, a, b, diff,
    change: a !== 0 && Number.isFinite(a) ? diff / Math.abs(a) : NaN,
    interval: iv ? { lo: iv.lo, hi: iv.hi } : undefined,
    verdict: !iv || !Number.isFinite(iv.lo) || (iv.degenerate && diff !== 0) ? 'noise unknown' : iv.beyondNoise ? 'beyond noise' : 'within noise',
  };
}

/** Run-level totals: per-request sums scaled per second (or per request) of each run. */
function countRows(sa: RunSummary, sb: RunSummary, ra: RunSamples | undefined, rb: RunSamples | undefined, o: CompareOptions): FigureRow[] {
  const perS = (s: RunSummary) => (s.durationS > 0 ? 1 / s.durationS : 0);
  const sum = (r: Reservoir, scale: number) => ({ v: r.values(), scale: scale * r.scale() });
  const judged = (fa: Reservoir, fb: Reservoir, scaleA: number, scaleB: number) => {
    const x = sum(fa, scaleA);
    const y = sum(fb, scaleB);
    return bootstrapSumDiff(x.v, y.v, x.scale, y.scale, o);
  };
  const rows: FigureRow[] = [];
  const both = ra && rb;
  rows.push(row('output tok/s', sa.throughput.outputTokensPerS, sb.throughput.outputTokensPerS,
    both ? judged(ra.counts.outputTokens, rb.counts.outputTokens, perS(sa), perS(sb)) : undefined));
  rows.push(row('requests/s (ok)', sa.throughput.requestsPerS, sb.throughput.requestsPerS,
    both ? judged(ra.counts.ok, rb.counts.ok, perS(sa), perS(sb)) : undefined));
  const errRate = (s: RunSummary) => (s.requests.sent > 0 ? (100 * s.requests.failed) / s.requests.sent : NaN);
  rows.push(row('error rate (%)', errRate(sa), errRate(sb),
    both ? judged(ra.counts.failed, rb.counts.failed, 100 / Math.max(1, ra.requests), 100 / Math.max(1, rb.requests)) : undefined));
  if (sa.slo && sb.slo) {
    rows.push(row('goodput (req/s)', sa.slo.goodputRps, sb.slo.goodputRps,
      both && ra.hasSlo && rb.hasSlo ? judged(ra.counts.sloOk, rb.counts.sloOk, perS(sa), perS(sb)) : undefined));
    rows.push(row('SLO attainment (%)', 100 * sa.slo.attainment, 100 * sb.slo.attainment));
  }
  return rows;
}

function latencyRows(sa: RunSummary, sb: RunSummary, ra: RunSamples | undefined, rb: RunSamples | undefined, o: CompareOptions): FigureRow[] {
  const rows: FigureRow[] = [];
  for (const m of LATENCY_METRICS) {
    // Records keep each request's mean ITL; a summary's ITL is every token gap.
    const name = m === 'itl' ? (ra && rb ? 'ITL (req. mean)' : 'ITL') : LATENCY_LABELS[m];
    if (ra && rb) {
      const a = ra.latency[m];
      const b = rb.latency[m];
      if (a.values().length === 0 || b.values().length === 0) continue;
      const means = bootstrapSumDiff(a.values(), b.values(), 1 / a.values().length, 1 / b.values().length, o);
      rows.push(row(`${name} mean (ms)`, mean(a.values()), mean(b.values()), means));
      const sortedA = a.sorted();
      const sortedB = b.sorted();
      const ivs = bootstrapPercentileDiffs(sortedA, sortedB, o.percentiles, o);
      o.percentiles.forEach((p, j) => rows.push(row(`${name} ${pLabel(p)} (ms)`, pct(sortedA, p), pct(sortedB, p), ivs[j])));
    } else {
      const la = sa.latencyMs[m];
      const lb = sb.latencyMs[m];
      if (!la || !lb) continue;
      rows.push(row(`${name} mean (ms)`, la.mean, lb.mean));
      for (const p of o.percentiles) rows.push(row(`${name} ${pLabel(p)} (ms)`, summaryStat(la, p), summaryStat(lb, p)));
    }
  }
  return rows;
}

function mean(x: Float64Array): number {
  return x.reduce((s, v) => s + v, 0) / x.length;
}

function pct(sorted: Float64Array, p: number): number {
  return percentile(sorted as unknown as number[], p);
}

/**
 * A campaign point that did not run to its end (interrupted: "incomplete") has a summary of the
 * requests measured until then: fewer requests, often a different load over time. The figures are
 * still compared, with this said beside them.
 */
export function statusNote(a: PointRef, b: PointRef): string | undefined {
  const partial = ([['A', a], ['B', b]] as const).filter(([, p]) => p.status !== 'done')
    .map(([side, p]) => `${side} ${p.id} is ${p.status}: ${p.error ?? 'it covers only what was measured before it stopped'}`);
  return partial.length ? partial.join('; ') : undefined;
}

export function comparePoints(a: PointRef, b: PointRef, o: CompareOptions): PointComparison {
  const sa = readSummary(a.summaryPath!);
  const sb = readSummary(b.summaryPath!);
  const judged = a.requestsPath !== undefined && b.requestsPath !== undefined;
  const ra = judged ? readRunSamples(a.requestsPath!, o.maxSamples, o.seed) : undefined;
  const rb = judged ? readRunSamples(b.requestsPath!, o.maxSamples, o.seed + 1) : undefined;
  const missing = [a, b].filter((p) => !p.requestsPath).map((p) => p.id);
  const notes = [
    statusNote(a, b),
    judged ? undefined : `noise cannot be judged: no per-request records (requests.jsonl) for ${missing.join(' and ')}; the differences come from the summaries`,
  ].filter((n) => n !== undefined);
  return {
    a: a.id,
    b: b.id,
    noiseJudged: judged,
    note: notes.length ? notes.join('; ') : undefined,
    rows: [...countRows(sa, sb, ra, rb, o), ...latencyRows(sa, sb, ra, rb, o)],
  };
}

function matchKey(p: PointRef): string {
  return JSON.stringify([Object.entries(p.labels).sort(), p.load?.kind, p.load?.value]);
}

/** Pairs the points of A and B: runs pair as they are; campaign points by id, then by labels and load. */
export function matchPoints(a: ReportSource, b: ReportSource): { pairs: Array<[PointRef, PointRef]>; onlyInA: string[]; onlyInB: string[] } {
  if (a.kind !== b.kind) {
    throw new ReportInputError(`${a.path} is a ${a.kind} and ${b.path} a ${b.kind}: compare two runs or two campaigns (a campaign point's directory, points/<id>, is a run)`);
  }
  const pa = measuredPoints(a);
  const pb = measuredPoints(b);
  if (a.kind === 'run') return { pairs: [[pa[0], pb[0]]], onlyInA: [], onlyInB: [] };
  const pairs: Array<[PointRef, PointRef]> = [];
  const restB = new Map(pb.map((p) => [p.id, p]));
  const restA: PointRef[] = [];
  for (const p of pa) {
    const q = restB.get(p.id);
    if (q) {
      pairs.push([p, q]);
      restB.delete(p.id);
    } else restA.push(p);
  }
  const byLabels = new Map([...restB.values()].map((p) => [matchKey(p), p]));
  const onlyInA: string[] = [];
  for (const p of restA) {
    const q = byLabels.get(matchKey(p));
    if (q && restB.has(q.id)) {
      pairs.push([p, q]);
      restB.delete(q.id);
    } else onlyInA.push(p.id);
  }
  return { pairs, onlyInA, onlyInB: [...restB.keys()] };
}

export function compareSources(a: ReportSource, b: ReportSource, o: CompareOptions, progress?: (done: number, total: number, id: string) => void): Comparison {
  const m = matchPoints(a, b);
  const pairs = m.pairs.map(([x, y], i) => {
    const c = comparePoints(x, y, o);
    progress?.(i + 1, m.pairs.length, x.id);
    return c;
  });
  return { pairs, onlyInA: m.onlyInA, onlyInB: m.onlyInB };
}
