// The definitions cross-check against `vllm bench serve`: from the per-request timings it saved
// (--save-detailed), our formulas (src/metrics/formulas.ts: ttftMs, itlGapsMs, tpotMs, e2eMs
// and summarize's numpy-style percentiles) must give the statistics it reported itself, within
// rounding. A difference means one of us defines a metric differently. Pure.

import { e2eMs, itlGapsMs, summarize, tpotMs, ttftMs, type Stats } from '../../../src/metrics/formulas';
import { vllmOk, type VllmResult } from './peer-outputs';

/** Our metric name -> vLLM's key in its result (mean_<key>_ms, p99_<key>_ms). */
const METRICS = { ttft: 'ttft', tpot: 'tpot', itl: 'itl', e2e: 'e2el' } as const;
type Metric = keyof typeof METRICS;

/** Our statistics -> vLLM's key prefix. */
const STATS: ReadonlyArray<[keyof Stats, string]> = [
  ['mean', 'mean'], ['p50', 'median'], ['std', 'std'],
  ['p25', 'p25'], ['p50', 'p50'], ['p75', 'p75'], ['p90', 'p90'], ['p95', 'p95'], ['p99', 'p99'], ['p999', 'p99.9'],
];

export interface CrossCheckRow {
  metric: Metric;
  /** vLLM's key, e.g. p99_itl_ms. */
  key: string;
  ours: number;
  theirs: number;
  ok: boolean;
}

/** Samples of each metric from vLLM's records, through our formulas (ms). */
export function ourSamples(r: VllmResult): Record<Metric, number[]> {
  const out: Record<Metric, number[]> = { ttft: [], tpot: [], itl: [], e2e: [] };
  for (let i = 0; i < r.ttfts.length; i++) {
    if (!vllmOk(r, i)) continue;
    // Its chunk arrival times, rebuilt from ttft and the gaps, on one clock in ms from the send.
    const chunkMs = [r.ttfts[i] * 1000];
    for (const gap of r.itls[i]) chunkMs.push(chunkMs[chunkMs.length - 1] + gap * 1000);
    const times = { sendMs: 0, tokenChunkMs: chunkMs, endMs: r.latencies[i] * 1000 };
    const ttft = ttftMs(times)!;
    const e2e = e2eMs(times);
    out.ttft.push(ttft);
    out.e2e.push(e2e);
    out.itl.push(...itlGapsMs(chunkMs));
    const tpot = tpotMs(e2e, ttft, r.output_lens[i]);
    if (tpot !== undefined) out.tpot.push(tpot);
  }
  return out;
}

/**
 * Every statistic vLLM reported for TTFT, TPOT, ITL and E2E beside ours from its records.
 * `tolerance`: relative, plus 1e-6 ms absolute (float sums in another order).
 */
export function crossCheckVllm(r: VllmResult, tolerance = 1e-6): CrossCheckRow[] {
  const samples = ourSamples(r);
  const rows: CrossCheckRow[] = [];
  for (const [metric, vkey] of Object.entries(METRICS) as Array<[Metric, string]>) {
    const s = summarize(samples[metric]);
    for (const [stat, prefix] of STATS) {
      const key = `${prefix}_${vkey}_ms`;
      const theirs = r[key];
      if (typeof theirs !== 'number') continue;
      const ours = s[stat];
      rows.push({ metric, key, ours, theirs, ok: Math.abs(ours - theirs) <= 1e-6 + tolerance * Math.abs(theirs) });
    }
  }
  return rows;
}

/** One line per check for the bench log; the failures first. */
export function renderCrossCheck(rows: readonly CrossCheckRow[]): string {
  const bad = rows.filter((x) => !x.ok);
  const head = bad.length
    ? `vLLM definitions cross-check: ${bad.length} of ${rows.length} statistics DIFFER`
    : `vLLM definitions cross-check: all ${rows.length} statistics equal (TTFT, TPOT, ITL, E2E from its --save-detailed records through src/metrics/formulas.ts)`;
  const lines = [...bad, ...rows.filter((x) => x.ok)].map((x) => `  ${x.ok ? 'ok  ' : 'DIFF'} ${x.key.padEnd(16)} ours ${x.ours.toFixed(4)}  vLLM ${x.theirs.toFixed(4)}`);
  return [head, ...lines].join('\n');
}
