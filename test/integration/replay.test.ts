// The open-loop replay end to end: the engine CLI (bin/llm-replay-dev.mjs replay) against the real
// simulator, whose ground truth says what actually arrived and when; the engine's own view
// comes from its --out jsonl records and its summary JSON.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { groundTruthFor, indexOf, readRecords, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { readTrace } from '../../src/trace/read';
import { selectRequests } from '../../src/trace/open-loop';
import { percentile } from '../../src/metrics/formulas';
import { decodeTokenTimes, type GroundTruthRecord } from '../../src/sim/ground-truth';
import type { ReplayResult } from '../../src/metrics/summary';
import type { TimedRequest } from '../../src/schedule/openloop';
import type { RequestRecord } from '../../src/outputs/jsonl';

const TRACE = 'traces/mooncake-sample.jsonl';
const SPEEDUP = 10;

type EngineSummary = ReplayResult & { engine: { interrupted: boolean; notSentInterrupted: number; delayedByConcurrency: number; workers: number; segmentSequence: string | null } };

function expectedRequests(max: number, speedup = SPEEDUP): TimedRequest[] {
  return selectRequests(readTrace(readFileSync(TRACE, 'utf8'), TRACE), { speedup, maxRequests: max });
}

function byIndex<T extends { id: string }>(records: T[]): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of records) m.set(indexOf(r.id), [...(m.get(indexOf(r.id)) ?? []), r]);
  return m;
}

/** Every index of `expected` exactly once among `records`. */
function expectExactlyOnce(records: { id: string }[], expected: TimedRequest[], what: string): void {
  const m = byIndex(records);
  expect([...m.keys()].sort((a, b) => a - b), what).toEqual(expected.map((r) => r.index));
  for (const [k, recs] of m) expect(recs, `${what}: request ${k} ${recs.length} times`).toHaveLength(1);
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** |x| percentiles, printed. */
function absStats(xs: number[], label: string): { p50: number; p95: number; p99: number } {
  const abs = sorted(xs.map(Math.abs));
  const s = { p50: percentile(abs, 50), p95: percentile(abs, 95), p99: percentile(abs, 99) };
  console.log(`${label}: |error| p50 ${s.p50.toFixed(3)} / p95 ${s.p95.toFixed(3)} / p99 ${s.p99.toFixed(3)} / max ${abs[abs.length - 1].toFixed(3)} ms (n=${xs.length})`);
  return s;
}

/** The median gap between distinct consecutive offsets of the slice: the schedule's resolution. */
function scheduleSpacing(expected: TimedRequest[]): number {
  const offsets = [...new Set(expected.map((r) => r.atMs))].sort((a, b) => a - b);
  return percentile(sorted(offsets.slice(1).map((o, i) => o - offsets[i])), 50);
}

/**
 * Arrivals follow the recorded offsets: after removing the instance's own start (unknown to
 * the server), arrival_k - atMs_k - median(arrival - atMs) is small against the spacing of the
 * schedule, so every request lands in its recorded slot.
 */
function expectArrivalsOnTime(records: GroundTruthRecord[], expected: TimedRequest[], label: string): void {
  const atMs = new Map(expected.map((r) => [r.index, r.atMs]));
  const offsets = records.map((r) => r.arrivalMs - atMs.get(indexOf(r.id))!);
  const base = percentile(sorted(offsets), 50);
  const spacing = scheduleSpacing(expected);
  const s = absStats(offsets.map((o) => o - base), `${label} (schedule spacing ${spacing.toFixed(0)} ms)`);
  expect(s.p50).toBeLessThan(0.1 * spacing);
  expect(s.p99).toBeLessThan(0.5 * spacing);
}

function readSummary(path: string): EngineSummary {
  return JSON.parse(readFileSync(path, 'utf8')) as EngineSummary;
}

function replayArgs(sim: RunningSim, dir: string, runId: string, max: number, extra: string[] = [], name = runId): string[] {
  return [
    'replay', '--trace', TRACE, '--base-url', sim.url, '--model', 'sim-model', '--speedup', String(SPEEDUP), '--max-requests', String(max),
    '--run-id', runId, '--summary-json', join(dir, `${name}.summary.json`), '--out', `jsonl=${join(dir, `${name}.jsonl`)}`, '--quiet', ...extra,
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
    const run = await runCli(replayArgs(sim, dir, runId, N));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Serving Benchmark Result/);
    expect(run.stdout).toMatch(new RegExp(`Successful requests:\\s+${N}\\n`));

    const expected = expectedRequests(N);
    const truth = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, N);
    expectExactlyOnce(truth, expected, 'ground truth');
    const gt = new Map(truth.map((r) => [indexOf(r.id), r]));
    for (const req of expected) {
      expect(gt.get(req.index), `request ${req.index}`).toMatchObject({ status: 200, promptTokens: req.inputTokens, maxTokens: req.outputTokens, completionTokens: req.outputTokens });
    }

    const summary = readSummary(join(dir, `${runId}.summary.json`));
    expect(summary.requests).toMatchObject({ planned: N, sent: N, succeeded: N, failed: 0, notSent: 0 });
    expect(summary.engine).toMatchObject({ interrupted: false, notSentInterrupted: 0, workers: 1 });
    expect(summary.tokens.input).toBe(expected.reduce((s, r) => s + r.inputTokens, 0));
    expect(summary.tokens.output).toBe(expected.reduce((s, r) => s + r.outputTokens, 0));
    expect(summary.latencyMs.dispatchLag?.count).toBe(N);

    // The engine's records: one per request, each on its recorded schedule, with the lengths
    // the server reported.
    const records = readRecords(join(dir, `${runId}.jsonl`));
    expectExactlyOnce(records, expected, 'jsonl records');
    const origin = records[0].scheduledUnixMs - expected[records[0].index].atMs;
    for (const r of records) {
      const req = expected[r.index];
      expect(r.scheduledUnixMs - req.atMs, `request ${r.index} scheduled off its offset`).toBeCloseTo(origin, 3);
      expect(r).toMatchObject({ ok: true, status: 200, promptTokens: req.inputTokens, outputTokens: req.outputTokens, tokenSource: 'usage' });
    }

    // Per request, the engine's TTFT/E2E against the simulator's own clock. The engine counts
    // from the send (from the connection's start on a new connection, as vLLM's bench does),
    // the simulator from the first request bytes it read to the bytes it wrote, so the engine
    // is longer by the hops both ways and by each side's event-loop turns. The error splits
    // into the request side (send -> arrival) and the response side (write -> read).
    const diff = { ttft: [] as number[], e2e: [] as number[], arrival: [] as number[], firstRead: [] as number[], endRead: [] as number[] };
    const value = { ttft: [] as number[], e2e: [] as number[] };
    for (const r of records) {
      const g = gt.get(r.index)!;
      const gtTtft = decodeTokenTimes(g)[0] - g.arrivalMs;
      const gtE2e = g.finishMs - g.arrivalMs;
      diff.ttft.push(r.ttftMs! - gtTtft);
      diff.e2e.push(r.e2eMs - gtE2e);
      diff.arrival.push(g.arrivalMs - r.sendUnixMs);
      diff.firstRead.push(r.sendUnixMs + r.ttftMs! - g.firstTokenMs!);
      diff.endRead.push(r.sendUnixMs + r.e2eMs - g.finishMs);
      value.ttft.push(gtTtft);
      value.e2e.push(gtE2e);
    }
    const median = { ttft: percentile(sorted(value.ttft), 50), e2e: percentile(sorted(value.e2e), 50) };
    console.log(`median ground-truth TTFT ${median.ttft.toFixed(1)} ms, E2E ${median.e2e.toFixed(1)} ms`);
    const ttft = absStats(diff.ttft, 'TTFT engine - ground truth');
    const e2e = absStats(diff.e2e, 'E2E engine - ground truth');
    absStats(diff.arrival, 'request side: simulator arrival - engine send');
    const firstRead = absStats(diff.firstRead, 'response side: engine first-token read - simulator write');
    const endRead = absStats(diff.endRead, 'response side: engine end read - simulator last write');
    // Agreement as a share of the measured value: the typical request within 1% of the median
    // latency, almost every one within 4%; the response side (one loopback hop and the
    // engine's read) within a small fraction of that.
    for (const [s, m] of [[ttft, median.ttft], [e2e, median.e2e]] as const) {
      expect(s.p50).toBeLessThan(0.01 * m);
      expect(s.p95).toBeLessThan(0.04 * m);
    }
    for (const [s, m] of [[firstRead, median.ttft], [endRead, median.e2e]] as const) {
      expect(s.p50).toBeLessThan(0.0025 * m);
      expect(s.p95).toBeLessThan(0.01 * m);
    }
    // Reads come after writes (both stamps are on this machine's one clock).
    expect(Math.min(...diff.firstRead)).toBeGreaterThan(-0.01 * median.ttft);

    expectArrivalsOnTime(truth, expected, 'arrival vs recorded offset');
  });

  it('lands on the recorded prompt length through a chat template, with a shipped word list and a real tokenizer', async () => {
    // A second simulator counting with Llama 3's tokenizer, whose chat template adds 12 tokens.
    const templated = await startSim(['--preset', 'fast', '--tokenizer', 'llama3', '--chat-template-tokens', '12', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
    try {
      const N = 12;
      const runId = 'template';
      const run = await runCli(replayArgs(templated, dir, runId, N, ['--template-tokens', '12', '--vocab', 'universal', '--speedup', '50', '--no-scrape']));
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const expected = expectedRequests(N, 50);
      const gt = byIndex(await groundTruthFor<GroundTruthRecord>(templated.groundTruth, `${runId}-`, N));
      for (const req of expected) expect(gt.get(req.index)?.[0].promptTokens, `request ${req.index}`).toBe(req.inputTokens);
    } finally {
      await templated.stop();
    }
  });

  it('two processes on execution segments send every request once, each at its recorded time; report merge gives the whole run', async () => {
    const N = 120;
    const runId = 'segments';
    const seq = ['--segment-sequence', '0,1/2,1'];
    const [a, b] = await Promise.all([
      runCli(replayArgs(sim, dir, runId, N, ['--segment', '0:1/2', ...seq, '--no-scrape'], 'a')),
      runCli(replayArgs(sim, dir, runId, N, ['--segment', '1/2:1', ...seq, '--no-scrape'], 'b')),
    ]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(b.code, b.stdout + b.stderr).toBe(0);

    const expected = expectedRequests(N);
    const all = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, N);
    expectExactlyOnce(all, expected, 'ground truth');

    const sa = readSummary(join(dir, 'a.summary.json'));
    const sb = readSummary(join(dir, 'b.summary.json'));
    expect(sa.requests.sent).toBeGreaterThan(0);
    expect(sb.requests.sent).toBeGreaterThan(0);
    expect(sa.requests.sent + sb.requests.sent).toBe(N);
    // Each instance knows it ran a segment: no false "never sent" alarm for the other half.
    expect([sa.run.executionSegment, sb.run.executionSegment]).toEqual(['0:1/2', '1/2:1']);
    expect([sa.requests.notSent, sb.requests.notSent]).toEqual([null, null]);
    for (const out of [a.stdout, b.stdout]) expect(out).not.toMatch(/never sent/);

    // Which instance sent what: its own records; disjoint, together the whole slice.
    const [ra, rb] = [readRecords(join(dir, 'a.jsonl')), readRecords(join(dir, 'b.jsonl'))];
    expect([ra.length, rb.length]).toEqual([sa.requests.sent, sb.requests.sent]);
    expectExactlyOnce([...ra, ...rb], expected, 'records of both instances');

    // `report merge` gives the whole run's table and counts.
    const merged = await runCli(['report', 'merge', join(dir, 'a.summary.json'), join(dir, 'b.summary.json'), '--out', join(dir, 'merged.json')], {}, 60_000);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(new RegExp(`Successful requests:\\s+${N}\\n`));
    const m = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as ReplayResult;
    expect(m.requests).toMatchObject({ planned: N, sent: N, succeeded: N, failed: 0, notSent: 0 });
    expect(m.latencyMs.ttft?.count).toBe(N);
    expect(m.tokens.input).toBe(expected.reduce((s, r) => s + r.inputTokens, 0));

    // Each instance keeps the recorded spacing of its own requests.
    const idsA = new Set(ra.map((r) => r.id));
    for (const part of [all.filter((r) => idsA.has(r.id)), all.filter((r) => !idsA.has(r.id))]) {
      const own = expected.filter((e) => part.some((r) => indexOf(r.id) === e.index));
      expectArrivalsOnTime(part, own, `segment of ${part.length} requests: arrival vs recorded offset`);
    }
  });

  for (const workers of ['2', 'auto']) {
    it(`--workers ${workers} sends each request exactly once and merges the threads' metrics`, async () => {
      const N = 60;
      const runId = `workers-${workers}`;
      const run = await runCli(replayArgs(sim, dir, runId, N, ['--workers', workers, '--no-scrape']));
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const expected = expectedRequests(N);
      expectExactlyOnce(await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, N), expected, 'ground truth');
      const records: RequestRecord[] = readRecords(join(dir, `${runId}.jsonl`));
      expectExactlyOnce(records, expected, 'jsonl records');
      const summary = readSummary(join(dir, `${runId}.summary.json`));
      expect(summary.engine.workers).toBe(workers === 'auto' ? Math.max(1, availableParallelism()) : 2);
      expect(summary.requests).toMatchObject({ planned: N, sent: N, succeeded: N, notSent: 0 });
      expect(summary.latencyMs.ttft?.count).toBe(N);
      expect(summary.tokens.output).toBe(expected.reduce((s, r) => s + r.outputTokens, 0));
    });
  }
});
