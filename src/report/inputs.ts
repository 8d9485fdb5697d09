// What `report html` and `report compare` read: a campaign directory (campaign.json, written by
// `llm-replay campaign run`, see docs/reports.md) or a single run (a summary JSON file, or a
// directory with summary.json and optionally requests.jsonl / engine-metrics.jsonl). Both become
// one list of points; nothing here reads the per-request files.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ReplayResult } from '../metrics/summary';
import type { SloBlock, SloObjective } from '../metrics/slo';

/** A bad input: the message names the file (and key) and says what to do. */
export class ReportInputError extends Error {}

/** Runs a report command: a bad input is its message on stderr and exit code 1, not a stack. */
export function exitOnInputError(run: () => number): number {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof ReportInputError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
}

/** ReplayResult carries the optional "slo" block (src/metrics/slo.ts). */
export type RunSummary = ReplayResult;

export interface Load { kind: string; value: number }

export interface PointRef {
  id: string;
  labels: Record<string, string>;
  load?: Load;
  status: string;
  error?: string;
  summaryPath?: string;
  requestsPath?: string;
  engineMetricsPath?: string;
}

export interface Capacity {
  loadKind: string; target: number; answer: number | null; tolerance: number; confidence: string;
  probes: Array<{ value: number; attainment: number; pointId?: string }>;
}

export interface ReportSource {
  kind: 'campaign' | 'run';
  name: string;
  /** What the user named. */
  path: string;
  slo?: SloObjective[];
  capacity?: Capacity;
  points: PointRef[];
}

const CAMPAIGN_FILE = 'campaign.json';

function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportInputError(`${file}: cannot read ${what}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ReportInputError(`${file}: ${what} is not valid JSON (${(e as Error).message})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isServing(v: unknown): v is Record<string, unknown> {
  return isObject(v) && isObject(v.requests) && isObject(v.latencyMs) && isObject(v.throughput);
}

/**
 * Reads a --summary-json result: replay's (a ReplayResult) or sessions' (its request figures
 * are the "serving" block); a file of another kind gets a message saying what was expected.
 */
export function readSummary(file: string): RunSummary {
  const v = readJsonFile(file, 'a run summary');
  if (isObject(v) && isServing(v.serving)) {
    // Sessions: the request figures are the serving block; card, cost and energy sit beside it.
    const { runCard, cost, energy } = v as Partial<RunSummary>;
    return { ...(v.serving as unknown as RunSummary), slo: (v.slo ?? v.serving.slo) as SloBlock | undefined, runCard, cost, energy };
  }
  if (!isServing(v)) {
    throw new ReportInputError(`${file}: not a run summary (expected the JSON that replay/sessions write with --summary-json: keys requests, latencyMs, throughput)`);
  }
  return v as unknown as RunSummary;
}

function existing(path: string): string | undefined {
  return existsSync(path) ? path : undefined;
}

function runSource(path: string, summaryPath: string, dir: string | undefined): ReportSource {
  const summary = readSummary(summaryPath);
  const id = dir ? basename(resolve(dir)) : basename(summaryPath).replace(/\.json$/, '').replace(/\.summary$/, '');
  return {
    kind: 'run',
    name: id,
    path,
    slo: summary.slo?.objectives,
    points: [{
      id,
      labels: {},
      load: summary.run?.speedup ? { kind: 'speedup', value: summary.run.speedup } : undefined,
      status: 'done',
      summaryPath,
      requestsPath: dir ? existing(join(dir, 'requests.jsonl')) : undefined,
      engineMetricsPath: dir ? existing(join(dir, 'engine-metrics.jsonl')) : undefined,
    }],
  };
}

function need<T>(cond: unknown, file: string, key: string, what: string): asserts cond {
  if (!cond) throw new ReportInputError(`${file}: ${key}: ${what} (see docs/reports.md for the campaign.json layout)`);
}

function readPoint(raw: unknown, i: number, file: string, root: string): PointRef {
  const key = `points[${i}]`;
  need(isObject(raw), file, key, 'must be an object');
  const p = raw as Record<string, unknown>;
  need(typeof p.id === 'string' && p.id !== '', file, `${key}.id`, 'must be a non-empty string');
  need(typeof p.status === 'string', file, `${key}.status`, 'must be done, incomplete, failed or pending');
  need(p.labels === undefined || isObject(p.labels), file, `${key}.labels`, 'must be an object of strings');
  const load = p.load as Record<string, unknown> | undefined;
  need(load === undefined || (isObject(load) && typeof load.kind === 'string' && typeof load.value === 'number'), file, `${key}.load`, 'must be {"kind": "speedup"|"rate"|"users", "value": NUMBER}');
  const rel = (k: string): string | undefined => {
    const v = p[k];
    need(v === undefined || typeof v === 'string', file, `${key}.${k}`, 'must be a path relative to the campaign directory');
    return v === undefined ? undefined : existing(join(root, v as string));
  };
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries((p.labels ?? {}) as Record<string, unknown>)) labels[k] = String(v);
  return {
    id: p.id as string,
    labels,
    load: load ? { kind: load.kind as string, value: load.value as number } : undefined,
    status: p.status as string,
    error: typeof p.error === 'string' ? p.error : undefined,
    summaryPath: rel('summary'),
    requestsPath: rel('requests'),
    engineMetricsPath: rel('engineMetrics'),
  };
}

function campaignSource(path: string, file: string): ReportSource {
  const root = dirname(file);
  const v = readJsonFile(file, 'the campaign index');
  need(isObject(v), file, '(top level)', 'must be an object');
  const c = v as Record<string, unknown>;
  need(c.version === 1, file, 'version', `is ${JSON.stringify(c.version)}; this llm-replay reads version 1`);
  need(Array.isArray(c.points), file, 'points', 'must be an array');
  const points = (c.points as unknown[]).map((p, i) => readPoint(p, i, file, root));
  const seen = new Set<string>();
  for (const p of points) {
    need(!seen.has(p.id), file, `points (id "${p.id}")`, 'appears twice: point ids must be unique');
    seen.add(p.id);
  }
  return {
    kind: 'campaign',
    name: typeof c.name === 'string' ? c.name : basename(resolve(root)),
    path,
    slo: Array.isArray(c.slo) ? (c.slo as SloObjective[]) : undefined,
    capacity: isObject(c.capacity) ? (c.capacity as unknown as Capacity) : undefined,
    points,
  };
}

/** Opens RESULTS: a campaign directory or campaign.json, a run directory, or a summary JSON file. */
export function openResults(path: string): ReportSource {
  if (!existsSync(path)) throw new ReportInputError(`${path}: no such file or directory (name a campaign directory, a run directory with summary.json, or a summary JSON file)`);
  if (statSync(path).isDirectory()) {
    const index = join(path, CAMPAIGN_FILE);
    if (existsSync(index)) return campaignSource(path, index);
    const summary = join(path, 'summary.json');
    if (existsSync(summary)) return runSource(path, summary, path);
    throw new ReportInputError(`${path}: neither ${CAMPAIGN_FILE} (a campaign) nor summary.json (a run) is in this directory`);
  }
  if (basename(path) === CAMPAIGN_FILE) return campaignSource(path, path);
  return runSource(path, path, undefined);
}

/** Points whose summary can be read (done, or incomplete with what was measured). */
export function measuredPoints(src: ReportSource): PointRef[] {
  return src.points.filter((p) => p.summaryPath !== undefined);
}
