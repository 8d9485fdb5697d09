// Cost of a run from the price of the serving hardware (--cost-per-hour USD): the run's cost
// is price x duration, split between prompt (prefill) and generation (decode) by the time the
// engine spent on each — vLLM's request_prefill_time / request_decode_time sums, read from its
// /metrics at the start and end of the run — or, where the engine does not export them, by the
// client's own measure (sum of TTFT vs sum of E2E - TTFT). Gives $ per million input and
// output tokens, per request and per session. Pure.

export interface CostSplit {
  /** Where the prefill/decode split comes from. */
  source: 'engine' | 'client' | 'none';
  prefillS: number;
  decodeS: number;
}

export interface CostBlock {
  costPerHourUsd: number;
  durationS: number;
  totalUsd: number;
  split: CostSplit;
  /** Share of the cost put on prompt processing, 0..1. */
  prefillShare: number;
  perMillionInputTokensUsd: number | null;
  perMillionOutputTokensUsd: number | null;
  /** All the cost over all tokens (no split needed). */
  perMillionTokensUsd: number | null;
  perRequestUsd: number | null;
  perSessionUsd: number | null;
}

export interface CostInputs {
  costPerHourUsd: number;
  durationS: number;
  inputTokens: number;
  outputTokens: number;
  requests: number;
  sessions?: number;
  split: CostSplit;
}

function per(x: number, n: number, scale = 1): number | null {
  return n > 0 ? (x / n) * scale : null;
}

export function costOf(i: CostInputs): CostBlock {
  const totalUsd = (i.costPerHourUsd * i.durationS) / 3600;
  const busy = i.split.prefillS + i.split.decodeS;
  const prefillShare = busy > 0 ? i.split.prefillS / busy : 0.5;
  return {
    costPerHourUsd: i.costPerHourUsd,
    durationS: i.durationS,
    totalUsd,
    split: i.split,
    prefillShare,
    perMillionInputTokensUsd: per(totalUsd * prefillShare, i.inputTokens, 1e6),
    perMillionOutputTokensUsd: per(totalUsd * (1 - prefillShare), i.outputTokens, 1e6),
    perMillionTokensUsd: per(totalUsd, i.inputTokens + i.outputTokens, 1e6),
    perRequestUsd: per(totalUsd, i.requests),
    perSessionUsd: i.sessions === undefined ? null : per(totalUsd, i.sessions),
  };
}

/** The split from the client's histograms: prefill ~ sum of TTFT, decode ~ sum of (E2E - TTFT). */
export function clientSplit(ttftSumMs: number | undefined, e2eSumMs: number | undefined): CostSplit {
  if (!ttftSumMs || !e2eSumMs || e2eSumMs <= ttftSumMs) return { source: 'none', prefillS: 0, decodeS: 0 };
  return { source: 'client', prefillS: ttftSumMs / 1000, decodeS: (e2eSumMs - ttftSumMs) / 1000 };
}

/** The engine's prefill and decode time (seconds, summed over requests) in a /metrics text. */
export function engineTimes(metricsText: string): { prefillS: number; decodeS: number } | null {
  let prefill = NaN;
  let decode = NaN;
  for (const line of metricsText.split('\n')) {
    const m = /^vllm:request_(prefill|decode)_time_seconds_sum(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[2]);
    if (m[1] === 'prefill') prefill = (Number.isNaN(prefill) ? 0 : prefill) + v;
    else decode = (Number.isNaN(decode) ? 0 : decode) + v;
  }
  return Number.isFinite(prefill) && Number.isFinite(decode) ? { prefillS: prefill, decodeS: decode } : null;
}

/** The engine's split over the run: the increase of its time sums between two reads. */
export function engineSplit(before: { prefillS: number; decodeS: number } | null, after: { prefillS: number; decodeS: number } | null): CostSplit | null {
  if (!before || !after) return null;
  const prefillS = after.prefillS - before.prefillS;
  const decodeS = after.decodeS - before.decodeS;
  // A restart between the reads (sums went down) or no work: no split from the engine.
  if (prefillS < 0 || decodeS < 0 || prefillS + decodeS <= 0) return null;
  return { source: 'engine', prefillS, decodeS };
}

function usd(x: number | null, digits = 4): string {
  return x === null ? 'n/a' : `$${x.toFixed(digits)}`;
}

/** Table rows: [label, value]. */
export function costRows(c: CostBlock): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Cost per hour (USD):', c.costPerHourUsd.toFixed(2)],
    ['Run cost (USD):', usd(c.totalUsd)],
    ['$/M input tokens:', usd(c.perMillionInputTokensUsd)],
    ['$/M output tokens:', usd(c.perMillionOutputTokensUsd)],
    ['$ per request:', usd(c.perRequestUsd, 6)],
  ];
  if (c.perSessionUsd !== null) rows.push(['$ per session:', usd(c.perSessionUsd, 6)]);
  rows.push(['Prefill/decode split from:', c.split.source === 'engine' ? 'engine' : c.split.source === 'client' ? 'client TTFT' : 'even']);
  return rows;
}
