// Figures split by endpoint, for runs that mix APIs (a trace whose rows name their endpoint:
// generation beside embeddings and rerank). Each request adds to counters tagged with its
// endpoint; the summary reads them back per endpoint (k6 submetrics name{endpoint:x}).

import type { RequestOutcome } from '../openai/outcome';
import type { MetricSink } from './sink';

/** Counters tagged endpoint=<api>. */
export const ENDPOINT_COUNTERS = {
  succeeded: 'llm_endpoint_succeeded',
  failed: 'llm_endpoint_failed',
  promptTokens: 'llm_endpoint_prompt_tokens',
  outputTokens: 'llm_endpoint_output_tokens',
  /** Inputs answered (embeddings returned, documents scored; 1 per generation request). */
  inputs: 'llm_endpoint_inputs',
  /** Sum of the successful requests' E2E (ms): with `succeeded`, the mean latency. */
  e2eMs: 'llm_endpoint_e2e_ms',
} as const;

export interface EndpointFigures {
  succeeded: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  /** Mean inputs per successful request (embeddings/rerank batch size; 1 for generation). */
  meanBatch: number;
  meanE2eMs: number;
  requestsPerS: number;
  inputTokensPerS: number;
  outputTokensPerS: number;
}

export function recordEndpoint(sink: MetricSink, endpoint: string, o: RequestOutcome): void {
  const tags = { endpoint };
  if (!o.ok) {
    sink.counter(ENDPOINT_COUNTERS.failed, 1, tags);
    return;
  }
  sink.counter(ENDPOINT_COUNTERS.succeeded, 1, tags);
  sink.counter(ENDPOINT_COUNTERS.promptTokens, o.promptTokens ?? 0, tags);
  sink.counter(ENDPOINT_COUNTERS.outputTokens, o.outputTokens, tags);
  sink.counter(ENDPOINT_COUNTERS.inputs, o.batchSize ?? 1, tags);
  sink.counter(ENDPOINT_COUNTERS.e2eMs, o.e2eMs, tags);
}

/** Per endpoint, from the counters (`byTag(name)` = the counter's value per endpoint). */
export function endpointFigures(byTag: (name: string) => Record<string, number>, durationS: number): Record<string, EndpointFigures> {
  const c = Object.fromEntries(Object.entries(ENDPOINT_COUNTERS).map(([k, name]) => [k, byTag(name)])) as Record<keyof typeof ENDPOINT_COUNTERS, Record<string, number>>;
  const out: Record<string, EndpointFigures> = {};
  const names = new Set([...Object.keys(c.succeeded), ...Object.keys(c.failed)]);
  const rate = (n: number) => (durationS > 0 ? n / durationS : 0);
  for (const e of [...names].sort()) {
    const ok = c.succeeded[e] ?? 0;
    const input = c.promptTokens[e] ?? 0;
    const output = c.outputTokens[e] ?? 0;
    out[e] = {
      succeeded: ok, failed: c.failed[e] ?? 0, inputTokens: input, outputTokens: output,
      meanBatch: ok > 0 ? (c.inputs[e] ?? 0) / ok : 0, meanE2eMs: ok > 0 ? (c.e2eMs[e] ?? 0) / ok : 0,
      requestsPerS: rate(ok), inputTokensPerS: rate(input), outputTokensPerS: rate(output),
    };
  }
  return out;
}

/** The table block "By endpoint", when a run used more than one. */
export function renderEndpointBlock(by: Record<string, EndpointFigures> | undefined, width: number): string[] {
  if (!by || Object.keys(by).length < 2) return [];
  const rows: string[] = [];
  const pad = Math.max(0, width - ' By endpoint '.length);
  rows.push('-'.repeat(Math.floor(pad / 2)) + ' By endpoint ' + '-'.repeat(pad - Math.floor(pad / 2)));
  const line = (l: string, v: string) => `${l.padEnd(width - 16)}${v.padStart(16)}`;
  for (const [e, f] of Object.entries(by)) {
    rows.push(line(`${e}: ok / failed`, `${f.succeeded} / ${f.failed}`));
    rows.push(line(`${e}: input / output tokens`, `${f.inputTokens} / ${f.outputTokens}`));
    rows.push(line(`${e}: mean E2E (ms), batch`, `${f.meanE2eMs.toFixed(2)}, ${f.meanBatch.toFixed(2)}`));
  }
  return rows;
}
