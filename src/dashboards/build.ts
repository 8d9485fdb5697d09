// Builds the two Grafana dashboards (InfluxDB v1 and Prometheus) from the one panel catalogue in
// panels.ts, so both show the same panels in the same places. Pure.

import { dsRef, Layout, STAT_OPTIONS, TIMESERIES_OPTIONS, timeseriesDefaults, type Annotation, type Dashboard, type Flavour, type Panel, type Target, type Variable } from './grafana';
import { POINT_ANNOTATIONS, ROWS, RUN_ANNOTATIONS, VARIABLE_QUERIES, type Expectation, type PanelSpec, type QuerySpec } from './panels';

export const DASHBOARD_FILES: Record<Flavour, string> = {
  influxdb: 'dashboards/k6-llm-replay-influxdb.json',
  prometheus: 'dashboards/k6-llm-replay-prometheus.json',
};

/** Data sources provisioned by deploy/grafana (the `ds` variable's default). */
export const PROVISIONED_DATASOURCES: Record<Flavour, { uid: string; name: string }> = {
  influxdb: { uid: 'k6-influxdb', name: 'k6 InfluxDB' },
  prometheus: { uid: 'k6-prometheus', name: 'Prometheus' },
};

const refId = (i: number) => String.fromCharCode(65 + i);

function target(flavour: Flavour, q: QuerySpec, i: number): Target {
  const datasource = dsRef(flavour);
  if (flavour === 'influxdb') {
    return { refId: refId(i), datasource, query: q.query, rawQuery: true, resultFormat: 'time_series', ...(q.legend ? { alias: q.legend } : {}) };
  }
  return { refId: refId(i), datasource, expr: q.query, legendFormat: q.legend ?? '__auto', range: !q.instant, instant: !!q.instant, editorMode: 'code' };
}

function panel(flavour: Flavour, spec: PanelSpec, layout: Layout): Panel {
  const height = spec.type === 'stat' ? 4 : 8;
  const extra = spec.max !== undefined ? { min: 0, max: spec.max } : {};
  return {
    id: layout.id(),
    type: spec.type,
    title: spec.title,
    description: spec.description,
    gridPos: layout.place(spec.width, height),
    datasource: dsRef(flavour),
    targets: spec.queries[flavour].map((q, i) => target(flavour, q, i)),
    fieldConfig: spec.type === 'stat' ? { defaults: { unit: spec.unit[flavour], decimals: 0 }, overrides: [] } : timeseriesDefaults(spec.unit[flavour], extra),
    options: spec.type === 'stat' ? STAT_OPTIONS : TIMESERIES_OPTIONS,
  };
}

function variables(flavour: Flavour): Variable[] {
  const ds = PROVISIONED_DATASOURCES[flavour];
  const q = VARIABLE_QUERIES[flavour];
  const query = (name: keyof typeof q, label: string, sort: number, all = false): Variable => ({
    name, label, type: 'query', datasource: dsRef(flavour),
    query: flavour === 'prometheus' ? { query: q[name], refId: `${name}-variable` } : q[name],
    definition: q[name],
    // Runs ids default to timestamps: newest first.
    refresh: 2, sort, multi: true, includeAll: true, allValue: '.*', current: all ? { text: 'All', value: '$__all' } : {}, hide: 0, options: [], regex: '',
  });
  return [
    { name: 'ds', label: 'Data source', type: 'datasource', query: flavour, current: { text: ds.name, value: ds.uid }, hide: 0, refresh: 1, regex: '', options: [] },
    // Campaigns default to All: runs outside a campaign have no campaign/point tags and still show.
    query('campaign', 'Campaign', 2, true),
    query('point', 'Point', 1, true),
    query('run', 'Run', 2),
    query('model', 'Model', 1),
  ];
}

function annotations(flavour: Flavour): Annotation[] {
  const builtin: Annotation = {
    name: 'Annotations & Alerts', builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true,
    iconColor: 'rgba(0, 211, 255, 1)', type: 'dashboard',
  };
  const runs: Annotation[] = flavour === 'influxdb'
    ? RUN_ANNOTATIONS.influxdb.map((a, i) => ({
      name: a.name, datasource: dsRef(flavour), enable: true, iconColor: i === 0 ? 'green' : 'red', query: a.query, textColumn: 'run', tagsColumn: 'run', titleColumn: '',
    }))
    : RUN_ANNOTATIONS.prometheus.map((a) => ({
      name: a.name, datasource: dsRef(flavour), enable: true, iconColor: 'green', expr: a.query, step: '10s', titleFormat: 'run {{run}}', tagKeys: 'run', textFormat: '', useValueForTime: false,
    }));
  const points: Annotation[] = flavour === 'influxdb'
    ? POINT_ANNOTATIONS.influxdb.map((a, i) => ({
      name: a.name, datasource: dsRef(flavour), enable: true, iconColor: i === 0 ? 'blue' : 'purple', query: a.query, textColumn: 'point', tagsColumn: 'point', titleColumn: '',
    }))
    : POINT_ANNOTATIONS.prometheus.map((a) => ({
      name: a.name, datasource: dsRef(flavour), enable: true, iconColor: 'blue', expr: a.query, step: '10s', titleFormat: 'point {{point}}', tagKeys: 'point', textFormat: 'campaign {{campaign}}', useValueForTime: false,
    }));
  return [builtin, ...runs, ...points];
}

export function buildDashboard(flavour: Flavour): Dashboard {
  const layout = new Layout();
  const panels: Panel[] = [];
  for (const row of ROWS) {
    panels.push({ id: layout.id(), type: 'row', title: row.title, gridPos: layout.row(), collapsed: false, panels: [] });
    for (const spec of row.panels) panels.push(panel(flavour, spec, layout));
  }
  const name = flavour === 'influxdb' ? 'InfluxDB' : 'Prometheus';
  return {
    uid: `k6-llm-replay-${flavour}`,
    title: `k6-llm-replay (${name})`,
    description: `Trace replay results (k6 ${flavour === 'influxdb' ? '--out influxdb' : '-o experimental-prometheus-rw, native histograms'}) with the engine's own metrics on the same time axis. Generated by llm-replay dashboards (src/dashboards): do not edit by hand.`,
    tags: ['k6', 'llm', 'k6-llm-replay'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    time: { from: 'now-1h', to: 'now' },
    refresh: '10s',
    templating: { list: variables(flavour) },
    annotations: { list: annotations(flavour) },
    panels,
  };
}

export function renderDashboard(flavour: Flavour): string {
  return JSON.stringify(buildDashboard(flavour), null, 2) + '\n';
}

/** Expectations of every target, by "panel title/refId" (for the integration test). */
export function expectations(flavour: Flavour): Map<string, Expectation> {
  const out = new Map<string, Expectation>();
  for (const row of ROWS) {
    for (const spec of row.panels) spec.queries[flavour].forEach((q, i) => out.set(`${spec.title}/${refId(i)}`, q.expect ?? {}));
  }
  return out;
}
