import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDashboard, DASHBOARD_FILES, expectations, renderDashboard } from '../../src/dashboards/build';
import { substitute, type QueryContext } from '../../src/dashboards/substitute';
import { checkSeries } from '../../src/dashboards/verify';
import type { Flavour, Panel } from '../../src/dashboards/grafana';

const FLAVOURS: Flavour[] = ['influxdb', 'prometheus'];
const ctx: QueryContext = { fromMs: 1_000_000, toMs: 1_060_000, intervalMs: 2000, rateIntervalMs: 20_000, vars: { run: 'r-1', model: 'm' } };

const leaves = (panels: Panel[]): Panel[] => panels.filter((p) => p.type !== 'row');
const queryOf = (t: NonNullable<Panel['targets']>[number]) => ('query' in t ? t.query : t.expr);

describe('generated dashboards', () => {
  it.each(FLAVOURS)('%s: the committed JSON is what the generator writes (run make dashboards)', (f) => {
    expect(readFileSync(DASHBOARD_FILES[f], 'utf8')).toBe(renderDashboard(f));
  });

  it('both dashboards have the same panels in the same places', () => {
    const layout = (f: Flavour) => buildDashboard(f).panels.map((p) => [p.type, p.title, p.gridPos]);
    expect(layout('influxdb')).toEqual(layout('prometheus'));
    const titles = leaves(buildDashboard('influxdb').panels).map((p) => p.title);
    for (const t of ['TTFT', 'ITL', 'TPOT', 'E2E', 'Requests/s by outcome', 'Failed requests so far, by reason', 'Dispatch lag', 'Engine queue', 'KV-cache usage', 'Prefix-cache hit rate']) {
      expect(titles).toContain(t);
    }
  });

  it.each(FLAVOURS)('%s: ids are unique, panels tile the 24-column grid without overlapping', (f) => {
    const panels = buildDashboard(f).panels;
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const taken = new Set<string>();
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w, p.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
        expect(taken.has(`${i},${j}`), `${p.title} overlaps at ${i},${j}`).toBe(false);
        taken.add(`${i},${j}`);
      }
    }
  });

  it.each(FLAVOURS)('%s: every target reads the ds variable, has an expectation, and only known placeholders', (f) => {
    const d = buildDashboard(f);
    const expect_ = expectations(f);
    let n = 0;
    for (const p of leaves(d.panels)) {
      for (const t of p.targets ?? []) {
        n++;
        expect(t.datasource).toEqual({ type: f, uid: '${ds}' });
        expect(expect_.has(`${p.title}/${t.refId}`), `${p.title}/${t.refId}`).toBe(true);
        const q = substitute(queryOf(t), f, ctx);
        expect(q).not.toMatch(/\$\w/);
        // Every query is narrowed to the selected runs and models.
        expect(q).toMatch(f === 'influxdb' ? /"run" =~ \/\^r-1\$\/ AND "model" =~ \/\^m\$\// : /run=~"r-1",model=~"m"/);
      }
    }
    expect(n).toBe(expect_.size);
    expect(d.templating.list.map((v) => v.name)).toEqual(['ds', 'campaign', 'point', 'run', 'model']);
    expect(d.annotations.list.length).toBeGreaterThan(1);
    expect(d.graphTooltip).toBe(1);
  });
});

describe('substitute', () => {
  it('fills InfluxDB time filters, intervals and regex-escaped variables', () => {
    expect(substitute('SELECT mean("value") FROM "x" WHERE "run" =~ /^$run$/ AND $timeFilter GROUP BY time($__interval) LIMIT $__interval_ms', 'influxdb', ctx))
      .toBe('SELECT mean("value") FROM "x" WHERE "run" =~ /^r-1$/ AND time >= 1000000ms and time <= 1060000ms GROUP BY time(2000ms) LIMIT 2000');
  });

  it('fills Prometheus ranges and escapes regex characters inside PromQL strings', () => {
    const c = { ...ctx, vars: { run: ['a.b', 'c'], model: 'Qwen/Qwen3-8B' } };
    expect(substitute('rate(x{run=~"$run",model=~"$model"}[$__rate_interval]) + y[$__range] + z[$__interval]', 'prometheus', c))
      .toBe('rate(x{run=~"(a\\\\.b|c)",model=~"Qwen\\\\/Qwen3-8B"}[20s]) + y[60s] + z[2s]');
  });

  it('rejects placeholders it does not know, so a typo cannot pass', () => {
    expect(() => substitute('rate(x[$__rate_intervl])', 'prometheus', ctx)).toThrow(/unknown placeholder \$__rate_intervl/);
    expect(() => substitute('WHERE $timeFilter', 'prometheus', ctx)).toThrow(/unknown placeholder/);
  });
});

describe('checkSeries', () => {
  const s = (labels: Record<string, string>, rows: Array<Array<number | null>>, columns = ['value']) => ({ labels, columns, rows });

  it('wants a value, the expected label values and non-null columns', () => {
    expect(checkSeries([], {})).toEqual(['no series with a value']);
    expect(checkSeries([s({}, [[null]])], {})).toEqual(['no series with a value']);
    expect(checkSeries([s({ reason: 'http_429' }, [[1]])], { by: 'reason', values: ['http_429'] })).toEqual([]);
    expect(checkSeries([s({ reason: 'http_429' }, [[1]])], { by: 'reason', values: ['http_503'] })).toEqual(['no series with reason=http_503 (got http_429)']);
    expect(checkSeries([s({}, [[1]])], { by: 'reason' })).toEqual(['a series without reason']);
    expect(checkSeries([s({}, [[1, null]], ['p50', 'p99'])], { columns: ['p50', 'p99'] })).toEqual(['column "p99" has no value']);
  });
});

describe('campaign variables', () => {
  it('campaign and point default to All; $__all is All', () => {
    const q = 'x{campaign=~"$campaign",point=~"$point",run=~"$run"}';
    expect(substitute(q, 'prometheus', ctx)).toBe('x{campaign=~".*",point=~".*",run=~"r-1"}');
    expect(substitute(q, 'prometheus', { ...ctx, vars: { ...ctx.vars, point: 'c-x2-a', run: '$__all' } })).toBe('x{campaign=~".*",point=~"c-x2-a",run=~".*"}');
  });

  it('every dashboard marks campaign points and filters every query on them', () => {
    for (const f of ['influxdb', 'prometheus'] as const) {
      const d = buildDashboard(f);
      expect(d.annotations.list.map((a) => a.name).filter((n) => /point/i.test(n)).length).toBeGreaterThan(0);
      const queries = d.panels.flatMap((p) => p.targets ?? []).map((t) => ('query' in t ? t.query : t.expr));
      expect(queries.length).toBeGreaterThan(20);
      for (const q of queries) expect(q).toContain('$point');
    }
  });
});
