// The live dashboard (--web-dashboard) in headless Chromium while a replay runs against the
// simulator: the page connects to the run's own server (nothing fetched from elsewhere), its
// series grow from update to update, its final figures are the summary's, and the HTML report
// of the run is written beside the summary at the end.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'puppeteer-core';
import { launchChromium, watchedPage } from './support/browser';
import { freePort, runCli, startCli, startSim, tempDir, type RunningSim } from './support/processes';
import type { RunSummary } from '../../src/report/inputs';
import type { LivePayload } from '../../src/live/dashboard';

const REQUESTS = 120;

const PROBE = `({ live: window.__live, updates: window.__liveUpdates || 0,
  charts: [...document.querySelectorAll('[data-chart]')].map((el) => ({ id: el.dataset.chart, points: echarts.getInstanceByDom(el).getOption().series[0].data.length })),
  figures: { sent: document.getElementById('fig-sent').textContent, ok: document.getElementById('fig-succeeded').textContent, failed: document.getElementById('fig-failed').textContent },
  status: document.getElementById('status').textContent })`;

interface Probe { live: LivePayload; updates: number; charts: Array<{ id: string; points: number }>; figures: Record<string, string>; status: string }

describe('live web dashboard', () => {
  let sim: RunningSim;
  let browser: Browser | undefined;
  const work = tempDir('live');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
  });

  it('shows the run in Chromium while it goes: series grow every second, final figures equal the summary, report written beside it', async () => {
    const port = await freePort();
    const summary = join(work, 'summary.json');
    // --speedup 4: the sample's first 120 requests take ~10 s, so the page sees several updates.
    const cli = startCli([
      'replay', '--trace', 'traces/mooncake-sample.jsonl', '--base-url', sim.url, '--speedup', '4', '--max-requests', String(REQUESTS),
      '--web-dashboard=127.0.0.1:' + port, '--summary-json', summary, '--out', `jsonl=${join(work, 'requests.jsonl')}`, '--quiet', '--scrape-interval-s', '1',
    ], {}, 120_000);
    const url = `http://127.0.0.1:${port}/`;
    const deadline = Date.now() + 30_000;
    while (!cli.output().stderr.includes(`live dashboard: ${url}`)) {
      expect(Date.now() < deadline, `no dashboard line:\n${cli.output().stderr}`).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launchChromium();
    const { page, problems, requests } = await watchedPage(browser);
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction('(window.__liveUpdates || 0) >= 1', { timeout: 20_000 });
    const early = (await page.evaluate(PROBE)) as Probe;
    await page.waitForFunction(`(window.__liveUpdates || 0) >= ${early.updates + 3}`, { timeout: 20_000 });
    const later = (await page.evaluate(PROBE)) as Probe;

    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    await page.waitForFunction('window.__live && window.__live.done === true', { timeout: 10_000 });
    // Taken at once: after the run's end the page keeps trying to reconnect (a campaign's next
    // point comes up on the same address), and those failed attempts are expected.
    const problemsDuringRun = [...problems];
    const final = (await page.evaluate(PROBE)) as Probe;
    await page.screenshot({ path: join(work, 'live.png'), fullPage: true });

    // The charts are the report's builders plus the live ones; the time series grow while the run goes.
    const ids = final.charts.map((c) => c.id);
    for (const id of ['ts-request-rate', 'ts-in-flight', 'ts-ttft-percentiles', 'ts-itl-percentiles', 'ts-e2e-percentiles', 'ts-output-tokens', 'ts-errors']) expect(ids).toContain(id);
    const s = JSON.parse(readFileSync(summary, 'utf8')) as RunSummary;
    const points = (p: Probe) => p.charts.find((c) => c.id === 'ts-request-rate')!.points;
    expect(points(later)).toBeGreaterThan(points(early));
    expect(later.live.totals.sent).toBeGreaterThanOrEqual(early.live.totals.sent);
    expect(later.live.totals.elapsedS).toBeGreaterThan(early.live.totals.elapsedS);
    // The engine's scraped series reach the page (dashed beside the client's); the client's
    // in-flight line comes from the run's live counts, so it rises while requests are open.
    const inFlight = final.live.charts.find((c) => c.id === 'ts-in-flight')!.option.series as Array<{ data: Array<[number, number | null]> }>;
    expect(inFlight).toHaveLength(3);
    expect(Math.max(...inFlight[0].data.map(([, v]) => v ?? 0))).toBeGreaterThan(0);
    // The sends per second add up to the requests sent.
    const rate = final.live.charts.find((c) => c.id === 'ts-request-rate')!.option.series as Array<{ data: Array<[number, number | null]> }>;
    expect(rate[0].data.reduce((a, [, v]) => a + (v ?? 0), 0)).toBeCloseTo(s.requests.sent, 6);

    // The final figures are the summary's: counts exactly, percentiles from the same histograms.
    const t = final.live.totals;
    expect(t.sent).toBe(s.requests.sent);
    expect(t.succeeded).toBe(s.requests.succeeded);
    expect(t.failed).toBe(s.requests.failed);
    expect(t.inFlight).toBe(0);
    expect(t.outputTokens).toBe(s.tokens.output);
    expect(t.latencyMs.ttft.p99!).toBeCloseTo(s.latencyMs.ttft!.p99, 6);
    expect(t.latencyMs.ttft.p50!).toBeCloseTo(s.latencyMs.ttft!.p50, 6);
    expect(t.latencyMs.e2e.p99!).toBeCloseTo(s.latencyMs.e2e!.p99, 6);
    expect(final.figures.sent).toBe(String(s.requests.sent));
    expect(final.figures.ok).toBe(String(s.requests.succeeded));

    // The report of the run, beside the summary; the page says where.
    const report = join(work, 'report.html');
    expect(existsSync(report)).toBe(true);
    expect(final.live.report).toBe(report);
    expect(final.status).toContain(report);
    expect(readFileSync(report, 'utf8')).toContain('Run card, cost and energy');
    // Nothing but the dashboard itself was asked for.
    expect(requests.filter((r) => !r.startsWith(url))).toEqual([]);
    expect(problemsDuringRun).toEqual([]);
  }, 150_000);

  it('campaign run --web-dashboard: every measured point serves the page on the one address and writes its report; a target\'s cost-per-hour reaches its points', async () => {
    const port = await freePort();
    const file = join(work, 'campaign.yaml');
    writeFileSync(file, [
      'name: live-campaign', 'flags: {max-requests: 20}', 'cooldownS: 0',
      'targets:', `  - {name: sim, baseUrl: ${sim.url}, flags: {cost-per-hour: 3.5}}`,
      'traces:', `  - {name: mooncake, replay: ${join(process.cwd(), 'traces/mooncake-sample.jsonl')}}`,
      'load: {speedup: [20, 40]}',
    ].join('\n') + '\n');
    const out = join(work, 'campaign');
    const run = await runCli(['campaign', 'run', file, '--out-dir', out, `--web-dashboard=127.0.0.1:${port}`], {}, 120_000);
    expect(run.code, run.stderr).toBe(0);
    for (const id of ['mooncake-x20-sim', 'mooncake-x40-sim']) {
      const s = JSON.parse(readFileSync(join(out, 'points', id, 'summary.json'), 'utf8')) as RunSummary;
      expect(s.runCard!.flags['web-dashboard']).toBe(`127.0.0.1:${port}`);
      expect(s.cost!.costPerHourUsd).toBe(3.5);
      expect(existsSync(join(out, 'points', id, 'report.html'))).toBe(true);
    }
    expect(run.stderr.match(new RegExp(`live dashboard: http://127\\.0\\.0\\.1:${port}/`, 'g'))).toHaveLength(2);
  }, 150_000);

  it('run SCENARIO --web-dashboard: the scenario command has the dashboard, the report, the card and the cost too', async () => {
    const summary = join(work, 'scenario.json');
    const run = await runCli(['run', 'examples/scenario.ts', '--base-url', sim.url, '--summary-json', summary, '--web-dashboard=127.0.0.1:0', '--cost-per-hour', '1'], {}, 120_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/live dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    const s = JSON.parse(readFileSync(summary, 'utf8')) as RunSummary;
    expect(s.runCard!.command).toBe('run');
    expect(s.runCard!.traces[0].path).toBe('examples/scenario.ts');
    expect(s.cost!.perRequestUsd).toBeCloseTo(s.cost!.totalUsd / s.requests.succeeded, 12);
    expect(existsSync(join(work, 'scenario.report.html'))).toBe(true);
  }, 150_000);
});
