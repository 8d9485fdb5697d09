// Campaigns end to end on the real CLI against the simulator: the results directory and index,
// goodput and attainment against the per-request records, warm-up records kept out of the
// statistics, engine /metrics per point, a capacity planted in the simulator found within the
// search's tolerance, resume skipping done points, and Ctrl-C marking the running point.
//
// The planted capacity: a simulator that serves one sequence at a time (--max-num-seqs 1) with a
// fixed 10 ms step, so each 20-token request holds it for a service time S (~21 steps); requests
// 500 ms apart at speed-up s arrive every 500/s ms, and past s = 500/S the queue (and TTFT)
// grows with every request. S is measured in the run itself (E2E p50 of the low-load point),
// so the planted value is a ratio of this run's own timings.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl, readRecords, runCli, startCli, startSim, tempDir, type RunningSim } from './support/processes';
import type { CampaignIndex } from '../../src/campaign/index-file';
import type { ReplayResult } from '../../src/metrics/summary';
import { meetsSlos, parseSlo } from '../../src/metrics/slo';

const INTERVAL_MS = 500;
const REQUESTS = 24;
const SLO = 'ttft:p99<=150';

function uniformTrace(path: string, n: number, intervalMs: number): void {
  const rows = Array.from({ length: n }, (_, i) => JSON.stringify({ timestamp: i * intervalMs, input_length: 100, output_length: 20, hash_ids: [5000 + i] }));
  writeFileSync(path, rows.join('\n') + '\n');
}

const readIndex = (dir: string) => JSON.parse(readFileSync(join(dir, 'campaign.json'), 'utf8')) as CampaignIndex;
const readSummary = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ReplayResult;

describe('llm-replay campaign', () => {
  let sim: RunningSim;
  const dir = tempDir('campaign');
  const trace = join(dir, 'uniform.jsonl');

  beforeAll(async () => {
    uniformTrace(trace, REQUESTS, INTERVAL_MS);
    sim = await startSim(['--max-num-seqs', '1', '--step-base-ms', '10', '--prefill-token-ms', '0', '--decode-seq-ms', '0', '--context-token-ms', '0', '--no-prefix-cache', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const campaignFile = (name: string, body: string) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, `name: ${name}
slo: ['${SLO}']
flags: {quiet: true}
targets:
  - name: sim1
    baseUrl: ${sim.url}
    labels: {engine: sim, seqs: '1'}
traces:
  - name: uniform
    replay: uniform.jsonl
${body}`);
    return file;
  };

  it('runs the points, keeps goodput equal to the records, finds the planted capacity, resumes', async () => {
    const file = campaignFile('planted', `warmup: {requests: 2}
scrape: {intervalS: 1}
load:
  speedup: [1.5, 4]
capacity: {load: speedup, min: 1.5, max: 6, target: 0.8, tolerance: 0.25, maxProbes: 8}
`);
    const out = join(dir, 'planted');
    const t0 = Date.now();
    const run = await runCli(['campaign', 'run', file, '--out-dir', out]);
    const firstRunMs = Date.now() - t0;
    expect(run.code, run.stderr).toBe(0);
    const index = readIndex(out);
    expect(index.name).toBe('planted');
    expect(index.slo).toEqual([parseSlo(SLO)]);
    expect(index.points.length).toBeGreaterThanOrEqual(4);
    for (const p of index.points) {
      expect(p.status, p.id).toBe('done');
      expect(existsSync(join(out, p.summary)), p.summary).toBe(true);
      expect(existsSync(join(out, p.requests)), p.requests).toBe(true);
      expect(p.engineMetrics, `${p.id}: the simulator has /metrics`).toBeDefined();
      const samples = readJsonl<{ t: number; name: string; value: number; labels: Record<string, string> }>(join(out, p.engineMetrics!));
      expect(samples.some((s) => s.name === 'vllm:num_requests_running')).toBe(true);
      expect(p.endedUnixMs!).toBeGreaterThan(p.startedUnixMs!);
    }
    expect(index.points.slice(0, 2).map((p) => p.id)).toEqual(['uniform-x1.5-sim1', 'uniform-x4-sim1']);
    expect(index.points[0].labels).toEqual({ target: 'sim1', trace: 'uniform', engine: 'sim', seqs: '1', speedup: '1.5' });

    // Goodput and attainment are what the records give; warm-up records are marked and left out.
    const objectives = [parseSlo(SLO)];
    for (const p of index.points) {
      const summary = readSummary(join(out, p.summary));
      const records = readRecords(join(out, p.requests));
      const measured = records.filter((r) => !r.warmup);
      expect(records.filter((r) => r.warmup).length, p.id).toBe(2);
      expect(measured.length).toBe(REQUESTS);
      expect(summary.requests.sent).toBe(REQUESTS);
      const met = measured.filter((r) => r.sloOk).length;
      for (const r of measured) expect(r.sloOk).toBe(meetsSlos(r, objectives));
      expect(summary.slo!.requestsMet).toBe(met);
      expect(summary.slo!.requestsTotal).toBe(measured.length);
      expect(summary.slo!.attainment).toBeCloseTo(met / measured.length, 12);
      expect(summary.slo!.goodputRps).toBeCloseTo(met / summary.durationS, 9);
      // The point's printed table has the SLO lines.
      expect(readFileSync(join(out, 'points', p.id, 'output.txt'), 'utf8')).toMatch(/SLO attainment \(requests meeting all\):\s+[\d.]+%/);
    }

    // The planted capacity: requests INTERVAL_MS apart, each holding the one slot for S.
    const low = readSummary(join(out, index.points[0].summary));
    const planted = INTERVAL_MS / low.latencyMs.e2e!.p50;
    const cap = index.capacity!;
    expect(cap.loadKind).toBe('speedup');
    expect(cap.answer, cap.confidence).not.toBeNull();
    // At most the tolerance below; above it only by the SLO's own slack (150 ms of queue over ~19 requests: ~4%).
    expect(cap.answer!).toBeGreaterThanOrEqual(planted - cap.tolerance);
    expect(cap.answer!).toBeLessThanOrEqual(planted * 1.06);
    expect(cap.probes.length).toBeLessThanOrEqual(8);
    for (const probe of cap.probes) expect(index.points.find((p) => p.id === probe.pointId)?.status).toBe('done');
    expect(run.stdout).toMatch(/capacity \(speedup at SLO attainment >= 80.0%\): [\d.]+x speed-up/);
    // The low-load point holds the SLO, the overloaded one does not.
    expect(readSummary(join(out, index.points[0].summary)).slo!.attainment).toBeGreaterThanOrEqual(0.8);
    expect(readSummary(join(out, index.points[1].summary)).slo!.attainment).toBeLessThan(0.5);

    // Resume: every point is done, none runs again (the files are untouched, and it is quick).
    const mtimes = index.points.map((p) => statSync(join(out, p.summary)).mtimeMs);
    const t1 = Date.now();
    const again = await runCli(['campaign', 'run', file, '--out-dir', out, '--resume']);
    expect(again.code, again.stderr).toBe(0);
    expect(Date.now() - t1).toBeLessThan(firstRunMs / 3);
    expect(again.stderr.match(/done before, skipped/g)?.length).toBe(index.points.length);
    expect(readIndex(out).points.map((p) => statSync(join(out, p.summary)).mtimeMs)).toEqual(mtimes);
    expect(readIndex(out).capacity!.answer).toBe(cap.answer);
    // Without --resume an existing campaign is not overwritten.
    const refused = await runCli(['campaign', 'run', file, '--out-dir', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--resume');
    // Nor resumed against other SLOs than its points were measured with.
    writeFileSync(file, readFileSync(file, 'utf8').replace(SLO, 'ttft:p99<=999'));
    const otherSlo = await runCli(['campaign', 'run', file, '--out-dir', out, '--resume']);
    expect(otherSlo.code).toBe(2);
    expect(otherSlo.stderr).toContain(`measured against slo [${SLO}], the file now says [ttft:p99<=999]`);
  });

  it('marks the point running at Ctrl-C incomplete and keeps the done ones', async () => {
    const file = campaignFile('interrupted', `scrape: false
load:
  speedup: [8, 1, 2]
`);
    const out = join(dir, 'interrupted');
    const cli = startCli(['campaign', 'run', file, '--out-dir', out]);
    // Wait until the second point (24 requests over ~12 s) is under way.
    const deadline = Date.now() + 120_000;
    while (!/point 2\/3 uniform-x1-sim1\s+\d+%/.test(cli.output().stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(cli.output().stderr).toMatch(/point 1\/3 uniform-x8-sim1: done/);
    cli.proc.kill('SIGINT');
    const res = await cli.done;
    expect(res.code, res.stderr).toBe(130);
    const index = readIndex(out);
    expect(index.points.map((p) => p.status)).toEqual(['done', 'incomplete', 'pending']);
    expect(index.points[1].error).toMatch(/interrupted/);
    const done = readSummary(join(out, index.points[0].summary));
    expect(done.requests.sent).toBe(REQUESTS);
    expect(readRecords(join(out, index.points[0].requests)).length).toBe(REQUESTS);
    // The interrupted point wrote what it measured, fewer than all its requests.
    const cut = readSummary(join(out, index.points[1].summary)) as ReplayResult & { engine: { interrupted: boolean } };
    expect(cut.engine.interrupted).toBe(true);
    expect(cut.requests.sent).toBeLessThan(REQUESTS);
  });

  it('names the file, line and key of a mistake', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `name: bad
targets:
  - name: a
    baseUrl: http://127.0.0.1:1
traces:
  - name: t
    replay: uniform.jsonl
load:
  speedup: [1, fast]
`);
    const res = await runCli(['campaign', 'plan', file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${file}:9: key "load.speedup[1]": must be a number > 0`);
  });
});
