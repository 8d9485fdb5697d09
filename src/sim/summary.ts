// The ground-truth summary: the same metrics the harness reports, computed from the
// simulator's own record with the harness's formulas (src/metrics/formulas.ts), so the two can
// be compared number for number. Streams the file line by line; keeps only the samples.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Stats, e2eMs, itlGapsMs, summarize, tpotMs, ttftMs } from '../metrics/formulas.js';
import { type GroundTruthRecord, decodeTokenTimes } from './ground-truth.js';

export interface GroundTruthSummary {
  records: number;
  completed: number;
  failed: number;
  /** Wall time from the first arrival to the last finish, seconds. */
  durationS: number;
  requestThroughput: number;
  outputThroughput: number;
  totalPromptTokens: number;
  totalCachedTokens: number;
  totalCompletionTokens: number;
  /** sum cached / sum prompt over requests that reached the engine. */
  cacheHitRate: number;
  ttftMs: Stats;
  tpotMs: Stats;
  itlMs: Stats;
  e2eMs: Stats;
  queueMs: Stats;
  /** Write lateness of token chunks versus their schedule (the simulator's own error), ms. */
  schedulingErrorMs: Stats;
  byStatus: Record<string, number>;
  byFault: Record<string, number>;
  byFinishReason: Record<string, number>;
  preemptions: number;
  /** With KV tiers: total cached tokens by the tier they came from (absent without tiers). */
  cachedTokensByTier?: Record<string, number>;
}

/** Incremental summariser: add records one by one, then `result()`. */
export class Summarizer {
  private n = 0;
  private completed = 0;
  private firstArrival = Infinity;
  private lastFinish = -Infinity;
  private prompt = 0;
  private cached = 0;
  private completion = 0;
  private enginePrompt = 0;
  private engineCached = 0;
  private preemptions = 0;
  private readonly ttft: number[] = [];
  private readonly tpot: number[] = [];
  private readonly itl: number[] = [];
  private readonly e2e: number[] = [];
  private readonly queue: number[] = [];
  private readonly late: number[] = [];
  private readonly byStatus: Record<string, number> = {};
  private readonly byFault: Record<string, number> = {};
  private readonly byFinish: Record<string, number> = {};
  private byTier: Record<string, number> | undefined;

  add(r: GroundTruthRecord): void {
    this.n++;
    this.firstArrival = Math.min(this.firstArrival, r.arrivalMs);
    this.lastFinish = Math.max(this.lastFinish, r.finishMs);
    this.byStatus[String(r.status)] = (this.byStatus[String(r.status)] ?? 0) + 1;
    if (r.fault) this.byFault[r.fault] = (this.byFault[r.fault] ?? 0) + 1;
    const fr = r.finishReason ?? 'none';
    this.byFinish[fr] = (this.byFinish[fr] ?? 0) + 1;
    this.prompt += r.promptTokens;
    this.completion += r.completionTokens;
    this.cached += r.cachedTokens;
    this.preemptions += r.preemptions ?? 0;
    if (r.cachedTokensByTier) {
      const t = (this.byTier ??= {});
      for (const [k, v] of Object.entries(r.cachedTokensByTier)) t[k] = (t[k] ?? 0) + v;
    }
    if (r.queueExitMs !== null) {
      this.enginePrompt += r.promptTokens;
      this.engineCached += r.cachedTokens;
      this.queue.push(r.queueExitMs - r.arrivalMs);
    }
    for (const l of r.lateUs ?? []) this.late.push(l / 1000);
    if (r.status !== 200 || r.finishReason !== 'length') return;
    // A completed request: the vLLM-bench metrics, as the harness computes them.
    this.completed++;
    const times = { sendMs: r.arrivalMs, tokenChunkMs: decodeTokenTimes(r), endMs: r.finishMs };
    const ttft = ttftMs(times);
    const e2e = e2eMs(times);
    if (ttft !== undefined) this.ttft.push(ttft);
    this.e2e.push(e2e);
    const tpot = tpotMs(e2e, ttft, r.completionTokens);
    if (tpot !== undefined) this.tpot.push(tpot);
    for (const g of itlGapsMs(times.tokenChunkMs)) this.itl.push(g);
  }

  result(): GroundTruthSummary {
    const durationS = this.n ? Math.max(0, this.lastFinish - this.firstArrival) / 1000 : 0;
    return {
      records: this.n,
      completed: this.completed,
      failed: this.n - this.completed,
      durationS,
      requestThroughput: durationS > 0 ? this.completed / durationS : 0,
      outputThroughput: durationS > 0 ? this.completion / durationS : 0,
      totalPromptTokens: this.prompt,
      totalCachedTokens: this.cached,
      totalCompletionTokens: this.completion,
      cacheHitRate: this.enginePrompt > 0 ? this.engineCached / this.enginePrompt : 0,
      ttftMs: summarize(this.ttft),
      tpotMs: summarize(this.tpot),
      itlMs: summarize(this.itl),
      e2eMs: summarize(this.e2e),
      queueMs: summarize(this.queue),
      schedulingErrorMs: summarize(this.late),
      byStatus: this.byStatus,
      byFault: this.byFault,
      byFinishReason: this.byFinish,
      preemptions: this.preemptions,
      ...(this.byTier && { cachedTokensByTier: this.byTier }),
    };
  }
}

/** Reads a ground-truth JSONL file; a bad line is an error naming the file and line. */
export async function summarizeFile(path: string): Promise<GroundTruthSummary> {
  const s = new Summarizer();
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === '') continue;
    let r: GroundTruthRecord;
    try {
      r = JSON.parse(text) as GroundTruthRecord;
    } catch (e) {
      throw new Error(`${path}:${line}: not JSON: ${(e as Error).message}`);
    }
    if (typeof r !== 'object' || r === null || typeof r.arrivalMs !== 'number' || typeof r.finishMs !== 'number' || !Array.isArray(r.tokenMs))
      throw new Error(`${path}:${line}: not a ground-truth record (needs arrivalMs, finishMs, tokenMs)`);
    s.add(r);
  }
  return s.result();
}

function f(v: number, d = 2): string {
  return Number.isFinite(v) ? v.toFixed(d) : 'n/a';
}

/** The vLLM "Serving Benchmark Result" style table, plus the simulator's own figures. */
export function formatSummary(s: GroundTruthSummary): string {
  const W = 50;
  const row = (k: string, v: string): string => k.padEnd(40) + v.padStart(W - 40);
  const out: string[] = [];
  out.push('='.repeat(W), ' Simulator ground truth '.padStart(37, '=').padEnd(W, '='));
  out.push(row('Requests (records):', String(s.records)));
  out.push(row('Successful requests:', String(s.completed)));
  out.push(row('Failed or incomplete requests:', String(s.failed)));
  out.push(row('Duration (s):', f(s.durationS)));
  out.push(row('Total input tokens:', String(s.totalPromptTokens)));
  out.push(row('Total cached tokens:', String(s.totalCachedTokens)));
  out.push(row('Total generated tokens:', String(s.totalCompletionTokens)));
  out.push(row('Request throughput (req/s):', f(s.requestThroughput)));
  out.push(row('Output token throughput (tok/s):', f(s.outputThroughput)));
  out.push(row('Prefix cache hit rate (%):', f(100 * s.cacheHitRate)));
  out.push(row('Preemptions:', String(s.preemptions)));
  const block = (title: string, key: string, st: Stats): void => {
    out.push(title.padStart(Math.floor((W + title.length) / 2), '-').padEnd(W, '-'));
    out.push(row(`Mean ${key} (ms):`, f(st.mean)));
    out.push(row(`Median ${key} (ms):`, f(st.p50)));
    out.push(row(`Std ${key} (ms):`, f(st.std)));
    for (const [p, v] of [['P25', st.p25], ['P75', st.p75], ['P90', st.p90], ['P99', st.p99]] as const) out.push(row(`${p} ${key} (ms):`, f(v)));
  };
  block('Time to First Token', 'TTFT', s.ttftMs);
  block('Time per Output Token (excl. 1st token)', 'TPOT', s.tpotMs);
  block('Inter-token Latency', 'ITL', s.itlMs);
  block('End-to-end Latency', 'E2EL', s.e2eMs);
  block('Queue time', 'queue', s.queueMs);
  out.push(' Simulator scheduling error '.padStart(39, '-').padEnd(W, '-'));
  const se = s.schedulingErrorMs;
  out.push(row('Token writes measured:', String(se.count)));
  out.push(row('Median lateness (ms):', f(se.p50, 3)));
  out.push(row('P99 lateness (ms):', f(se.p99, 3)));
  out.push(row('Max lateness (ms):', f(se.max, 3)));
  const tally = (title: string, m: Record<string, number>): void => {
    const keys = Object.keys(m).sort();
    if (keys.length === 0) return;
    out.push(title.padStart(Math.floor((W + title.length) / 2), '-').padEnd(W, '-'));
    for (const k of keys) out.push(row(`${k}:`, String(m[k])));
  };
  tally(' By HTTP status ', s.byStatus);
  tally(' By fault ', s.byFault);
  tally(' By finish reason ', s.byFinishReason);
  if (s.cachedTokensByTier) tally(' Cached tokens by KV tier ', s.cachedTokensByTier);
  out.push('='.repeat(W));
  return out.join('\n');
}
