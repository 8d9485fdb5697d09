// The run card: what produced a result, so it still says so after it travelled (S3, a report,
// a comparison): the tool's version and commit, Node, the host's CPU, the trace's path and
// sha256, the rows replayed, every flag (API keys never: they come from the environment, and
// credentials in URLs and secret-named flags are masked), seeds and salts, the server's
// /v1/models card and version where it tells it, and the transport. `report compare` warns
// when the cards of A and B differ in anything but the run id (cardDifferences).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, type FlagSpec } from '../cli/flags';
import { getText } from '../engine/get-text';

export interface TraceIdentity {
  path: string;
  /** sha256 of the file's bytes; null for a trace that is not a local file (s3://). */
  sha256: string | null;
  bytes: number | null;
}

export interface ServerCard {
  /** The /v1/models answer's `data` (model id, owner, max_model_len, ...), null when not asked or not JSON. */
  models: unknown[] | null;
  /** /version's answer (vLLM: {"version": ...}), null when the server has none. */
  version: unknown;
  /** Build-info and version series of /metrics (e.g. sglang/vllm build info), name{labels} -> value. */
  buildInfo: Record<string, number>;
}

export interface RunCard {
  version: 1;
  runId: string;
  command: string;
  tool: { name: string; version: string; commit: string | null };
  node: string;
  host: { cpu: string; cores: number; platform: string; arch: string };
  traces: TraceIdentity[];
  /** Requests sent (the trace rows replayed; requests of sessions and scenarios). */
  rowsReplayed: number;
  /** Every flag given, values as typed (list flags as arrays); secrets masked. */
  flags: Record<string, string | string[]>;
  /** The flags that seed randomness or salt prompts (also in `flags`), for a quick look. */
  seeds: Record<string, string>;
  server: ServerCard;
  transport: string;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = /key|token|secret|password|passwd|authorization|credential/i;

function toolInfo(): RunCard['tool'] {
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    /* a bundle without package.json: unknown */
  }
  let commit: string | null = process.env.LLM_REPLAY_COMMIT ?? null;
  if (!commit && existsSync(join(ROOT, '.git'))) {
    try {
      commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim() || null;
    } catch {
      commit = null;
    }
  }
  return { name: 'k6-llm-replay', version, commit };
}

/** sha256 of a local file, read in 1 MiB pieces (traces can be large). */
export function fileSha256(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The identity of each trace path (files; a directory's files in name order are hashed as one). */
export function traceIdentities(paths: readonly string[]): TraceIdentity[] {
  return paths.map((path) => {
    if (!existsSync(path) || !statSync(path).isFile()) return { path, sha256: null, bytes: null };
    return { path, sha256: fileSha256(path), bytes: statSync(path).size };
  });
}

function mask(name: string, value: string): string {
  if (SECRET.test(name)) return '***';
  // user:password@ in a URL (--out influxdb=http://u:p@host/db).
  return value.replace(/\/\/[^/@\s]*@/g, '//***@');
}

/** Every flag of argv as typed, parsed against the command's table; secrets masked. */
export function cardFlags(argv: readonly string[], specs: readonly FlagSpec[], command: string): Record<string, string | string[]> {
  const parsed = parseFlags(argv, specs, command);
  const byName = new Map(specs.map((s) => [s.name ?? s.flag.toUpperCase().replace(/-/g, '_'), s.flag]));
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(parsed.options)) if (v !== undefined) out[byName.get(k) ?? k] = mask(k, v);
  for (const [k, list] of Object.entries(parsed.lists)) out[byName.get(k) ?? k] = list.map((v) => mask(k, v));
  if (parsed.positional.length) out['(arguments)'] = parsed.positional.map((p) => mask('', p));
  return out;
}

/** Seeds and salts: as given, else the command's default (a default seed seeds the run too). */
function seedsOf(flags: Record<string, string | string[]>, specs: readonly FlagSpec[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) if (/seed|salt/i.test(s.flag) && s.default !== undefined) out[s.flag] = s.default;
  for (const [k, v] of Object.entries(flags)) if (/seed|salt/i.test(k)) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/** build_info / version series of a Prometheus text: name{labels} -> value. */
export function buildInfoOf(metricsText: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of metricsText.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:build_info|_version_info|:version)[a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && Object.keys(out).length < 20) out[m[1] + (m[2] ?? '')] = Number(m[3]);
  }
  return out;
}

/** Asks the server what it is: /v1/models, /version and build info in /metrics (each optional, 5 s each). */
export async function serverCard(baseUrl: string, apiKey: string | undefined, metricsUrl?: string): Promise<ServerCard> {
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const json = async (url: string): Promise<unknown> => {
    const got = await getText(url, headers, 5000);
    if ('error' in got || got.status !== 200) return null;
    try {
      return JSON.parse(got.body);
    } catch {
      return null;
    }
  };
  const [models, version, metrics] = await Promise.all([
    json(`${baseUrl}/v1/models`),
    json(`${baseUrl}/version`),
    getText(metricsUrl ?? `${baseUrl}/metrics`, headers, 5000),
  ]);
  const data = (models as { data?: unknown } | null)?.data;
  return {
    models: Array.isArray(data) ? data : null,
    version,
    buildInfo: 'error' in metrics || metrics.status !== 200 ? {} : buildInfoOf(metrics.body),
  };
}

export interface CardInputs {
  runId: string;
  command: string;
  argv: readonly string[];
  specs: readonly FlagSpec[];
  traces: readonly string[];
  server: ServerCard;
}

/** The card's parts known before the run (the trace hashed once, the server asked once). */
export function startCard(i: CardInputs): Omit<RunCard, 'rowsReplayed' | 'transport'> {
  const flags = cardFlags(i.argv, i.specs, i.command);
  return {
    version: 1,
    runId: i.runId,
    command: i.command,
    tool: toolInfo(),
    node: process.version,
    host: { cpu: cpus()[0]?.model?.trim() ?? 'unknown', cores: availableParallelism(), platform: process.platform, arch: process.arch },
    traces: traceIdentities(i.traces),
    flags,
    seeds: seedsOf(flags, i.specs),
    server: i.server,
  };
}

/** Completes the card from the summary: rows replayed, and the transport (the summary's, else the JS one). */
export function finishCard(card: Omit<RunCard, 'rowsReplayed' | 'transport'>, summary: object, sent: number): RunCard {
  const s = summary as { transport?: unknown; engine?: { transport?: unknown } };
  const transport = s.transport ?? s.engine?.transport;
  return { ...card, rowsReplayed: sent, transport: typeof transport === 'string' ? transport : 'js' };
}

/** Flags that only name this run or where its results go: not a difference between two setups. */
const PER_RUN_FLAGS = new Set(['run-id', 'summary-json', 'out', 'web-dashboard', 'quiet']);

function flatten(v: unknown, prefix: string, out: Map<string, string>): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(v));
}

/** Where two cards differ, ignoring the run id and per-run output locations: "key: A -> B" lines. */
export function cardDifferences(a: RunCard, b: RunCard): string[] {
  const fa = new Map<string, string>();
  const fb = new Map<string, string>();
  flatten(a, '', fa);
  flatten(b, '', fb);
  const skip = (k: string) => k === 'runId' || (k.startsWith('flags.') && PER_RUN_FLAGS.has(k.slice(6).split('.')[0]));
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].filter((k) => !skip(k)).sort();
  return keys.filter((k) => fa.get(k) !== fb.get(k)).map((k) => `${k}: ${fa.get(k) ?? '(absent)'} -> ${fb.get(k) ?? '(absent)'}`);
}

/** The card as a few table lines (summary text). */
export function renderCard(c: RunCard): string {
  const t = c.traces.map((x) => `${x.path}${x.sha256 ? ` sha256:${x.sha256.slice(0, 16)}…` : ''}`).join(', ');
  const model = (c.server.models?.[0] as { id?: string } | undefined)?.id;
  const version = c.server.version && typeof c.server.version === 'object' ? (c.server.version as { version?: unknown }).version : c.server.version;
  return [
    `Run card: ${c.tool.name} ${c.tool.version}${c.tool.commit ? ` (${c.tool.commit.slice(0, 12)})` : ''}, node ${c.node}, ${c.host.cores} x ${c.host.cpu}, transport ${c.transport}`,
    `  trace: ${t || '-'}; rows replayed ${c.rowsReplayed}; server: ${model ?? '?'}${version ? ` version ${String(version)}` : ''}`,
    Object.keys(c.seeds).length ? `  seeds/salts: ${Object.entries(c.seeds).map(([k, v]) => `${k}=${v}`).join(' ')}` : '',
  ].filter(Boolean).join('\n') + '\n';
}
