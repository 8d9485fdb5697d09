// Minimal HTTP clients for the two databases the dashboards read, returning one normalised shape:
// series with labels (InfluxDB tags / Prometheus labels) and rows of nullable numbers.

export interface Series {
  labels: Record<string, string>;
  columns: string[];
  /** One row per timestamp; null where the database returned no value (or NaN). */
  rows: Array<Array<number | null>>;
}

const TIMEOUT_MS = 15_000;

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = await res.text();
  if (!res.ok) throw new Error(`${res.status} from ${url}: ${body.slice(0, 500)}`);
  return JSON.parse(body);
}

const num = (v: unknown): number | null => {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : null;
};

interface InfluxResponse {
  results?: Array<{ error?: string; series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }> }>;
  error?: string;
}

/** InfluxQL against InfluxDB 1.x (`url` = http://host:port, `db` = database). */
export async function influxQuery(url: string, db: string, q: string): Promise<Series[]> {
  const r = (await getJson(`${url}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`)) as InfluxResponse;
  const res = r.results?.[0];
  if (r.error || res?.error) throw new Error(`InfluxDB: ${r.error ?? res?.error} in: ${q}`);
  return (res?.series ?? []).map((s) => {
    const timeCol = s.columns.indexOf('time');
    const keep = s.columns.map((_, i) => i).filter((i) => i !== timeCol);
    return {
      labels: s.tags ?? {},
      columns: keep.map((i) => s.columns[i]),
      rows: s.values.map((row) => keep.map((i) => num(row[i]))),
    };
  });
}

/** The string values of a column (SHOW TAG VALUES answers key/value rows). */
export async function influxStrings(url: string, db: string, q: string, column: string): Promise<string[]> {
  const r = (await getJson(`${url}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}`)) as InfluxResponse;
  const out: string[] = [];
  for (const s of r.results?.[0]?.series ?? []) {
    const i = s.columns.indexOf(column);
    for (const row of s.values) out.push(String(row[i]));
  }
  return out;
}

interface PromResponse {
  status: string;
  error?: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }> };
}

/** PromQL: a range query (step in ms), or an instant query at `toMs` when `instant`. */
export async function promQuery(url: string, q: string, fromMs: number, toMs: number, stepMs: number, instant: boolean): Promise<Series[]> {
  const params = instant
    ? `query=${encodeURIComponent(q)}&time=${toMs / 1000}`
    : `query=${encodeURIComponent(q)}&start=${fromMs / 1000}&end=${toMs / 1000}&step=${stepMs / 1000}`;
  const r = (await getJson(`${url}/api/v1/${instant ? 'query' : 'query_range'}?${params}`)) as PromResponse;
  if (r.status !== 'success') throw new Error(`Prometheus: ${r.error} in: ${q}`);
  return r.data.result.map((s) => ({
    labels: s.metric,
    columns: ['value'],
    rows: (s.values ?? (s.value ? [s.value] : [])).map(([, v]) => [num(v)]),
  }));
}

/** label_values(selector, label): the label's values among series matching the selector. */
export async function promLabelValues(url: string, selector: string, label: string, fromMs: number, toMs: number): Promise<string[]> {
  const r = (await getJson(`${url}/api/v1/label/${label}/values?match[]=${encodeURIComponent(selector)}&start=${fromMs / 1000}&end=${toMs / 1000}`)) as { data: string[] };
  return r.data;
}
