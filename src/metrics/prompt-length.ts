// Prompt length error: prompt tokens the server counted (usage.prompt_tokens) minus the input
// length the trace recorded, per request, and its summary block. Only requests whose response
// carried usage are counted: a count we made up ourselves would prove nothing.

import type { MetricSink } from './sink';
import type { K6SummaryData } from './summary';

export const PROMPT_LENGTH_METRICS = {
  /** Trend (plain number, may be negative): server prompt tokens - recorded input tokens. */
  error: 'llm_prompt_length_error',
  /** Counter: requests whose prompt the server counted at exactly the recorded length. */
  exact: 'llm_prompt_length_exact',
} as const;

export function recordPromptLength(sink: MetricSink, recorded: number, server: number): void {
  sink.trend(PROMPT_LENGTH_METRICS.error, server - recorded);
  if (server === recorded) sink.counter(PROMPT_LENGTH_METRICS.exact, 1);
}

export interface PromptLengthError {
  /** Requests with a server-side prompt count (usage). */
  count: number;
  exact: number;
  min: number | null;
  max: number | null;
  mean: number | null;
}

export function promptLengthError(d: K6SummaryData): PromptLengthError {
  const v = d.metrics[PROMPT_LENGTH_METRICS.error]?.values;
  const count = v?.count ?? 0;
  const exact = d.metrics[PROMPT_LENGTH_METRICS.exact]?.values.count ?? 0;
  if (!v || count === 0) return { count: 0, exact, min: null, max: null, mean: null };
  return { count, exact, min: v.min, max: v.max, mean: v.avg };
}

/** The table rows: what was checked, or why nothing was. */
export function renderPromptLengthError(e: PromptLengthError, width = 50): string {
  const line = (label: string, value: string) => `${label.padEnd(width - 10)}${value.padStart(10)}`;
  const title = ' Prompt length error (server - recorded) ';
  const pad = Math.max(0, width - title.length);
  const rows = ['-'.repeat(Math.floor(pad / 2)) + title + '-'.repeat(pad - Math.floor(pad / 2))];
  if (e.count === 0) {
    rows.push(line('Requests checked:', '0'), '(the server reported no usage.prompt_tokens: run with --no-stream to check)');
  } else {
    rows.push(line('Requests checked:', String(e.count)), line('Exact matches:', String(e.exact)),
      line('Min / max (tokens):', `${e.min} / ${e.max}`), line('Mean (tokens):', (e.mean ?? 0).toFixed(2)));
  }
  return rows.join('\n') + '\n';
}
