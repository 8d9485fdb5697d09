// The slice of Grafana's dashboard JSON model (schemaVersion 39, Grafana 10/11) that our
// dashboards use, with small builders. Plain types rather than a dashboard SDK: the output stays
// short and reviewable, and the InfluxQL targets need no query builder. Pure.

export type Flavour = 'influxdb' | 'prometheus';

export interface DatasourceRef {
  type: Flavour;
  uid: string;
}

/** A raw InfluxQL target or a PromQL target. */
export type Target =
  | { refId: string; datasource: DatasourceRef; query: string; rawQuery: true; resultFormat: 'time_series'; alias?: string }
  | { refId: string; datasource: DatasourceRef; expr: string; legendFormat: string; range: boolean; instant: boolean; editorMode: 'code' };

export interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

export interface Panel {
  id: number;
  type: 'timeseries' | 'stat' | 'row';
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: DatasourceRef;
  targets?: Target[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
  collapsed?: boolean;
  panels?: Panel[];
}

export type Variable = Record<string, unknown> & { name: string; type: 'datasource' | 'query' };
export type Annotation = Record<string, unknown> & { name: string };

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: 'browser';
  schemaVersion: 39;
  version: 1;
  editable: true;
  /** 1 = shared crosshair: client and engine panels read on the same time axis. */
  graphTooltip: 1;
  time: { from: string; to: string };
  refresh: string;
  templating: { list: Variable[] };
  annotations: { list: Annotation[] };
  panels: Panel[];
}

/** Panels reference the data source through the `ds` variable, so users can point them elsewhere. */
export const dsRef = (type: Flavour): DatasourceRef => ({ type, uid: '${ds}' });

export function timeseriesDefaults(unit: string, extra: Record<string, unknown> = {}) {
  return {
    defaults: { unit, custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 0, showPoints: 'auto', spanNulls: true }, ...extra },
    overrides: [],
  };
}

export const TIMESERIES_OPTIONS = {
  legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
  tooltip: { mode: 'multi', sort: 'none' },
};

export const STAT_OPTIONS = {
  reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
  textMode: 'value_and_name',
  colorMode: 'none',
  graphMode: 'none',
  justifyMode: 'auto',
};

/** Lays panels out left to right in rows of 24 grid units, like Grafana's editor. */
export class Layout {
  private x = 0;
  private y = 0;
  private rowHeight = 0;
  private nextId = 1;

  id(): number {
    return this.nextId++;
  }

  row(): GridPos {
    this.newLine();
    const pos = { h: 1, w: 24, x: 0, y: this.y };
    this.y += 1;
    return pos;
  }

  place(w: number, h: number): GridPos {
    if (this.x + w > 24) this.newLine();
    const pos = { h, w, x: this.x, y: this.y };
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    return pos;
  }

  private newLine(): void {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}
