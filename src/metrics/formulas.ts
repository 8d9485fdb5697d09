// Metric formulas shared by the k6 harness, the simulator's ground-truth summary and the
// report tools. Definitions follow `vllm bench serve` where one exists (see DESIGN.md
// "Metrics"): one implementation, so the harness and the ground truth can be compared
// number for number.

/** Timestamps of one streamed request, all in milliseconds on one clock. */
export interface RequestTimes {
  /** When the request was sent. */
  sendMs: number;
  /** When each chunk that carried a generated token (content, reasoning or tool call) arrived. */
  tokenChunkMs: number[];
  /** When the last byte of the response arrived. */
  endMs: number;
}

/** Request sent -> first token-carrying chunk; undefined when no token arrived. */
export function ttftMs(r: RequestTimes): number | undefined {
  return r.tokenChunkMs.length > 0 ? r.tokenChunkMs[0] - r.sendMs : undefined;
}

/**
 * Time to first output token: request sent -> first chunk carrying a non-reasoning token
 * (content, text or a tool call). Reported only for streams that carried reasoning, where it
 * differs from TTFT (the user waits for the answer, not the thinking); undefined otherwise.
 */
export function ttfoMs(sendMs: number, firstOutputMs: number | undefined, reasoningChunks: number): number | undefined {
  return reasoningChunks > 0 && firstOutputMs !== undefined ? firstOutputMs - sendMs : undefined;
}

/** Request sent -> last byte. */
export function e2eMs(r: RequestTimes): number {
  return r.endMs - r.sendMs;
}

/** Gaps between consecutive token-carrying chunks (vLLM's ITL). */
export function itlGapsMs(tokenChunkMs: readonly number[]): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < tokenChunkMs.length; i++) gaps.push(tokenChunkMs[i] - tokenChunkMs[i - 1]);
  return gaps;
}

/**
 * Time per output token excluding the first: (e2e - ttft) / (outputTokens - 1).
 * Undefined for requests with fewer than two output tokens, as in vLLM.
 */
/** Mean and max of the gaps between token chunks (undefined when there are none). */
export function gapStats(gaps: readonly number[]): { mean?: number; max?: number } {
  if (gaps.length === 0) return {};
  let sum = 0;
  let max = 0;
  for (const g of gaps) {
    sum += g;
    if (g > max) max = g;
  }
  return { mean: sum / gaps.length, max };
}

export function tpotMs(e2e: number, ttft: number | undefined, outputTokens: number): number | undefined {
  if (ttft === undefined || outputTokens < 2) return undefined;
  return (e2e - ttft) / (outputTokens - 1);
}

export interface Stats {
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

export const PERCENTILES: ReadonlyArray<[keyof Stats, number]> = [
  ['p25', 25],
  ['p50', 50],
  ['p75', 75],
  ['p90', 90],
  ['p95', 95],
  ['p99', 99],
  ['p999', 99.9],
];

/** Percentile with linear interpolation between closest ranks (numpy's default, used by vLLM). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** Mean, population standard deviation (numpy's np.std) and percentiles of a sample. */
export function summarize(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n ? sorted.reduce((s, v) => s + v, 0) / n : NaN;
  const variance = n ? sorted.reduce((s, v) => s + (v - mean) * (v - mean), 0) / n : NaN;
  const stats: Stats = {
    count: n,
    mean,
    std: Math.sqrt(variance),
    min: n ? sorted[0] : NaN,
    max: n ? sorted[n - 1] : NaN,
    p25: NaN, p50: NaN, p75: NaN, p90: NaN, p95: NaN, p99: NaN, p999: NaN,
  };
  for (const [key, p] of PERCENTILES) stats[key] = percentile(sorted, p);
  return stats;
}
