// Every fault the simulator can inject, survived by a real engine replay: the run completes,
// each failed request is counted under the reason its fault implies (in the summary and in its
// --out jsonl record), and nothing measured is lost. A second run with tight timeouts turns the
// slow faults into the transport's "timeout".

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, readRecords, runCli, startSim, tempDir, type CliRun, type RunningSim } from './support/processes';
import { decodeTokenTimes, type GroundTruthRecord } from '../../src/sim/ground-truth';
import type { ReplayResult } from '../../src/metrics/summary';
import type { RequestRecord } from '../../src/outputs/jsonl';
import { expectedReason } from './support/faults';

const KINDS = ['status=429', 'status=500', 'status=503', 'stall=300', 'cut=3', 'reset=3', 'malformed=2', 'mid-error=2', 'slow-first-byte=300'];

interface FaultRun {
  run: CliRun;
  summary: ReplayResult;
  records: RequestRecord[];
  gt: GroundTruthRecord[];
}

async function replayFaulty(sim: RunningSim, dir: string, runId: string, n: number, extra: string[]): Promise<FaultRun> {
  const summaryPath = join(dir, `${runId}.summary.json`);
  const jsonl = join(dir, `${runId}.jsonl`);
  const run = await runCli(['replay', '--trace', 'traces/mooncake-sample.jsonl', '--base-url', sim.url, '--model', 'sim-model', '--speedup', '20',
    // RUNID-N ids: the simulator draws each request's fault from its id, and seed 3 over these ids
    // draws every kind with the counts these tests were written for (UUID ids draw another set).
    '--max-requests', String(n), '--run-id', runId, '--summary-json', summaryPath, '--out', `jsonl=${jsonl}`, '--no-scrape', '--request-id-format', 'run', ...extra]);
  const summary = run.code === 0 ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult) : (undefined as unknown as ReplayResult);
  const records = run.code === 0 ? readRecords(jsonl) : [];
  return { run, summary, records, gt: await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, n) };
}

/** The summary's errors and each record's reason are what the ground truth's faults imply. */
function expectReasons(r: FaultRun, timeouts: boolean): void {
  const fault = new Map(r.gt.map((g) => [g.id, g.fault]));
  const want: Record<string, number> = {};
  for (const g of r.gt) {
    const reason = expectedReason(g.fault, timeouts);
    if (reason) want[reason] = (want[reason] ?? 0) + 1;
  }
  expect(r.summary.errors).toEqual(want);
  expect(r.summary.requests.failed).toBe(Object.values(want).reduce((a, b) => a + b, 0));
  for (const rec of r.records) {
    const reason = expectedReason(fault.get(rec.id) ?? null, timeouts);
    expect({ id: rec.id, fault: fault.get(rec.id), ok: rec.ok, reason: rec.reason }).toEqual({ id: rec.id, fault: fault.get(rec.id), ok: reason === null, reason: reason ?? undefined });
  }
}

describe('a replay against a faulty server', () => {
  let sim: RunningSim;
  const dir = tempDir('faults');
  const N = 80;
  let r: FaultRun;

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet',
      '--fault-rate', '0.6', '--fault-kinds', KINDS.join(','), '--seed', '3']);
    r = await replayFaulty(sim, dir, 'faults', N, ['--quiet']);
  }, 240_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('completes, with every kind of fault drawn at least once', () => {
    expect(r.run.code, r.run.stdout + r.run.stderr).toBe(0);
    expect(r.gt).toHaveLength(N);
    const drawn = new Set(r.gt.map((g) => g.fault));
    for (const k of KINDS) expect(drawn.has(k), `fault ${k} was never drawn`).toBe(true);
  });

  it('counts each failure under the reason its fault implies, in the summary and in every record', () => {
    expectReasons(r, false);
    expect(r.run.stdout).toMatch(new RegExp(`Failed requests:\\s+${r.summary.requests.failed}\\n`));
  });

  it('loses nothing: every request is sent once and accounted for, the slow ones measured', () => {
    expect(r.summary.requests).toMatchObject({ planned: N, sent: N, completed: N, notSent: 0 });
    expect(new Set(r.records.map((x) => x.id)).size).toBe(N);
    expect(r.records).toHaveLength(N);
    // Requests that only stalled or started slowly succeed, and their TTFT was recorded.
    const slow = new Set(r.gt.filter((g) => g.fault && expectedReason(g.fault) === null).map((g) => g.id));
    expect(slow.size).toBeGreaterThan(0);
    for (const rec of r.records.filter((x) => slow.has(x.id))) expect(rec.ttftMs, `${rec.id} has no TTFT`).toBeGreaterThan(0);
    expect(r.summary.requests.succeeded).toBe(N - r.summary.requests.failed);
  });
});

describe('slow faults against tight timeouts', () => {
  // Fault durations (model ms: 4 s at --time-scale 0.25) twice the timeouts, and the timeouts
  // far beyond a normal request's longest gap (its wait in the queue before the first token).
  const SLOW = ['stall=16000', 'slow-first-byte=16000'];
  let sim: RunningSim;
  const dir = tempDir('timeouts');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--time-scale', '0.25', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet',
      '--fault-rate', '0.5', '--fault-kinds', SLOW.join(','), '--seed', '5']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('counts a stalled stream (idle timeout) and a late first byte (first-byte timeout) as "timeout"', async () => {
    const N = 24;
    const r = await replayFaulty(sim, dir, 'timeouts', N, ['--quiet', '--idle-timeout-ms', '2000', '--first-byte-timeout-ms', '2000']);
    expect(r.run.code, r.run.stdout + r.run.stderr).toBe(0);
    const drawn = new Set(r.gt.map((g) => g.fault));
    for (const k of SLOW) expect(drawn.has(k), `fault ${k} was never drawn`).toBe(true);
    expect(r.summary.requests).toMatchObject({ planned: N, sent: N, completed: N });
    expectReasons(r, true);
    // Each gave up before its 4 s fault was over: the late first byte by the engine's clock, the
    // stall by the simulator's (its last token to the client leaving).
    const gt = new Map(r.gt.map((g) => [g.id, g]));
    for (const rec of r.records.filter((x) => x.reason === 'timeout')) {
      const g = gt.get(rec.id)!;
      if (g.fault!.startsWith('slow-first-byte')) expect(rec.e2eMs, rec.id).toBeLessThan(4000);
      else expect(g.finishMs - decodeTokenTimes(g).at(-1)!, rec.id).toBeLessThan(4000);
    }
  });
});
