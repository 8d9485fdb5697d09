// The self-contained HTML report: the ECharts library inlined (its minified "common" build,
// Apache-2.0, licence header kept), the chart options as inline JSON, and the tables as plain
// HTML. Nothing is fetched when the file is opened: no CDN, no fonts, no favicon.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BUNDLE_DIR } from '../runtime/entries';
import { BUNDLED, PACKAGE_ROOT } from '../runtime/paths';
import type { ChartSpec } from './charts';
import { TABLE_PERCENTILES, percentileRow } from './distribution';
import { DIST_METRICS, type DistMetric, type PointDigest } from './digest';
import type { ReportSource } from './inputs';
import { costRows } from '../metrics/cost';
import { energyRows } from '../observe/dcgm';
import type { RunCard } from '../outputs/run-card';

/** The ECharts build inlined into the page: line, bar, scatter and the components the charts use. */
export const ECHARTS_BUILD = 'echarts.common.min.js';

export function echartsSource(): string {
  // The bundle ships its copy beside itself (the build copies it); the sources read the package's.
  if (BUNDLED) return readFileSync(join(PACKAGE_ROOT, BUNDLE_DIR, ECHARTS_BUILD), 'utf8');
  const main = createRequire(import.meta.url).resolve('echarts'); // .../echarts/dist/echarts.js
  return readFileSync(join(dirname(main), ECHARTS_BUILD), 'utf8');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function fmt(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  return x.toFixed(digits);
}

function table(head: string[], rows: string[][], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function labelsOf(d: PointDigest): string {
  return Object.entries(d.ref.labels).map(([k, v]) => `${k}=${v}`).join(' ');
}

function pointsTable(ds: PointDigest[]): string {
  const head = ['point', 'labels', 'load', 'status', 'sent', 'ok', 'failed', 'duration (s)', 'req/s', 'output tok/s', 'cache hit', 'goodput (req/s)', 'SLO attainment'];
  const rows = ds.map((d) => {
    const s = d.summary;
    return [
      d.ref.id, labelsOf(d), d.ref.load ? `${d.ref.load.kind} ${d.ref.load.value}` : '', d.ref.status,
      String(s.requests.sent), String(s.requests.succeeded), String(s.requests.failed), fmt(s.durationS),
      fmt(s.throughput.requestsPerS), fmt(s.throughput.outputTokensPerS), s.cacheHitRate === null ? '–' : `${fmt(s.cacheHitRate * 100, 1)}%`,
      s.slo ? fmt(s.slo.goodputRps) : '–', s.slo ? `${fmt(s.slo.attainment * 100, 2)}%` : '–',
    ];
  });
  return table(head, rows);
}

const METRIC_TITLES: Record<DistMetric, string> = { ttft: 'TTFT (ms)', tpot: 'TPOT (ms)', itl: 'ITL (ms)', e2e: 'E2E latency (ms)' };

function percentileTables(ds: PointDigest[]): string {
  return DIST_METRICS.map((m) => {
    const rows = ds.map((d) => {
      const r = percentileRow(d.dists[m]);
      return [d.ref.id, String(r.count), ...r.values.map((x) => fmt(x))];
    });
    const means = ds.filter((d) => d.itlSource === 'request-mean').map((d) => d.ref.id);
    const note = m !== 'itl' ? '' : ` — every gap between token chunks${means.length ? ` (per-request means for ${means.join(', ')}: no ITL histogram in the summary)` : ''}`;
    return `<h3>${esc(METRIC_TITLES[m])}${esc(note)}</h3>${table(['point', 'count', ...TABLE_PERCENTILES.map(([l]) => l)], rows, 'num')}`;
  }).join('\n');
}

function campaignBlock(src: ReportSource, ds: PointDigest[]): string {
  const parts: string[] = [];
  const notMeasured = src.points.filter((p) => !ds.some((d) => d.ref.id === p.id));
  if (src.slo?.length) parts.push(`<p>SLOs: ${esc(src.slo.map((o) => `${o.metric} ${o.stat} ${o.op} ${o.threshold} ms`).join(', '))}</p>`);
  const c = src.capacity;
  if (c) {
    parts.push(`<h3>Capacity search</h3><p>Highest ${esc(c.loadKind)} with SLO attainment ≥ ${fmt(c.target * 100, 1)}%: <b>${c.answer === null ? 'none found' : esc(String(c.answer))}</b> (tolerance ${esc(String(c.tolerance))}; ${esc(c.confidence ?? '')})</p>`);
    parts.push(table(['probe', c.loadKind, 'attainment', 'point'], (c.probes ?? []).map((p, i) => [String(i + 1), String(p.value), `${fmt(p.attainment * 100, 2)}%`, p.pointId ?? ''])));
  }
  if (notMeasured.length) parts.push(`<h3>Points without results</h3>${table(['point', 'status', 'error'], notMeasured.map((p) => [p.id, p.status, p.error ?? '']))}`);
  const truncated = ds.filter((d) => d.records.truncatedLast).map((d) => d.ref.id);
  if (truncated.length) parts.push(`<p class="warn">A cut-short last line was skipped in the per-request file of: ${esc(truncated.join(', '))}</p>`);
  const noRecords = ds.filter((d) => !d.ref.requestsPath).map((d) => d.ref.id);
  if (noRecords.length) parts.push(`<p class="warn">No per-request records (no time series) for: ${esc(noRecords.join(', '))}</p>`);
  return parts.join('\n');
}

function cardRows(c: RunCard): string[][] {
  const model = (c.server.models?.[0] as { id?: string } | undefined)?.id ?? '';
  const flags = Object.entries(c.flags).map(([k, v]) => (Array.isArray(v) ? v.map((x) => `--${k} ${x}`).join(' ') : `--${k} ${v}`)).join(' ');
  return [
    ['tool', `${c.tool.name} ${c.tool.version}${c.tool.commit ? ` (${c.tool.commit})` : ''}`],
    ['node / host', `${c.node} · ${c.host.cores} x ${c.host.cpu} · ${c.host.platform}/${c.host.arch}`],
    ['trace', c.traces.map((t) => `${t.path}${t.sha256 ? ` sha256 ${t.sha256}` : ''}`).join(', ')],
    ['rows replayed', String(c.rowsReplayed)],
    ['command', `llm-replay ${c.command} ${flags}`],
    ['seeds / salts', Object.entries(c.seeds).map(([k, v]) => `${k}=${v}`).join(' ') || '–'],
    ['server', `${model}${c.server.version ? ` · version ${JSON.stringify(c.server.version)}` : ''}${Object.keys(c.server.buildInfo).length ? ` · ${Object.keys(c.server.buildInfo).join(', ')}` : ''}`],
    ['transport', c.transport],
  ];
}

/** Run card, cost and GPU energy of each point that has them. */
function runBlocks(ds: PointDigest[]): string {
  const parts: string[] = [];
  for (const d of ds) {
    const s = d.summary;
    if (!s.runCard && !s.cost && !s.energy) continue;
    parts.push(`<h3>${esc(d.ref.id)}</h3>`);
    if (s.runCard) parts.push(table(['run card', ''], cardRows(s.runCard), 'card'));
    if (s.cost) parts.push(table(['cost', ''], costRows(s.cost)));
    if (s.energy) parts.push(table(['GPU energy', `from ${s.energy.source}`], energyRows(s.energy)));
  }
  return parts.length ? `<h2>Run card, cost and energy</h2>\n${parts.join('\n')}` : '';
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:17px;margin-top:28px}
h3{font-size:14px;margin:16px 0 6px}table{border-collapse:collapse;font-size:12px;margin-bottom:8px}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:left}table.num td:not(:first-child){text-align:right}
th{background:#f4f4f4}.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}.chart{height:420px}.warn{color:#a40}.meta{color:#666;font-size:12px}`;


export function renderHtml(src: ReportSource, ds: PointDigest[], charts: ChartSpec[], title: string, generatedAt: Date): string {
  const chartDivs = charts.map((c) => `<div class="chart" id="chart-${esc(c.id)}" data-chart="${esc(c.id)}" role="img" aria-label="${esc(c.title)}"></div>`).join('\n');
  const options = Object.fromEntries(charts.map((c) => [c.id, c.option]));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<style>${STYLE}</style>
<script>${echartsSource()}</script>
</head><body>
<h1>${esc(title)}</h1>
<p class="meta">${esc(src.kind)} ${esc(src.path)} · ${ds.length} point(s) with results of ${src.points.length} · generated ${esc(generatedAt.toISOString())} by llm-replay report html</p>
${campaignBlock(src, ds)}
<h2>Points</h2>
${pointsTable(ds)}
${runBlocks(ds)}
<h2>Charts</h2>
<div class="charts">
${chartDivs}
</div>
<h2>Latency percentiles</h2>
<p class="meta">From the summaries' log histograms (1% buckets: each percentile within 0.5% of the sample value); warm-up requests excluded.</p>
${percentileTables(ds)}
<script type="application/json" id="chart-options">${scriptJson(options)}</script>
<script>
(function () {
  var options = JSON.parse(document.getElementById('chart-options').textContent);
  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(options[el.getAttribute('data-chart')]);
    charts.push(chart);
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  window.__reportReady = true;
})();
</script>
</body></html>
`;
}
