// Service-level objectives and goodput (docs/campaigns.md). An objective is METRIC:STAT<=VALUE
// (ttft:p99<=2000). A request "meets the SLOs" when it succeeded and each of its own values
// (TTFT, TPOT, mean ITL, E2E) is within every threshold; goodput is those requests per second of
// the run, as DistServe and `vllm bench serve --goodput` count it. The objective's STAT is the
// run-level check (p99 of TTFT <= 2000 ms), reported beside the per-request attainment. Pure.

import { percentile } from './formulas';
import { addValues, emptyHistogram, histogramPercentile, type LogHistogram } from './histogram';

export type SloMetric = 'ttft' | 'tpot' | 'itl' | 'e2e';

export interface SloObjective {
  metric: SloMetric;
  /** "p50".."p99.99" or "mean". */
  stat: string;
  op: '<=';
  /** Milliseconds. */
  threshold: number;
}

export interface SloObjectiveResult extends SloObjective {
  /** That stat of that metric over the measured requests (null when none had the value). */
  value: number | null;
  met: boolean;
}

/** The summary JSON's "slo" block (team contract). */
export interface SloBlock {
  objectives: SloObjectiveResult[];
  requestsMet: number;
  requestsTotal: number;
  attainment: number;
  goodputRps: number;
}

/** The per-request values an objective reads (a RequestRecord has them all). */
export interface SloRequest {
  ok: boolean;
  ttftMs?: number;
  tpotMs?: number;
  itlMeanMs?: number;
  e2eMs: number;
}

const FIELD: Record<SloMetric, keyof SloRequest> = { ttft: 'ttftMs', tpot: 'tpotMs', itl: 'itlMeanMs', e2e: 'e2eMs' };

export class SloSyntaxError extends Error {}

const SYNTAX = /^\s*(ttft|tpot|itl|e2e)\s*:\s*(mean|p\d{1,2}(?:\.\d{1,2})?)\s*<=\s*([0-9]+(?:\.[0-9]+)?)\s*(ms)?\s*$/i;

/** Parses "ttft:p99<=2000"; throws SloSyntaxError saying what is wrong and what it takes. */
export function parseSlo(text: string): SloObjective {
  const m = SYNTAX.exec(text);
  if (!m) {
    throw new SloSyntaxError(`"${text}" is not an SLO: write METRIC:STAT<=MS with METRIC ttft, tpot, itl or e2e and STAT p50..p99.99 or mean, e.g. ttft:p99<=2000`);
  }
  const stat = m[2].toLowerCase();
  if (stat !== 'mean') {
    const p = Number(stat.slice(1));
    if (!(p > 0 && p < 100)) throw new SloSyntaxError(`"${text}": the percentile must be between p1 and p99.99`);
  }
  return { metric: m[1].toLowerCase() as SloMetric, stat, op: '<=', threshold: Number(m[3]) };
}

/** The objective as the user writes it. */
export function formatSlo(o: SloObjective): string {
  return `${o.metric}:${o.stat}<=${o.threshold}`;
}

/** Whether one request meets every objective; a value the request lacks (TPOT of one token) meets it. */
export function meetsSlos(r: SloRequest, objectives: readonly SloObjective[]): boolean {
  if (!r.ok) return false;
  for (const o of objectives) {
    const v = r[FIELD[o.metric]] as number | undefined;
    if (v !== undefined && v > o.threshold) return false;
  }
  return true;
}

/** A stat ("p99.9", "mean") of sorted values; null for no values. */
export function statOf(sorted: ArrayLike<number>, stat: string): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (stat === 'mean') {
    let s = 0;
    for (let i = 0; i < n; i++) s += sorted[i];
    return s / n;
  }
  return percentile(Array.from(sorted), Number(stat.slice(1)));
}

/** Values an SLO column keeps exactly (8 MB) before it folds them into a log histogram. */
export const SLO_EXACT_VALUES = 1_000_000;

/**
 * One metric's values of the successful requests: exact (8 bytes a request, not an object) up to
 * `exactLimit`, then a log histogram (within 0.5% of the true percentile, mean exact), so a day
 * of load does not grow with the count of finished requests.
 */
export class SloColumn {
  private data: Float64Array | undefined = new Float64Array(1024);
  private length = 0;
  private hist: LogHistogram | undefined;

  constructor(private readonly exactLimit = SLO_EXACT_VALUES) {}

  /** Values held one by one (at most exactLimit). */
  get exactValues(): number {
    return this.length;
  }

  push(v: number): void {
    if (this.hist) return addValues(this.hist, [v]);
    if (this.length === this.exactLimit) {
      this.hist = emptyHistogram();
      addValues(this.hist, Array.from(this.data!.subarray(0, this.length)));
      this.data = undefined;
      this.length = 0;
      return addValues(this.hist, [v]);
    }
    if (this.length === this.data!.length) {
      const bigger = new Float64Array(Math.min(this.data!.length * 2, this.exactLimit));
      bigger.set(this.data!);
      this.data = bigger;
    }
    this.data![this.length++] = v;
  }

  /** A stat ("p99.9", "mean"); null for no values. */
  stat(stat: string): number | null {
    const h = this.hist;
    if (!h) return statOf(this.data!.slice(0, this.length).sort(), stat);
    if (h.count === 0) return null;
    return stat === 'mean' ? h.sum / h.count : histogramPercentile(h, Number(stat.slice(1)));
  }
}

/**
 * Counts the requests of one run against the objectives as they finish: sloOk for each record,
 * then the summary block. Values of successful requests feed the run-level stats.
 */
export class SloTracker {
  private met = 0;
  private total = 0;
  private readonly columns = new Map<SloMetric, SloColumn>();

  constructor(readonly objectives: readonly SloObjective[], exactLimit = SLO_EXACT_VALUES) {
    for (const o of objectives) if (!this.columns.has(o.metric)) this.columns.set(o.metric, new SloColumn(exactLimit));
  }

  /** Counts one finished request; returns whether it met every objective (its record's sloOk). */
  add(r: SloRequest): boolean {
    this.total++;
    if (r.ok) {
      for (const [metric, col] of this.columns) {
        const v = r[FIELD[metric]] as number | undefined;
        if (v !== undefined) col.push(v);
      }
    }
    const ok = meetsSlos(r, this.objectives);
    if (ok) this.met++;
    return ok;
  }

  /** The summary's block; `durationS` is the run's benchmark duration. */
  block(durationS: number): SloBlock {
    const objectives = this.objectives.map((o) => {
      const value = this.columns.get(o.metric)!.stat(o.stat);
      return { ...o, value, met: value === null || value <= o.threshold };
    });
    return {
      objectives,
      requestsMet: this.met,
      requestsTotal: this.total,
      attainment: this.total > 0 ? this.met / this.total : 0,
      goodputRps: durationS > 0 ? this.met / durationS : 0,
    };
  }
}

/** The lines the end-of-run table gets: attainment, goodput, each objective. */
export function renderSloLines(b: SloBlock, width = 50): string {
  const line = (label: string, value: string) => `${label.padEnd(width - 10)}${value.padStart(10)}`;
  const title = ' SLOs ';
  const pad = width - title.length;
  const rows = [
    '-'.repeat(Math.floor(pad / 2)) + title + '-'.repeat(pad - Math.floor(pad / 2)),
    line('SLO attainment (requests meeting all):', `${(b.attainment * 100).toFixed(2)}%`),
    line('Requests meeting all SLOs / measured:', `${b.requestsMet}/${b.requestsTotal}`),
    line('Goodput (req/s):', b.goodputRps.toFixed(2)),
    ...b.objectives.map((o) => line(`${formatSlo(o)} (${o.stat} ${o.value === null ? 'n/a' : o.value.toFixed(1)}):`, o.met ? 'met' : 'MISSED')),
    '='.repeat(width),
  ];
  return rows.join('\n') + '\n';
}
