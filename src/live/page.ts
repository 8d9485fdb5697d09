// The live dashboard's page: the figures of the run so far and its charts, redrawn on every
// server-sent event (one a second). ECharts comes from the dashboard's own /echarts.js (the
// package's build, as the HTML report inlines it): nothing is fetched from elsewhere.

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:20px;color:#222}h1{font-size:19px;margin:0 0 6px}
.status{color:#666;font-size:13px;margin-bottom:10px}.figures{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:12px}
.fig{border:1px solid #ddd;border-radius:4px;padding:6px 10px;min-width:92px}.fig b{display:block;font-size:18px}
.fig span{font-size:11px;color:#666}.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:12px}
.chart{height:340px}.done{color:#070}`;

/** The figures shown above the charts: element id, label. */
export const FIGURES: Array<[string, string]> = [
  ['elapsed', 'elapsed (s)'], ['sent', 'sent'], ['succeeded', 'ok'], ['failed', 'failed'], ['inFlight', 'in flight'],
  ['ttftP50', 'TTFT p50 (ms)'], ['ttftP99', 'TTFT p99 (ms)'], ['itlP99', 'ITL p99 (ms, req. mean)'], ['e2eP99', 'E2E p99 (ms)'], ['outputTokens', 'output tokens'],
];

export function livePage(title: string): string {
  const figures = FIGURES.map(([id, label]) => `<div class="fig"><b id="fig-${id}">–</b><span>${esc(label)}</span></div>`).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<style>${STYLE}</style>
<script src="/echarts.js"></script>
</head><body>
<h1>${esc(title)}</h1>
<div class="status" id="status">connecting…</div>
<div class="figures">${figures}</div>
<div class="charts" id="charts"></div>
<script>
(function () {
  var charts = {};
  var grid = document.getElementById('charts');
  function num(x, d) { return x === null || x === undefined ? '–' : (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toFixed(d)); }
  function draw(p) {
    window.__live = p;
    window.__liveUpdates = (window.__liveUpdates || 0) + 1;
    var t = p.totals, l = t.latencyMs;
    var v = { elapsed: num(t.elapsedS, 0), sent: t.sent, succeeded: t.succeeded, failed: t.failed, inFlight: t.inFlight,
      ttftP50: num(l.ttft.p50, 1), ttftP99: num(l.ttft.p99, 1), itlP99: num(l.itl.p99, 2), e2eP99: num(l.e2e.p99, 1), outputTokens: t.outputTokens };
    Object.keys(v).forEach(function (k) { document.getElementById('fig-' + k).textContent = String(v[k]); });
    p.charts.forEach(function (c) {
      var chart = charts[c.id];
      if (!chart) {
        var el = document.createElement('div');
        el.className = 'chart'; el.id = 'chart-' + c.id; el.setAttribute('data-chart', c.id);
        el.setAttribute('role', 'img'); el.setAttribute('aria-label', c.title);
        grid.appendChild(el);
        chart = charts[c.id] = echarts.init(el, null, { renderer: 'canvas' });
      }
      chart.setOption(c.option, { notMerge: true });
    });
    var s = document.getElementById('status');
    if (p.done) {
      s.className = 'status done';
      s.textContent = 'run ' + p.runId + ' ended' + (p.report ? ': report written to ' + p.report : '');
    } else s.textContent = 'run ' + p.runId + ' · live, updated every second · ' + new Date().toLocaleTimeString();
  }
  // Never closed: in a campaign the next point's dashboard comes up on the same address.
  var es = new EventSource('/events');
  es.onmessage = function (e) {
    var p = JSON.parse(e.data);
    draw(p);
  };
  es.onerror = function () { if (!(window.__live && window.__live.done)) document.getElementById('status').textContent = 'disconnected: waiting for the run (reconnecting)…'; };
  window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
})();
</script>
</body></html>
`;
}
