// Requests whose max_tokens was lowered so prompt + max_tokens fits the server's context
// (src/openai/context-fit.ts): counted per request, reported in the summary and the table, so a
// run that could not ask for every recorded output length says how many it shortened.

import type { MetricSink } from './sink';
import type { K6SummaryData } from './summary';

/** Counter: requests sent with max_tokens below the recorded output length. */
export const MAX_TOKENS_CAPPED = 'llm_max_tokens_capped';

export function recordCapped(sink: MetricSink): void {
  sink.counter(MAX_TOKENS_CAPPED, 1);
}

export interface ContextCap {
  /** The context length the caps were computed with (null: unknown, nothing capped). */
  maxModelLen: number | null;
  /** Requests sent with a lowered max_tokens. */
  capped: number;
}

export function contextCap(d: K6SummaryData, maxModelLen: number | undefined): ContextCap {
  return { maxModelLen: maxModelLen ?? null, capped: d.metrics[MAX_TOKENS_CAPPED]?.values.count ?? 0 };
}

/** The table line (only when something was capped). */
export function renderContextCap(c: ContextCap, width = 50): string {
  if (c.capped === 0) return '';
  const label = `Requests with max_tokens capped to ${c.maxModelLen} ctx:`;
  return `${label.padEnd(width - 10)}${String(c.capped).padStart(10)}\n`;
}
