// Each tool's own output read into one shape: per-request records (ToolRecord) and the TTFT
// percentiles the tool reports. Pure: takes the files' text, so unit tests feed it fixtures
// cut from real runs (test/fixtures/peers/).

import type { ToolRecord } from './figures';

export interface ToolOutput {
  records: ToolRecord[];
  /** TTFT p50 / p99 as the tool reports them in its summary, ms. */
  reportedTtft?: { p50: number; p99: number };
  /** Requests the tool says it sent (completed + failed), when it says so. */
  sent?: number;
  /** When records exist but cannot be matched with the wire, why (shown in the table). */
  recordsNote?: string;
}

function jsonLines(text: string, file: string): unknown[] {
  return text.split('\n').map((l, i) => {
    if (!l.trim()) return undefined;
    try {
      return JSON.parse(l) as unknown;
    } catch (e) {
      throw new Error(`${file}: line ${i + 1} is not JSON (${(e as Error).message})`);
    }
  }).filter((x) => x !== undefined);
}

interface AiperfMetric { value: number }
interface AiperfRecord {
  metadata: { x_request_id?: string; request_start_ns: number; benchmark_phase?: string };
  metrics: Record<string, AiperfMetric | undefined>;
  error?: unknown;
}

/**
 * AIPerf 0.13: profile_export.jsonl (one record per request: metadata.request_start_ns on the
 * wall clock, metadata.x_request_id, which it also sends as the X-Request-ID header, and
 * metrics.time_to_first_token / output_token_count in ms / tokens; `error` on failures) and
 * profile_export_aiperf.json (time_to_first_token.p50/p99). Warm-up records are left out.
 */
export function readAiperf(recordsJsonl: string, aggregateJson: string): ToolOutput {
  const records: ToolRecord[] = [];
  for (const x of jsonLines(recordsJsonl, 'profile_export.jsonl') as AiperfRecord[]) {
    if (x.metadata.benchmark_phase && x.metadata.benchmark_phase !== 'profiling') continue;
    records.push({
      id: x.metadata.x_request_id,
      startUnixMs: x.metadata.request_start_ns / 1e6,
      ttftMs: x.metrics.time_to_first_token?.value,
      outputTokens: x.metrics.output_token_count?.value ?? x.metrics.usage_completion_tokens?.value,
      ok: !x.error,
      // A request that connected counts from before connecting (http_req_connecting > 0).
      fromConnect: (x.metrics.http_req_connecting?.value ?? 0) > 0,
    });
  }
  const agg = JSON.parse(aggregateJson) as { time_to_first_token?: { p50: number; p99: number } };
  const t = agg.time_to_first_token;
  return { records, reportedTtft: t ? { p50: t.p50, p99: t.p99 } : undefined, sent: records.length };
}

interface EngineLine { id: string; sendUnixMs: number; ttftMs?: number; outputTokens?: number; connectMs: number; ok: boolean }

/** Our engine: --out jsonl records and the summary JSON (requests.sent, latencyMs.ttft). */
export function readEngine(recordsJsonl: string, summaryJson: string): ToolOutput {
  const records = (jsonLines(recordsJsonl, 'records.jsonl') as EngineLine[]).map((r) => ({ id: r.id, startUnixMs: r.sendUnixMs, ttftMs: r.ttftMs, outputTokens: r.outputTokens, ok: r.ok, fromConnect: r.connectMs > 0 }));
  const s = JSON.parse(summaryJson) as { requests: { sent: number }; latencyMs: { ttft: { p50: number; p99: number } | null } };
  const t = s.latencyMs.ttft;
  return { records, reportedTtft: t ? { p50: t.p50, p99: t.p99 } : undefined, sent: s.requests.sent };
}

interface GuidellmRequest {
  request_start_time?: number | null;
  time_to_first_token_ms?: number | null;
  output_tokens?: number | null;
  info?: { status?: string; timings?: { request_start?: number | null } };
}
interface GuidellmBenchmark {
  metrics: { time_to_first_token_ms?: { successful?: { percentiles?: Record<string, number> } } };
  requests: { successful?: GuidellmRequest[]; errored?: GuidellmRequest[]; incomplete?: GuidellmRequest[] };
}

/**
 * GuideLLM 0.8.1: benchmarks.json (`--output kind=json`), one benchmark per strategy; the
 * replay profile gives one. Per request: request_start_time (wall clock, seconds),
 * time_to_first_token_ms, output_tokens, info.status; the summary's TTFT percentiles are
 * metrics.time_to_first_token_ms.successful.percentiles. It sends no request id, so its
 * records are matched with the wire by time (figures.ts matchWire). A request it never started
 * has no start time and is left out.
 */
export function readGuidellm(benchmarksJson: string): ToolOutput {
  const doc = JSON.parse(benchmarksJson) as { benchmarks?: GuidellmBenchmark[] };
  if (!doc.benchmarks?.length) throw new Error('benchmarks.json: no benchmark in it (did the run end early?)');
  const records: ToolRecord[] = [];
  let sent = 0;
  for (const b of doc.benchmarks) {
    for (const [kind, list] of [['successful', b.requests.successful], ['errored', b.requests.errored], ['incomplete', b.requests.incomplete]] as const) {
      for (const r of list ?? []) {
        sent++;
        const start = r.request_start_time ?? r.info?.timings?.request_start;
        if (start === null || start === undefined) continue;
        records.push({ startUnixMs: start * 1000, ttftMs: r.time_to_first_token_ms ?? undefined, outputTokens: r.output_tokens ?? undefined, ok: kind === 'successful' });
      }
    }
  }
  const p = doc.benchmarks[0].metrics.time_to_first_token_ms?.successful?.percentiles;
  return { records, reportedTtft: p ? { p50: p.p50, p99: p.p99 } : undefined, sent };
}

interface InferencePerfRequest {
  start_time: number;
  error?: unknown;
  info?: { response_metrics?: { output_token_times?: number[]; server_usage?: { completion_tokens?: number } | null; output_tokens?: number } };
}
interface InferencePerfSummary {
  load_summary?: { count?: number };
  successes?: { latency?: { time_to_first_token?: { median: number; p99: number } } };
}

/**
 * inference-perf 0.7.0: per_request_lifecycle_metrics.json (report.request_lifecycle.per_request)
 * and summary_lifecycle_metrics.json. Its times are time.monotonic() seconds, not the wall
 * clock: matchWire's first pass guesses that offset from the first request. TTFT = first output
 * token time - start; output tokens from the server's usage (its own count re-tokenizes the text).
 */
export function readInferencePerf(perRequestJson: string, summaryJson: string): ToolOutput {
  const list = JSON.parse(perRequestJson) as InferencePerfRequest[];
  const records = list.map((r) => {
    const m = r.info?.response_metrics;
    const first = m?.output_token_times?.[0];
    return {
      startUnixMs: r.start_time * 1000,
      ttftMs: first !== undefined ? (first - r.start_time) * 1000 : undefined,
      outputTokens: m?.server_usage?.completion_tokens ?? m?.output_tokens,
      ok: r.error === null || r.error === undefined,
    };
  });
  const s = JSON.parse(summaryJson) as InferencePerfSummary;
  const t = s.successes?.latency?.time_to_first_token;
  return { records, reportedTtft: t ? { p50: t.median * 1000, p99: t.p99 * 1000 } : undefined, sent: s.load_summary?.count ?? records.length };
}

/**
 * vllm bench serve 0.33 with --save-result --save-detailed: one JSON. Per request, parallel
 * lists in request order (asyncio.gather keeps it): ttfts, itls (one gap per token chunk),
 * latencies (to the last token chunk), start_times (time.perf_counter() seconds, not the wall
 * clock), output_lens (usage completion_tokens; 0 for a failure), errors ('' when it succeeded).
 * Its reported statistics are keys like mean_ttft_ms, median_tpot_ms, p99_itl_ms, p50_e2el_ms.
 */
export interface VllmResult {
  completed: number;
  failed?: number;
  ttfts: number[];
  itls: number[][];
  latencies: number[];
  start_times: number[];
  output_lens: number[];
  errors: string[];
  [reported: string]: unknown;
}

export function parseVllmResult(json: string): VllmResult {
  const r = JSON.parse(json) as Partial<VllmResult>;
  for (const k of ['ttfts', 'itls', 'latencies', 'start_times', 'output_lens', 'errors'] as const) {
    if (!Array.isArray(r[k])) throw new Error(`vllm bench serve result: no "${k}" list (was it run with --save-result --save-detailed?)`);
  }
  return r as VllmResult;
}

/** A succeeded request of vLLM's: errors[i] is '' (vLLM's output.success also needs a first chunk). */
export const vllmOk = (r: VllmResult, i: number): boolean => !r.errors[i] && r.ttfts[i] > 0;

/**
 * Our records from vLLM's: ids are `idPrefix` + the request's index (we pass
 * --request-id-prefix, and vLLM sends it as x-request-id). Start times are on its monotonic
 * clock: matchWire matches by id, so they are never compared with the wire's.
 */
export function readVllm(resultJson: string, idPrefix: string): ToolOutput {
  const r = parseVllmResult(resultJson);
  const records: ToolRecord[] = r.ttfts.map((t, i) => {
    const ok = vllmOk(r, i);
    // fromConnect: its clock starts before session.post, so a connection the request opens is inside its TTFT.
    return { id: `${idPrefix}${i}`, startUnixMs: r.start_times[i] * 1000, ttftMs: ok ? t * 1000 : undefined, outputTokens: ok ? r.output_lens[i] : undefined, ok, fromConnect: true };
  });
  const p50 = r.median_ttft_ms ?? r.p50_ttft_ms;
  const p99 = r.p99_ttft_ms;
  return { records, reportedTtft: typeof p50 === 'number' && typeof p99 === 'number' ? { p50, p99 } : undefined, sent: r.ttfts.length };
}
