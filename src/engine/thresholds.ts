// Thresholds as k6 users write them: `--threshold 'ttft:p(99)<2000'` on the command line,
// `thresholds: { llm_ttft: ['p(99)<2000', { threshold: 'avg<500', abortOnFail: true }] }` in
// scenario options. Evaluated over a snapshot of the same shape as k6's handleSummary
// `data.metrics`, printed as k6 prints them, and a failure makes the run exit 99.
//
// Facts from k6 (metrics/thresholds_parser.go, metrics/thresholds.go, metrics/metric.go, docs):
// - expression: `method operator value`, spaces allowed around the operator; operators tried in
//   the order <=, <, >=, >, ===, ==, != (the first one found splits the text);
// - methods by metric type: trend avg|min|max|med|p(N), counter count|rate (rate = count per
//   second of the run), rate rate, gauge value; == and === are the same on numbers;
// - a submetric is `name{tag:value,...}`, its summary key is the name with that text;
// - at the end of a run, a threshold on a metric with no samples is still evaluated (empty
//   trends and counters read 0; an empty rate is 0/0, which fails every comparison but !=);
// - object form: { threshold, abortOnFail, delayAbortEval } — a failing abortOnFail threshold
//   stops the test once delayAbortEval (if given) has passed.

import { COUNTERS, HISTOGRAMS, SESSION_COUNTERS, SESSION_TRENDS, TRENDS } from '../metrics/names';

export class ThresholdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThresholdError';
  }
}

export type MetricType = 'trend' | 'counter' | 'gauge' | 'rate';
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';
export type Method = 'avg' | 'min' | 'max' | 'med' | 'p' | 'count' | 'rate' | 'value';

/** One metric of a run's end state: k6's handleSummary `data.metrics[name]`. */
export interface MetricSnapshot {
  type: string;
  values: Record<string, number>;
}

/** Metrics by name, submetrics by `name{tag:value}` (k6 handleSummary `data.metrics`). */
export type MetricsSnapshot = Record<string, MetricSnapshot | undefined>;

export interface Threshold {
  /** The expression as written: "p(99)<2000". */
  source: string;
  /** The metric as written: "ttft", "llm_requests{outcome:error}". */
  metricText: string;
  /** Full metric key: "llm_ttft", "llm_requests{outcome:error}". */
  metric: string;
  /** Metric name without the submetric selector. */
  baseMetric: string;
  /** Submetric selector tags ({} for the metric itself). */
  tags: Record<string, string>;
  method: Method;
  /** For method 'p': the percentile, 0..100. */
  percentile: number | null;
  /** The key of the value in the snapshot's `values`: "p(99)", "avg", "count". */
  stat: string;
  operator: Operator;
  value: number;
  abortOnFail: boolean;
  /** Abort only after this much of the run (ms); null aborts at once. */
  delayAbortEvalMs: number | null;
}

export interface ThresholdResult {
  threshold: Threshold;
  ok: boolean;
  /** The value compared (NaN for an empty rate); null when there was nothing to compare. */
  observed: number | null;
  /** The metric had no samples: k6's empty-sink values were used. */
  noData: boolean;
  /** Why the threshold could not be evaluated (it then fails). */
  problem?: string;
}

/** A threshold in scenario options, as k6 takes it. */
export type ThresholdSpec = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string | number };

const OPERATORS: Operator[] = ['<=', '<', '>=', '>', '===', '==', '!='];

const METHODS_BY_TYPE: Record<MetricType, string[]> = {
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  trend: ['avg', 'min', 'max', 'med', 'p(N)'],
};

const EXPRESSION_FORM = 'METHOD OP VALUE with METHOD avg|min|max|med|p(N) (trends), count|rate (counters), rate (rates), value (gauges) and OP one of < <= > >= == === !=';
const FLAG_FORM = `METRIC:EXPRESSION, e.g. --threshold 'ttft:p(99)<2000' or --threshold 'llm_requests{outcome:error}:count<1'`;

/** Types of the metrics the engine emits, so a wrong method fails before the run starts. */
const KNOWN_TYPES: Record<string, MetricType> = (() => {
  const types: Record<string, MetricType> = { dropped_iterations: 'counter' };
  for (const name of [...Object.values(TRENDS), ...Object.values(HISTOGRAMS), ...Object.values(SESSION_TRENDS)]) types[name] = 'trend';
  for (const name of [...Object.values(COUNTERS), ...Object.values(SESSION_COUNTERS)]) types[name] = 'counter';
  return types;
})();

/** Trends kept in milliseconds (the renderer adds "ms"). */
const MS_TRENDS = new Set<string>([
  ...Object.values(TRENDS), HISTOGRAMS.itl, HISTOGRAMS.ttft, HISTOGRAMS.tpot, HISTOGRAMS.e2e, HISTOGRAMS.dispatchLag,
  SESSION_TRENDS.ttft, SESSION_TRENDS.ttfat, SESSION_TRENDS.latency,
]);

/** Short names: every llm_* metric without its prefix (ttft, dispatch_lag, errors, session_ttfat), plus a few more. */
const ALIASES: Record<string, string> = (() => {
  const aliases: Record<string, string> = { sent: COUNTERS.sent, ttfat: SESSION_TRENDS.ttfat };
  for (const name of Object.keys(KNOWN_TYPES)) if (name.startsWith('llm_')) aliases[name.slice(4)] = name;
  return aliases;
})();

/** "ttft" -> "llm_ttft"; full and unknown (custom) names are kept. */
export function resolveMetricName(name: string): string {
  return ALIASES[name] ?? name;
}

/** The type of one of the engine's own metrics, or null for a custom one. */
export function knownMetricType(name: string): MetricType | null {
  return KNOWN_TYPES[name] ?? null;
}

function fail(where: string, message: string): never {
  throw new ThresholdError(`${where}: ${message}`);
}

/** k6's ParseMetricName: "name{k:v,k2:v2}" -> name and tags, names and values trimmed of spaces and quotes. */
function parseMetric(text: string, where: string): { base: string; tags: Record<string, string>; key: string } {
  const t = text.trim();
  const open = t.indexOf('{');
  const close = t.lastIndexOf('}');
  const name = open < 0 ? t : t.slice(0, open).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(where, `"${name}" is not a metric name (letters, digits and _), e.g. ttft or llm_ttft`);
  const base = resolveMetricName(name);
  if (open < 0 && close < 0) return { base, tags: {}, key: base };
  if (open < 0 || close < open || close !== t.length - 1) fail(where, `"${t}" has unmatched braces; a submetric is written name{tag:value}, e.g. llm_requests{outcome:error}`);
  const tags: Record<string, string> = {};
  for (const part of t.slice(open + 1, close).split(',')) {
    const colon = part.indexOf(':');
    const k = colon < 0 ? '' : part.slice(0, colon).trim().replace(/^["']+|["']+$/g, '');
    const v = colon < 0 ? '' : part.slice(colon + 1).trim().replace(/^["']+|["']+$/g, '');
    if (!k || !v) fail(where, `"${part.trim()}" in ${t} is not tag:value; a submetric is written name{tag:value}, e.g. llm_errors{reason:timeout}`);
    tags[k] = v;
  }
  return { base, tags, key: submetricKey(base, tags) };
}

function submetricKey(base: string, tags: Record<string, string>): string {
  const parts = Object.entries(tags).map(([k, v]) => `${k}:${v}`);
  return parts.length ? `${base}{${parts.join(',')}}` : base;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

interface Expression {
  method: Method;
  percentile: number | null;
  stat: string;
  operator: Operator;
  value: number;
}

/** k6's threshold expression: "p(99) < 2000", "rate<0.01", "count>=0". */
function parseExpression(source: string, where: string): Expression {
  const op = OPERATORS.find((o) => source.includes(o));
  if (!op) fail(where, `"${source}" has no comparison; expected ${EXPRESSION_FORM}`);
  const at = source.indexOf(op);
  const left = source.slice(0, at).trim();
  const right = source.slice(at + op.length).trim();
  if (!NUMBER.test(right)) fail(where, `"${right}" in "${source}" is not a number; expected ${EXPRESSION_FORM}`);
  const value = Number(right);
  if (['avg', 'min', 'max', 'med', 'count', 'rate', 'value'].includes(left)) {
    return { method: left as Method, percentile: null, stat: left, operator: op, value };
  }
  const p = /^p\((.*)\)$/.exec(left);
  if (!p) fail(where, `"${left}" in "${source}" is not an aggregation method; expected ${EXPRESSION_FORM}`);
  const n = p[1].trim();
  if (!NUMBER.test(n) || Number(n) < 0 || Number(n) > 100) fail(where, `p(${p[1]}) in "${source}" needs a percentile from 0 to 100, e.g. p(99) or p(99.9)`);
  // k6 formats the key with %g: p(99), p(99.9); JS number printing agrees for these.
  return { method: 'p', percentile: Number(n), stat: `p(${Number(n)})`, operator: op, value };
}

function methodName(e: { method: Method }): string {
  return e.method === 'p' ? 'p(N)' : e.method;
}

function checkMethod(type: MetricType, e: Expression, metric: string, where: string): void {
  const allowed = METHODS_BY_TYPE[type];
  if (!allowed.includes(methodName(e))) {
    fail(where, `${methodName(e)} does not apply to ${metric}, a ${type}; its methods are ${allowed.join(', ')}`);
  }
}

/** Go-style durations as k6 takes them for delayAbortEval: "10s", "1m30s", "500ms"; a number is ms. */
function parseDelayMs(raw: string | number, where: string): number {
  if (typeof raw === 'number' && raw >= 0) return raw;
  const t = String(raw).trim();
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!t || parts.map((m) => m[0]).join('') !== t) fail(where, `delayAbortEval "${t}" is not a duration such as 10s, 1m30s or 500ms`);
  return parts.reduce((ms, m) => ms + Number(m[1]) * units[m[2]], 0);
}

function build(metricText: string, spec: ThresholdSpec, where: string): Threshold {
  const source = (typeof spec === 'string' ? spec : spec.threshold ?? '').trim();
  if (!source) fail(where, `empty threshold; expected ${EXPRESSION_FORM}`);
  const m = parseMetric(metricText, where);
  const e = parseExpression(source, where);
  const type = knownMetricType(m.base);
  if (type) checkMethod(type, e, m.base, where);
  const delay = typeof spec === 'object' && spec.delayAbortEval !== undefined ? parseDelayMs(spec.delayAbortEval, where) : null;
  return {
    source, metricText: metricText.trim(), metric: m.key, baseMetric: m.base, tags: m.tags, ...e,
    abortOnFail: typeof spec === 'object' && spec.abortOnFail === true, delayAbortEvalMs: delay,
  };
}

/** `--threshold METRIC:EXPRESSION`; the metric may carry a submetric selector with its own colons. */
export function parseThresholdFlag(text: string, flag = '--threshold'): Threshold {
  const t = text.trim();
  const where = `${flag} '${t}'`;
  const close = t.indexOf('}');
  const colon = t.indexOf(':', t.includes('{') && close > 0 ? close : 0);
  if (colon <= 0) fail(where, `expected ${FLAG_FORM}`);
  return build(t.slice(0, colon), t.slice(colon + 1), where);
}

/** k6's `options.thresholds`: metric -> expression(s), strings or { threshold, abortOnFail, delayAbortEval }. */
export function parseThresholdOptions(options: Record<string, ThresholdSpec | ThresholdSpec[]>, where = 'options.thresholds'): Threshold[] {
  const out: Threshold[] = [];
  for (const [metric, specs] of Object.entries(options)) {
    for (const spec of Array.isArray(specs) ? specs : [specs]) {
      if (typeof spec !== 'string' && (typeof spec !== 'object' || spec === null || typeof spec.threshold !== 'string')) {
        fail(`${where}.${metric}`, `${JSON.stringify(spec)} is neither an expression string nor { threshold: '...', abortOnFail?, delayAbortEval? }`);
      }
      out.push(build(metric, spec, `${where}.${metric} '${typeof spec === 'string' ? spec : spec.threshold}'`));
    }
  }
  return out;
}

/** Percentiles the snapshot must hold per metric key, so the engine computes them. */
export function percentilesNeeded(thresholds: readonly Threshold[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const t of thresholds) {
    if (t.percentile === null) continue;
    const list = (out[t.metric] ??= []);
    if (!list.includes(t.percentile)) list.push(t.percentile);
  }
  return out;
}

/** The snapshot entry of a threshold's metric: exact key first, then the same tags in another order. */
function findMetric(metrics: MetricsSnapshot, t: Threshold): MetricSnapshot | undefined {
  const exact = metrics[t.metric];
  if (exact) return exact;
  const wanted = Object.entries(t.tags);
  if (wanted.length === 0) return undefined;
  for (const [key, snap] of Object.entries(metrics)) {
    if (!snap || !key.startsWith(`${t.baseMetric}{`)) continue;
    try {
      const { tags } = parseMetric(key, key);
      if (Object.keys(tags).length === wanted.length && wanted.every(([k, v]) => tags[k] === v)) return snap;
    } catch {
      // A key that is no submetric selector cannot match.
    }
  }
  return undefined;
}

/** k6's values of an empty sink at the end of a run. */
function emptyValue(type: MetricType): number {
  return type === 'rate' ? NaN : 0;
}

function compareWith(op: Operator, observed: number, limit: number): boolean {
  switch (op) {
    case '<': return observed < limit;
    case '<=': return observed <= limit;
    case '>': return observed > limit;
    case '>=': return observed >= limit;
    case '==':
    case '===': return observed === limit;
    case '!=': return observed !== limit;
  }
}

function observe(t: Threshold, snap: MetricSnapshot): { observed: number | null; problem?: string } {
  const type = snap.type as MetricType;
  if (METHODS_BY_TYPE[type]) {
    const allowed = METHODS_BY_TYPE[type];
    if (!allowed.includes(methodName(t))) {
      return { observed: null, problem: `${methodName(t)} does not apply to ${t.metric}, a ${type}; its methods are ${allowed.join(', ')}` };
    }
  }
  const v = snap.values;
  const direct = v[t.stat];
  const fallback = t.stat === 'med' ? v['p(50)'] : t.stat === 'p(50)' ? v.med : undefined;
  const observed = direct ?? fallback;
  if (observed === undefined) return { observed: null, problem: `the run did not compute ${t.stat} for ${t.metric}` };
  return { observed };
}

function evaluateOne(t: Threshold, metrics: MetricsSnapshot): ThresholdResult {
  const snap = findMetric(metrics, t);
  if (!snap) {
    const type = knownMetricType(t.baseMetric);
    if (!type) return { threshold: t, ok: false, observed: null, noData: true, problem: `no metric named ${t.metric} in this run` };
    const observed = emptyValue(type);
    return { threshold: t, ok: compareWith(t.operator, observed, t.value), observed, noData: true };
  }
  const { observed, problem } = observe(t, snap);
  if (observed === null) return { threshold: t, ok: false, observed: null, noData: false, problem };
  return { threshold: t, ok: compareWith(t.operator, observed, t.value), observed, noData: false };
}

/** Every threshold against the end-of-run metrics. */
export function evaluateThresholds(thresholds: readonly Threshold[], metrics: MetricsSnapshot): ThresholdResult[] {
  return thresholds.map((t) => evaluateOne(t, metrics));
}

export function thresholdsPassed(results: readonly ThresholdResult[]): boolean {
  return results.every((r) => r.ok);
}

/** The first failing abortOnFail threshold whose delay has passed, or null (evaluated during the run). */
export function abortingThreshold(results: readonly ThresholdResult[], elapsedMs: number): Threshold | null {
  const hit = results.find((r) => !r.ok && r.threshold.abortOnFail && (r.threshold.delayAbortEvalMs === null || r.threshold.delayAbortEvalMs < elapsedMs));
  return hit ? hit.threshold : null;
}

/** k6 handleSummary's `data.metrics[name].thresholds`: expression -> { ok }. */
export function summaryThresholds(results: readonly ThresholdResult[]): Record<string, Record<string, { ok: boolean }>> {
  const out: Record<string, Record<string, { ok: boolean }>> = {};
  for (const r of results) (out[r.threshold.metric] ??= {})[r.threshold.source] = { ok: r.ok };
  return out;
}

function formatObserved(r: ThresholdResult): string {
  const t = r.threshold;
  if (r.observed === null) return r.problem ?? 'no value';
  if (Number.isNaN(r.observed)) return `${t.stat}=n/a`;
  const rounded = Number.isInteger(r.observed) ? String(r.observed) : r.observed.toFixed(2);
  const unit = MS_TRENDS.has(t.baseMetric) && t.method !== 'count' && t.method !== 'rate' ? 'ms' : t.method === 'rate' && knownMetricType(t.baseMetric) === 'counter' ? '/s' : '';
  return `${t.stat}=${rounded}${unit}`;
}

const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

/** The THRESHOLDS block of the summary, grouped by metric as k6 prints it. */
export function renderThresholds(results: readonly ThresholdResult[], opts: { color?: boolean } = {}): string {
  if (results.length === 0) return '';
  const byMetric = new Map<string, ThresholdResult[]>();
  for (const r of results) {
    const list = byMetric.get(r.threshold.metric) ?? [];
    list.push(r);
    byMetric.set(r.threshold.metric, list);
  }
  const lines = ['  █ THRESHOLDS', ''];
  for (const [metric, list] of byMetric) {
    lines.push(`    ${metric}`);
    for (const r of list) {
      const mark = r.ok ? '✓' : '✗';
      const painted = opts.color ? `${r.ok ? GREEN : RED}${mark}${RESET}` : mark;
      const note = r.noData && r.observed !== null ? ' (no samples)' : '';
      lines.push(`    ${painted} '${r.threshold.source}' ${formatObserved(r)}${note}`);
    }
    lines.push('');
  }
  const failed = results.filter((r) => !r.ok).length;
  lines.push(failed ? `  ${failed} of ${results.length} thresholds failed` : `  all ${results.length} thresholds passed`);
  return lines.join('\n');
}
