// The CI gate of `report compare --fail-on 'ttft.p99:+10%'`: a gate fails when B is worse than A
// by more than the stated amount AND the difference is beyond run-to-run noise (the bootstrap
// verdict of src/report/compare.ts). Pure: parsing a gate, judging it on a comparison's rows.

import type { FigureRow, PointComparison } from './compare';

/** How the amount is measured: relative to A, in percentage points, or in the figure's own unit. */
export type GateUnit = '%' | 'pp' | 'abs';

export interface Gate {
  /** As the user wrote it, for the table. */
  text: string;
  /** The gate's figure key, e.g. ttft.p99. */
  key: string;
  /** +1: higher is worse (latency, errors); -1: lower is worse (throughput). */
  worse: 1 | -1;
  amount: number;
  unit: GateUnit;
}

export class GateError extends Error {}

const LATENCY: Record<string, string> = { ttft: 'TTFT', tpot: 'TPOT', itl: 'ITL', e2e: 'E2E' };
/** Figures that are not latencies: the row's label and the direction that is worse by default. */
const OTHERS: Record<string, { figure: string; worse: 1 | -1 }> = {
  'errors.rate': { figure: 'error rate (%)', worse: 1 },
  'throughput.output': { figure: 'output tok/s', worse: -1 },
  'throughput.requests': { figure: 'requests/s (ok)', worse: -1 },
  goodput: { figure: 'goodput (req/s)', worse: -1 },
  'slo.attainment': { figure: 'SLO attainment (%)', worse: -1 },
};

/** Gate keys for --help and error messages. */
export const GATE_KEYS = `ttft|tpot|itl|e2e .mean|.p50|.p90|.p99|.p99.9 (percentiles as --percentiles), ${Object.keys(OTHERS).join(', ')}`;

function figureMatches(key: string, figure: string): boolean {
  const other = OTHERS[key];
  if (other) return other.figure === figure;
  const [metric, ...rest] = key.split('.');
  const stat = rest.join('.');
  const label = LATENCY[metric];
  if (!label || !stat) return false;
  // ITL is 'ITL (req. mean)' when the records give it, 'ITL' from summaries.
  const prefix = new RegExp(`^${label}( \\(req\\. mean\\))? `);
  return prefix.test(figure) && figure.replace(prefix, '') === `${stat} (ms)`;
}

/** Parses 'ttft.p99:+10%', 'errors.rate:+0.5pp', 'throughput.output:-5%', 'e2e.mean:+200' (ms). */
export function parseGate(text: string): Gate {
  const m = /^\s*([a-z][a-z0-9.]*)\s*:\s*([+-]?)(\d+(?:\.\d+)?)\s*(%|pp)?\s*$/i.exec(text);
  if (!m) throw new GateError(`--fail-on '${text}': write FIGURE:+AMOUNT[%|pp], e.g. 'ttft.p99:+10%', 'errors.rate:+0.5pp', 'throughput.output:-5%'`);
  const key = m[1].toLowerCase();
  const [metric, ...rest] = key.split('.');
  const known = OTHERS[key] ?? (LATENCY[metric] && /^(mean|p\d+(\.\d+)?)$/.test(rest.join('.')) ? { worse: 1 as const } : undefined);
  if (!known) throw new GateError(`--fail-on '${text}': unknown figure "${m[1]}"; use ${GATE_KEYS}`);
  const worse = m[2] === '-' ? -1 : m[2] === '+' ? 1 : known.worse;
  const unit: GateUnit = m[4] === '%' ? '%' : m[4]?.toLowerCase() === 'pp' ? 'pp' : 'abs';
  if (unit === 'pp' && !key.endsWith('.rate') && key !== 'slo.attainment') {
    throw new GateError(`--fail-on '${text}': pp (percentage points) is for rates (errors.rate, slo.attainment); use % for ${m[1]}`);
  }
  return { text: text.trim(), key, worse, amount: Number(m[3]), unit };
}

export type GateStatus = 'held' | 'failed' | 'missing';

export interface GateResult {
  gate: string;
  point: string;
  status: GateStatus;
  /** The worsening in the gate's unit (positive = worse); NaN when it cannot be computed. */
  worsening: number;
  verdict?: FigureRow['verdict'];
  row?: FigureRow;
  why: string;
}

/** How much worse B is than A, in the gate's unit (positive = worse). */
export function worsening(g: Gate, r: FigureRow): number {
  const d = g.worse * r.diff;
  if (g.unit === '%') return Number.isFinite(r.change) ? 100 * g.worse * r.change : d > 0 ? Infinity : 0;
  return d;
}

function unitText(g: Gate): string {
  return g.unit === 'abs' ? '' : g.unit;
}

/**
 * Judges one gate on one point pair. Noise unknown (no per-request records, or a figure no
 * resample moves) with the amount exceeded fails too: a gate that cannot tell a regression from
 * noise must not let one through unseen.
 */
export function judgeGate(g: Gate, p: PointComparison): GateResult {
  const point = p.a === p.b ? p.a : `${p.a} vs ${p.b}`;
  const row = p.rows.find((r) => figureMatches(g.key, r.figure));
  if (!row) return { gate: g.text, point, status: 'missing', worsening: NaN, why: `no figure ${g.key} in this comparison (see --percentiles)` };
  const w = worsening(g, row);
  const over = w > g.amount;
  const size = `${Number.isFinite(w) ? Math.abs(w).toFixed(2) : 'inf'}${unitText(g)}`;
  const amount = `${w < 0 ? `${size} better` : `+${size} worse`} (limit ${g.amount}${unitText(g)})`;
  if (!over) return { gate: g.text, point, status: 'held', worsening: w, verdict: row.verdict, row, why: `${amount}` };
  if (row.verdict === 'within noise') return { gate: g.text, point, status: 'held', worsening: w, verdict: row.verdict, row, why: `${amount}, but within noise` };
  const noise = row.verdict === 'beyond noise' ? 'beyond noise' : 'noise unknown (no per-request records to judge it)';
  return { gate: g.text, point, status: 'failed', worsening: w, verdict: row.verdict, row, why: `${amount}, ${noise}` };
}

/** Every gate on every point pair (a pair without the figure: status missing). */
export function judgeGates(gates: readonly Gate[], pairs: readonly PointComparison[]): GateResult[] {
  const out: GateResult[] = [];
  for (const g of gates) for (const p of pairs) out.push(judgeGate(g, p));
  return out;
}

export function gatesPassed(results: readonly GateResult[]): boolean {
  return results.every((r) => r.status !== 'failed');
}

/** The table of gates: which held and which failed, and why. */
export function renderGates(results: readonly GateResult[]): string {
  if (results.length === 0) return '';
  const lines = ['gates (--fail-on): fail when B is worse than A by more than the amount AND beyond noise'];
  const w = Math.max(...results.map((r) => r.gate.length), 4) + 2;
  const pw = Math.max(...results.map((r) => r.point.length), 5) + 2;
  lines.push(`  ${'gate'.padEnd(w)}${'point'.padEnd(pw)}${'status'.padEnd(9)}why`);
  for (const r of results) lines.push(`  ${r.gate.padEnd(w)}${r.point.padEnd(pw)}${(r.status === 'failed' ? 'FAILED' : r.status).padEnd(9)}${r.why}`);
  const failed = results.filter((r) => r.status === 'failed').length;
  lines.push(failed ? `=> ${failed} gate(s) failed: exit 99` : `=> all ${results.length} gate check(s) held`);
  return lines.join('\n') + '\n';
}
