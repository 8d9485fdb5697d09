// Options of closed-loop session replay, read from k6 `-e` variables (dist/k6/sessions.js) or the
// flags of `llm-replay sessions` (src/cli/sessions.ts, same names). The
// request options (server, model, endpoint, prompts, connections, run id, API key) are the
// replay's own, read by readReplayConfig so both scripts take them the same way.

import { EnvReader, k6Label, OptionError, type EnvMap, type OptionLabel } from './env';
import { readReplayConfig, type ReplayConfig } from './replay';

/** How turns are timed (src/sessions/timing.ts): the options the flags and -e variables accept. */
export const TIMING_MODES = ['think-only', 'original', 'api-scaled', 'no-wait'] as const;
export type TimingMode = (typeof TIMING_MODES)[number];

/** How a sub-agent's completion is awaited by its parent (src/sessions/plan.ts). */
export type JoinRule = 'recorded' | 'next';

export type RequestConfig = Pick<ReplayConfig,
  'format' | 'skipBad' | 'baseUrl' | 'model' | 'endpoint' | 'stream' | 'salt' | 'vocab' | 'overheadTokens' | 'blockSize' | 'ignoreEos' |
  'noMaxTokens' | 'maxModelLen' | 'timeoutMs' | 'reuseConnections' | 'runId' | 'requestIdHeader' | 'apiKey' | 'quiet'>;

export interface SessionsConfig extends RequestConfig {
  /** TRACES as given: a file, a directory (read through its index.txt) or a comma-separated list. */
  traces: string;
  /** Concurrent users drawing sessions; undefined = every session at its recorded start. */
  users?: number;
  /** Sessions to run (users mode); default: each session of the traces once. */
  sessions?: number;
  /** Users mode: seconds during which new sessions start (instead of a session count). */
  durationS?: number;
  seed: number;
  timing: TimingMode;
  timeScale: number;
  apiScale: number;
  maxDelayMs?: number;
  join: JoinRule;
  /** Fraction of each session's system + tool tokens shared by all sessions (warm prefix). */
  warmPrefix: number;
  /** Explicit warm prefix length in tokens (formats that do not record system/tool sizes). */
  warmPrefixTokens?: number;
  uniquePrefix: boolean;
  /** Block ids are scoped per trace file (kv-cache-tester `hash_id_scope: local`). */
  blockScope: 'file' | 'global';
  /** Responses: server = continue with previous_response_id (store: true), client = send the whole conversation. */
  responsesState: 'client' | 'server';
  maxContext?: number;
  /** Recorded-start mode: VUs that share the sessions (each runs several concurrently). */
  vus?: number;
  maxDurationS: number;
  gracefulStopS: number;
  /** Lead before the first recorded start (ms). */
  leadMs: number;
  gpus?: number;
  bucketMs: number;
  lastWindowMs: number;
  warmupFraction: number;
  summaryJson: string;
  debugBodies: boolean;
  /** Extra request headers (JSON object), e.g. routing hints or x-sim-reasoning. */
  headers: Record<string, string>;
}

export const SESSIONS_HELP = `k6-llm-replay: closed-loop agentic sessions (k6 run [k6 flags] -e NAME=value ... dist/k6/sessions.js)

  TRACES=path           trace file, comma-separated files, or a directory with an index.txt (required)
  USERS=N               N concurrent users drawing sessions (default: every session at its recorded start)
  SESSIONS=N            users mode: run N sessions (default: each session of the traces once)
  DURATION=300s         users mode: start new sessions for this long instead (s, m or h; running ones finish within GRACEFUL_STOP_S)
  SEED=1                seed of the session draw (without replacement until every trace was drawn)
  TIMING=think-only     think-only | original | api-scaled | no-wait (see docs/sessions.md)
  TIME_SCALE=1          multiply every recorded wait (0.1 = ten times faster)
  API_SCALE=1           api-scaled: factor on the recorded server time of the previous request
  MAX_DELAY_S           cap on any one recorded wait, before TIME_SCALE
  SUBAGENT_JOIN=recorded  recorded: a parent turn waits for the sub-agents that had ended when it was sent in the recording; next: the parent's next turn waits for them (kv-cache-tester's replayer)
  WARM_PREFIX=0         share this fraction (0..1) of each session's system+tool tokens across all sessions of a model
  WARM_PREFIX_TOKENS    share this many leading tokens instead (traces that do not record system/tool sizes)
  UNIQUE_PREFIX=true    every replayed session gets its own prompt text (false: two replays of a trace share their cache)
  BLOCK_SCOPE=file      file: block ids are local to each trace file; global: equal ids are shared content across files
  RESPONSES_STATE=client  ENDPOINT=responses: client sends each turn's whole conversation; server stores each response (store: true) and sends only the new input with previous_response_id
  MAX_CONTEXT           leave out requests whose prompt exceeds N tokens (and the rest of their agent)
  VUS                   recorded-start mode: VUs sharing the sessions (default min(sessions, 64))
  MAX_DURATION=24h      limit of the whole run (sessions mode and recorded starts)
  GRACEFUL_STOP_S=300   how long running sessions may finish after DURATION / MAX_DURATION
  LEAD_MS=500           wait before the first recorded start
  GPUS                  add a "Steady state / GPU" column to the workload table
  WORKLOAD_BUCKET_S=1   time resolution of the workload table
  LAST_WINDOW_S=30, WARMUP_FRACTION=0.2   workload table windows
  SUMMARY_JSON=results/sessions-summary.json   machine-readable result file
  DEBUG_BODIES=false    log every request and response body (API key redacted) as "k6lr-debug {json}" console lines:
                        add --log-format=raw --console-output=FILE, then sed -n 's/^k6lr-debug //p' FILE > bodies.jsonl
  HEADERS='{"k":"v"}'   extra request headers
  Request options as the replay export (dist/k6/replay.js): FORMAT SKIP_BAD BASE_URL MODEL ENDPOINT STREAM SALT VOCAB TEMPLATE TEMPLATE_TOKENS BLOCK_SIZE IGNORE_EOS
  NO_MAX_TOKENS MAX_MODEL_LEN TIMEOUT_MS CONN_REUSE RUN_ID REQUEST_ID_HEADER OPENAI_API_KEY/API_KEY QUIET (k6 run -e HELP=1 dist/k6/replay.js)
  HELP=1                print this help and exit
`;

/** "300", "300s", "5m", "1.5h" -> seconds. */
export function parseDurationS(name: string, raw: string, label: OptionLabel = k6Label): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!m) throw new OptionError(`${label(name, raw)}: must be a duration such as 300, 300s, 5m or 1h`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const s = unit === 'ms' ? n / 1000 : unit === 's' ? n : unit === 'm' ? n * 60 : n * 3600;
  if (!(s > 0)) throw new OptionError(`${label(name, raw)}: must be longer than 0`);
  return s;
}

function parseHeaders(raw: string | undefined, label: OptionLabel): Record<string, string> {
  if (raw === undefined) return {};
  const bad = `${label('HEADERS', raw)}: must be a JSON object of header names to strings`;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new OptionError(bad);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new OptionError(bad);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (typeof val !== 'string' && typeof val !== 'number') throw new OptionError(`${label('HEADERS', raw)}: header ${k} must be a string`);
    if (/^authorization$/i.test(k)) throw new OptionError(`${label('HEADERS', raw)}: pass the API key in OPENAI_API_KEY, not in the headers (it would be logged)`);
    out[k] = String(val);
  }
  return out;
}

export function readSessionsConfig(env: EnvMap, now: Date = new Date(), label: OptionLabel = k6Label): SessionsConfig {
  const r = new EnvReader(env, label);
  const traces = r.string('TRACES');
  if (!traces) throw new OptionError(`no traces given: pass ${label('TRACES', 'FILE')} (a file, a comma-separated list, or a directory)`);
  const req = readReplayConfig({ ...env, TRACE: traces }, now, label);
  const whole = (n: number) => Number.isInteger(n) && n >= 1;
  const users = r.number('USERS', undefined, whole, 'a whole number >= 1');
  const sessions = r.number('SESSIONS', undefined, whole, 'a whole number >= 1');
  const duration = r.string('DURATION');
  if (users === undefined && (sessions !== undefined || duration !== undefined)) {
    const given = sessions !== undefined ? label('SESSIONS', String(sessions)) : label('DURATION', duration ?? '');
    throw new OptionError(`${given}: SESSIONS and DURATION need USERS (without USERS every session starts at its recorded time)`);
  }
  if (sessions !== undefined && duration !== undefined) throw new OptionError(`pass ${label('SESSIONS', String(sessions))} or ${label('DURATION', duration)}, not both`);
  const warmPrefix = r.number('WARM_PREFIX', 0, (n) => n >= 0 && n <= 1, 'a fraction between 0 and 1');
  const maxDelayS = r.number('MAX_DELAY_S', undefined, (n) => n >= 0, 'seconds >= 0');
  const maxDuration = r.string('MAX_DURATION', '24h');
  return {
    traces,
    format: req.format,
    skipBad: req.skipBad,
    baseUrl: req.baseUrl,
    model: req.model,
    endpoint: req.endpoint,
    stream: req.stream,
    salt: req.salt,
    vocab: req.vocab,
    overheadTokens: req.overheadTokens,
    blockSize: req.blockSize,
    ignoreEos: req.ignoreEos,
    noMaxTokens: req.noMaxTokens,
    maxModelLen: req.maxModelLen,
    timeoutMs: req.timeoutMs,
    reuseConnections: req.reuseConnections,
    runId: req.runId,
    requestIdHeader: req.requestIdHeader,
    apiKey: req.apiKey,
    quiet: req.quiet,
    users,
    sessions,
    durationS: duration === undefined ? undefined : parseDurationS('DURATION', duration, label),
    seed: r.number('SEED', 1, (n) => Number.isInteger(n), 'a whole number'),
    timing: r.oneOf('TIMING', TIMING_MODES, 'think-only'),
    timeScale: r.positive('TIME_SCALE', 1),
    apiScale: r.number('API_SCALE', 1, (n) => n >= 0, 'a number >= 0'),
    maxDelayMs: maxDelayS === undefined ? undefined : maxDelayS * 1000,
    join: r.oneOf('SUBAGENT_JOIN', ['recorded', 'next'] as const, 'recorded'),
    warmPrefix,
    warmPrefixTokens: r.count('WARM_PREFIX_TOKENS'),
    uniquePrefix: r.bool('UNIQUE_PREFIX', true),
    blockScope: r.oneOf('BLOCK_SCOPE', ['file', 'global'] as const, 'file'),
    responsesState: r.oneOf('RESPONSES_STATE', ['client', 'server'] as const, 'client'),
    maxContext: r.number('MAX_CONTEXT', undefined, whole, 'a whole number of tokens >= 1'),
    vus: r.number('VUS', undefined, whole, 'a whole number >= 1'),
    maxDurationS: parseDurationS('MAX_DURATION', maxDuration, label),
    gracefulStopS: r.number('GRACEFUL_STOP_S', 300, (n) => n >= 0, 'seconds >= 0'),
    leadMs: r.number('LEAD_MS', 500, (n) => n >= 0, 'a time in ms >= 0'),
    gpus: r.number('GPUS', undefined, whole, 'a whole number >= 1'),
    bucketMs: r.positive('WORKLOAD_BUCKET_S', 1) * 1000,
    lastWindowMs: r.positive('LAST_WINDOW_S', 30) * 1000,
    warmupFraction: r.number('WARMUP_FRACTION', 0.2, (n) => n >= 0 && n < 1, 'a fraction in [0, 1)'),
    summaryJson: r.string('SUMMARY_JSON', 'results/sessions-summary.json'),
    debugBodies: r.bool('DEBUG_BODIES', false),
    headers: parseHeaders(r.string('HEADERS'), label),
  };
}
