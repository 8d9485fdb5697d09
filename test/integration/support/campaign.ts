// A small real campaign directory for the report tests, laid out as the campaign runner writes
// it (/work/team/campaign-contract.md, docs/reports.md): each point a real `llm-replay replay`
// against the simulator, its /metrics scraped beside it into engine-metrics.jsonl, an SLO block
// computed from the records as the contract defines it, and campaign.json written last.
// Stands in for `llm-replay campaign run` in these tests only.

import { mkdirSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseExposition } from '../../../src/observe/exposition';
import { readRecords, runCli, type RunningSim } from './processes';
import type { RunSummary } from '../../../src/report/inputs';

export const TRACE = 'traces/mooncake-sample.jsonl';

export interface PlannedPoint { id: string; speedup: number; labels: Record<string, string>; salt: string; trace?: string; extra?: string[] }

/** Scrapes `url`/metrics every intervalMs into a JSONL file (the contract's engine-metrics.jsonl) until stopped. */
function scrapeEngine(url: string, file: string, intervalMs = 200): () => Promise<void> {
  const out = createWriteStream(file);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) });
        const t = Date.now();
        for (const s of parseExposition(await res.text()).samples) {
          if (s.name.startsWith('vllm:')) out.write(JSON.stringify({ t, name: s.name, value: s.value, labels: s.labels }) + '\n');
        }
      } catch {
        // a missed scrape is a gap in the series, as in the runner
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    await new Promise<void>((r) => out.end(r));
  };
}

/** The contract's SLO block for a TTFT objective, from the records; records gain sloOk. */
function addSlo(dir: string, ttftP99Ms: number): void {
  const summaryPath = join(dir, 'summary.json');
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary;
  const records = readRecords(join(dir, 'requests.jsonl')).map((r) => ({ ...r, sloOk: r.ok && (r.ttftMs === undefined || r.ttftMs <= ttftP99Ms) }));
  writeFileSync(join(dir, 'requests.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const met = records.filter((r) => r.sloOk).length;
  const value = summary.latencyMs.ttft?.p99 ?? NaN;
  summary.slo = {
    objectives: [{ metric: 'ttft', stat: 'p99', op: '<=', threshold: ttftP99Ms, value, met: value <= ttftP99Ms }],
    requestsMet: met, requestsTotal: summary.requests.sent, attainment: met / summary.requests.sent, goodputRps: met / summary.durationS,
  };
  writeFileSync(summaryPath, JSON.stringify(summary, null, 2));
}

/** Replays one point into DIR (summary.json, requests.jsonl, engine-metrics.jsonl). */
export async function runPoint(sim: RunningSim, dir: string, p: PlannedPoint, maxRequests: number, sloTtftMs: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const stop = scrapeEngine(sim.url, join(dir, 'engine-metrics.jsonl'));
  const run = await runCli([
    'replay', '--trace', p.trace ?? TRACE, '--base-url', sim.url, '--model', 'sim-model', '--speedup', String(p.speedup), '--max-requests', String(maxRequests),
    '--salt', p.salt, '--run-id', p.id, '--summary-json', join(dir, 'summary.json'), '--out', `jsonl=${join(dir, 'requests.jsonl')}`, '--quiet', ...(p.extra ?? []),
  ], {}, 120_000);
  await stop();
  expect(run.code, run.stderr).toBe(0);
  addSlo(dir, sloTtftMs);
}

/**
 * Runs every point and writes campaign.json; returns the directory. A warm-up replay goes first
 * and is not a point: a freshly started simulator (its JIT, caches of its own) serves its first
 * few hundred requests measurably slower, which would put a difference between two runs of one
 * point that is not the noise `report compare` judges.
 */
export async function buildCampaign(sim: RunningSim, root: string, points: PlannedPoint[], maxRequests: number, sloTtftMs: number): Promise<string> {
  const warm = await runCli(['replay', '--trace', TRACE, '--base-url', sim.url, '--model', 'sim-model', '--speedup', '20', '--max-requests', '300',
    '--salt', 'warm-up', '--summary-json', join(root, 'warm-up.json'), '--quiet'], {}, 120_000);
  expect(warm.code, warm.stderr).toBe(0);
  const entries = [];
  for (const p of points) {
    const startedUnixMs = Date.now();
    await runPoint(sim, join(root, 'points', p.id), p, maxRequests, sloTtftMs);
    entries.push({
      id: p.id, kind: 'replay', labels: p.labels, load: { kind: 'speedup', value: p.speedup }, status: 'done', startedUnixMs, endedUnixMs: Date.now(),
      summary: `points/${p.id}/summary.json`, requests: `points/${p.id}/requests.jsonl`, engineMetrics: `points/${p.id}/engine-metrics.jsonl`,
    });
  }
  const index = {
    version: 1, name: 'report-test', file: 'campaign.yaml', createdUnixMs: Date.now(),
    slo: [{ metric: 'ttft', stat: 'p99', op: '<=', threshold: sloTtftMs }],
    points: [...entries, { id: 'never-run', kind: 'replay', labels: { target: 'sim' }, load: { kind: 'speedup', value: 80 }, status: 'pending', summary: 'points/never-run/summary.json', requests: 'points/never-run/requests.jsonl' }],
  };
  writeFileSync(join(root, 'campaign.json'), JSON.stringify(index, null, 2));
  return root;
}
