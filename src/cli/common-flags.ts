// Flags shared by the commands that send load (replay, sessions, run): the target server, the
// prompt material, timeouts, outputs, thresholds, workers and segments, the engine scrape.

import type { EnvMap, OptionLabel } from '../config/env';
import { UsageError, type FlagSpec } from './flags';
import type { Timeouts } from '../engine/transport';
import { CALIBRATE_FLAGS } from './calibrate-flags';

export const TARGET_FLAGS: FlagSpec[] = [
  { flag: 'base-url', value: 'URL', default: 'http://127.0.0.1:8000', help: 'server root (OpenAI-compatible)' },
  { flag: 'model', value: 'NAME', help: 'model name (default: the first of GET /v1/models)' },
  { flag: 'endpoint', value: 'chat|completions|messages|responses|embeddings|rerank', default: 'chat', help: 'the API: /v1/chat/completions, /v1/completions, /v1/messages (Anthropic), /v1/responses, /v1/embeddings or /v1/rerank' },
  { flag: 'stream', kind: 'bool', default: 'true', help: 'stream responses (TTFT/ITL need it; --no-stream)' },
  { flag: 'connection-reuse', name: 'CONN_REUSE', kind: 'bool', default: 'true', help: 'keep-alive connections (--no-connection-reuse: one per request)' },
  { flag: 'preflight', kind: 'bool', default: 'true', help: 'ask /v1/models once before the load (--no-preflight skips it)' },
  { flag: 'request-id-header', value: 'NAME', default: 'X-Request-Id', help: 'header carrying each request id' },
];

/** Replay and sessions: near the context limit, max_tokens is fitted (src/openai/context-fit.ts). */
export const MAX_MODEL_LEN_FLAG: FlagSpec = {
  flag: 'max-model-len', value: 'N', help: 'context length: max_tokens is lowered so prompt + max_tokens fits (default: max_model_len / n_ctx from /v1/models)',
};

/**
 * The context length the server lists, unless --max-model-len gave one: into the run's config
 * and its options, which worker threads read again.
 */
export function adoptServerContext(cfg: { maxModelLen?: number }, options: EnvMap, listed: number | undefined): void {
  if (cfg.maxModelLen === undefined && listed !== undefined) options.MAX_MODEL_LEN = String((cfg.maxModelLen = listed));
}

export const PROMPT_FLAGS: FlagSpec[] = [
  { flag: 'salt', value: 'TEXT', help: 'per-run salt: different prompt text, so earlier runs\' caches miss' },
  { flag: 'vocab', value: 'NAME|FILE', default: 'synthetic', help: 'prompt word list: synthetic (the simulator) or data/vocab/<name>.txt (universal)' },
  { flag: 'template', value: 'FAMILY', help: 'chat-template overhead taken off each prompt (llama3, qwen3, deepseek_v3, ...)' },
  { flag: 'template-tokens', value: 'N', help: 'chat-template overhead in tokens, directly' },
  { flag: 'block-size', value: 'N', help: 'tokens per hash id (default: the format\'s)' },
  { flag: 'ignore-eos', kind: 'bool', default: 'true', help: 'send ignore_eos/min_tokens so servers generate the recorded length' },
  { flag: 'no-max-tokens', kind: 'bool', help: 'do not send max_tokens' },
  ...CALIBRATE_FLAGS,
];

export const COMMON_RUN_FLAGS: FlagSpec[] = [
  { flag: 'timeout-ms', value: 'MS', default: '600000', help: 'per-request limit, stream included' },
  { flag: 'connect-timeout-ms', value: 'MS', default: '10000', help: 'connection setup limit' },
  { flag: 'first-byte-timeout-ms', value: 'MS', help: 'request sent -> response headers limit (default: --timeout-ms)' },
  { flag: 'idle-timeout-ms', value: 'MS', default: '120000', help: 'longest gap between two pieces of a response' },
  { flag: 'transport', value: 'native|js', help: 'I/O: native (Rust core: sends at the instant, kernel receive stamps; the default where it is built) or js' },
  { flag: 'grace-s', value: 'S', default: '30', help: 'after Ctrl-C, how long requests in flight may finish' },
  { flag: 'workers', value: 'N|auto', default: '1', help: 'worker threads, each sending its share of the requests' },
  { flag: 'segment', value: 'FROM:TO', help: 'this instance\'s execution segment, as k6 (e.g. 0:1/2)' },
  { flag: 'segment-sequence', value: 'LIST', help: 'all segments of the run, as k6 (e.g. 0,1/2,1)' },
  { flag: 'segment-count', value: 'M', help: 'M equal segments: this instance is --segment-index N (or JOB_COMPLETION_INDEX) of them' },
  { flag: 'segment-index', value: 'N', help: 'this instance\'s index (0..M-1) with --segment-count' },
  { flag: 'threshold', kind: 'list', value: "'METRIC:EXPR'", help: "pass/fail criterion as k6, e.g. 'ttft:p(99)<2000' (repeatable; exit 99 when one fails)" },
  { flag: 'out', kind: 'list', value: 'NAME=TARGET', help: 'jsonl=FILE (one record per request), influxdb=URL, prometheus-rw[=URL] (repeatable)' },
  { flag: 'summary-json', value: 'FILE', default: 'results/replay-summary.json', help: 'machine-readable result' },
  { flag: 'run-id', value: 'ID', help: 'tag of this run (default: a timestamp)' },
  { flag: 'quiet', kind: 'bool', help: 'no per-failure log lines' },
];

/** Flags of the commands whose runs a campaign drives (replay, sessions): SLOs and extra tags. */
export const SLO_TAG_FLAGS: FlagSpec[] = [
  { flag: 'slo', kind: 'list', value: "'METRIC:STAT<=MS'", help: "objective, e.g. 'ttft:p99<=2000' (ttft|tpot|itl|e2e, p50..p99.99|mean; repeatable): attainment and goodput in the summary" },
  { flag: 'tag', kind: 'list', value: 'NAME=VALUE', help: 'extra tag on every metric sample (InfluxDB tag, Prometheus label; repeatable)' },
];

export const SCRAPE_FLAGS: FlagSpec[] = [
  { flag: 'scrape', kind: 'bool', default: 'true', help: 'read the engine\'s /metrics beside the run (--no-scrape)' },
  { flag: 'scrape-url', value: 'URL', help: 'default: BASE_URL/metrics' },
  { flag: 'scrape-interval-s', value: 'S', default: '5', help: 'seconds between scrapes' },
  { flag: 'scrape-engine', value: 'NAME', default: 'auto', help: 'auto, vllm, sglang or llamacpp' },
];

/** The transport's timeouts from the flags. */
export function timeoutsFrom(options: EnvMap, label: OptionLabel, totalMs: number): Timeouts {
  const ms = (name: string, fallback: number) => {
    const raw = options[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${label(name, raw)}: must be a time in ms > 0`);
    return n;
  };
  const total = totalMs > 0 ? totalMs : 3_600_000;
  return { connectMs: ms('CONNECT_TIMEOUT_MS', 10_000), firstByteMs: ms('FIRST_BYTE_TIMEOUT_MS', total), idleMs: ms('IDLE_TIMEOUT_MS', 120_000), totalMs: total };
}
