// The points of a campaign: traces x load values x targets, each a replay or sessions command
// line with its labels and a stable id (the results directory of the point). A request rate
// becomes the speed-up that gives it on that trace. Pure: the recorded rate is passed in.

import type { CampaignSpec, CampaignTarget, CampaignTrace, FlagMap, LoadKind } from './file';

export interface PointLoad {
  kind: LoadKind;
  value: number;
}

export interface PlannedPoint {
  id: string;
  kind: 'replay' | 'sessions';
  labels: Record<string, string>;
  load: PointLoad;
  trace: CampaignTrace;
  target: CampaignTarget;
  /** The command and its flags, without the result paths, SLOs, tags and outputs the runner adds. */
  argv: string[];
}

/** Requests per second the trace plays at speed-up 1 (for rate points). */
export type RecordedRate = (trace: CampaignTrace, flags: FlagMap) => number;

const PREFIX: Record<LoadKind, string> = { speedup: 'x', rate: 'r', users: 'u' };

/** A load value for ids and labels: at most 4 significant digits, no exponent. */
export function formatLoad(v: number): string {
  return String(Number(v.toPrecision(4)));
}

export function pointId(trace: string, load: PointLoad, target: string, infix = ''): string {
  return `${trace}-${infix}${PREFIX[load.kind]}${formatLoad(load.value)}-${target}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A flag map as command-line arguments. */
export function flagArgs(flags: FlagMap): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(flags)) {
    if (v === true) out.push(`--${k}`);
    else if (v === false) out.push(`--no-${k}`);
    else if (Array.isArray(v)) for (const x of v) out.push(`--${k}`, String(x));
    else out.push(`--${k}`, String(v));
  }
  return out;
}

/** The flags of one trace on one target: campaign, then trace, then target flags (later wins). */
export function pointFlags(spec: CampaignSpec, trace: CampaignTrace, target: CampaignTarget): FlagMap {
  return { ...spec.flags, ...trace.flags, ...target.flags };
}

/** One point of `trace` on `target` at `load`. */
export function planPoint(spec: CampaignSpec, trace: CampaignTrace, target: CampaignTarget, load: PointLoad, rate: RecordedRate, infix = ''): PlannedPoint {
  const flags = pointFlags(spec, trace, target);
  // A sessions speed-up divides the time scale the flags give (default 1).
  const timeScale = Number(flags['time-scale'] ?? 1);
  if (trace.kind === 'sessions' && load.kind !== 'users') delete flags['time-scale'];
  const argv = trace.kind === 'replay' ? ['replay', '--trace', trace.path] : ['sessions', '--traces', trace.path];
  argv.push('--base-url', target.baseUrl);
  if (target.model) argv.push('--model', target.model);
  if (load.kind === 'users') argv.push('--users', String(load.value));
  else {
    const speedup = load.kind === 'speedup' ? load.value : load.value / rate(trace, flags);
    argv.push(...(trace.kind === 'replay' ? ['--speedup', String(speedup)] : ['--time-scale', String(timeScale / speedup)]));
  }
  argv.push(...flagArgs(flags));
  const id = pointId(trace.name, load, target.name, infix);
  // Each point gets its own prompt text (its warm-up shares it), so a point never hits the prefix
  // cache an earlier point filled: otherwise later loads look cached. `salt` in flags overrides.
  if (flags.salt === undefined) argv.push('--salt', `${spec.name}/${id}`);
  return {
    id,
    kind: trace.kind,
    labels: { target: target.name, trace: trace.name, ...target.labels, [load.kind]: formatLoad(load.value) },
    load,
    trace,
    target,
    argv,
  };
}

/** The matrix points of the campaign's load: (trace, load value, target) in that nesting order. */
export function planMatrix(spec: CampaignSpec, rate: RecordedRate): PlannedPoint[] {
  if (!spec.load) return [];
  const points: PlannedPoint[] = [];
  for (const trace of spec.traces) {
    for (const value of spec.load.values) {
      for (const target of spec.targets) points.push(planPoint(spec, trace, target, { kind: spec.load.kind, value }, rate));
    }
  }
  return points;
}

/** The warm-up run of a replay point: its first `requests` requests at the same load, no SLOs. */
export function warmupArgv(p: PlannedPoint, requests: number): string[] {
  const argv = [...p.argv];
  const i = argv.indexOf('--max-requests');
  if (i >= 0) argv.splice(i, 2);
  return [...argv, '--max-requests', String(requests)];
}
