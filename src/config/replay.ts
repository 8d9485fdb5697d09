// Options of the open-loop trace replay, by NAME: the k6 export (dist/k6/replay.js) reads them
// from `-e NAME=value`, the engine's CLI from its flags (src/cli/replay.ts maps --flag to NAME).

import { EnvReader, k6Label, OptionError, type EnvMap, type OptionLabel } from './env';
import { TEMPLATE_OVERHEAD, templateOverhead } from '../prompt/templates';

/** Which API a request goes to (paths and bodies: src/openai/request.ts). */
export type Endpoint = 'chat' | 'completions' | 'messages' | 'responses' | 'embeddings' | 'rerank';

/** Every endpoint, in the order --help lists them. */
export const ENDPOINTS = ['chat', 'completions', 'messages', 'responses', 'embeddings', 'rerank'] as const satisfies readonly Endpoint[];

/** Whether the API takes a conversation (chat messages / Messages / Responses input items). */
export function takesMessages(e: Endpoint): boolean {
  return e === 'chat' || e === 'messages' || e === 'responses';
}

export interface ReplayConfig {
  trace: string;
  format: string;
  skipBad: boolean;
  baseUrl: string;
  /** Model name; undefined = ask the server's /v1/models in setup(). */
  model?: string;
  endpoint: Endpoint;
  stream: boolean;
  speedup: number;
  fromMs?: number;
  toMs?: number;
  maxRequests?: number;
  bucketMs: number;
  /** Extra wait before the first request, beyond one bucket (ms). */
  slackMs: number;
  vus?: number;
  maxVus?: number;
  estTtftMs: number;
  estPrefillMsPerToken: number;
  estTpotMs: number;
  salt: string;
  vocab: string;
  /** Tokens the server adds around the prompt (chat template, BOS), taken off the last block. */
  overheadTokens: number;
  blockSize?: number;
  ignoreEos: boolean;
  noMaxTokens: boolean;
  timeoutMs: number;
  reuseConnections: boolean;
  /** Warm the engine's hot paths on a loopback server before offset 0 (llm-replay replay only). */
  engineWarmup: boolean;
  gracefulStopS: number;
  summaryJson: string;
  runId: string;
  /** Header carrying the request id, for servers' logs and the simulator's ground truth. */
  requestIdHeader: string;
  /** uuid (RFC 9562 v8, accepted by every server) or run (RUNID-N) (src/engine/request-ids.ts). */
  requestIdFormat: 'uuid' | 'run';
  /** Body field carrying the request id too (SGLang: rid); "none" = none; unset = from the server (preflight). */
  requestIdField?: string;
  /** Context length: max_tokens is lowered so prompt + max_tokens fits (unset = from /v1/models, or no cap). */
  maxModelLen?: number;
  apiKey?: string;
  quiet: boolean;
}

export const REPLAY_HELP = `k6-llm-replay: open-loop trace replay (k6 run [k6 flags] -e NAME=value ... dist/k6/replay.js)

  TRACE=path            trace file (required; relative to the working directory)
  FORMAT=auto           trace format (auto = detect; mooncake, ...)
  SKIP_BAD=false        skip and count bad trace rows instead of stopping at the first
  BASE_URL=http://127.0.0.1:8000   server root (OpenAI-compatible)
  MODEL=                model name (default: the first model of GET /v1/models)
  ENDPOINT=chat         chat (/v1/chat/completions), completions (/v1/completions), messages
                        (/v1/messages), responses (/v1/responses), embeddings (/v1/embeddings), rerank (/v1/rerank)
  STREAM=true           stream responses (TTFT/ITL need it)
  SPEEDUP=1             replay N times faster than recorded
  FROM_MS, TO_MS        replay only requests recorded in [FROM_MS, TO_MS)
  MAX_REQUESTS          replay at most N requests
  BUCKET_MS=1000        arrival-curve resolution of the k6 stages
  VUS, MAX_VUS          pre-allocated and maximum VUs (default: estimated from the trace)
  EST_TTFT_MS=1000, EST_PREFILL_MS_PER_TOKEN=0.05, EST_TPOT_MS=30   latency model for the VU estimate
  SALT=                 per-run salt: different prompt text, so earlier runs' caches miss
  VOCAB=synthetic       prompt word list: synthetic (the simulator) or a data/vocab/<name>.txt list
                        (universal: one token per word for llama3, qwen3, deepseek_v3, o200k, cl100k)
  TEMPLATE=             model family whose chat template / BOS overhead is taken off each prompt
                        so the server counts exactly the recorded length (llama3, llama3_1, qwen3,
                        qwen3_nothink, qwen2_5, deepseek_v3, ...); TEMPLATE_TOKENS=N sets it directly
  BLOCK_SIZE            tokens per hash id (default: the format's)
  IGNORE_EOS=true       send ignore_eos/min_tokens so servers generate exactly the recorded length
  NO_MAX_TOKENS=false   do not send max_tokens
  TIMEOUT_MS=600000     per-request limit, stream included
  CONN_REUSE=true       keep-alive connections (false: a new connection per request)
  GRACEFUL_STOP_S=300   how long requests may run after the last arrival
  SUMMARY_JSON=results/replay-summary.json   machine-readable result file
  RUN_ID=               tag for this run (default: a timestamp)
  OPENAI_API_KEY / API_KEY   bearer token (read from the environment, never printed)
  QUIET=false           no per-error log lines
  HELP=1                print this help and exit
`;

/** TEMPLATE_TOKENS, or the known overhead of TEMPLATE's family on this endpoint. */
function readOverhead(r: EnvReader, endpoint: Endpoint): number {
  const direct = r.count('TEMPLATE_TOKENS');
  if (direct !== undefined) return direct;
  const family = r.string('TEMPLATE');
  if (family === undefined) return 0;
  if (!(family in TEMPLATE_OVERHEAD)) {
    throw new OptionError(`${r.label('TEMPLATE', family)}: unknown family; known: ${Object.keys(TEMPLATE_OVERHEAD).join(', ')} (or pass TEMPLATE_TOKENS=N)`);
  }
  return templateOverhead(family, takesMessages(endpoint) ? 'chat' : 'completion');
}

export function readReplayConfig(env: EnvMap, now: Date = new Date(), label: OptionLabel = k6Label): ReplayConfig {
  const r = new EnvReader(env, label);
  const trace = r.string('TRACE');
  if (!trace) throw new OptionError(`no trace given: pass ${r.label('TRACE', 'path/to/trace.jsonl')}`);
  const fromMs = r.number('FROM_MS', undefined, (n) => n >= 0, 'a time in ms >= 0');
  const toMs = r.number('TO_MS', undefined, (n) => n >= 0, 'a time in ms >= 0');
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) {
    throw new OptionError(`${r.label('TO_MS', String(toMs))}: must be greater than ${r.label('FROM_MS', String(fromMs))}`);
  }
  const baseUrl = r.string('BASE_URL', 'http://127.0.0.1:8000').replace(/\/+$/, '');
  const endpoint = r.oneOf('ENDPOINT', ENDPOINTS, 'chat');
  if (!/^https?:\/\/[^/]/.test(baseUrl)) throw new OptionError(`${r.label('BASE_URL', baseUrl)}: must start with http:// or https://`);
  return {
    trace,
    format: r.string('FORMAT', 'auto'),
    skipBad: r.bool('SKIP_BAD', false),
    baseUrl,
    model: r.string('MODEL'),
    endpoint,
    stream: r.bool('STREAM', true),
    speedup: r.positive('SPEEDUP', 1),
    fromMs,
    toMs,
    maxRequests: r.count('MAX_REQUESTS'),
    bucketMs: r.number('BUCKET_MS', 1000, (n) => Number.isInteger(n) && n >= 10, 'a whole number of ms >= 10'),
    slackMs: r.number('SLACK_MS', 250, (n) => n >= 0, 'a time in ms >= 0'),
    vus: r.number('VUS', undefined, (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1'),
    maxVus: r.number('MAX_VUS', undefined, (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1'),
    estTtftMs: r.number('EST_TTFT_MS', 1000, (n) => n >= 0, 'a time in ms >= 0'),
    estPrefillMsPerToken: r.number('EST_PREFILL_MS_PER_TOKEN', 0.05, (n) => n >= 0, 'a time in ms >= 0'),
    estTpotMs: r.number('EST_TPOT_MS', 30, (n) => n >= 0, 'a time in ms >= 0'),
    salt: r.string('SALT', ''),
    vocab: r.string('VOCAB', 'synthetic'),
    overheadTokens: readOverhead(r, endpoint),
    blockSize: r.number('BLOCK_SIZE', undefined, (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1'),
    ignoreEos: r.bool('IGNORE_EOS', true),
    noMaxTokens: r.bool('NO_MAX_TOKENS', false),
    timeoutMs: r.number('TIMEOUT_MS', 600_000, (n) => n >= 0, 'a time in ms >= 0'),
    reuseConnections: r.bool('CONN_REUSE', true),
    engineWarmup: r.bool('ENGINE_WARMUP', true),
    gracefulStopS: r.number('GRACEFUL_STOP_S', 300, (n) => n >= 0, 'seconds >= 0'),
    summaryJson: r.string('SUMMARY_JSON', 'results/replay-summary.json'),
    runId: r.string('RUN_ID', now.toISOString().replace(/[:.]/g, '-')),
    requestIdHeader: r.string('REQUEST_ID_HEADER', 'X-Request-Id'),
    requestIdFormat: r.oneOf('REQUEST_ID_FORMAT', ['uuid', 'run'] as const, 'uuid'),
    requestIdField: r.string('REQUEST_ID_FIELD'),
    maxModelLen: r.number('MAX_MODEL_LEN', undefined, (n) => Number.isInteger(n) && n >= 1, 'a whole number of tokens >= 1'),
    apiKey: r.string('OPENAI_API_KEY') ?? r.string('API_KEY'),
    quiet: r.bool('QUIET', false),
  };
}
