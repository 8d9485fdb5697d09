// `llm-replay report html` and `report compare` on real results: a small campaign of real
// replays against the simulator (laid out as the campaign runner writes it), the HTML opened in
// headless Chromium from Debian (make deps-report) with no console errors and no network, its
// charts checked against what the result files say, the SVG export rendered in Node, and the
// comparison of a rerun (within noise) and of a slower engine (TTFT beyond noise).

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import puppeteer, { type Browser } from 'puppeteer-core';
import * as echarts from 'echarts';
import { readRecords, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { buildCampaign, runPoint, TRACE, type PlannedPoint } from './support/campaign';
import { CDF_QUANTILES } from '../../src/report/distribution';
import { buildCharts } from '../../src/report/charts';
import { digestPoint } from '../../src/report/digest';
import { measuredPoints, openResults, type RunSummary } from '../../src/report/inputs';
import type { Comparison } from '../../src/report/compare';

const SIM_ARGS = ['--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet'];
const REQUESTS = 100;
const SLO_TTFT_MS = 300;
const POINTS: PlannedPoint[] = [10, 20, 40].map((s) => ({ id: `x${s}`, speedup: s, labels: { target: 'sim-fast', trace: 'mooncake' }, salt: `campaign-x${s}` }));
const CHROMIUM = '/usr/bin/chromium';

/** Runs in the page: every chart element's live ECharts option (series names, types and data). */
const CHART_PROBE = `[...document.querySelectorAll('[data-chart]')].map((el) => ({
  id: el.dataset.chart,
  series: echarts.getInstanceByDom(el).getOption().series.map((s) => ({ name: s.name, type: s.type, data: s.data })),
}))`;

interface DomChart { id: string; series: Array<{ name: string; type: string; data: unknown[] }> }

function summaryOf(root: string, id: string): RunSummary {
  return JSON.parse(readFileSync(join(root, 'points', id, 'summary.json'), 'utf8')) as RunSummary;
}

/** Brute force: points no other point beats on throughput and p99 TTFT together. */
function nonDominated(ps: Array<{ id: string; x: number; y: number }>): string[] {
  return ps.filter((p) => !ps.some((q) => q !== p && q.x >= p.x && q.y <= p.y && (q.x > p.x || q.y < p.y))).map((p) => p.id).sort();
}

describe('report on a real campaign', () => {
  let sim: RunningSim;
  let browser: Browser | undefined;
  const work = tempDir('report');
  const campaign = join(work, 'campaign');
  let domCharts: DomChart[] = [];

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', ...SIM_ARGS]);
    await buildCampaign(sim, campaign, POINTS, REQUESTS, SLO_TTFT_MS);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
  });

  it('writes one self-contained HTML file that opens in headless Chromium with no console error and no request, its charts holding the points', async () => {
    const html = join(work, 'report.html');
    const run = await runCli(['report', 'html', campaign, '-o', html]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/point 3\/3 x40: 100 records, \d+ engine scrapes/);
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<script[^>]+src=|<link[^>]+href="http|https?:\/\/cdn/i);
    expect(text).toContain('p99.99');
    expect(text).toContain('never-run'); // the pending point is listed as without results

    expect(existsSync(CHROMIUM), 'chromium missing: run make deps-report').toBe(true);
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warn') && problems.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`pageerror: ${(e as Error).message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.setViewport({ width: 1280, height: 900 });
    const url = `file://${resolve(html)}`;
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction('window.__reportReady === true', { timeout: 30_000 });
    domCharts = (await page.evaluate(CHART_PROBE)) as DomChart[];
    mkdirSync('results', { recursive: true });
    await page.screenshot({ path: 'results/report-screenshot.png', fullPage: true });
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);

    const chart = (id: string) => domCharts.find((c) => c.id === id)!;
    expect(domCharts.map((c) => c.id)).toEqual(['pareto', 'cdf-ttft', 'cdf-itl', 'cdf-e2e', 'ts-request-rate', 'ts-in-flight', 'ts-ttft', 'ts-output-tokens', 'ts-engine-kv', 'cache-vs-load', 'errors', 'goodput-vs-load']);
    const ids = POINTS.map((p) => p.id);
    const summaries = Object.fromEntries(ids.map((id) => [id, summaryOf(campaign, id)]));

    // Pareto: every point, and the frontier is the non-dominated set of the summaries' figures.
    const [scatter, frontier] = chart('pareto').series;
    expect(scatter.data).toHaveLength(3);
    const xy = ids.map((id) => ({ id, x: summaries[id].throughput.outputTokensPerS, y: summaries[id].latencyMs.ttft!.p99 }));
    expect((frontier.data as Array<[number, number, string]>).map((d) => d[2]).sort()).toEqual(nonDominated(xy));

    for (const m of ['cdf-ttft', 'cdf-itl', 'cdf-e2e']) {
      expect(chart(m).series.map((s) => s.name)).toEqual(ids);
      for (const s of chart(m).series) expect(s.data).toHaveLength(CDF_QUANTILES.length);
    }

    // Time series: one per point, engine series dashed beside the client's; the request-rate bins add up to the records.
    expect(chart('ts-request-rate').series.map((s) => s.name)).toEqual(ids);
    const bins = chart('ts-request-rate').series[0].data as Array<[number, number]>;
    const width = 2 * bins[0][0];
    const sent = bins.reduce((a, [, rate]) => a + rate * width, 0);
    expect(sent).toBeCloseTo(readRecords(join(campaign, 'points/x10/requests.jsonl')).length, 6);
    expect(chart('ts-in-flight').series).toHaveLength(3 * 3);
    expect(chart('ts-output-tokens').series).toHaveLength(3 * 2);
    expect(chart('ts-engine-kv').series).toHaveLength(3 * 2);
    expect(chart('ts-ttft').series).toHaveLength(3);
    const running = chart('ts-in-flight').series.find((s) => s.name === 'x40 engine running')!;
    expect((running.data as Array<[number, number | null]>).some(([, v]) => v !== null && v > 0)).toBe(true);

    // Versus load: one group (target=sim-fast trace=mooncake), three loads.
    const cache = chart('cache-vs-load').series;
    expect(cache).toHaveLength(1);
    expect((cache[0].data as Array<[number, number]>).map(([x]) => x)).toEqual([10, 20, 40]);
    expect((cache[0].data as Array<[number, number]>)[0][1]).toBeCloseTo(summaries.x10.cacheHitRate! * 100, 2);
    expect(chart('errors').series[0].data).toHaveLength(3);
    const [goodput, attainment] = chart('goodput-vs-load').series;
    expect(goodput.data).toHaveLength(3);
    expect(attainment.data).toHaveLength(3);
    const x20 = readRecords(join(campaign, 'points/x20/requests.jsonl')) as Array<{ sloOk?: boolean }>;
    expect((goodput.data as Array<[number, number]>)[1][1]).toBeCloseTo(x20.filter((r) => r.sloOk).length / summaries.x20.durationS, 2);
  });

  it('exports the same charts as SVG files, rendered in Node with the same series', async () => {
    const dir = join(work, 'svg');
    const run = await runCli(['report', 'html', campaign, '--format', 'svg', '-o', dir]);
    expect(run.code, run.stderr).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(domCharts.map((c) => `${c.id}.svg`).sort());
    for (const f of files) {
      const svg = readFileSync(join(dir, f), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('<path');
    }
    expect(readFileSync(join(dir, 'pareto.svg'), 'utf8')).toContain('Pareto frontier');
    // The options the CLI rendered, drawn by the server-side renderer: the browser's series, one for one.
    const charts = buildCharts(measuredPoints(openResults(campaign)).map((p) => digestPoint(p, { maxBins: 120 })));
    for (const c of charts) {
      const ssr = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 800, height: 400 });
      ssr.setOption(c.option);
      const series = (ssr.getOption() as { series: Array<{ name: string; data: unknown[] }> }).series;
      const dom = domCharts.find((d) => d.id === c.id)!;
      expect(series.map((s) => [s.name, s.data.length]), c.id).toEqual(dom.series.map((s) => [s.name, s.data.length]));
      ssr.dispose();
    }
  });

  it('compare: two runs of one workload side by side are within noise for most figures, a slower engine has TTFT beyond noise, summaries alone cannot judge noise', async () => {
    // Two runs of one workload side by side on the one simulator, so both meet the same
    // conditions: the sample's first requests evenly spaced (50 ms apart at --speedup 2), a load
    // the simulator serves without a queue, sent from 4 s after each process's start so neither
    // run's sends meet the other's start-up (loading tsx and the trace takes a CPU for ~1-2 s
    // on a busy machine). One after the other, a machine shared with other jobs can make one
    // run several times slower than the next; with the sample's bursts, the run that started
    // first is served first: real differences, but not the request-to-request noise the
    // bootstrap judges.
    const smooth = join(work, 'smooth.jsonl');
    const rows = readFileSync(TRACE, 'utf8').split('\n').filter((l) => l.trim()).slice(0, REQUESTS);
    writeFileSync(smooth, rows.map((l, i) => JSON.stringify({ ...JSON.parse(l), timestamp: i * 100 })).join('\n') + '\n');
    const first = join(work, 'rerun-1');
    const again = join(work, 'rerun-2');
    const even = { id: 'even', speedup: 2, labels: {}, trace: smooth, extra: ['--start-delay-ms', '4000'] };
    await Promise.all([
      runPoint(sim, first, { ...even, salt: 'rerun-1' }, REQUESTS, SLO_TTFT_MS),
      runPoint(sim, again, { ...even, salt: 'rerun-2' }, REQUESTS, SLO_TTFT_MS),
    ]);
    const point = join(campaign, 'points', 'x10');
    const same = await runCli(['report', 'compare', first, again, '--json', '--quiet']);
    expect(same.code, same.stderr).toBe(0);
    const sameRows = (JSON.parse(same.stdout) as Comparison).pairs[0].rows.filter((r) => r.verdict !== 'noise unknown');
    const within = sameRows.filter((r) => r.verdict === 'within noise');
    console.log(`rerun: ${within.length}/${sameRows.length} within noise; beyond: ${sameRows.filter((r) => r.verdict === 'beyond noise').map((r) => r.figure).join(', ')}`);
    expect(sameRows.length).toBeGreaterThan(15);
    expect(within.length / sameRows.length).toBeGreaterThanOrEqual(0.75);

    const slowSim = await startSim(['--preset', 'small', ...SIM_ARGS]);
    const slow = join(work, 'slow');
    try {
      await runPoint(slowSim, slow, { ...POINTS[0], salt: 'slow' }, REQUESTS, SLO_TTFT_MS);
    } finally {
      await slowSim.stop();
    }
    const vs = await runCli(['report', 'compare', point, slow]);
    expect(vs.code, vs.stderr).toBe(0);
    for (const f of ['TTFT mean', 'TTFT p50', 'TTFT p90']) expect(vs.stdout).toMatch(new RegExp(`${f} \\(ms\\).*beyond noise`));

    const summariesOnly = await runCli(['report', 'compare', join(first, 'summary.json'), join(again, 'summary.json')]);
    expect(summariesOnly.code, summariesOnly.stderr).toBe(0);
    expect(summariesOnly.stdout).toContain('noise cannot be judged');
    expect(summariesOnly.stdout).not.toMatch(/within noise|beyond noise/);

    // Campaigns pair point by point by id; the pending point has no results on either side.
    const self = await runCli(['report', 'compare', campaign, campaign, '--json', '--quiet', '--resamples', '200']);
    const c = JSON.parse(self.stdout) as Comparison;
    expect(c.pairs.map((p) => p.a)).toEqual(['x10', 'x20', 'x40']);
    expect(c.onlyInA).toEqual([]);
  });
});
