// Reading a campaign file (YAML, docs/campaigns.md): every key checked, every mistake reported
// as `file:line: key "x": what is wrong and how to fix it`, with the line from the YAML parser's
// own positions. Paths in the file are relative to the file. Pure apart from reading the file.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { parseSlo, type SloObjective } from '../metrics/slo';

export type LoadKind = 'speedup' | 'rate' | 'users';
export const LOAD_KINDS: readonly LoadKind[] = ['speedup', 'rate', 'users'];

/** A flag value as the file gives it: true -> --x, false -> --no-x, a list -> repeated. */
export type FlagValue = string | number | boolean | Array<string | number>;
export type FlagMap = Record<string, FlagValue>;

export interface CampaignTarget {
  name: string;
  baseUrl: string;
  model?: string;
  labels: Record<string, string>;
  flags: FlagMap;
  /** Where the engine's /metrics is read (default baseUrl/metrics); null: not scraped. */
  metricsUrl: string | null;
}

export interface CampaignTrace {
  name: string;
  kind: 'replay' | 'sessions';
  path: string;
  flags: FlagMap;
}

export interface CapacitySpec {
  load: LoadKind;
  min: number;
  max: number;
  /** SLO attainment to hold (0..1). */
  target: number;
  /** Stop when the bracket is this narrow (load units). */
  tolerance: number;
  maxProbes: number;
}

export interface CampaignSpec {
  name: string;
  /** Absolute path of the file. */
  file: string;
  slo: SloObjective[];
  flags: FlagMap;
  outputs: string[];
  warmupRequests: number;
  cooldownS: number;
  scrapeIntervalS: number | null;
  targets: CampaignTarget[];
  traces: CampaignTrace[];
  load: { kind: LoadKind; values: number[] } | null;
  capacity: CapacitySpec | null;
}

export class CampaignFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CampaignFileError';
  }
}

type Path = Array<string | number>;

/** Reads the document with its line positions and says where a key or value is. */
class Located {
  private readonly lines = new LineCounter();
  readonly doc: Document;

  constructor(readonly file: string, text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
    const err = this.doc.errors[0];
    if (err) throw new CampaignFileError(`${file}:${this.lines.linePos(err.pos[0]).line}: not valid YAML: ${err.message.split('\n')[0]}`);
  }

  /** The line of the key at `path` (or of its value, or of the closest parent that exists). */
  line(path: Path): number {
    for (let n = path.length; n >= 0; n--) {
      const parent = n > 0 ? this.doc.getIn(path.slice(0, n - 1), true) : null;
      if (n > 0 && isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path[n - 1]);
        const key = pair?.key as Node | undefined;
        if (key?.range) return this.lines.linePos(key.range[0]).line;
      }
      const node = this.doc.getIn(path.slice(0, n), true) as Node | undefined;
      if (node && typeof node === 'object' && 'range' in node && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return 1;
  }

  fail(path: Path, message: string): never {
    const key = path.length ? `key "${path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('')}": ` : '';
    throw new CampaignFileError(`${this.file}:${this.line(path)}: ${key}${message}`);
  }
}

const TOP_KEYS = ['name', 'slo', 'flags', 'outputs', 'warmup', 'cooldownS', 'scrape', 'targets', 'traces', 'load', 'capacity'];
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Flags the campaign sets itself for every point. */
export const CAMPAIGN_OWNED_FLAGS = ['trace', 'traces', 'base-url', 'model', 'speedup', 'users', 'summary-json', 'out', 'slo', 'tag', 'run-id'];

class Reader {
  constructor(private readonly at: Located, private readonly baseDir: string) {}

  private kind(v: unknown): string {
    return v === null ? 'empty' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`;
  }

  map(v: unknown, path: Path, keys: readonly string[]): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.at.fail(path, `must be a map (key: value lines), found ${this.kind(v)}`);
    const m = v as Record<string, unknown>;
    for (const k of Object.keys(m)) {
      if (!keys.includes(k)) this.at.fail([...path, k], `unknown key; use one of ${keys.join(', ')}`);
    }
    return m;
  }

  list(v: unknown, path: Path): unknown[] {
    if (!Array.isArray(v)) this.at.fail(path, `must be a list (lines starting with "- "), found ${this.kind(v)}`);
    if (v.length === 0) this.at.fail(path, 'must not be empty');
    return v;
  }

  string(v: unknown, path: Path, pattern?: RegExp, what?: string): string {
    if (typeof v !== 'string' && typeof v !== 'number') this.at.fail(path, `must be a text, found ${this.kind(v)}`);
    const s = String(v);
    if (pattern && !pattern.test(s)) this.at.fail(path, `"${s}" must be ${what}`);
    return s;
  }

  number(v: unknown, path: Path, min: number, opts: { int?: boolean; gt?: boolean; max?: number } = {}): number {
    const n = typeof v === 'number' ? v : NaN;
    const bad = !Number.isFinite(n) || (opts.gt ? n <= min : n < min) || (opts.max !== undefined && n > opts.max) || (opts.int && !Number.isInteger(n));
    if (bad) {
      const range = `${opts.int ? 'an integer' : 'a number'} ${opts.gt ? '>' : '>='} ${min}${opts.max !== undefined ? ` and <= ${opts.max}` : ''}`;
      this.at.fail(path, `must be ${range}, found ${this.kind(v)}`);
    }
    return n;
  }

  path(v: unknown, path: Path): string {
    return resolve(this.baseDir, this.string(v, path));
  }

  labels(v: unknown, path: Path): Record<string, string> {
    if (v === undefined) return {};
    const m = this.map(v, path, Object.keys((v as object) ?? {}));
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(m)) {
      if (!LABEL_NAME.test(k)) this.at.fail([...path, k], 'a label name takes letters, digits and _ (it becomes an InfluxDB tag and a Prometheus label)');
      out[k] = this.string(x, [...path, k]);
    }
    return out;
  }

  flags(v: unknown, path: Path): FlagMap {
    if (v === undefined) return {};
    const m = this.map(v, path, Object.keys((v as object) ?? {}));
    const out: FlagMap = {};
    for (const [k, x] of Object.entries(m)) {
      if (k.startsWith('-')) this.at.fail([...path, k], `write the flag without dashes: ${k.replace(/^-+/, '')}: ...`);
      if (CAMPAIGN_OWNED_FLAGS.includes(k)) this.at.fail([...path, k], `the campaign sets --${k} itself (targets, traces, load, slo, outputs); remove it here`);
      const ok = typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' || (Array.isArray(x) && x.every((e) => typeof e === 'string' || typeof e === 'number'));
      if (!ok) this.at.fail([...path, k], `a flag value is a text, number, true/false or a list of them, found ${this.kind(x)}`);
      out[k] = x as FlagValue;
    }
    return out;
  }
}

function uniqueNames<T extends { name: string }>(at: Located, items: T[], key: string): T[] {
  const seen = new Set<string>();
  items.forEach((t, i) => {
    if (seen.has(t.name)) at.fail([key, i, 'name'], `"${t.name}" is used twice; each ${key.slice(0, -1)} needs its own name`);
    seen.add(t.name);
  });
  return items;
}

function readTarget(r: Reader, v: unknown, path: Path): CampaignTarget {
  const m = r.map(v, path, ['name', 'baseUrl', 'model', 'labels', 'flags', 'metricsUrl']);
  const name = r.string(m.name, [...path, 'name'], SAFE_NAME, 'letters, digits, ".", "_" or "-" (it is part of point ids and directory names)');
  const baseUrl = r.string(m.baseUrl, [...path, 'baseUrl'], /^https?:\/\/[^\s]+$/, 'an http(s) URL, e.g. http://127.0.0.1:8000').replace(/\/+$/, '');
  const metrics = m.metricsUrl;
  return {
    name, baseUrl,
    model: m.model === undefined ? undefined : r.string(m.model, [...path, 'model']),
    labels: r.labels(m.labels, [...path, 'labels']),
    flags: r.flags(m.flags, [...path, 'flags']),
    metricsUrl: metrics === false ? null : metrics === undefined ? `${baseUrl}/metrics` : r.string(metrics, [...path, 'metricsUrl'], /^https?:\/\//, 'an http(s) URL or false'),
  };
}

function readTrace(r: Reader, at: Located, v: unknown, path: Path): CampaignTrace {
  const m = r.map(v, path, ['name', 'replay', 'sessions', 'flags']);
  const name = r.string(m.name, [...path, 'name'], SAFE_NAME, 'letters, digits, ".", "_" or "-" (it is part of point ids and directory names)');
  if ((m.replay === undefined) === (m.sessions === undefined)) at.fail([...path, 'name'], 'give exactly one of replay: TRACE_FILE (open loop) or sessions: PATH (closed loop)');
  const kind = m.replay !== undefined ? 'replay' : 'sessions';
  return { name, kind, path: r.path(m[kind], [...path, kind]), flags: r.flags(m.flags, [...path, 'flags']) };
}

function readLoad(r: Reader, at: Located, v: unknown): CampaignSpec['load'] {
  if (v === undefined) return null;
  const m = r.map(v, ['load'], LOAD_KINDS);
  const kinds = Object.keys(m) as LoadKind[];
  if (kinds.length !== 1) at.fail(['load'], `give exactly one of ${LOAD_KINDS.join(', ')} with a list of values, e.g. speedup: [1, 2, 4]`);
  const kind = kinds[0];
  const raw = m[kind];
  const list = Array.isArray(raw) ? r.list(raw, ['load', kind]) : [raw];
  const values = list.map((x, i) => r.number(x, ['load', kind, i], 0, { gt: true, int: kind === 'users' }));
  return { kind, values };
}

function readCapacity(r: Reader, at: Located, v: unknown): CapacitySpec | null {
  if (v === undefined) return null;
  const m = r.map(v, ['capacity'], ['load', 'min', 'max', 'target', 'tolerance', 'maxProbes']);
  const load = r.string(m.load, ['capacity', 'load'], /^(speedup|rate|users)$/, 'speedup, rate or users') as LoadKind;
  const int = load === 'users';
  const min = r.number(m.min, ['capacity', 'min'], 0, { gt: true, int });
  const max = r.number(m.max, ['capacity', 'max'], min, { gt: true, int });
  const target = m.target === undefined ? 0.99 : r.number(m.target, ['capacity', 'target'], 0, { gt: true, max: 1 });
  const tolerance = m.tolerance === undefined ? (int ? 1 : (max - min) / 20) : r.number(m.tolerance, ['capacity', 'tolerance'], 0, { gt: true });
  const maxProbes = m.maxProbes === undefined ? 10 : r.number(m.maxProbes, ['capacity', 'maxProbes'], 2, { int: true, max: 100 });
  return { load, min, max, target, tolerance, maxProbes };
}

/** The flag names `llm-replay replay` and `sessions` take, to check the file's flag maps early. */
export type KnownFlags = Record<CampaignTrace['kind'], ReadonlySet<string>>;

/** Every flag map names only flags of the commands it reaches (the campaign's and a target's: every trace's). */
function checkFlagNames(at: Located, spec: CampaignSpec, known: KnownFlags): void {
  const check = (flags: FlagMap, path: Path, kinds: ReadonlySet<CampaignTrace['kind']>) => {
    for (const k of Object.keys(flags)) {
      for (const kind of kinds) {
        if (!known[kind].has(k)) at.fail([...path, k], `llm-replay ${kind} has no flag --${k} (see llm-replay ${kind} --help)`);
      }
    }
  };
  const all = new Set(spec.traces.map((t) => t.kind));
  check(spec.flags, ['flags'], all);
  spec.traces.forEach((t, i) => check(t.flags, ['traces', i, 'flags'], new Set([t.kind])));
  spec.targets.forEach((t, i) => check(t.flags, ['targets', i, 'flags'], all));
}

/** Parses campaign YAML text; `file` names it in messages and anchors relative paths. */
export function parseCampaign(text: string, file: string, known?: KnownFlags): CampaignSpec {
  const at = new Located(file, text);
  const r = new Reader(at, dirname(resolve(file)));
  const top = r.map(at.doc.toJS(), [], TOP_KEYS);
  const name = r.string(top.name, ['name'], SAFE_NAME, 'letters, digits, ".", "_" or "-" (it tags every sample and names the results directory)');
  const slo = top.slo === undefined ? [] : r.list(top.slo, ['slo']).map((x, i) => {
    try {
      return parseSlo(r.string(x, ['slo', i]));
    } catch (e) {
      return at.fail(['slo', i], (e as Error).message);
    }
  });
  const targets = uniqueNames(at, r.list(top.targets, ['targets']).map((t, i) => readTarget(r, t, ['targets', i])), 'targets');
  const traces = uniqueNames(at, r.list(top.traces, ['traces']).map((t, i) => readTrace(r, at, t, ['traces', i])), 'traces');
  const warmup = top.warmup === undefined ? {} : r.map(top.warmup, ['warmup'], ['requests']);
  const scrape = top.scrape === undefined || top.scrape === true ? {} : top.scrape === false ? null : r.map(top.scrape, ['scrape'], ['intervalS']);
  const spec: CampaignSpec = {
    name, file: resolve(file), slo, targets, traces,
    flags: r.flags(top.flags, ['flags']),
    outputs: top.outputs === undefined ? [] : r.list(top.outputs, ['outputs']).map((o, i) => {
      const s = r.string(o, ['outputs', i], /^(influxdb|prometheus-rw|experimental-prometheus-rw)(=.*)?$/, 'influxdb=URL or prometheus-rw[=URL] (each point writes its requests.jsonl itself)');
      return s;
    }),
    warmupRequests: warmup.requests === undefined ? 0 : r.number(warmup.requests, ['warmup', 'requests'], 0, { int: true }),
    cooldownS: top.cooldownS === undefined ? 0 : r.number(top.cooldownS, ['cooldownS'], 0),
    scrapeIntervalS: scrape === null ? null : scrape.intervalS === undefined ? 5 : r.number(scrape.intervalS, ['scrape', 'intervalS'], 0, { gt: true }),
    load: readLoad(r, at, top.load),
    capacity: readCapacity(r, at, top.capacity),
  };
  if (!spec.load && !spec.capacity) at.fail(['load'], 'a campaign needs load: (a list of speed-ups, rates or users) or capacity: (a search), or both');
  if (spec.capacity && (targets.length > 1 || traces.length > 1)) {
    at.fail(['capacity'], `a capacity search runs on one trace and one target; this file has ${traces.length} trace(s) and ${targets.length} target(s): split it into one campaign per pair`);
  }
  const kinds = [spec.load?.kind, spec.capacity?.load].filter((k): k is LoadKind => k !== undefined);
  traces.forEach((t, i) => {
    for (const k of kinds) {
      if (t.kind === 'replay' && k === 'users') at.fail(['traces', i, 'replay'], 'a replay trace is open loop: load it by speedup or rate; users is for sessions traces');
      if (t.kind === 'sessions' && k === 'rate') at.fail(['traces', i, 'sessions'], 'sessions are closed loop: load them by users or speedup (a shorter think time), not rate');
    }
    if (t.kind === 'sessions' && spec.warmupRequests > 0) at.fail(['warmup', 'requests'], `warm-up requests apply to replay traces; trace "${t.name}" is sessions: remove warmup or split the campaign`);
  });
  if (known) checkFlagNames(at, spec, known);
  return spec;
}

export function readCampaignFile(file: string, known?: KnownFlags): CampaignSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CampaignFileError(`cannot read campaign file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseCampaign(text, file, known);
}
