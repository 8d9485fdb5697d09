// The open-loop replay end to end: the real build/k6 runs dist/replay.js against the real
// simulator, and the simulator's ground truth says what actually arrived and when.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { envArgs, groundTruthFor, readK6Points, runK6, startSim, tempDir, type RunningSim } from './support/processes';
import { readTrace } from '../../src/trace/read';
import { selectRequests } from '../../src/schedule/openloop';
import { percentile } from '../../src/metrics/formulas';
import { decodeTokenTimes, type GroundTruthRecord } from '../../src/sim/ground-truth';
import type { ReplayResult } from '../../src/metrics/summary';
import type { TimedRequest } from '../../src/trace/model';

const TRACE = 'traces/mooncake-sample.jsonl';
const SPEEDUP = 10;
const BUCKET_MS = 1000;
const SLACK_MS = 250;

function expectedRequests(max: number): TimedRequest[] {
  return selectRequests(readTrace(readFileSync(TRACE, 'utf8'), TRACE), { speedup: SPEEDUP, maxRequests: max });
}

function byIndex(records: GroundTruthRecord[], runId: string): Map<number, GroundTruthRecord[]> {
  const m = new Map<number, GroundTruthRecord[]>();
  for (const r of records) {
    if (!r.id.startsWith(`${runId}-`)) continue;
    const k = Number(r.id.slice(runId.length + 1));
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return m;
}

/**
 * How far each arrival is from its recorded offset, after removing the instance's own start
 * (unknown to the server): arrival_k - atMs_k - median(arrival - atMs).
 */
function arrivalDeviations(records: GroundTruthRecord[], expected: TimedRequest[], runId: string): number[] {
  const offsets = records.map((r) => r.arrivalMs - expected[Number(r.id.slice(runId.length + 1))].atMs);
  const sorted = [...offsets].sort((a, b) => a - b);
  const base = percentile(sorted, 50);
  return offsets.map((o) => o - base);
}

function expectArrivalsOnTime(deviations: number[], label: string): void {
  const dev = deviations.map(Math.abs).sort((a, b) => a - b);
  console.log(`${label}: p50 ${percentile(dev, 50).toFixed(3)} ms, p99 ${percentile(dev, 99).toFixed(3)} ms`);
  expect(percentile(dev, 50)).toBeLessThan(0.05 * BUCKET_MS);
  expect(percentile(dev, 99)).toBeLessThan(0.2 * BUCKET_MS);
}

function replayArgs(sim: RunningSim, dir: string, runId: string, max: number, extra: Record<string, string | number> = {}, name = runId): string[] {
  return [
    'run', '--quiet', '--out', `json=${join(dir, `${name}.k6.json`)}`,
    ...envArgs({
      TRACE, BASE_URL: sim.url, MODEL: 'sim-model', SPEEDUP, MAX_REQUESTS: max, RUN_ID: runId,
      BUCKET_MS, SLACK_MS, SUMMARY_JSON: join(dir, `${runId}.summary.json`), ...extra,
    }),
    'dist/replay.js',
  ];
}

describe('open-loop replay against the simulator', () => {
  let sim: RunningSim;
  const dir = tempDir('replay');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'small', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('sends exactly the trace slice, once each, with its lengths; TTFT and E2E match the ground truth', async () => {
    const N = 100;
    const runId = 'single';
    const run = await runK6(replayArgs(sim, dir, runId, N));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Serving Benchmark Result/);

    const expected = expectedRequests(N);
    const gt = byIndex(await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, N), runId);
    expect([...gt.keys()].sort((a, b) => a - b)).toEqual(expected.map((r) => r.index));
    for (const req of expected) {
      const recs = gt.get(req.index)!;
      expect(recs, `request ${req.index} arrived ${recs.length} times`).toHaveLength(1);
      expect(recs[0]).toMatchObject({ status: 200, promptTokens: req.inputTokens, maxTokens: req.outputTokens, completionTokens: req.outputTokens });
    }

    const summary = JSON.parse(readFileSync(join(dir, `${runId}.summary.json`), 'utf8')) as ReplayResult;
    expect(summary.requests).toMatchObject({ planned: N, sent: N, succeeded: N, failed: 0, notSent: 0, droppedIterations: 0 });
    expect(summary.tokens.input).toBe(expected.reduce((s, r) => s + r.inputTokens, 0));
    expect(summary.tokens.output).toBe(expected.reduce((s, r) => s + r.outputTokens, 0));
    expect(summary.latencyMs.dispatchLag?.p99).toBeGreaterThanOrEqual(0);

    // Per request: harness TTFT/E2E (k6 --out json samples, keyed by request-id metadata)
    // against the simulator's own clock. The harness measures from before the request is
    // written until the chunk is read, the simulator from headers-in to write-out, so the
    // harness is longer by two loopback hops plus scheduling noise on a shared 2-core box.
    const points = readK6Points(join(dir, `${runId}.k6.json`), ['llm_ttft', 'llm_e2e']);
    const diffs = { llm_ttft: [] as number[], llm_e2e: [] as number[] };
    const truth = { llm_ttft: [] as number[], llm_e2e: [] as number[] };
    for (const p of points) {
      const rec = gt.get(Number(p.requestId!.slice(runId.length + 1)))![0];
      const tokens = decodeTokenTimes(rec);
      const gtValue = p.metric === 'llm_ttft' ? tokens[0] - rec.arrivalMs : rec.finishMs - rec.arrivalMs;
      diffs[p.metric as 'llm_ttft'].push(p.value - gtValue);
      truth[p.metric as 'llm_ttft'].push(gtValue);
    }
    for (const m of ['llm_ttft', 'llm_e2e'] as const) {
      expect(diffs[m]).toHaveLength(N);
      const abs = diffs[m].map(Math.abs).sort((a, b) => a - b);
      const medianTruth = percentile([...truth[m]].sort((a, b) => a - b), 50);
      console.log(`${m}: harness - ground truth: p50 ${percentile(abs, 50).toFixed(3)} ms, p99 ${percentile(abs, 99).toFixed(3)} ms (median value ${medianTruth.toFixed(1)} ms)`);
      // Agreement as a ratio of the measured value: the median error is within 2% of the
      // median latency, and almost every request within 10% of it.
      expect(percentile(abs, 50)).toBeLessThan(0.02 * medianTruth);
      expect(percentile(abs, 95)).toBeLessThan(0.1 * medianTruth);
    }

    // Arrivals follow the recorded offsets: around the instance's own start, the typical
    // request lands within a small fraction of one bucket (the schedule's resolution) and
    // the worst within a fifth of one (both event loops, k6's and the simulator's, add noise
    // when a burst of large prompts arrives on a 2-core machine).
    expectArrivalsOnTime(arrivalDeviations([...gt.values()].flat(), expected, runId), 'arrival vs recorded offset');
  });

  it('lands on the recorded prompt length through a chat template, with a shipped word list and a real tokenizer', async () => {
    // A second simulator counting with Llama 3's tokenizer, whose chat template adds 12 tokens.
    const templated = await startSim(['--preset', 'fast', '--tokenizer', 'llama3', '--chat-template-tokens', '12', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
    try {
      const N = 12;
      const runId = 'template';
      const run = await runK6(replayArgs(templated, dir, runId, N, { TEMPLATE_TOKENS: 12, VOCAB: 'universal', SPEEDUP: 50 }));
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const expected = expectedRequests(N);
      const gt = byIndex(await groundTruthFor<GroundTruthRecord>(templated.groundTruth, `${runId}-`, N), runId);
      for (const req of expected) expect(gt.get(req.index)?.[0].promptTokens, `request ${req.index}`).toBe(req.inputTokens);
    } finally {
      await templated.stop();
    }
  });

  it('two k6 processes on execution segments send every request once, each at its recorded time', async () => {
    const N = 120;
    const runId = 'segments';
    const seq = ['--execution-segment-sequence', '0,1/2,1'];
    const [a, b] = await Promise.all([
      runK6(['run', '--execution-segment', '0:1/2', ...seq, ...replayArgs(sim, dir, runId, N, { SUMMARY_JSON: join(dir, 'a.json') }, 'a').slice(1)]),
      runK6(['run', '--execution-segment', '1/2:1', ...seq, ...replayArgs(sim, dir, runId, N, { SUMMARY_JSON: join(dir, 'b.json') }, 'b').slice(1)]),
    ]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(b.code, b.stdout + b.stderr).toBe(0);

    const expected = expectedRequests(N);
    const all = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, N);
    const gt = byIndex(all, runId);
    expect([...gt.keys()].sort((x, y) => x - y)).toEqual(expected.map((r) => r.index));
    for (const [k, recs] of gt) expect(recs, `request ${k}`).toHaveLength(1);

    const sa = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')) as ReplayResult;
    const sb = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')) as ReplayResult;
    expect(sa.requests.sent + sb.requests.sent).toBe(N);
    // Each instance knows it ran a segment: no false "never sent" alarm for the other half.
    expect([sa.run.executionSegment, sb.run.executionSegment]).toEqual(['0:1/2', '1/2:1']);
    for (const out of [a.stdout, b.stdout]) expect(out).not.toMatch(/never sent/);

    // `report merge` gives the whole run's table.
    const merged = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/report/main.ts', 'merge', join(dir, 'a.json'), join(dir, 'b.json'), '-o', join(dir, 'merged.json')], { encoding: 'utf8' });
    expect(merged.status, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(new RegExp(`Successful requests:\\s+${N}\\n`));
    const m = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as ReplayResult;
    expect(m.requests).toMatchObject({ planned: N, sent: N, succeeded: N, notSent: 0 });
    expect(m.latencyMs.ttft?.count).toBe(N);
    expect(sa.requests.sent).toBeGreaterThan(0);
    expect(sb.requests.sent).toBeGreaterThan(0);
    expect(sa.requests.droppedIterations + sb.requests.droppedIterations).toBe(0);

    // Which instance sent what: the request ids in each instance's own samples; disjoint.
    const idsOf = (name: string) => readK6Points(join(dir, `${name}.k6.json`), ['llm_dispatch_lag']).map((p) => Number(p.requestId!.split('-').pop()));
    const [idsA, idsB] = [idsOf('a'), idsOf('b')];
    expect(idsA.length + idsB.length).toBe(N);
    expect(new Set([...idsA, ...idsB]).size).toBe(N);
    for (const half of [sa, sb]) expect(half.latencyMs.dispatchLag?.p99).toBeGreaterThanOrEqual(0);

    // Each instance keeps the recorded spacing of its own requests.
    const lagA = sa.latencyMs.dispatchLag!;
    const lagB = sb.latencyMs.dispatchLag!;
    console.log(`segment dispatch lag p99: ${lagA.p99.toFixed(3)} ms / ${lagB.p99.toFixed(3)} ms`);
    const setA = new Set(idsA);
    const recsByInstance = [all.filter((r) => setA.has(Number(r.id.split('-').pop()))), all.filter((r) => !setA.has(Number(r.id.split('-').pop())))];
    for (const recs of recsByInstance) {
      if (recs.length < 2) continue;
      expectArrivalsOnTime(arrivalDeviations(recs, expected, runId), `segment of ${recs.length} requests: arrival vs recorded offset`);
    }
  });
});
