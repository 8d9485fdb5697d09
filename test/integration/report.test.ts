// `llm-replay report html` and `report compare` on real results: a small campaign run by
// `llm-replay campaign run` against the simulator (SLO, warm-up, engine /metrics scraped, and a
// target that is down, so a point has no results), the HTML opened in
// headless Chromium from Debian (make deps-report) with no console errors and no network, its
// charts checked against what the result files say, the SVG export rendered in Node, and the
// comparison of a rerun (within noise) and of a slower engine (TTFT beyond noise).

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'puppeteer-core';
import { launchChromium, watchedPage } from './support/browser';
import * as echarts from 'echarts';
import { freePort, readRecords, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { EXIT } from '../../src/engine/exit-codes';
import { CDF_QUANTILES } from '../../src/report/distribution';
import { buildCharts } from '../../src/report/charts';
import { digestPoint } from '../../src/report/digest';
import { measuredPoints, openResults, type RunSummary } from '../../src/report/inputs';
import type { Comparison } from '../../src/report/compare';

const SIM_ARGS = ['--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet'];
const TRACE = 'traces/mooncake-sample.jsonl';
const REQUESTS = 100;
const WARMUP = 5;
const SLO_TTFT_MS = 300;
const SPEEDUPS = [10, 20, 40];
/** The campaign's point ids (`<trace>-x<speed-up>-<target>`): the simulator's, and the down target's. */
const IDS = SPEEDUPS.map((s) => `mooncake-x${s}-sim-fast`);
const DOWN_IDS = SPEEDUPS.map((s) => `mooncake-x${s}-down`);

/** Runs in the page: every chart element's live ECharts option (series names, types and data). */
const CHART_PROBE = `[...document.querySelectorAll('[data-chart]')].map((el) => ({
  id: el.dataset.chart,
  series: echarts.getInstanceByDom(el).getOption().series.map((s) => ({ name: s.name, type: s.type, data: s.data })),
}))`;

interface DomChart { id: string; series: Array<{ name: string; type: string; data: unknown[] }> }

function summaryOf(root: string, id: string): RunSummary {
  return JSON.parse(readFileSync(join(root, 'points', id, 'summary.json'), 'utf8')) as RunSummary;
}


/** The campaign file: the sample at three speed-ups on the simulator and on a target that is down. */
async function campaignFile(dir: string, simUrl: string): Promise<string> {
  const file = join(dir, 'campaign.yaml');
  writeFileSync(file, [
    'name: report-test',
    `slo: ['ttft:p99<=${SLO_TTFT_MS}']`,
    `flags: {max-requests: ${REQUESTS}}`,
    `warmup: {requests: ${WARMUP}}`,
    'cooldownS: 0',
    'scrape: {intervalS: 0.2}',
    'targets:',
    `  - {name: sim-fast, baseUrl: ${simUrl}}`,
    `  - {name: down, baseUrl: 'http://127.0.0.1:${await freePort()}'}`,
    'traces:',
    `  - {name: mooncake, replay: ${resolve(TRACE)}}`,
    `load: {speedup: [${SPEEDUPS.join(', ')}]}`,
  ].join('\n') + '\n');
  return file;
}

/** One replay into DIR as a campaign point lays it out (summary.json with its SLO block, requests.jsonl). */
async function replayRun(sim: RunningSim, dir: string, speedup: number, salt: string, extra: string[] = []): Promise<void> {
  const run = await runCli([
    'replay', '--base-url', sim.url, '--speedup', String(speedup), '--max-requests', String(REQUESTS), '--salt', salt, '--slo', `ttft:p99<=${SLO_TTFT_MS}`,
    '--summary-json', join(dir, 'summary.json'), '--out', `jsonl=${join(dir, 'requests.jsonl')}`, '--quiet', '--trace', TRACE, ...extra,
  ], {}, 120_000);
  expect(run.code, run.stderr).toBe(0);
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
    const run = await runCli(['campaign', 'run', await campaignFile(work, sim.url), '--out-dir', campaign], {}, 200_000);
    // The down target's points fail (the campaign says so in its exit code), the others are done.
    expect(run.code, run.stderr).toBe(EXIT.startFailed);
    expect(run.stdout).toContain('campaign report-test: 3 done, 0 incomplete, 3 failed, 0 pending');
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
  });

  it('writes one self-contained HTML file that opens in headless Chromium with no console error and no request, its charts holding the points', async () => {
    const html = join(work, 'report.html');
    const run = await runCli(['report', 'html', campaign, '-o', html]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`point 3/3 ${IDS[2]}: ${REQUESTS} records \\(\\+${WARMUP} warm-up, left out\\), \\d+ engine scrapes`));
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<script[^>]+src=|<link[^>]+href="http|https?:\/\/cdn/i);
    expect(text).toContain('p99.99');
    // The points without results are listed, with the reason they failed.
    for (const id of DOWN_IDS) expect(text).toMatch(new RegExp(`<td>${id}</td><td>failed</td><td>warm-up failed`));

    browser = await launchChromium();
    const { page, problems, requests } = await watchedPage(browser);
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
    const ids = IDS;
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
    // Warm-up records head the point's requests.jsonl and are left out of the series.
    const x10 = readRecords(join(campaign, 'points', IDS[0], 'requests.jsonl')) as Array<{ warmup?: boolean }>;
    expect(x10.filter((r) => r.warmup)).toHaveLength(WARMUP);
    expect(sent).toBeCloseTo(x10.length - WARMUP, 6);
    expect(chart('ts-in-flight').series).toHaveLength(3 * 3);
    expect(chart('ts-output-tokens').series).toHaveLength(3 * 2);
    expect(chart('ts-engine-kv').series).toHaveLength(3 * 2);
    expect(chart('ts-ttft').series).toHaveLength(3);
    const running = chart('ts-in-flight').series.find((s) => s.name === `${IDS[2]} engine running`)!;
    expect((running.data as Array<[number, number | null]>).some(([, v]) => v !== null && v > 0)).toBe(true);

    // Versus load: one group (target=sim-fast trace=mooncake), three loads.
    const [x10s, x20s] = [summaries[IDS[0]], summaries[IDS[1]]];
    const cache = chart('cache-vs-load').series;
    expect(cache).toHaveLength(1);
    expect((cache[0].data as Array<[number, number]>).map(([x]) => x)).toEqual([10, 20, 40]);
    expect((cache[0].data as Array<[number, number]>)[0][1]).toBeCloseTo(x10s.cacheHitRate! * 100, 2);
    expect(chart('errors').series[0].data).toHaveLength(3);
    const [goodput, attainment] = chart('goodput-vs-load').series;
    expect(goodput.data).toHaveLength(3);
    expect(attainment.data).toHaveLength(3);
    const x20 = readRecords(join(campaign, 'points', IDS[1], 'requests.jsonl')) as Array<{ sloOk?: boolean }>;
    expect((goodput.data as Array<[number, number]>)[1][1]).toBeCloseTo(x20.filter((r) => r.sloOk).length / x20s.durationS, 2);
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
    const even = ['--trace', smooth, '--start-delay-ms', '4000'];
    await Promise.all([replayRun(sim, first, 2, 'rerun-1', even), replayRun(sim, again, 2, 'rerun-2', even)]);
    const point = join(campaign, 'points', IDS[0]);
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
      await replayRun(slowSim, slow, SPEEDUPS[0], 'slow');
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
    expect(c.pairs.map((p) => p.a)).toEqual(IDS);
    expect(c.onlyInA).toEqual([]);
  });
});
