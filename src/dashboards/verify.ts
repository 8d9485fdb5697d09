// Runs every query of a generated dashboard (panel targets, variables, run annotations) against
// a real InfluxDB or Prometheus, after substituting Grafana's placeholders, and checks each
// answer against the expectation the panel catalogue gives for it.

import type { Dashboard, Flavour, Panel } from './grafana';
import type { Expectation } from './panels';
import { substitute, type QueryContext } from './substitute';
import { influxQuery, influxStrings, promLabelValues, promQuery, type Series } from './datasources';

export interface Connection {
  flavour: Flavour;
  url: string;
  /** InfluxDB database. */
  db?: string;
}

export interface QueryResult {
  /** "panel title/refId", "variable run", "annotation Runs". */
  what: string;
  query: string;
  series: Series[];
  problems: string[];
}

const hasValue = (s: Series) => s.rows.some((r) => r.some((v) => v !== null));

/** What is wrong with an answer, given what it should contain ([] = fine). */
export function checkSeries(series: Series[], e: Expectation): string[] {
  const problems: string[] = [];
  const live = series.filter(hasValue);
  if (live.length === 0) return ['no series with a value'];
  if (e.by) {
    if (live.some((s) => !s.labels[e.by!])) problems.push(`a series without ${e.by}`);
    const seen = new Set(live.map((s) => s.labels[e.by!]));
    for (const v of e.values ?? []) if (!seen.has(v)) problems.push(`no series with ${e.by}=${v} (got ${[...seen].join(', ') || 'none'})`);
  }
  for (const c of e.columns ?? []) {
    if (!live.some((s) => s.columns.includes(c) && s.rows.some((r) => r[s.columns.indexOf(c)] !== null))) problems.push(`column "${c}" has no value`);
  }
  return problems;
}

async function run(conn: Connection, q: string, ctx: QueryContext, instant = false): Promise<Series[]> {
  return conn.flavour === 'influxdb'
    ? influxQuery(conn.url, conn.db ?? 'k6', q)
    : promQuery(conn.url, q, ctx.fromMs, ctx.toMs, ctx.intervalMs, instant);
}

function targetsOf(panels: Panel[]): Array<{ panel: Panel; query: string; refId: string; instant: boolean }> {
  const out: Array<{ panel: Panel; query: string; refId: string; instant: boolean }> = [];
  for (const p of panels) {
    for (const t of p.targets ?? []) {
      out.push({ panel: p, refId: t.refId, query: 'query' in t ? t.query : t.expr, instant: 'instant' in t && t.instant });
    }
    if (p.panels) out.push(...targetsOf(p.panels));
  }
  return out;
}

/** Every panel query; a target without an expectation entry is itself a problem. */
export async function verifyPanels(d: Dashboard, conn: Connection, ctx: QueryContext, expect: Map<string, Expectation>): Promise<QueryResult[]> {
  const results: QueryResult[] = [];
  for (const t of targetsOf(d.panels)) {
    const what = `${t.panel.title}/${t.refId}`;
    const query = substitute(t.query, conn.flavour, ctx);
    const e = expect.get(what);
    try {
      const series = await run(conn, query, ctx, t.instant);
      results.push({ what, query, series, problems: e ? checkSeries(series, e) : ['no expectation in the panel catalogue'] });
    } catch (err) {
      results.push({ what, query, series: [], problems: [(err as Error).message] });
    }
  }
  return results;
}

/** The run and model variables must list the given values. */
export async function verifyVariables(d: Dashboard, conn: Connection, ctx: QueryContext, want: Record<string, string>): Promise<QueryResult[]> {
  const results: QueryResult[] = [];
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const query = substitute(String(v.definition), conn.flavour, ctx);
    let values: string[] = [];
    const problems: string[] = [];
    try {
      if (conn.flavour === 'influxdb') {
        values = await influxStrings(conn.url, conn.db ?? 'k6', query, 'value');
      } else {
        const m = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
        if (!m) throw new Error(`not a label_values() query: ${query}`);
        values = await promLabelValues(conn.url, m[1], m[2], ctx.fromMs, ctx.toMs);
      }
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (want[v.name] !== undefined && !values.includes(want[v.name])) problems.push(`${v.name} does not list ${want[v.name]} (got ${values.join(', ') || 'nothing'})`);
    results.push({ what: `variable ${v.name}`, query, series: [], problems });
  }
  return results;
}

/**
 * Annotations must find what they mark: `want` is the run id (run annotations) or values by the
 * annotation's label (e.g. {point: ID}); annotations grouped by a label not in `want` are left out.
 */
export async function verifyAnnotations(d: Dashboard, conn: Connection, ctx: QueryContext, want: string | Record<string, string>): Promise<QueryResult[]> {
  const wanted = typeof want === 'string' ? { run: want } : want;
  const results: QueryResult[] = [];
  for (const a of d.annotations.list) {
    const raw = (a.query ?? a.expr) as string | undefined;
    const by = String(a.textColumn ?? a.tagKeys ?? '');
    if (!raw || wanted[by] === undefined) continue; // Grafana's built-in annotations, other labels
    const query = substitute(raw, conn.flavour, ctx);
    try {
      const series = await run(conn, query, ctx);
      results.push({ what: `annotation ${a.name}`, query, series, problems: checkSeries(series, { by, values: [wanted[by]] }) });
    } catch (err) {
      results.push({ what: `annotation ${a.name}`, query, series: [], problems: [(err as Error).message] });
    }
  }
  return results;
}
