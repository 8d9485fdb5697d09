// `--out NAME[=ARG]` -> an Output. Outputs register under one or more names; the database ones
// are built in here, others (jsonl) register themselves with registerOutput(). Options come
// from the k6 environment variables users already know (K6_INFLUXDB_*, K6_PROMETHEUS_RW_*).

import { parseInterval } from './flusher';
import { redacted } from './http';
import { InfluxDbOutput, parseInfluxDbUrl } from './influxdb';
import { parseTagsAsFields } from './line-protocol';
import { DEFAULT_REMOTE_WRITE_URL, parseRemoteWriteUrl, PrometheusRwOutput } from './prometheus-rw';
import type { Output } from './sample';

export interface OutputContext {
  /** Environment for K6_* options; default process.env. */
  env?: Record<string, string | undefined>;
  /** Overrides the push interval of any output (else the env, else the output's default). */
  pushIntervalMs?: number;
  warn?: (message: string) => void;
}

/** `arg` is what follows "=" (undefined without one); `flag` is the whole --out value, for messages. */
export type OutputFactory = (arg: string | undefined, ctx: OutputContext, flag: string) => Output;

/** A bad --out value: a usage error (exit 2). */
export class OutputSpecError extends Error {}

const factories = new Map<string, OutputFactory>();

/** Makes `--out NAME=...` create outputs with `factory` (e.g. the lead's jsonl). */
export function registerOutput(names: readonly string[], factory: OutputFactory): void {
  for (const n of names) factories.set(n, factory);
}

/** Names --out accepts. */
export function outputNames(): string[] {
  return [...factories.keys()];
}

/** Parses one --out value; throws OutputSpecError naming the value and what it takes. */
export function createOutput(spec: string, ctx: OutputContext = {}): Output {
  const eq = spec.indexOf('=');
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  const arg = eq < 0 ? undefined : spec.slice(eq + 1);
  const factory = factories.get(name);
  if (!factory) {
    throw new OutputSpecError(`--out ${redacted(spec)}: unknown output "${name}"; use one of ${outputNames().map((n) => `${n}=...`).join(', ')}`);
  }
  try {
    return factory(arg === '' ? undefined : arg, ctx, spec);
  } catch (err) {
    if (err instanceof OutputSpecError) throw err;
    const msg = (err as Error).message;
    throw new OutputSpecError(msg.startsWith('--out ') ? msg : `--out ${redacted(spec)}: ${msg}`);
  }
}

function envOf(ctx: OutputContext): Record<string, string | undefined> {
  return ctx.env ?? process.env;
}

function pushInterval(ctx: OutputContext, envName: string): number | undefined {
  if (ctx.pushIntervalMs !== undefined) return ctx.pushIntervalMs;
  const v = envOf(ctx)[envName];
  return v ? parseInterval(v, envName) : undefined;
}

/** Credentials from K6_*_USERNAME / _PASSWORD when the URL has none (k6 takes both). */
function withCredentials(url: string, env: Record<string, string | undefined>, prefix: string): string {
  const user = env[`${prefix}_USERNAME`];
  if (!user) return url;
  const u = new URL(url);
  if (u.username) return url;
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(env[`${prefix}_PASSWORD`] ?? '');
  return u.href;
}

registerOutput(['influxdb'], (arg, ctx) => {
  const env = envOf(ctx);
  const target = parseInfluxDbUrl(withCredentials(arg ?? 'http://localhost:8086/k6', env, 'K6_INFLUXDB'));
  const tags = env.K6_INFLUXDB_TAGS_AS_FIELDS;
  return new InfluxDbOutput(target, {
    pushIntervalMs: pushInterval(ctx, 'K6_INFLUXDB_PUSH_INTERVAL'),
    tagsAsFields: tags === undefined ? undefined : parseTagsAsFields(tags),
    warn: ctx.warn,
  });
});

registerOutput(['prometheus-rw', 'experimental-prometheus-rw'], (arg, ctx, flag) => {
  const env = envOf(ctx);
  const name = flag.split('=')[0];
  const url = arg ?? env.K6_PROMETHEUS_RW_SERVER_URL ?? DEFAULT_REMOTE_WRITE_URL;
  const endpoint = parseRemoteWriteUrl(withCredentials(url, env, 'K6_PROMETHEUS_RW'), name);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('K6_PROMETHEUS_RW_HEADERS_') && v !== undefined) headers[k.slice(25)] = v;
  const stale = env.K6_PROMETHEUS_RW_STALE_MARKERS;
  if (stale !== undefined && !/^(true|false)$/i.test(stale)) throw new Error(`K6_PROMETHEUS_RW_STALE_MARKERS=${stale}: use true or false`);
  return new PrometheusRwOutput(endpoint, {
    pushIntervalMs: pushInterval(ctx, 'K6_PROMETHEUS_RW_PUSH_INTERVAL'),
    staleMarkers: stale === undefined ? undefined : stale.toLowerCase() === 'true',
    headers,
    warn: ctx.warn,
  });
});
